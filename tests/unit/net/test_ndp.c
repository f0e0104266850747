/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/ndp.c: solicitations for our addresses answered (unicast, DAD,
 * link-local), next hops resolved through the bounded cache and wait queue,
 * retries and give-up, announcements, and every malformed or ignored message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/net.h>

#include "eal_fixture.h"

#define ETH_LEN 14
#define IP6_LEN 40
#define L4_OFF (ETH_LEN + IP6_LEN)
#define ND_LEN 24
#define OPT_LEN 8
#define FRAME_MAX 256

static struct {
	struct config cfg;
	struct net_ctx ctx;
	struct worker_counters ctr;
	unsigned int in_use;
} T;

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t unspecified[16];
/* ff02::1:ff00:1, the solicited-node group of both our addresses (both end in 00:00:01) */
static const uint8_t sn_ours[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x01 };
static const struct rte_ether_addr sn_ours_mac = { .addr_bytes = { 0x33, 0x33, 0xff, 0, 0, 1 } };

static int group_setup(void **state)
{
	(void)state;
	return eal_fixture_init();
}

static int setup_with(void (*tweak)(struct config *))
{
	memset(&T, 0, sizeof(T));
	fixture_config_ipv6(&T.cfg);
	if (tweak != NULL)
		tweak(&T.cfg);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
	if (T.ctx.arp == NULL || T.ctx.nd == NULL)
		return -1;
	fixture_drain(&T.ctx);
	T.in_use = rte_mempool_in_use_count(eal_fixture_pool());
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_with(NULL);
}

static void small_queue(struct config *cfg)
{
	cfg->ipv6.pending_max = 4;
}

static int setup_small_queue(void **state)
{
	(void)state;
	return setup_with(small_queue);
}

static int teardown(void **state)
{
	(void)state;
	fixture_drain(&T.ctx);
	net_ctx_fini(&T.ctx);
	assert_int_equal(rte_mempool_in_use_count(eal_fixture_pool()), T.in_use);
	return 0;
}

static void inject(const void *data, uint16_t len)
{
	struct rte_mbuf *m = fixture_frame(data, len);
	assert_non_null(m);
	net_input(&T.ctx, 0, m);
}

static void assert_only_drop(enum drop_reason r, uint64_t n)
{
	if (T.ctr.drops[r] != n || fixture_total_drops(&T.ctr) != n)
		for (unsigned int i = 0; i < DROP__COUNT; i++)
			if (T.ctr.drops[i] != 0)
				print_message("drop %s=%lu\n", drop_reason_name(i),
					      (unsigned long)T.ctr.drops[i]);
	assert_int_equal(T.ctr.drops[r], n);
	assert_int_equal(fixture_total_drops(&T.ctr), n);
}

/*
 * An NS (135) or NA (136) frame from the peer: eth_dst, src -> dst, target,
 * flags (NA), an optional link-layer address option (opt_type 0: none).
 */
static uint16_t nd_frame(uint8_t *buf, const struct rte_ether_addr *eth_dst, const uint8_t src[16],
			 const uint8_t dst[16], uint8_t type, uint8_t flags, const uint8_t target[16],
			 uint8_t opt_type, const struct rte_ether_addr *lla)
{
	uint16_t plen = (uint16_t)(ND_LEN + (opt_type ? OPT_LEN : 0));
	uint16_t o = fixture_put_eth(buf, eth_dst, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6);
	o += fixture_put_ipv6(buf + o, src, dst, 58, 255, plen);
	uint8_t *msg = buf + o;
	memset(msg, 0, plen);
	msg[0] = type;
	msg[4] = flags;
	memcpy(msg + 8, target, 16);
	if (opt_type) {
		msg[24] = opt_type;
		msg[25] = 1;
		memcpy(msg + 26, lla->addr_bytes, 6);
	}
	fixture_icmpv6_cksum(msg, plen, src, dst);
	return (uint16_t)(o + plen);
}

static uint16_t ns_for(uint8_t *buf, const uint8_t target[16])
{
	return nd_frame(buf, &sn_ours_mac, fixture_peer_ip6, sn_ours, 135, 0, target, 1,
			&fixture_peer_mac);
}

/* Collect exactly one frame, flat, into buf; returns its length. */
static uint16_t collect_one(uint8_t *buf)
{
	struct rte_mbuf *out[4];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	if (got != 1)
		fixture_free(out, got);
	assert_int_equal(got, 1);
	uint32_t len = rte_pktmbuf_pkt_len(out[0]);
	assert_true(len <= FRAME_MAX);
	const void *p = rte_pktmbuf_read(out[0], 0, len, buf);
	if (p != buf)
		memcpy(buf, p, len);
	rte_pktmbuf_free(out[0]);
	return (uint16_t)len;
}

/* f is an NS/NA from us: eth_dst, src -> dst, hop limit 255, valid checksum, our MAC in its option. */
static void assert_nd_sent(const uint8_t *f, uint16_t len, uint8_t type, uint8_t flags,
			   const struct rte_ether_addr *eth_dst, const uint8_t src[16],
			   const uint8_t dst[16], const uint8_t target[16])
{
	assert_int_equal(len, L4_OFF + ND_LEN + OPT_LEN);
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)f;
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, eth_dst));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &fixture_mac));
	assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_IPV6);
	const struct rte_ipv6_hdr *ih = (const struct rte_ipv6_hdr *)(f + ETH_LEN);
	assert_int_equal(rte_be_to_cpu_32(ih->vtc_flow) >> 28, 6);
	assert_int_equal(rte_be_to_cpu_16(ih->payload_len), ND_LEN + OPT_LEN);
	assert_int_equal(ih->proto, 58);
	assert_int_equal(ih->hop_limits, 255);
	assert_memory_equal(ih->src_addr, src, 16);
	assert_memory_equal(ih->dst_addr, dst, 16);
	const uint8_t *msg = f + L4_OFF;
	assert_int_equal(msg[0], type);
	assert_int_equal(msg[1], 0);
	assert_int_equal(msg[4], flags);
	assert_memory_equal(msg + 8, target, 16);
	assert_int_equal(msg[24], type == 135 ? 1 : 2);
	assert_int_equal(msg[25], 1);
	assert_memory_equal(msg + 26, fixture_mac.addr_bytes, 6);
	assert_true(fixture_icmpv6_cksum_ok(msg, ND_LEN + OPT_LEN, src, dst));
}

/* A packet for net_output_ipv6: a bare IPv6 header to dst, with headroom for Ethernet. */
static struct rte_mbuf *v6_packet(const uint8_t dst[16], uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(eal_fixture_pool());
	assert_non_null(m);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, IP6_LEN + 1);
	assert_non_null(p);
	fixture_put_ipv6(p, fixture_ip6, dst, 59, 64, 1);
	p[IP6_LEN] = tag;
	return m;
}

static void send6(const uint8_t dst[16], uint8_t tag)
{
	net_output_ipv6(&T.ctx, 0, v6_packet(dst, tag), dst);
}

static void test_ns_answered(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], out[FRAME_MAX];
	inject(f, ns_for(f, fixture_ip6));
	uint16_t len = collect_one(out);
	assert_nd_sent(out, len, 136, 0x60, &fixture_peer_mac, fixture_ip6, fixture_peer_ip6,
		       fixture_ip6); /* S and O */
	assert_int_equal(T.ctr.ndp_adverts_sent, 1);
	assert_only_drop(DROP_IPV6, 0);

	/* the peer was learned from its option: a packet to it leaves at once */
	send6(fixture_peer_ip6, 7);
	len = collect_one(out);
	assert_int_equal(len, ETH_LEN + IP6_LEN + 1);
	assert_memory_equal(out, fixture_peer_mac.addr_bytes, 6);
	assert_int_equal(out[ETH_LEN + IP6_LEN], 7);
	assert_int_equal(T.ctr.ndp_solicits_sent, 0);

	/* unicast to us (a reachability check) and for our link-local address */
	uint8_t ll[16];
	net_ipv6_link_local(&T.ctx.ports[0], ll);
	inject(f, nd_frame(f, &fixture_mac, fixture_peer_ip6, fixture_ip6, 135, 0, fixture_ip6, 0,
			   NULL));
	len = collect_one(out);
	assert_nd_sent(out, len, 136, 0x60, &fixture_peer_mac, fixture_ip6, fixture_peer_ip6,
		       fixture_ip6);
	inject(f, ns_for(f, ll));
	len = collect_one(out);
	assert_nd_sent(out, len, 136, 0x60, &fixture_peer_mac, ll, fixture_peer_ip6, ll);
	assert_only_drop(DROP_IPV6, 0);
}

/* Duplicate address detection for our address: defended to all nodes, not "solicited". */
static void test_ns_dad(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], out[FRAME_MAX];
	inject(f, nd_frame(f, &sn_ours_mac, unspecified, sn_ours, 135, 0, fixture_ip6, 0, NULL));
	uint16_t len = collect_one(out);
	const struct rte_ether_addr all_nodes_mac = { .addr_bytes = { 0x33, 0x33, 0, 0, 0, 1 } };
	assert_nd_sent(out, len, 136, 0x20, &all_nodes_mac, fixture_ip6, all_nodes, fixture_ip6);
	assert_only_drop(DROP_IPV6, 0);
}

static void test_ns_refused(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	/* another host's address */
	static const uint8_t other[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0x01,
					   [14] = 0x01 };
	inject(f, nd_frame(f, &fixture_mac, fixture_peer_ip6, fixture_ip6, 135, 0, other, 1,
			   &fixture_peer_mac));
	assert_only_drop(DROP_NDP_NOT_OURS, 1);
	assert_int_equal(fixture_drain(&T.ctx), 0);

	memset(&T.ctr, 0, sizeof(T.ctr));
	uint16_t len = ns_for(f, fixture_ip6);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(f + ETH_LEN);
	uint8_t *msg = f + L4_OFF;
	/* a hop limit other than 255: it crossed a router (RFC 4861 7.1.1) */
	ih->hop_limits = 64;
	inject(f, len);
	ih->hop_limits = 255;
	/* a code */
	msg[1] = 1;
	fixture_icmpv6_cksum(msg, ND_LEN + OPT_LEN, fixture_peer_ip6, sn_ours);
	inject(f, len);
	msg[1] = 0;
	/* an option of length 0 */
	msg[25] = 0;
	fixture_icmpv6_cksum(msg, ND_LEN + OPT_LEN, fixture_peer_ip6, sn_ours);
	inject(f, len);
	msg[25] = 1;
	/* a group as the target */
	memcpy(msg + 8, all_nodes, 16);
	fixture_icmpv6_cksum(msg, ND_LEN + OPT_LEN, fixture_peer_ip6, sn_ours);
	inject(f, len);
	/* shorter than the message */
	len = ns_for(f, fixture_ip6);
	ih->payload_len = rte_cpu_to_be_16(20);
	fixture_icmpv6_cksum(msg, 20, fixture_peer_ip6, sn_ours);
	inject(f, L4_OFF + 20);
	/* DAD with a source link-layer address option, or to a unicast address */
	inject(f, nd_frame(f, &sn_ours_mac, unspecified, sn_ours, 135, 0, fixture_ip6, 1,
			   &fixture_peer_mac));
	inject(f, nd_frame(f, &fixture_mac, unspecified, fixture_ip6, 135, 0, fixture_ip6, 0,
			   NULL));
	/* a multicast MAC in the option */
	inject(f, nd_frame(f, &sn_ours_mac, fixture_peer_ip6, sn_ours, 135, 0, fixture_ip6, 1,
			   &sn_ours_mac));
	assert_only_drop(DROP_NDP_MALFORMED, 8);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.ndp_adverts_sent, 0);
}

/* Our solicitation, the peer's advertisement, then the queued packets leave in order. */
static void test_resolve(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], out[FRAME_MAX];
	for (uint8_t i = 0; i < 3; i++)
		send6(fixture_peer_ip6, i);
	uint16_t len = collect_one(out); /* one solicitation for the three */
	static const uint8_t sn_peer[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x02 };
	const struct rte_ether_addr sn_peer_mac = { .addr_bytes = { 0x33, 0x33, 0xff, 0, 0, 2 } };
	assert_nd_sent(out, len, 135, 0, &sn_peer_mac, fixture_ip6, sn_peer, fixture_peer_ip6);
	assert_int_equal(T.ctr.ndp_solicits_sent, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 3);

	inject(f, nd_frame(f, &fixture_mac, fixture_peer_ip6, fixture_ip6, 136, 0x60,
			   fixture_peer_ip6, 2, &fixture_peer_mac));
	struct rte_mbuf *sent[8];
	unsigned int got = fixture_collect(&T.ctx, sent, RTE_DIM(sent));
	assert_int_equal(got, 3);
	for (unsigned int i = 0; i < got; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(sent[i], const uint8_t *);
		assert_memory_equal(p, fixture_peer_mac.addr_bytes, 6);
		assert_int_equal(p[ETH_LEN + IP6_LEN], i);
	}
	fixture_free(sent, got);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
	assert_only_drop(DROP_IPV6, 0);

	/* a link-local next hop is solicited from our link-local address */
	uint8_t ll[16], peer_ll[16] = { 0xfe, 0x80, [15] = 0x02 };
	net_ipv6_link_local(&T.ctx.ports[0], ll);
	send6(peer_ll, 9);
	len = collect_one(out);
	assert_nd_sent(out, len, 135, 0, &sn_peer_mac, ll, sn_peer, peer_ll);
	net_ctx_fini(&T.ctx); /* the waiting packet is freed with the table */
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
}

static void test_resolve_gives_up(void **state)
{
	(void)state;
	send6(fixture_peer_ip6, 1);
	for (int i = 0; i < 5; i++) {
		T.ctx.now += T.ctx.tsc_hz + 1;
		net_timers(&T.ctx);
	}
	assert_int_equal(T.ctr.ndp_solicits_sent, 3);
	assert_int_equal(fixture_drain(&T.ctx), 3);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
	assert_only_drop(DROP_NDP_UNRESOLVED, 1);
}

static void test_queue_bounded(void **state)
{
	(void)state;
	for (uint8_t i = 0; i < 6; i++)
		send6(fixture_peer_ip6, i);
	assert_int_equal(fixture_drain(&T.ctx), 1); /* the solicitation */
	assert_int_equal(net_mbufs_held(&T.ctx), 4);
	assert_only_drop(DROP_NDP_QUEUE_FULL, 2);
}

static void test_no_route(void **state)
{
	(void)state;
	static const uint8_t off_link[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x19, [15] = 0x02 };
	send6(off_link, 1);
	send6(all_nodes, 1);
	assert_only_drop(DROP_NO_ROUTE, 2);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_false(net_ipv6_has_router(&T.ctx, 0));
}

static void gateway_on_link(struct config *cfg)
{
	cfg->ports[0].has_ipv6_gateway = true;
	memcpy(cfg->ports[0].ipv6_gateway, fixture_peer_ip6, 16);
}

static int setup_gateway(void **state)
{
	(void)state;
	return setup_with(gateway_on_link);
}

/* Off-link destinations leave through the gateway: it is solicited, then they go to its MAC. */
static void test_off_link_via_gateway(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], out[FRAME_MAX];
	static const uint8_t off_link[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x99, [15] = 0x01 };
	static const uint8_t off_link2[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x98, [15] = 0x07 };
	send6(off_link, 1);
	send6(off_link2, 2);
	uint16_t len = collect_one(out); /* one solicitation, for the gateway */
	static const uint8_t sn_peer[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x02 };
	const struct rte_ether_addr sn_peer_mac = { .addr_bytes = { 0x33, 0x33, 0xff, 0, 0, 2 } };
	assert_nd_sent(out, len, 135, 0, &sn_peer_mac, fixture_ip6, sn_peer, fixture_peer_ip6);
	assert_int_equal(net_mbufs_held(&T.ctx), 2);
	inject(f, nd_frame(f, &fixture_mac, fixture_peer_ip6, fixture_ip6, 136, 0xe0,
			   fixture_peer_ip6, 2, &fixture_peer_mac)); /* R, S, O */
	struct rte_mbuf *sent[8];
	unsigned int got = fixture_collect(&T.ctx, sent, RTE_DIM(sent));
	assert_int_equal(got, 2);
	for (unsigned int i = 0; i < got; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(sent[i], const uint8_t *);
		assert_memory_equal(p, fixture_peer_mac.addr_bytes, 6);
		/* the IPv6 destination is still the off-link host */
		assert_memory_equal(p + ETH_LEN + 24, i == 0 ? off_link : off_link2, 16);
		assert_int_equal(p[ETH_LEN + IP6_LEN], i + 1);
	}
	fixture_free(sent, got);
	/* resolved now: the next one leaves at once; on-link ones still go straight */
	send6(off_link, 3);
	len = collect_one(out);
	assert_memory_equal(out, fixture_peer_mac.addr_bytes, 6);
	assert_int_equal(out[ETH_LEN + IP6_LEN], 3);
	assert_true(net_ipv6_has_router(&T.ctx, 0));
	assert_int_equal(T.ctr.ndp_solicits_sent, 1);
	/* a group is never sent to a router */
	send6(all_nodes, 4);
	assert_only_drop(DROP_NO_ROUTE, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
}

static void test_na_refused(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	/* someone claims our address */
	inject(f, nd_frame(f, &fixture_mac, fixture_peer_ip6, fixture_ip6, 136, 0x20, fixture_ip6,
			   2, &fixture_peer_mac));
	assert_only_drop(DROP_NDP_SPOOF, 1);
	/* "solicited" to a group; a group as the target */
	memset(&T.ctr, 0, sizeof(T.ctr));
	const struct rte_ether_addr all_nodes_mac = { .addr_bytes = { 0x33, 0x33, 0, 0, 0, 1 } };
	inject(f, nd_frame(f, &all_nodes_mac, fixture_peer_ip6, all_nodes, 136, 0x60,
			   fixture_peer_ip6, 2, &fixture_peer_mac));
	inject(f, nd_frame(f, &fixture_mac, fixture_peer_ip6, fixture_ip6, 136, 0x60, all_nodes, 2,
			   &fixture_peer_mac));
	assert_only_drop(DROP_NDP_MALFORMED, 2);
	/* without the target's address there is nothing to learn */
	memset(&T.ctr, 0, sizeof(T.ctr));
	inject(f, nd_frame(f, &fixture_mac, fixture_peer_ip6, fixture_ip6, 136, 0x60,
			   fixture_peer_ip6, 0, NULL));
	assert_only_drop(DROP_NDP_NOT_OURS, 1);
	/* an unsolicited one does not make an entry (only updates one) */
	memset(&T.ctr, 0, sizeof(T.ctr));
	inject(f, nd_frame(f, &all_nodes_mac, fixture_peer_ip6, all_nodes, 136, 0x20,
			   fixture_peer_ip6, 2, &fixture_peer_mac));
	assert_only_drop(DROP_IPV6, 0);
	send6(fixture_peer_ip6, 1);
	assert_int_equal(T.ctr.ndp_solicits_sent, 1);
	assert_int_equal(fixture_drain(&T.ctx), 1);
	net_ctx_fini(&T.ctx);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
}

/* Router solicitations, advertisements and redirects: a host with configured addresses ignores them. */
static void test_router_messages_ignored(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	const struct rte_ether_addr all_nodes_mac = { .addr_bytes = { 0x33, 0x33, 0, 0, 0, 1 } };
	const uint8_t types[] = { 133, 134, 137 };
	for (unsigned int i = 0; i < RTE_DIM(types); i++)
		inject(f, nd_frame(f, &all_nodes_mac, fixture_peer_ip6, all_nodes, types[i], 0,
				   all_nodes, 0, NULL));
	assert_only_drop(DROP_NDP_ROUTER_IGNORED, 3);
	assert_int_equal(fixture_drain(&T.ctx), 0);
}

/* ---------------------------------------------------------------- router advertisements */

#define RA_LEN 16
static const uint8_t router_ll[16] = { 0xfe, 0x80, [15] = 0x02 };
static const uint8_t off_link_host[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x99, [15] = 0x01 };
static const struct rte_ether_addr all_nodes_mac_ra = { .addr_bytes = { 0x33, 0x33, 0, 0, 0, 1 } };

static void accept_ra(struct config *cfg)
{
	cfg->ipv6.accept_ra = true;
}

static int setup_accept_ra(void **state)
{
	(void)state;
	return setup_with(accept_ra);
}

/*
 * A router advertisement from src to all nodes: router lifetime, then (slla)
 * a source link-layer address option with the peer's MAC and extra bytes of
 * zeros (tests put more options there). Returns the frame length.
 */
static uint16_t ra_frame(uint8_t *buf, const uint8_t src[16], uint16_t lifetime, bool slla,
			 uint16_t extra)
{
	uint16_t plen = (uint16_t)(RA_LEN + (slla ? OPT_LEN : 0) + extra);
	uint16_t o = fixture_put_eth(buf, &all_nodes_mac_ra, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6);
	o += fixture_put_ipv6(buf + o, src, all_nodes, 58, 255, plen);
	uint8_t *msg = buf + o;
	memset(msg, 0, plen);
	msg[0] = 134;
	msg[4] = 64; /* cur hop limit */
	msg[6] = (uint8_t)(lifetime >> 8);
	msg[7] = (uint8_t)lifetime;
	if (slla) {
		msg[RA_LEN] = 1;
		msg[RA_LEN + 1] = 1;
		memcpy(msg + RA_LEN + 2, fixture_peer_mac.addr_bytes, 6);
	}
	fixture_icmpv6_cksum(msg, plen, src, all_nodes);
	return (uint16_t)(o + plen);
}

/* Recompute the checksum of the RA in f (after a test changed it). */
static void ra_resum(uint8_t *f, uint16_t len)
{
	const struct rte_ipv6_hdr *ih = (const struct rte_ipv6_hdr *)(f + ETH_LEN);
	fixture_icmpv6_cksum(f + L4_OFF, (uint16_t)(len - L4_OFF), ih->src_addr, ih->dst_addr);
}

/* Send one packet off-link; true when it left at once for the peer's MAC, addressed to dst. */
static bool left_via_router(const uint8_t dst[16])
{
	uint8_t out[FRAME_MAX];
	uint64_t sol = T.ctr.ndp_solicits_sent, no_route = T.ctr.drops[DROP_NO_ROUTE];
	send6(dst, 0x5a);
	if (T.ctr.drops[DROP_NO_ROUTE] != no_route)
		return false;
	uint16_t len = collect_one(out);
	assert_int_equal(len, ETH_LEN + IP6_LEN + 1);
	assert_int_equal(T.ctr.ndp_solicits_sent, sol);
	assert_memory_equal(out, fixture_peer_mac.addr_bytes, 6);
	assert_memory_equal(out + ETH_LEN + 24, dst, 16);
	return true;
}

/* Without ipv6.accept_ra an advertisement is ignored and teaches nothing. */
static void test_ra_ignored_by_default(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	inject(f, ra_frame(f, router_ll, 1800, true, 0));
	assert_only_drop(DROP_NDP_ROUTER_IGNORED, 1);
	assert_int_equal(T.ctr.ndp_ra_accepted, 0);
	assert_false(net_ipv6_has_router(&T.ctx, 0));
	assert_false(left_via_router(off_link_host));
	assert_int_equal(T.ctr.drops[DROP_NO_ROUTE], 1);
	assert_int_equal(fixture_total_drops(&T.ctr), 2);
}

/* Learned, used (its MAC from the option: no solicitation), removed by lifetime 0, expired. */
static void test_ra_default_router(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	assert_false(net_ipv6_has_router(&T.ctx, 0));
	inject(f, ra_frame(f, router_ll, 1800, true, 0));
	assert_int_equal(T.ctr.ndp_ra_accepted, 1);
	assert_only_drop(DROP_IPV6, 0);
	assert_true(net_ipv6_has_router(&T.ctx, 0));
	assert_true(left_via_router(off_link_host));
	/* an on-link destination does not go to the router: it is solicited itself */
	uint8_t out[FRAME_MAX];
	static const uint8_t sn_peer[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x02 };
	const struct rte_ether_addr sn_peer_mac = { .addr_bytes = { 0x33, 0x33, 0xff, 0, 0, 2 } };
	send6(fixture_peer_ip6, 1);
	uint16_t len = collect_one(out);
	assert_nd_sent(out, len, 135, 0, &sn_peer_mac, fixture_ip6, sn_peer, fixture_peer_ip6);
	net_ctx_fini(&T.ctx);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);

	/* lifetime 0: no longer a default router */
	inject(f, ra_frame(f, router_ll, 1800, true, 0));
	assert_true(left_via_router(off_link_host));
	inject(f, ra_frame(f, router_ll, 0, true, 0));
	assert_int_equal(T.ctr.ndp_ra_accepted, 2);
	assert_false(net_ipv6_has_router(&T.ctx, 0));
	assert_false(left_via_router(off_link_host));
	assert_only_drop(DROP_NO_ROUTE, 1);

	/* a lifetime of 10 s, then 11 s on the worker's clock: expired, counted once */
	inject(f, ra_frame(f, router_ll, 10, true, 0));
	T.ctx.now += 9 * T.ctx.tsc_hz;
	net_timers(&T.ctx);
	assert_true(left_via_router(off_link_host));
	assert_int_equal(T.ctr.ndp_routers_expired, 0);
	T.ctx.now += 2 * T.ctx.tsc_hz;
	assert_false(net_ipv6_has_router(&T.ctx, 0)); /* gone at once, timers or not */
	net_timers(&T.ctx);
	net_timers(&T.ctx);
	assert_int_equal(T.ctr.ndp_routers_expired, 1);
	assert_false(left_via_router(off_link_host));
	assert_only_drop(DROP_NO_ROUTE, 2);
	/* a new advertisement brings it back */
	inject(f, ra_frame(f, router_ll, 10, true, 0));
	assert_true(left_via_router(off_link_host));
	assert_int_equal(T.ctr.ndp_ra_accepted, 4);
}

/* Without its link-layer address the router is solicited like any neighbor, from fe80::. */
static void test_ra_without_slla(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], out[FRAME_MAX], ll[16];
	inject(f, ra_frame(f, router_ll, 600, false, 0));
	assert_int_equal(T.ctr.ndp_ra_accepted, 1);
	send6(off_link_host, 1);
	uint16_t len = collect_one(out);
	static const uint8_t sn_router[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x02 };
	const struct rte_ether_addr sn_mac = { .addr_bytes = { 0x33, 0x33, 0xff, 0, 0, 2 } };
	net_ipv6_link_local(&T.ctx.ports[0], ll);
	assert_nd_sent(out, len, 135, 0, &sn_mac, ll, sn_router, router_ll);
	inject(f, nd_frame(f, &fixture_mac, router_ll, ll, 136, 0xe0, router_ll, 2,
			   &fixture_peer_mac));
	len = collect_one(out);
	assert_memory_equal(out, fixture_peer_mac.addr_bytes, 6);
	assert_memory_equal(out + ETH_LEN + 24, off_link_host, 16);
	assert_only_drop(DROP_IPV6, 0);
}

/* RFC 4861 6.1.2: each invalid advertisement is dropped by reason and teaches nothing. */
static void test_ra_refused(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(f + ETH_LEN);
	uint8_t *msg = f + L4_OFF;
	uint16_t len;

	len = ra_frame(f, router_ll, 1800, true, 0);
	ih->hop_limits = 254; /* forwarded by a router */
	inject(f, len);
	assert_only_drop(DROP_NDP_RA_HOP_LIMIT, 1);

	memset(&T.ctr, 0, sizeof(T.ctr));
	inject(f, ra_frame(f, fixture_peer_ip6, 1800, true, 0)); /* a global source */
	assert_only_drop(DROP_NDP_RA_SOURCE, 1);

	memset(&T.ctr, 0, sizeof(T.ctr));
	len = ra_frame(f, router_ll, 1800, true, 0);
	msg[1] = 1;
	ra_resum(f, len);
	inject(f, len);
	assert_only_drop(DROP_NDP_RA_CODE, 1);

	/* 12 bytes: shorter than the fixed part */
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = ra_frame(f, router_ll, 1800, false, 0);
	ih->payload_len = rte_cpu_to_be_16(12);
	fixture_icmpv6_cksum(msg, 12, router_ll, all_nodes);
	inject(f, L4_OFF + 12);
	assert_only_drop(DROP_NDP_RA_LENGTH, 1);

	/* options: length 0; running past the end; a multicast or zero link-layer address; an
	 * option of the right type but 16 bytes long */
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = ra_frame(f, router_ll, 1800, true, 0);
	msg[RA_LEN + 1] = 0;
	ra_resum(f, len);
	inject(f, len);
	len = ra_frame(f, router_ll, 1800, true, 0);
	msg[RA_LEN + 1] = 2;
	ra_resum(f, len);
	inject(f, len);
	len = ra_frame(f, router_ll, 1800, true, 0);
	msg[RA_LEN + 2] = 0x01; /* group bit */
	ra_resum(f, len);
	inject(f, len);
	len = ra_frame(f, router_ll, 1800, true, 0);
	memset(msg + RA_LEN + 2, 0, 6);
	ra_resum(f, len);
	inject(f, len);
	len = ra_frame(f, router_ll, 1800, true, 8);
	msg[RA_LEN + 1] = 2;
	ra_resum(f, len);
	inject(f, len);
	/* a second option after a good one, cut short (a prefix option's type and length 4) */
	len = ra_frame(f, router_ll, 1800, true, 8);
	msg[RA_LEN + OPT_LEN] = 3;
	msg[RA_LEN + OPT_LEN + 1] = 4;
	ra_resum(f, len);
	inject(f, len);
	assert_only_drop(DROP_NDP_RA_OPTIONS, 6);

	/* a bad checksum never reaches NDP */
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = ra_frame(f, router_ll, 1800, true, 0);
	msg[7] ^= 1;
	inject(f, len);
	assert_only_drop(DROP_ICMPV6_CHECKSUM, 1);

	assert_int_equal(T.ctr.ndp_ra_accepted, 0);
	assert_false(net_ipv6_has_router(&T.ctx, 0));
	assert_int_equal(fixture_drain(&T.ctx), 0);

	/* unknown options are skipped (RFC 4861 4.6): an MTU option beside the address */
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = ra_frame(f, router_ll, 1800, true, 8);
	msg[RA_LEN + OPT_LEN] = 5;
	msg[RA_LEN + OPT_LEN + 1] = 1;
	ra_resum(f, len);
	inject(f, len);
	assert_int_equal(T.ctr.ndp_ra_accepted, 1);
	assert_only_drop(DROP_IPV6, 0);
	assert_true(left_via_router(off_link_host));
}

/* The list holds NET_IPV6_ROUTERS; one more is refused until a place frees up. */
static void test_ra_routers_full(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], src[16];
	memcpy(src, router_ll, 16);
	for (uint8_t i = 0; i <= NET_IPV6_ROUTERS; i++) {
		src[15] = (uint8_t)(0x10 + i);
		inject(f, ra_frame(f, src, (uint16_t)(100 + i), false, 0));
	}
	assert_int_equal(T.ctr.ndp_ra_accepted, NET_IPV6_ROUTERS);
	assert_only_drop(DROP_NDP_RA_ROUTERS_FULL, 1);
	/* the first one's lifetime runs out: the one refused takes its place */
	T.ctx.now += 100 * T.ctx.tsc_hz;
	inject(f, ra_frame(f, src, 100, false, 0));
	assert_int_equal(T.ctr.ndp_ra_accepted, NET_IPV6_ROUTERS + 1);
	assert_only_drop(DROP_NDP_RA_ROUTERS_FULL, 1);
	/* an update of a known router needs no new place */
	src[15] = 0x11;
	inject(f, ra_frame(f, src, 1000, false, 0));
	assert_int_equal(T.ctr.ndp_ra_accepted, NET_IPV6_ROUTERS + 2);
	assert_only_drop(DROP_NDP_RA_ROUTERS_FULL, 1);
}

/* A configured gateway wins over what advertisements say. */
static void gateway_and_ra(struct config *cfg)
{
	gateway_on_link(cfg);
	cfg->ipv6.accept_ra = true;
}

static int setup_gateway_and_ra(void **state)
{
	(void)state;
	return setup_with(gateway_and_ra);
}

static void test_ra_gateway_first(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], out[FRAME_MAX];
	static const struct rte_ether_addr router_mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x77 } };
	uint16_t len = ra_frame(f, router_ll, 1800, true, 0);
	memcpy(f + L4_OFF + RA_LEN + 2, router_mac.addr_bytes, 6);
	ra_resum(f, len);
	inject(f, len);
	assert_int_equal(T.ctr.ndp_ra_accepted, 1);
	send6(off_link_host, 1);
	len = collect_one(out); /* a solicitation for the configured gateway, not the router */
	static const uint8_t sn_peer[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x02 };
	const struct rte_ether_addr sn_peer_mac = { .addr_bytes = { 0x33, 0x33, 0xff, 0, 0, 2 } };
	assert_nd_sent(out, len, 135, 0, &sn_peer_mac, fixture_ip6, sn_peer, fixture_peer_ip6);
	net_ctx_fini(&T.ctx);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
}

static void test_announce(void **state)
{
	(void)state;
	net_announce(&T.ctx);
	struct rte_mbuf *out[8];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	assert_int_equal(got, 3); /* gratuitous ARP, then an NA for each IPv6 address */
	const struct rte_ether_addr all_nodes_mac = { .addr_bytes = { 0x33, 0x33, 0, 0, 0, 1 } };
	uint8_t ll[16], buf[FRAME_MAX];
	net_ipv6_link_local(&T.ctx.ports[0], ll);
	const uint8_t *f = rte_pktmbuf_read(out[1], 0, rte_pktmbuf_pkt_len(out[1]), buf);
	assert_nd_sent(f, (uint16_t)rte_pktmbuf_pkt_len(out[1]), 136, 0x20, &all_nodes_mac,
		       fixture_ip6, all_nodes, fixture_ip6);
	f = rte_pktmbuf_read(out[2], 0, rte_pktmbuf_pkt_len(out[2]), buf);
	assert_nd_sent(f, (uint16_t)rte_pktmbuf_pkt_len(out[2]), 136, 0x20, &all_nodes_mac, ll,
		       all_nodes, ll);
	fixture_free(out, got);
	assert_int_equal(T.ctr.ndp_adverts_sent, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ns_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_dad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bounded, setup_small_queue, teardown),
		cmocka_unit_test_setup_teardown(test_no_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_link_via_gateway, setup_gateway, teardown),
		cmocka_unit_test_setup_teardown(test_na_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_router_messages_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_announce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ra_ignored_by_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ra_default_router, setup_accept_ra, teardown),
		cmocka_unit_test_setup_teardown(test_ra_without_slla, setup_accept_ra, teardown),
		cmocka_unit_test_setup_teardown(test_ra_refused, setup_accept_ra, teardown),
		cmocka_unit_test_setup_teardown(test_ra_routers_full, setup_accept_ra, teardown),
		cmocka_unit_test_setup_teardown(test_ra_gateway_first, setup_gateway_and_ra, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}

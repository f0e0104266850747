/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net/arp.c: answering, validation, learning, resolution with retries, and the bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/net.h>

#include "eal_fixture.h"

/* RTE_IPV4 shifts an int: keep the first octet unsigned. */
#define IP4(a, b, c, d) RTE_IPV4((uint32_t)(a), b, c, d)
#define GATEWAY_IP IP4(198, 18, 0, 254)
#define UDP_PAYLOAD 8

static struct fixture_net T;

static const struct rte_ether_addr bcast_mac = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr zero_mac = {.addr_bytes = {0}};
static const struct rte_ether_addr gw_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0xfe}};
static const struct rte_ether_addr other_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x77}};

static int setup(void **state)
{
	(void)state;
	fixture_config(&T.cfg);
	return fixture_net_begin(&T);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fixture_net_end(&T), T.in_use);
	return 0;
}

/* Re-create the context after changing T.cfg. */
static void reinit(void)
{
	net_ctx_fini(&T.ctx);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
	assert_non_null(T.ctx.arp);
}

static void advance_ms(uint64_t ms)
{
	T.ctx.now += T.ctx.tsc_hz * ms / 1000;
}

static void inject(const void *data, uint16_t len)
{
	fixture_inject(&T.ctx, data, len);
}

/* An ARP frame from src_mac; fields as given (addresses host order). */
static void inject_arp(const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *src_mac,
		       uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
		       const struct rte_ether_addr *tha, uint32_t tip)
{
	uint8_t buf[64] = {0};
	uint16_t n = fixture_put_eth(buf, eth_dst, src_mac, RTE_ETHER_TYPE_ARP);
	fixture_put_arp(buf + n, op, sha, sip, tha, tip);
	inject(buf, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN); /* padded, as on the wire */
}

static void inject_request(const struct rte_ether_addr *mac, uint32_t sip, uint32_t tip)
{
	inject_arp(&bcast_mac, mac, RTE_ARP_OP_REQUEST, mac, sip, &zero_mac, tip);
}

static void inject_reply(const struct rte_ether_addr *mac, uint32_t sip)
{
	inject_arp(&fixture_mac, mac, RTE_ARP_OP_REPLY, mac, sip, &fixture_mac, FIXTURE_IP);
}

/* An IPv4/UDP packet from us to dst, tagged in its first payload byte; sent with net_output_ipv4. */
static void output_ip(uint32_t dst, uint8_t tag)
{
	uint8_t buf[64] = {0};
	uint16_t n = fixture_put_ipv4(buf, FIXTURE_IP, dst, IPPROTO_UDP, 8 + UDP_PAYLOAD);
	buf[n + 8] = tag;
	struct rte_mbuf *m = fixture_frame(buf, (uint16_t)(n + 8 + UDP_PAYLOAD));
	assert_non_null(m);
	net_output_ipv4(&T.ctx, 0, m, rte_cpu_to_be_32(dst));
}

static const struct rte_arp_hdr *arp_of(struct rte_mbuf *m)
{
	assert_true(rte_pktmbuf_data_len(m) >= sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr));
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_ARP);
	const struct rte_arp_hdr *ah =
		rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	assert_int_equal(rte_be_to_cpu_16(ah->arp_hardware), RTE_ARP_HRD_ETHER);
	assert_int_equal(rte_be_to_cpu_16(ah->arp_protocol), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(ah->arp_hlen, RTE_ETHER_ADDR_LEN);
	assert_int_equal(ah->arp_plen, 4);
	return ah;
}

/* m is a broadcast ARP request from us for target. */
static void assert_request(struct rte_mbuf *m, uint32_t target)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_arp_hdr *ah = arp_of(m);
	assert_true(rte_is_broadcast_ether_addr(&eh->dst_addr));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &fixture_mac));
	assert_int_equal(rte_be_to_cpu_16(ah->arp_opcode), RTE_ARP_OP_REQUEST);
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &fixture_mac));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_sip), FIXTURE_IP);
	assert_true(rte_is_zero_ether_addr(&ah->arp_data.arp_tha));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_tip), target);
}

/* m is our IPv4 packet tagged tag, sent to dst (IP) via mac. */
static void assert_ip_frame(struct rte_mbuf *m, const struct rte_ether_addr *mac, uint32_t dst,
			    uint8_t tag)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_IPV4);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &fixture_mac));
	assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(*eh) + 20 + 8 + UDP_PAYLOAD);
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(*eh));
	assert_int_equal(rte_be_to_cpu_32(ih->dst_addr), dst);
	assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[sizeof(*eh) + 20 + 8], tag);
}

/* Collect exactly n frames into out. */
static void collect(struct rte_mbuf **out, unsigned int n, unsigned int max)
{
	unsigned int got = fixture_collect(&T.ctx, out, max);
	if (got != n)
		fixture_free(out, got);
	assert_int_equal(got, n);
}

static void test_request_for_us(void **state)
{
	(void)state;
	inject_request(&fixture_peer_mac, FIXTURE_PEER_IP, FIXTURE_IP);
	struct rte_mbuf *out[4];
	collect(out, 1, RTE_DIM(out));
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *);
	const struct rte_arp_hdr *ah = arp_of(out[0]);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &fixture_peer_mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &fixture_mac));
	assert_int_equal(rte_be_to_cpu_16(ah->arp_opcode), RTE_ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &fixture_mac));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_sip), FIXTURE_IP);
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_tha, &fixture_peer_mac));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_tip), FIXTURE_PEER_IP);
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_replies_sent, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 0);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);

	/* The requester was learned: a packet to it leaves at once, no request. */
	output_ip(FIXTURE_PEER_IP, 7);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &fixture_peer_mac, FIXTURE_PEER_IP, 7);
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 0);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
}

static void test_unicast_request_for_us(void **state)
{
	(void)state;
	inject_arp(&fixture_mac, &fixture_peer_mac, RTE_ARP_OP_REQUEST, &fixture_peer_mac,
		   FIXTURE_PEER_IP, &fixture_mac, FIXTURE_IP); /* RFC 1122 unicast poll */
	assert_int_equal(fixture_drain(&T.ctx), 1);
	assert_int_equal(T.ctr.arp_replies_sent, 1);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_request_for_other_ip(void **state)
{
	(void)state;
	inject_request(&fixture_peer_mac, FIXTURE_PEER_IP, IP4(198, 18, 0, 3));
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.drops[DROP_ARP_NOT_OURS], 1);
	assert_int_equal(fixture_total_drops(&T.ctr), 1);
	assert_int_equal(T.ctr.arp_replies_sent, 0);

	/* RFC 826: a request not for us updates an entry but does not create one. */
	output_ip(FIXTURE_PEER_IP, 1);
	struct rte_mbuf *out[4];
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 1);
}

static void test_gratuitous_updates_entry(void **state)
{
	(void)state;
	struct rte_mbuf *out[4];
	inject_request(&fixture_peer_mac, FIXTURE_PEER_IP, FIXTURE_IP);
	assert_int_equal(fixture_drain(&T.ctx), 1);
	/* The peer moves to another MAC and announces it. */
	inject_request(&other_mac, FIXTURE_PEER_IP, FIXTURE_PEER_IP);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.drops[DROP_ARP_NOT_OURS], 1);
	output_ip(FIXTURE_PEER_IP, 3);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &other_mac, FIXTURE_PEER_IP, 3);
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 0);
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t buf[64];
	uint16_t eth = fixture_put_eth(buf, &bcast_mac, &fixture_peer_mac, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(buf + eth);
	uint64_t expect = 0;

#define VARIANT(stmt)                                                                   \
	do {                                                                            \
		memset(buf + eth, 0, sizeof(buf) - eth);                                \
		fixture_put_arp(ah, RTE_ARP_OP_REQUEST, &fixture_peer_mac, FIXTURE_PEER_IP, \
				&zero_mac, FIXTURE_IP);                                 \
		stmt;                                                                   \
		inject(buf, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);                     \
		expect++;                                                               \
	} while (0)

	VARIANT(ah->arp_hardware = rte_cpu_to_be_16(6));     /* IEEE 802 */
	VARIANT(ah->arp_hardware = 0);
	VARIANT(ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6));
	VARIANT(ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	VARIANT(ah->arp_hlen = 8);
	VARIANT(ah->arp_hlen = 0);
	VARIANT(ah->arp_plen = 16);
	VARIANT(ah->arp_plen = 0);
	VARIANT(rte_ether_addr_copy(&bcast_mac, &ah->arp_data.arp_sha));
	VARIANT(ah->arp_data.arp_sha.addr_bytes[0] = 0x01); /* multicast sender */
	VARIANT(rte_ether_addr_copy(&zero_mac, &ah->arp_data.arp_sha));
#undef VARIANT

	/* Truncated: fewer than 28 bytes after the Ethernet header. */
	fixture_put_arp(ah, RTE_ARP_OP_REQUEST, &fixture_peer_mac, FIXTURE_PEER_IP, &zero_mac,
			FIXTURE_IP);
	for (uint16_t len = 0; len < sizeof(struct rte_arp_hdr); len++) {
		inject(buf, (uint16_t)(eth + len));
		expect++;
	}
	assert_int_equal(T.ctr.drops[DROP_ARP_MALFORMED], expect);
	assert_int_equal(fixture_total_drops(&T.ctr), expect);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.arp_replies_sent, 0);

	/* Exactly 28 bytes (unpadded) is fine. */
	inject(buf, (uint16_t)(eth + sizeof(struct rte_arp_hdr)));
	assert_int_equal(fixture_drain(&T.ctx), 1);
	assert_int_equal(fixture_total_drops(&T.ctr), expect);
}

static void test_bad_opcode(void **state)
{
	(void)state;
	static const uint16_t ops[] = {0, 3, 4, 8, 0x0100, 0xffff};
	for (unsigned int i = 0; i < RTE_DIM(ops); i++)
		inject_arp(&bcast_mac, &fixture_peer_mac, ops[i], &fixture_peer_mac, FIXTURE_PEER_IP,
			   &zero_mac, FIXTURE_IP);
	assert_int_equal(T.ctr.drops[DROP_ARP_OPCODE], RTE_DIM(ops));
	assert_int_equal(fixture_total_drops(&T.ctr), RTE_DIM(ops));
	assert_int_equal(fixture_drain(&T.ctx), 0);
	/* Nothing was learned from them either. */
	output_ip(FIXTURE_PEER_IP, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 1);
}

static void test_spoof(void **state)
{
	(void)state;
	/* Somebody else claims our address: in a request, a gratuitous request and a reply. */
	inject_request(&other_mac, FIXTURE_IP, FIXTURE_PEER_IP);
	inject_request(&other_mac, FIXTURE_IP, FIXTURE_IP);
	inject_reply(&other_mac, FIXTURE_IP);
	assert_int_equal(T.ctr.drops[DROP_ARP_SPOOF], 3);
	assert_int_equal(fixture_total_drops(&T.ctr), 3);
	assert_int_equal(fixture_drain(&T.ctx), 0);
}

static void test_resolve_and_release_in_order(void **state)
{
	(void)state;
	struct rte_mbuf *out[8];
	output_ip(FIXTURE_PEER_IP, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 2); /* the packet, and the request in TX */
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 1);

	output_ip(FIXTURE_PEER_IP, 2); /* no second request while one is outstanding */
	collect(out, 0, RTE_DIM(out));
	assert_int_equal(net_mbufs_held(&T.ctx), 2);
	assert_int_equal(T.ctr.arp_requests_sent, 1);

	inject_reply(&fixture_peer_mac, FIXTURE_PEER_IP);
	collect(out, 2, RTE_DIM(out));
	assert_ip_frame(out[0], &fixture_peer_mac, FIXTURE_PEER_IP, 1);
	assert_ip_frame(out[1], &fixture_peer_mac, FIXTURE_PEER_IP, 2);
	fixture_free(out, 2);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);

	/* Resolved now: the next one goes straight out. */
	output_ip(FIXTURE_PEER_IP, 3);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &fixture_peer_mac, FIXTURE_PEER_IP, 3);
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 1);
}

static void test_release_keeps_other_destinations(void **state)
{
	(void)state;
	struct rte_mbuf *out[8];
	uint32_t third = IP4(198, 18, 0, 3);
	output_ip(FIXTURE_PEER_IP, 1);
	output_ip(third, 2);
	output_ip(FIXTURE_PEER_IP, 3);
	output_ip(third, 4);
	collect(out, 2, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	assert_request(out[1], third);
	fixture_free(out, 2);
	assert_int_equal(net_mbufs_held(&T.ctx), 4);

	inject_reply(&other_mac, third);
	collect(out, 2, RTE_DIM(out));
	assert_ip_frame(out[0], &other_mac, third, 2);
	assert_ip_frame(out[1], &other_mac, third, 4);
	fixture_free(out, 2);
	assert_int_equal(net_mbufs_held(&T.ctx), 2);

	inject_reply(&fixture_peer_mac, FIXTURE_PEER_IP);
	collect(out, 2, RTE_DIM(out));
	assert_ip_frame(out[0], &fixture_peer_mac, FIXTURE_PEER_IP, 1);
	assert_ip_frame(out[1], &fixture_peer_mac, FIXTURE_PEER_IP, 3);
	fixture_free(out, 2);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_off_link_via_gateway(void **state)
{
	(void)state;
	struct rte_mbuf *out[4];
	uint32_t far = IP4(203, 0, 113, 9);
	output_ip(far, 1);
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], GATEWAY_IP);
	fixture_free(out, 1);
	inject_reply(&gw_mac, GATEWAY_IP);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &gw_mac, far, 1);
	fixture_free(out, 1);

	/* Another off-link destination shares the gateway's entry. */
	output_ip(IP4(8, 8, 8, 8), 2);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &gw_mac, IP4(8, 8, 8, 8), 2);
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 1);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_off_link_without_gateway(void **state)
{
	(void)state;
	T.cfg.ports[0].has_gateway = false;
	reinit();
	output_ip(IP4(203, 0, 113, 9), 1);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.drops[DROP_NO_ROUTE], 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
}

static void test_retries_then_unresolved(void **state)
{
	(void)state;
	struct rte_mbuf *out[4];
	output_ip(FIXTURE_PEER_IP, 1);
	output_ip(FIXTURE_PEER_IP, 2);
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	fixture_free(out, 1);

	advance_ms(500); /* too early for a retry */
	net_timers(&T.ctx);
	collect(out, 0, RTE_DIM(out));

	for (unsigned int try = 2; try <= 3; try++) {
		advance_ms(1001);
		net_timers(&T.ctx);
		collect(out, 1, RTE_DIM(out));
		assert_request(out[0], FIXTURE_PEER_IP);
		fixture_free(out, 1);
		assert_int_equal(net_mbufs_held(&T.ctx), 2);
		assert_int_equal(T.ctr.arp_requests_sent, try);
	}
	advance_ms(1001);
	net_timers(&T.ctx);
	collect(out, 0, RTE_DIM(out));
	assert_int_equal(T.ctr.arp_requests_sent, 3);
	assert_int_equal(T.ctr.drops[DROP_ARP_UNRESOLVED], 2);
	assert_int_equal(fixture_total_drops(&T.ctr), 2);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);

	/* Nothing more happens later. */
	advance_ms(5000);
	net_timers(&T.ctx);
	collect(out, 0, RTE_DIM(out));

	/* A new packet starts a new resolution, which can succeed. */
	output_ip(FIXTURE_PEER_IP, 3);
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	fixture_free(out, 1);
	inject_reply(&fixture_peer_mac, FIXTURE_PEER_IP);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &fixture_peer_mac, FIXTURE_PEER_IP, 3);
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
}

static void test_pending_queue_bound(void **state)
{
	(void)state;
	T.cfg.arp.pending_max = 4;
	reinit();
	for (uint8_t i = 0; i < 4; i++)
		output_ip(FIXTURE_PEER_IP, i);
	assert_int_equal(net_mbufs_held(&T.ctx), 4 + 1); /* and the request, not yet flushed */
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	output_ip(FIXTURE_PEER_IP, 4);
	assert_int_equal(T.ctr.drops[DROP_ARP_QUEUE_FULL], 1);
	output_ip(IP4(198, 18, 0, 3), 5); /* the bound is shared by all destinations */
	assert_int_equal(T.ctr.drops[DROP_ARP_QUEUE_FULL], 2);
	assert_int_equal(fixture_total_drops(&T.ctr), 2);
	assert_int_equal(fixture_drain(&T.ctx), 1); /* one request only */
	assert_int_equal(net_mbufs_held(&T.ctx), 4);

	inject_reply(&fixture_peer_mac, FIXTURE_PEER_IP);
	struct rte_mbuf *out[8];
	collect(out, 4, RTE_DIM(out));
	for (unsigned int i = 0; i < 4; i++)
		assert_ip_frame(out[i], &fixture_peer_mac, FIXTURE_PEER_IP, (uint8_t)i);
	fixture_free(out, 4);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
}

static void test_cache_bound(void **state)
{
	(void)state;
	T.cfg.arp.cache_size = 16;
	reinit();
	const unsigned int n = 1000;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t ip = IP4(198, 18, 1 + i / 250, 1 + i % 250);
		struct rte_ether_addr mac = {.addr_bytes = {0x02, 0x10, 0, 0, (uint8_t)(i >> 8),
							    (uint8_t)i}};
		inject_request(&mac, ip, FIXTURE_IP);
		if (i % 100 == 99)
			assert_int_equal(fixture_drain(&T.ctx), 100);
	}
	assert_int_equal(T.ctr.arp_replies_sent, n);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	assert_true(T.ctr.arp_cache_evictions >= n - 16);
	assert_true(T.ctr.arp_cache_evictions <= n);

	/* Still working: the newest address resolves from the cache, an old one by ARP. */
	struct rte_mbuf *out[4];
	uint32_t last = IP4(198, 18, 4, 250);
	struct rte_ether_addr last_mac = {.addr_bytes = {0x02, 0x10, 0, 0, (n - 1) >> 8,
							 (uint8_t)(n - 1)}};
	output_ip(last, 1);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &last_mac, last, 1);
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 0);

	output_ip(IP4(198, 18, 1, 1), 2);
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], IP4(198, 18, 1, 1));
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 1);
}

static void test_incomplete_entry_evicted(void **state)
{
	(void)state;
	/* One set of four ways: a fifth destination pushes out a resolution in progress. */
	T.cfg.arp.cache_size = 4;
	reinit();
	for (uint8_t i = 0; i < 4; i++) {
		output_ip(IP4(198, 18, 0, 10 + i), i);
		advance_ms(10);
	}
	assert_int_equal(fixture_drain(&T.ctx), 4);
	assert_int_equal(net_mbufs_held(&T.ctx), 4);
	output_ip(IP4(198, 18, 0, 20), 9);
	assert_int_equal(fixture_drain(&T.ctx), 1);
	/* The oldest resolution (closest to its retry) lost its slot and its packet. */
	assert_int_equal(T.ctr.drops[DROP_ARP_UNRESOLVED], 1);
	assert_int_equal(T.ctr.arp_cache_evictions, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 4);

	inject_reply(&other_mac, IP4(198, 18, 0, 20));
	struct rte_mbuf *out[4];
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &other_mac, IP4(198, 18, 0, 20), 9);
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 3);
}

static void test_entry_expires(void **state)
{
	(void)state;
	struct rte_mbuf *out[4];
	inject_request(&fixture_peer_mac, FIXTURE_PEER_IP, FIXTURE_IP);
	assert_int_equal(fixture_drain(&T.ctx), 1);

	advance_ms((uint64_t)T.cfg.arp.timeout_s * 1000 - 1000); /* still valid */
	output_ip(FIXTURE_PEER_IP, 1);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &fixture_peer_mac, FIXTURE_PEER_IP, 1);
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 0);

	advance_ms(2000); /* past the lifetime: asked again, sent meanwhile to the MAC we know */
	output_ip(FIXTURE_PEER_IP, 2);
	collect(out, 2, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	assert_ip_frame(out[1], &fixture_peer_mac, FIXTURE_PEER_IP, 2);
	fixture_free(out, 2);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);

	inject_reply(&other_mac, FIXTURE_PEER_IP); /* it has moved meanwhile */
	output_ip(FIXTURE_PEER_IP, 3);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &other_mac, FIXTURE_PEER_IP, 3);
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	assert_int_equal(T.ctr.arp_requests_sent, 1);
}

/* A stale neighbour that stops answering: three questions a second apart, then resolved anew. */
static void test_stale_entry_unanswered(void **state)
{
	(void)state;
	struct rte_mbuf *out[4];
	inject_request(&fixture_peer_mac, FIXTURE_PEER_IP, FIXTURE_IP);
	assert_int_equal(fixture_drain(&T.ctx), 1);
	advance_ms((uint64_t)T.cfg.arp.timeout_s * 1000 + 1);
	for (uint8_t i = 0; i < 3; i++) {
		output_ip(FIXTURE_PEER_IP, i);
		collect(out, 2, RTE_DIM(out));
		assert_request(out[0], FIXTURE_PEER_IP);
		assert_ip_frame(out[1], &fixture_peer_mac, FIXTURE_PEER_IP, i);
		fixture_free(out, 2);
		advance_ms(1000);
	}
	output_ip(FIXTURE_PEER_IP, 9); /* no answer to three: waits in the queue like a new one */
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 1);
	inject_reply(&fixture_peer_mac, FIXTURE_PEER_IP);
	collect(out, 1, RTE_DIM(out));
	assert_ip_frame(out[0], &fixture_peer_mac, FIXTURE_PEER_IP, 9);
	fixture_free(out, 1);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
}

/*
 * A flood of SYNs from sources that never answer ARP keeps the pending queue full; a
 * neighbour we knew is still reached when its entry runs out (no queue slot needed).
 */
static void test_known_neighbour_survives_full_queue(void **state)
{
	(void)state;
	struct rte_mbuf *out[8];
	inject_request(&fixture_peer_mac, FIXTURE_PEER_IP, FIXTURE_IP);
	assert_int_equal(fixture_drain(&T.ctx), 1);
	for (unsigned int i = 0; i < T.cfg.arp.pending_max + 10; i++)
		output_ip(IP4(198, 18, 7, 1 + i % 200), 1);
	fixture_drain(&T.ctx);
	assert_int_equal(net_mbufs_held(&T.ctx), T.cfg.arp.pending_max);
	assert_int_equal(T.ctr.drops[DROP_ARP_QUEUE_FULL], 10);
	advance_ms((uint64_t)T.cfg.arp.timeout_s * 1000 + 1);
	output_ip(FIXTURE_PEER_IP, 5);
	unsigned int n = fixture_collect(&T.ctx, out, RTE_DIM(out));
	bool sent = false;
	for (unsigned int i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(out[i], struct rte_ether_hdr *);
		if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
			assert_ip_frame(out[i], &fixture_peer_mac, FIXTURE_PEER_IP, 5);
			sent = true;
		}
	}
	fixture_free(out, n);
	assert_true(sent);
	assert_int_equal(T.ctr.drops[DROP_ARP_QUEUE_FULL], 10);
}

static void test_announce(void **state)
{
	(void)state;
	net_announce(&T.ctx);
	struct rte_mbuf *out[4];
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], FIXTURE_IP); /* sip == tip == ours */
	fixture_free(out, 1);
	assert_int_equal(T.ctr.arp_requests_sent, 1);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);

	/* A port without an address announces nothing. */
	T.cfg.ports[0].has_ipv4 = false;
	reinit();
	net_announce(&T.ctx);
	collect(out, 0, RTE_DIM(out));
}

static void test_no_ipv4_on_port(void **state)
{
	(void)state;
	T.cfg.ports[0].has_ipv4 = false;
	reinit();
	inject_request(&fixture_peer_mac, FIXTURE_PEER_IP, FIXTURE_IP);
	assert_int_equal(T.ctr.drops[DROP_ARP_NOT_OURS], 1);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	/* Nothing to send from: no ARP request with a 0.0.0.0 sender. */
	output_ip(FIXTURE_PEER_IP, 1);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.drops[DROP_NO_ROUTE], 1);
	assert_int_equal(T.ctr.arp_requests_sent, 0);
}

static void test_unsolicited_reply_not_for_us(void **state)
{
	(void)state;
	inject_arp(&bcast_mac, &fixture_peer_mac, RTE_ARP_OP_REPLY, &fixture_peer_mac,
		   FIXTURE_PEER_IP, &other_mac, IP4(198, 18, 0, 3));
	assert_int_equal(T.ctr.drops[DROP_ARP_NOT_OURS], 1);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	/* A reply addressed to us is consumed without a drop and without an answer. */
	inject_reply(&fixture_peer_mac, FIXTURE_PEER_IP);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(fixture_total_drops(&T.ctr), 1);
	assert_int_equal(T.ctr.arp_replies_sent, 0);
}

static void test_impossible_sender_ip(void **state)
{
	(void)state;
	static const uint32_t sips[] = {
		IP4(255, 255, 255, 255), IP4(198, 18, 255, 255) /* subnet broadcast */,
		IP4(127, 0, 0, 1), IP4(224, 0, 0, 1), IP4(240, 0, 0, 1),
	};
	for (unsigned int i = 0; i < RTE_DIM(sips); i++)
		inject_request(&fixture_peer_mac, sips[i], FIXTURE_IP);
	assert_int_equal(T.ctr.drops[DROP_ARP_MALFORMED], RTE_DIM(sips));
	assert_int_equal(fixture_total_drops(&T.ctr), RTE_DIM(sips));
	assert_int_equal(fixture_drain(&T.ctx), 0);
	/* An off-link sender whose host bits happen to be all ones is a host like any other. */
	inject_request(&fixture_peer_mac, IP4(203, 0, 255, 255), FIXTURE_IP);
	assert_int_equal(fixture_drain(&T.ctx), 1);
	assert_int_equal(fixture_total_drops(&T.ctr), RTE_DIM(sips));
}

static void test_probe_answered_not_learned(void **state)
{
	(void)state;
	/* RFC 5227 probe: sender 0.0.0.0 asking for our address. We defend it. */
	inject_request(&fixture_peer_mac, 0, FIXTURE_IP);
	struct rte_mbuf *out[4];
	collect(out, 1, RTE_DIM(out));
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *);
	const struct rte_arp_hdr *ah = arp_of(out[0]);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &fixture_peer_mac));
	assert_int_equal(rte_be_to_cpu_16(ah->arp_opcode), RTE_ARP_OP_REPLY);
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_sip), FIXTURE_IP);
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_tha, &fixture_peer_mac));
	assert_int_equal(ah->arp_data.arp_tip, 0);
	fixture_free(out, 1);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	/* Nothing learned for 0.0.0.0 or anyone else: the next packet needs ARP. */
	output_ip(FIXTURE_PEER_IP, 1);
	collect(out, 1, RTE_DIM(out));
	assert_request(out[0], FIXTURE_PEER_IP);
	fixture_free(out, 1);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		TEST(test_request_for_us),
		TEST(test_unicast_request_for_us),
		TEST(test_request_for_other_ip),
		TEST(test_gratuitous_updates_entry),
		TEST(test_malformed),
		TEST(test_bad_opcode),
		TEST(test_spoof),
		TEST(test_impossible_sender_ip),
		TEST(test_probe_answered_not_learned),
		TEST(test_resolve_and_release_in_order),
		TEST(test_release_keeps_other_destinations),
		TEST(test_off_link_via_gateway),
		TEST(test_off_link_without_gateway),
		TEST(test_retries_then_unresolved),
		TEST(test_pending_queue_bound),
		TEST(test_cache_bound),
		TEST(test_incomplete_entry_evicted),
		TEST(test_entry_expires),
		TEST(test_stale_entry_unanswered),
		TEST(test_known_neighbour_survives_full_queue),
		TEST(test_announce),
		TEST(test_no_ipv4_on_port),
		TEST(test_unsolicited_reply_not_for_us),
	};
#undef TEST
	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}

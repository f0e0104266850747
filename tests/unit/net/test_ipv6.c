/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/ipv6.c and icmpv6.c: the fixed header checked against the frame,
 * extension headers walked within bounds, fragments dropped, ICMPv6 echo
 * answered in place; every other case dropped with its reason.
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
#define FRAME_MAX 1514

static struct {
	struct config cfg;
	struct net_ctx ctx;
	struct worker_counters ctr;
	unsigned int in_use;
} T;

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

static int group_setup(void **state)
{
	(void)state;
	return eal_fixture_init();
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	fixture_config_ipv6(&T.cfg);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
	if (T.ctx.arp == NULL || T.ctx.nd == NULL)
		return -1;
	fixture_drain(&T.ctx);
	T.in_use = rte_mempool_in_use_count(eal_fixture_pool());
	return 0;
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
	assert_int_equal(fixture_drain(&T.ctx), 0);
}

/*
 * An echo request from the peer to dst: Ethernet, IPv6, ext (ext_len bytes,
 * whose first byte is overwritten with the next header chain's end: 58), the
 * ICMPv6 echo of n payload bytes. first_nh is the IPv6 header's next header
 * when ext is given. Returns the frame length.
 */
static uint16_t echo_frame(uint8_t *buf, const uint8_t dst[16], uint8_t first_nh,
			   const uint8_t *ext, uint16_t ext_len, uint16_t n)
{
	uint16_t icmp_len = (uint16_t)(8 + n);
	uint16_t o = fixture_put_eth(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6);
	o += fixture_put_ipv6(buf + o, fixture_peer_ip6, dst, ext_len ? first_nh : 58, 64,
			      (uint16_t)(ext_len + icmp_len));
	if (ext_len != 0) {
		memcpy(buf + o, ext, ext_len);
		o += ext_len;
	}
	uint8_t *ic = buf + o;
	ic[0] = 128;
	ic[1] = 0;
	ic[4] = 0x12;
	ic[5] = 0x34;
	ic[6] = 0;
	ic[7] = 7;
	for (uint16_t i = 0; i < n; i++)
		ic[8 + i] = (uint8_t)(i * 13 + 5);
	fixture_icmpv6_cksum(ic, icmp_len, fixture_peer_ip6, dst);
	return (uint16_t)(o + icmp_len);
}

/* Exactly one frame went out: the echo reply to a request of n payload bytes sent to us_addr. */
static void assert_echo_reply(const uint8_t us_addr[16], uint16_t n)
{
	struct rte_mbuf *out[4];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	if (got != 1)
		fixture_free(out, got);
	assert_int_equal(got, 1);
	uint8_t buf[FRAME_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(out[0]);
	assert_int_equal(len, L4_OFF + 8 + n);
	const uint8_t *f = rte_pktmbuf_read(out[0], 0, len, buf);
	assert_non_null(f);
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)f;
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &fixture_peer_mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &fixture_mac));
	assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_IPV6);
	const struct rte_ipv6_hdr *ih = (const struct rte_ipv6_hdr *)(f + ETH_LEN);
	assert_int_equal(rte_be_to_cpu_32(ih->vtc_flow) >> 28, 6);
	assert_int_equal(rte_be_to_cpu_16(ih->payload_len), 8 + n);
	assert_int_equal(ih->proto, 58);
	assert_int_equal(ih->hop_limits, 64);
	assert_memory_equal(ih->src_addr, us_addr, 16);
	assert_memory_equal(ih->dst_addr, fixture_peer_ip6, 16);
	const uint8_t *ic = f + L4_OFF;
	assert_int_equal(ic[0], 129);
	assert_int_equal(ic[1], 0);
	assert_int_equal(ic[4], 0x12);
	assert_int_equal(ic[5], 0x34);
	assert_int_equal(ic[7], 7);
	for (uint16_t i = 0; i < n; i++)
		assert_int_equal(ic[8 + i], (uint8_t)(i * 13 + 5));
	assert_true(fixture_icmpv6_cksum_ok(ic, (uint16_t)(8 + n), us_addr, fixture_peer_ip6));
	rte_pktmbuf_free(out[0]);
}

static void test_echo(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	inject(f, echo_frame(f, fixture_ip6, 0, NULL, 0, 56));
	assert_echo_reply(fixture_ip6, 56);
	/* the largest a 1500-byte MTU carries */
	inject(f, echo_frame(f, fixture_ip6, 0, NULL, 0, 1500 - IP6_LEN - 8));
	assert_echo_reply(fixture_ip6, 1500 - IP6_LEN - 8);
	/* Ethernet padding after the payload is not echoed */
	uint16_t len = echo_frame(f, fixture_ip6, 0, NULL, 0, 2);
	memset(f + len, 0xee, 8);
	inject(f, (uint16_t)(len + 8));
	assert_echo_reply(fixture_ip6, 2);
	assert_int_equal(T.ctr.icmpv6_echo_replies, 3);
	assert_only_drop(DROP_IPV6, 0);
}

static void test_echo_link_local(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX], ll[16];
	net_ipv6_link_local(&T.ctx.ports[0], ll);
	/* fe80::ff:fe00:1 from 02:00:00:00:00:01 (the U/L bit inverted) */
	static const uint8_t want[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x01 };
	assert_memory_equal(ll, want, 16);
	inject(f, echo_frame(f, ll, 0, NULL, 0, 10));
	assert_echo_reply(ll, 10);
	assert_only_drop(DROP_IPV6, 0);
}

/* A destination options header holding only padding: walked, and left out of the reply. */
static void test_echo_ext_headers(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	uint8_t ext[24] = { 58, 2, 1, 20 }; /* next 58, 24 bytes, PadN of 20 */
	inject(f, echo_frame(f, fixture_ip6, 60, ext, sizeof(ext), 12));
	assert_echo_reply(fixture_ip6, 12);
	/* hop-by-hop (Pad1s, router alert: "skip if unknown") then destination options */
	uint8_t two[16] = { 60, 0, 5, 2, 0, 0, 0, 0, 58, 0, 1, 4 };
	inject(f, echo_frame(f, fixture_ip6, 0, two, sizeof(two), 12));
	assert_echo_reply(fixture_ip6, 12);
	/* a routing header with no segments left is skipped (RFC 8200 4.4) */
	uint8_t rh[8] = { 58, 0, 4, 0 };
	inject(f, echo_frame(f, fixture_ip6, 43, rh, sizeof(rh), 12));
	assert_echo_reply(fixture_ip6, 12);
	assert_only_drop(DROP_IPV6, 0);
}

static void test_header_checks(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	uint16_t len = echo_frame(f, fixture_ip6, 0, NULL, 0, 16);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(f + ETH_LEN);

	for (uint16_t cut = ETH_LEN; cut < L4_OFF; cut += 7)
		inject(f, cut);
	assert_only_drop(DROP_IPV6_LENGTH, 6);

	memset(&T.ctr, 0, sizeof(T.ctr));
	ih->vtc_flow = rte_cpu_to_be_32(4u << 28);
	inject(f, len);
	ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
	assert_only_drop(DROP_IPV6_VERSION, 1);

	memset(&T.ctr, 0, sizeof(T.ctr));
	ih->payload_len = rte_cpu_to_be_16(8 + 16 + 1); /* one byte past the frame */
	inject(f, len);
	ih->payload_len = rte_cpu_to_be_16(65535);
	inject(f, len);
	ih->payload_len = 0; /* a jumbogram */
	inject(f, len);
	ih->payload_len = rte_cpu_to_be_16(8 + 16);
	assert_only_drop(DROP_IPV6_LENGTH, 3);

	memset(&T.ctr, 0, sizeof(T.ctr));
	ih->hop_limits = 0;
	inject(f, len);
	ih->hop_limits = 1; /* 1 arrives: it is for us */
	inject(f, len);
	assert_int_equal(T.ctr.icmpv6_echo_replies, 1);
	fixture_drain(&T.ctx);
	assert_only_drop(DROP_IPV6_HOP_LIMIT, 1);
}

static void test_addresses(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	uint16_t len = echo_frame(f, fixture_ip6, 0, NULL, 0, 16);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(f + ETH_LEN);
	static const uint8_t loopback[16] = { [15] = 1 };
	uint8_t ll[16];
	net_ipv6_link_local(&T.ctx.ports[0], ll);

	/* sources: a group, loopback, our own addresses */
	const uint8_t *bad_src[] = { all_nodes, loopback, fixture_ip6, ll };
	for (unsigned int i = 0; i < RTE_DIM(bad_src); i++) {
		memcpy(ih->src_addr, bad_src[i], 16);
		inject(f, len);
	}
	memcpy(ih->src_addr, fixture_peer_ip6, 16);
	assert_only_drop(DROP_IPV6_SRC, 4);

	/* destinations: another host, a group we are not in, all-routers */
	memset(&T.ctr, 0, sizeof(T.ctr));
	static const uint8_t other[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0x03 };
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
	static const uint8_t sn_other[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x03 };
	const uint8_t *bad_dst[] = { other, all_routers, sn_other };
	for (unsigned int i = 0; i < RTE_DIM(bad_dst); i++) {
		memcpy(ih->dst_addr, bad_dst[i], 16);
		inject(f, len);
	}
	/* IPv6 has no broadcast: an Ethernet broadcast frame is not for us */
	memcpy(ih->dst_addr, fixture_ip6, 16);
	memset(f, 0xff, 6);
	inject(f, len);
	assert_only_drop(DROP_IPV6_NOT_OURS, 4);

	/* a group MAC we would not have heard at Ethernet (33:33 but not IPv6) */
	memset(&T.ctr, 0, sizeof(T.ctr));
	uint8_t g[FRAME_MAX];
	uint16_t glen = echo_frame(g, fixture_ip6, 0, NULL, 0, 16);
	const uint8_t group_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	memcpy(g, group_mac, 6);
	g[12] = 0x08;
	g[13] = 0x00;
	inject(g, glen);
	assert_only_drop(DROP_ETH_DST, 1);
}

/* Every way an extension-header chain is refused. */
static void test_ext_headers(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	T.ctx.icmp_err_rate = 0; /* errors off here: test_errors has them */

	/* fragments (RFC 8200 4.5), first or later */
	uint8_t frag[8] = { 58, 0, 0, 1, 0, 0, 0, 1 }; /* offset 0, M set */
	inject(f, echo_frame(f, fixture_ip6, 44, frag, sizeof(frag), 8));
	uint8_t dst_frag[16] = { 44, 0, 1, 4, 0, 0, 0, 0, 58, 0, 0, 8 };
	inject(f, echo_frame(f, fixture_ip6, 60, dst_frag, sizeof(dst_frag), 8));
	assert_only_drop(DROP_IPV6_FRAGMENT, 2);

	/* five headers when four are allowed; one longer than 256 bytes in all */
	memset(&T.ctr, 0, sizeof(T.ctr));
	uint8_t chain[40] = { 0 };
	for (int i = 0; i < 5; i++) {
		chain[i * 8] = i == 4 ? 58 : 60;
		chain[i * 8 + 2] = 1; /* PadN of 4 */
		chain[i * 8 + 3] = 4;
	}
	inject(f, echo_frame(f, fixture_ip6, 60, chain, sizeof(chain), 8));
	uint8_t big[264] = { 58, 32, 1, 255, [259] = 1, [260] = 2 };
	inject(f, echo_frame(f, fixture_ip6, 60, big, sizeof(big), 8));
	assert_only_drop(DROP_IPV6_EXT_LIMIT, 2);
	/* four are fine */
	inject(f, echo_frame(f, fixture_ip6, 60, chain + 8, 32, 8));
	assert_echo_reply(fixture_ip6, 8);

	memset(&T.ctr, 0, sizeof(T.ctr));
	/* hop-by-hop after another header */
	uint8_t hbh_late[16] = { 0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4 };
	inject(f, echo_frame(f, fixture_ip6, 60, hbh_late, sizeof(hbh_late), 8));
	/* a routing header with segments left */
	uint8_t rh[8] = { 58, 0, 4, 1 };
	inject(f, echo_frame(f, fixture_ip6, 43, rh, sizeof(rh), 8));
	/* an option whose type says "discard if unknown" (top bits 01, 10, 11) */
	for (uint8_t top = 1; top < 4; top++) {
		uint8_t opt[8] = { 58, 0, (uint8_t)(top << 6 | 0x1e), 4 };
		inject(f, echo_frame(f, fixture_ip6, 60, opt, sizeof(opt), 8));
	}
	/* an option running past its header */
	uint8_t long_opt[8] = { 58, 0, 1, 5 };
	inject(f, echo_frame(f, fixture_ip6, 60, long_opt, sizeof(long_opt), 8));
	/* a header longer than the payload: 24 bytes claimed, 8 + 8 of ICMPv6 there */
	uint8_t past[8] = { 58, 2, 1, 4 };
	uint16_t len = echo_frame(f, fixture_ip6, 60, past, sizeof(past), 0);
	inject(f, len);
	/* endless: every header points to another until the payload ends */
	uint8_t endless[64];
	for (int i = 0; i < 8; i++) {
		memset(endless + i * 8, 0, 8);
		endless[i * 8] = 60;
		endless[i * 8 + 2] = 1;
		endless[i * 8 + 3] = 4;
	}
	T.ctx.ipv6_ext_headers_max = 16;
	T.ctx.ipv6_ext_bytes_max = 2048;
	len = echo_frame(f, fixture_ip6, 60, endless, sizeof(endless), 0);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(f + ETH_LEN);
	ih->payload_len = rte_cpu_to_be_16(sizeof(endless)); /* the chain never ends */
	inject(f, (uint16_t)(len - 8));
	assert_only_drop(DROP_IPV6_EXT, 8);
}

static void test_icmpv6(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	uint16_t len = echo_frame(f, fixture_ip6, 0, NULL, 0, 16);
	f[L4_OFF + 9] ^= 1;
	inject(f, len);
	assert_only_drop(DROP_ICMPV6_CHECKSUM, 1);

	/* 2 bytes of ICMPv6 */
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = echo_frame(f, fixture_ip6, 0, NULL, 0, 0);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(f + ETH_LEN);
	ih->payload_len = rte_cpu_to_be_16(2);
	inject(f, L4_OFF + 2);
	assert_only_drop(DROP_ICMPV6_MALFORMED, 1);

	/* errors, an echo with a code, an echo reply, an echo to all nodes: not answered */
	memset(&T.ctr, 0, sizeof(T.ctr));
	const uint8_t types[][2] = { { 1, 4 }, { 130, 0 }, { 3, 0 }, { 4, 1 }, { 128, 1 },
				     { 129, 0 }, { 200, 0 } };
	for (unsigned int i = 0; i < RTE_DIM(types); i++) {
		len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
		f[L4_OFF] = types[i][0];
		f[L4_OFF + 1] = types[i][1];
		fixture_icmpv6_cksum(f + L4_OFF, 16, fixture_peer_ip6, fixture_ip6);
		inject(f, len);
	}
	len = echo_frame(f, all_nodes, 0, NULL, 0, 8);
	f[0] = 0x33;
	f[1] = 0x33;
	inject(f, len);
	assert_only_drop(DROP_ICMPV6_TYPE, RTE_DIM(types) + 1);

	/* a packet-too-big with no TCP layer to tell, or quoting something we did not send */
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = echo_frame(f, fixture_ip6, 0, NULL, 0, 60);
	f[L4_OFF] = 2;
	fixture_icmpv6_cksum(f + L4_OFF, 68, fixture_peer_ip6, fixture_ip6);
	inject(f, len);
	assert_only_drop(DROP_ICMPV6_TOO_BIG_INVALID, 1);

	/* an echo from :: */
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
	memset(ih->src_addr, 0, 16);
	fixture_icmpv6_cksum(f + L4_OFF, 16, ih->src_addr, fixture_ip6);
	inject(f, len);
	assert_only_drop(DROP_IPV6_SRC, 1);
}

static void test_other_protocols(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	T.ctx.icmp_err_rate = 0; /* errors off here: test_errors has them */
	const uint8_t protos[] = { 17, 59, 50, 51 };
	for (unsigned int i = 0; i < RTE_DIM(protos); i++) {
		uint16_t len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
		f[ETH_LEN + 6] = protos[i];
		inject(f, len);
	}
	assert_only_drop(DROP_IP_PROTO, RTE_DIM(protos));
	/* TCP goes up to the TCP layer (none here); never to a group or from :: */
	memset(&T.ctr, 0, sizeof(T.ctr));
	uint16_t len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
	f[ETH_LEN + 6] = 6;
	inject(f, len);
	assert_only_drop(DROP_TCP_NO_LISTENER, 1);
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = echo_frame(f, all_nodes, 0, NULL, 0, 8);
	f[0] = 0x33;
	f[1] = 0x33;
	f[ETH_LEN + 6] = 6;
	inject(f, len);
	assert_only_drop(DROP_IPV6_NOT_OURS, 1);
	memset(&T.ctr, 0, sizeof(T.ctr));
	len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
	memset(f + ETH_LEN + 8, 0, 16);
	f[ETH_LEN + 6] = 6;
	inject(f, len);
	assert_only_drop(DROP_IPV6_SRC, 1);
}

/* The one error in flat form: type, code, pointer, and the start of the quoted packet. */
static void assert_param_problem(uint8_t code, uint32_t pointer, const uint8_t *req,
				 uint16_t req_len)
{
	struct rte_mbuf *out[4];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	if (got != 1)
		fixture_free(out, got);
	assert_int_equal(got, 1);
	uint8_t buf[FRAME_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(out[0]);
	const uint8_t *f = rte_pktmbuf_read(out[0], 0, len, buf);
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)f;
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &fixture_peer_mac));
	const struct rte_ipv6_hdr *ih = (const struct rte_ipv6_hdr *)(f + ETH_LEN);
	assert_memory_equal(ih->src_addr, fixture_ip6, 16);
	assert_memory_equal(ih->dst_addr, fixture_peer_ip6, 16);
	uint16_t plen = rte_be_to_cpu_16(ih->payload_len);
	assert_int_equal(len, L4_OFF + plen);
	const uint8_t *ic = f + L4_OFF;
	assert_int_equal(ic[0], 4);
	assert_int_equal(ic[1], code);
	assert_int_equal(((uint32_t)ic[4] << 24 | (uint32_t)ic[5] << 16 | (uint32_t)ic[6] << 8 | ic[7]),
			 pointer);
	uint16_t quoted = (uint16_t)(req_len - ETH_LEN);
	assert_int_equal(plen, 8 + quoted);
	assert_memory_equal(ic + 8, req + ETH_LEN, quoted);
	assert_true(fixture_icmpv6_cksum_ok(ic, plen, fixture_ip6, fixture_peer_ip6));
	rte_pktmbuf_free(out[0]);
}

/* Parameter problems (RFC 8200 4, RFC 4443 3.4), within ipv6.icmp_errors_per_s. */
static void test_errors(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	/* UDP: an unrecognized next header, pointed at in the fixed header (byte 6) */
	uint16_t len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
	f[ETH_LEN + 6] = 17;
	inject(f, len);
	assert_param_problem(1, 6, f, len);
	/* behind a destination options header: pointed at in that header */
	uint8_t ext[8] = { 58, 0, 1, 4 };
	len = echo_frame(f, fixture_ip6, 60, ext, sizeof(ext), 8);
	f[L4_OFF] = 132;
	inject(f, len);
	assert_param_problem(1, 40, f, len);
	/* an option that asks to be reported (10xxxxxx), pointed at */
	uint8_t opt[8] = { 58, 0, 0x80 | 0x1e, 4 };
	len = echo_frame(f, fixture_ip6, 60, opt, sizeof(opt), 8);
	inject(f, len);
	assert_param_problem(2, 42, f, len);
	assert_int_equal(T.ctr.icmpv6_errors_sent, 3);
	/* nothing for 59, for 01xxxxxx, or for a packet to a group */
	len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
	f[ETH_LEN + 6] = 59;
	inject(f, len);
	opt[2] = 0x40 | 0x1e;
	inject(f, echo_frame(f, fixture_ip6, 60, opt, sizeof(opt), 8));
	opt[2] = 0xc0 | 0x1e; /* "unless to a group" */
	len = echo_frame(f, all_nodes, 60, opt, sizeof(opt), 8);
	f[0] = 0x33;
	f[1] = 0x33;
	inject(f, len);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	/* the quote stops at the minimum MTU: 1280 bytes in all */
	len = echo_frame(f, fixture_ip6, 0, NULL, 0, 1400);
	f[ETH_LEN + 6] = 17;
	inject(f, len);
	struct rte_mbuf *out[4];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	assert_int_equal(got, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), ETH_LEN + 1280);
	fixture_free(out, got);

	/* the bucket: 3 a second here, so 3 of 10 at once, then one more a third of a second on */
	T.ctx.icmp_err_rate = 3;
	T.ctx.icmp_err_tokens = 3;
	T.ctx.icmp_err_refilled = T.ctx.now;
	T.ctr.icmpv6_errors_sent = 0;
	len = echo_frame(f, fixture_ip6, 0, NULL, 0, 8);
	f[ETH_LEN + 6] = 17;
	for (int i = 0; i < 10; i++)
		inject(f, len);
	assert_int_equal(T.ctr.icmpv6_errors_sent, 3);
	assert_int_equal(T.ctr.icmpv6_errors_rate_limited, 7);
	T.ctx.now += T.ctx.tsc_hz / 3 + 1;
	inject(f, len);
	inject(f, len);
	assert_int_equal(T.ctr.icmpv6_errors_sent, 4);
	assert_int_equal(fixture_drain(&T.ctx), 4);
	/* every frame was still dropped by its reason */
	assert_int_equal(T.ctr.drops[DROP_IP_PROTO], 4 + 12); /* UDP, 132, 59, the long one */
	assert_int_equal(T.ctr.drops[DROP_IPV6_EXT], 3);
}

/* A port without ipv6 counts IPv6 as unsupported, whatever it holds. */
static void test_port_without_ipv6(void **state)
{
	(void)state;
	uint8_t f[FRAME_MAX];
	T.ctx.ports[0].has_ipv6 = false;
	inject(f, echo_frame(f, fixture_ip6, 0, NULL, 0, 8));
	assert_only_drop(DROP_IPV6, 1);
	T.ctx.ports[0].has_ipv6 = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_link_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_ext_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmpv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_protocols, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_without_ipv6, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}

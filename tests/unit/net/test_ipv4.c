/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net/ipv4.c: header validation, source and destination checks, protocol dispatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/net.h>

#include "eal_fixture.h"

/* RTE_IPV4 shifts an int: keep the first octet unsigned. */
#define IP4(a, b, c, d) RTE_IPV4((uint32_t)(a), b, c, d)
#define ETH_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

static struct fixture_net T;

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

static void inject(const void *data, uint16_t len)
{
	fixture_inject(&T.ctx, data, len);
}

static struct rte_ipv4_hdr *ip_of(uint8_t *frame)
{
	return (struct rte_ipv4_hdr *)(frame + ETH_LEN);
}

static void fix_cksum(uint8_t *frame)
{
	struct rte_ipv4_hdr *ih = ip_of(frame);
	ih->hdr_checksum = 0;
	ih->hdr_checksum = (uint16_t)~rte_raw_cksum(ih, (ih->version_ihl & 0xf) * 4u);
}

/* A valid echo request to us (8 bytes of payload) from src; returns the frame length (50). */
static uint16_t echo_from(uint8_t *buf, uint32_t src)
{
	uint16_t n = fixture_put_echo_request(buf, 0x4242, 1, "pingping", 8);
	ip_of(buf)->src_addr = rte_cpu_to_be_32(src);
	fix_cksum(buf);
	return n;
}

/* A packet of protocol proto with 8 bytes of payload from the peer to dst. */
static uint16_t packet_to(uint8_t *buf, uint32_t dst, uint8_t proto)
{
	memset(buf, 0, 64);
	uint16_t n = fixture_put_eth(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	n += fixture_put_ipv4(buf + n, FIXTURE_PEER_IP, dst, proto, 8);
	return (uint16_t)(n + 8);
}

static void assert_only_drop(enum drop_reason why, uint64_t n)
{
	assert_int_equal(T.ctr.drops[why], n);
	assert_int_equal(fixture_total_drops(&T.ctr), n);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.icmp_echo_replies, 0);
}

/* Exactly one echo reply went out; returns nothing, frees it. */
static void assert_one_reply(void)
{
	assert_int_equal(fixture_drain(&T.ctx), 1);
	assert_int_equal(T.ctr.icmp_echo_replies, 1);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_valid_baseline(void **state)
{
	(void)state;
	uint8_t buf[64];
	inject(buf, echo_from(buf, FIXTURE_PEER_IP));
	assert_one_reply();
}

static void test_version(void **state)
{
	(void)state;
	static const uint8_t versions[] = {0, 1, 5, 6, 15};
	uint8_t buf[64];
	for (unsigned int i = 0; i < RTE_DIM(versions); i++) {
		uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
		ip_of(buf)->version_ihl = (uint8_t)(versions[i] << 4 | 5);
		fix_cksum(buf);
		inject(buf, n);
	}
	assert_only_drop(DROP_IPV4_VERSION, RTE_DIM(versions));
}

static void test_ihl_too_small(void **state)
{
	(void)state;
	uint8_t buf[64];
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
		ip_of(buf)->version_ihl = (uint8_t)(0x40 | ihl);
		inject(buf, n);
	}
	assert_only_drop(DROP_IPV4_IHL, 5);
}

static void test_ihl_past_packet(void **state)
{
	(void)state;
	uint8_t buf[64];
	/* 36 bytes of IP in the frame: IHL 10 (40 bytes) and 15 (60 bytes) run past it. */
	uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
	ip_of(buf)->version_ihl = 0x4a;
	inject(buf, n);
	ip_of(buf)->version_ihl = 0x4f;
	inject(buf, n);
	assert_only_drop(DROP_IPV4_IHL, 2);
}

static void test_short_header(void **state)
{
	(void)state;
	uint8_t buf[64];
	echo_from(buf, FIXTURE_PEER_IP);
	for (uint16_t len = 0; len < sizeof(struct rte_ipv4_hdr); len++)
		inject(buf, (uint16_t)(ETH_LEN + len));
	assert_only_drop(DROP_IPV4_LENGTH, sizeof(struct rte_ipv4_hdr));
}

static void test_total_length(void **state)
{
	(void)state;
	uint8_t buf[64];
	uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
	uint16_t ip_len = (uint16_t)(n - ETH_LEN);
	static const int deltas[] = {1, 2, 1000};
	for (unsigned int i = 0; i < RTE_DIM(deltas); i++) {
		echo_from(buf, FIXTURE_PEER_IP);
		ip_of(buf)->total_length = rte_cpu_to_be_16((uint16_t)(ip_len + deltas[i]));
		fix_cksum(buf);
		inject(buf, n); /* total length > frame */
	}
	static const uint16_t small[] = {0, 1, 19};
	for (unsigned int i = 0; i < RTE_DIM(small); i++) {
		echo_from(buf, FIXTURE_PEER_IP);
		ip_of(buf)->total_length = rte_cpu_to_be_16(small[i]);
		fix_cksum(buf);
		inject(buf, n); /* total length < IHL * 4 */
	}
	assert_only_drop(DROP_IPV4_LENGTH, RTE_DIM(deltas) + RTE_DIM(small));
}

static void test_header_only_packet(void **state)
{
	(void)state;
	/* total length == IHL * 4 is valid IPv4; ICMP then finds no header. */
	uint8_t buf[64];
	echo_from(buf, FIXTURE_PEER_IP);
	ip_of(buf)->total_length = rte_cpu_to_be_16(20);
	fix_cksum(buf);
	inject(buf, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	assert_only_drop(DROP_ICMP_MALFORMED, 1);
}

static void test_checksum(void **state)
{
	(void)state;
	uint8_t buf[64];
	uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
	ip_of(buf)->hdr_checksum ^= rte_cpu_to_be_16(0x0001);
	inject(buf, n);
	echo_from(buf, FIXTURE_PEER_IP);
	ip_of(buf)->time_to_live--; /* changed after the checksum was computed */
	inject(buf, n);
	echo_from(buf, FIXTURE_PEER_IP);
	ip_of(buf)->hdr_checksum = 0;
	inject(buf, n);
	assert_only_drop(DROP_IPV4_CHECKSUM, 3);
}

static void test_checksum_offload_flag_trusted(void **state)
{
	(void)state;
	uint8_t buf[64];
	uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
	ip_of(buf)->hdr_checksum ^= 0xffff;
	struct rte_mbuf *m = fixture_frame(buf, n);
	assert_non_null(m);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD; /* the NIC verified it */
	net_input(&T.ctx, 0, m);
	assert_one_reply();
}

static void test_fragments(void **state)
{
	(void)state;
	static const uint16_t frag[] = {
		RTE_IPV4_HDR_MF_FLAG,                          /* first fragment */
		RTE_IPV4_HDR_MF_FLAG | 185,                    /* middle */
		185,                                           /* last */
		1,                                             /* smallest offset */
		RTE_IPV4_HDR_OFFSET_MASK,                      /* largest */
		RTE_IPV4_HDR_DF_FLAG | RTE_IPV4_HDR_MF_FLAG,   /* nonsense, still a fragment */
	};
	uint8_t buf[64];
	uint16_t n = 0;
	for (unsigned int i = 0; i < RTE_DIM(frag); i++) {
		n = echo_from(buf, FIXTURE_PEER_IP);
		ip_of(buf)->fragment_offset = rte_cpu_to_be_16(frag[i]);
		fix_cksum(buf);
		inject(buf, n);
	}
	assert_only_drop(DROP_IPV4_FRAGMENT, RTE_DIM(frag));

	/* DF alone, or no flags, is a whole packet. */
	echo_from(buf, FIXTURE_PEER_IP);
	ip_of(buf)->fragment_offset = 0;
	fix_cksum(buf);
	inject(buf, n);
	assert_int_equal(fixture_drain(&T.ctx), 1);
	assert_int_equal(T.ctr.icmp_echo_replies, 1);
}

static void test_options(void **state)
{
	(void)state;
	/* IHL 6: one word of options (four NOPs) in front of a valid echo request. */
	uint8_t plain[64], buf[80];
	uint16_t n = echo_from(plain, FIXTURE_PEER_IP);
	memcpy(buf, plain, ETH_LEN + 20);
	memset(buf + ETH_LEN + 20, 1, 4);
	memcpy(buf + ETH_LEN + 24, plain + ETH_LEN + 20, n - ETH_LEN - 20u);
	ip_of(buf)->version_ihl = 0x46;
	ip_of(buf)->total_length = rte_cpu_to_be_16((uint16_t)(n - ETH_LEN + 4));
	fix_cksum(buf);
	inject(buf, (uint16_t)(n + 4));
	/* IHL 15, router alert and padding. */
	uint8_t big[128] = {0};
	memcpy(big, plain, ETH_LEN + 20);
	big[ETH_LEN + 20] = 0x94;
	big[ETH_LEN + 21] = 4;
	memcpy(big + ETH_LEN + 60, plain + ETH_LEN + 20, n - ETH_LEN - 20u);
	ip_of(big)->version_ihl = 0x4f;
	ip_of(big)->total_length = rte_cpu_to_be_16((uint16_t)(n - ETH_LEN + 40));
	fix_cksum(big);
	inject(big, (uint16_t)(n + 40));
	assert_only_drop(DROP_IPV4_OPTIONS, 2);
}

static void test_bad_sources(void **state)
{
	(void)state;
	static const uint32_t srcs[] = {
		IP4(0, 0, 0, 0),     IP4(255, 255, 255, 255), IP4(127, 0, 0, 1),
		IP4(127, 1, 2, 3),   IP4(224, 0, 0, 1),       IP4(239, 255, 255, 250),
		IP4(240, 0, 0, 1),   IP4(198, 18, 255, 255) /* our subnet's broadcast */,
		FIXTURE_IP /* ours */,
	};
	uint8_t buf[64];
	for (unsigned int i = 0; i < RTE_DIM(srcs); i++)
		inject(buf, echo_from(buf, srcs[i]));
	assert_only_drop(DROP_IPV4_SRC, RTE_DIM(srcs));
}

static void test_good_sources(void **state)
{
	(void)state;
	/*
	 * All-ones host bits are a broadcast only inside our own subnet: these are
	 * ordinary hosts elsewhere (a /16 or /24 of theirs is none of our business).
	 */
	static const uint32_t srcs[] = {
		IP4(203, 0, 255, 255), IP4(192, 0, 2, 255), IP4(10, 1, 255, 255),
		IP4(198, 19, 255, 255), IP4(198, 18, 0, 255), IP4(223, 255, 255, 254),
		IP4(1, 0, 0, 0),
	};
	uint8_t buf[64];
	for (unsigned int i = 0; i < RTE_DIM(srcs); i++)
		inject(buf, echo_from(buf, srcs[i]));
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	assert_int_equal(T.ctr.icmp_echo_replies, RTE_DIM(srcs));
	assert_int_equal(fixture_drain(&T.ctx), RTE_DIM(srcs));
}

static void test_point_to_point_prefixes(void **state)
{
	(void)state;
	/* RFC 3021: a /31 has no broadcast address; a /32 has no other on-link address at all. */
	uint8_t buf[64];
	T.cfg.ports[0].ipv4_addr = rte_cpu_to_be_32(IP4(198, 18, 0, 0));
	T.cfg.ports[0].ipv4_prefix = 31;
	net_ctx_fini(&T.ctx);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
	assert_non_null(T.ctx.arp);
	uint16_t n = fixture_put_echo_request(buf, 1, 1, "pingping", 8);
	ip_of(buf)->src_addr = rte_cpu_to_be_32(IP4(198, 18, 0, 1)); /* the other end */
	ip_of(buf)->dst_addr = rte_cpu_to_be_32(IP4(198, 18, 0, 0));
	fix_cksum(buf);
	inject(buf, n);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	assert_int_equal(fixture_drain(&T.ctx), 1);

	T.cfg.ports[0].ipv4_addr = rte_cpu_to_be_32(FIXTURE_IP);
	T.cfg.ports[0].ipv4_prefix = 32;
	net_ctx_fini(&T.ctx);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
	assert_non_null(T.ctx.arp);
	inject(buf, echo_from(buf, FIXTURE_PEER_IP));
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	assert_int_equal(fixture_drain(&T.ctx), 1);
}

static void test_dst_not_ours(void **state)
{
	(void)state;
	static const uint32_t dsts[] = {
		IP4(198, 18, 0, 3), IP4(198, 18, 255, 255), IP4(255, 255, 255, 255),
		IP4(224, 0, 0, 1), IP4(8, 8, 8, 8), 0,
	};
	uint8_t buf[64];
	for (unsigned int i = 0; i < RTE_DIM(dsts); i++) {
		uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
		ip_of(buf)->dst_addr = rte_cpu_to_be_32(dsts[i]);
		fix_cksum(buf);
		inject(buf, n);
	}
	assert_only_drop(DROP_IPV4_NOT_OURS, RTE_DIM(dsts));

	/* A port with no IPv4 address owns no destination. */
	T.cfg.ports[0].has_ipv4 = false;
	net_ctx_fini(&T.ctx);
	fixture_net_ctx(&T.ctx, &T.ctr, &T.cfg);
	assert_non_null(T.ctx.arp);
	inject(buf, echo_from(buf, FIXTURE_PEER_IP));
	assert_only_drop(DROP_IPV4_NOT_OURS, 1);
}

static void test_unsupported_protocols(void **state)
{
	(void)state;
	static const uint8_t protos[] = {IPPROTO_UDP, IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_ESP,
					 IPPROTO_SCTP, 0, 255};
	uint8_t buf[64];
	for (unsigned int i = 0; i < RTE_DIM(protos); i++)
		inject(buf, packet_to(buf, FIXTURE_IP, protos[i]));
	assert_only_drop(DROP_IP_PROTO, RTE_DIM(protos));
}

static void test_tcp_no_listener(void **state)
{
	(void)state;
	uint8_t buf[80] = {0};
	uint16_t n = fixture_put_eth(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	n += fixture_put_ipv4(buf + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_TCP, 20);
	buf[n + 1] = 0x30;  /* source port 48 */
	buf[n + 3] = 0xbb;  /* dst port 0x1bb = 443 */
	buf[n + 2] = 0x01;
	buf[n + 12] = 0x50; /* data offset 5 */
	buf[n + 13] = 0x02; /* SYN */
	inject(buf, (uint16_t)(n + 20));
	assert_only_drop(DROP_TCP_NO_LISTENER, 1);
	assert_int_equal(T.ctr.port[0].rx_packets, 1);
}

static void test_ethernet_padding_trimmed(void **state)
{
	(void)state;
	uint8_t buf[96];
	uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
	memset(buf + n, 0xee, 10); /* trailing padding after the IP packet */
	inject(buf, (uint16_t)(n + 10));

	struct rte_mbuf *out[4];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	assert_int_equal(got, 1);
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(out[0], struct rte_ipv4_hdr *, ETH_LEN);
	assert_int_equal(rte_be_to_cpu_16(ih->total_length), n - ETH_LEN);
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), n);
	assert_int_equal(rte_raw_cksum(ih, sizeof(*ih)), 0xffff);
	uint16_t sum = 0;
	assert_int_equal(rte_raw_cksum_mbuf(out[0], ETH_LEN + 20, n - ETH_LEN - 20u, &sum), 0);
	assert_int_equal(sum, 0xffff);
	fixture_free(out, got);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);

	/* Padded up to the 60-byte minimum, as NICs deliver small frames. */
	uint8_t small[64] = {0};
	n = fixture_put_echo_request(small, 9, 9, NULL, 0);
	inject(small, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	assert_int_equal(got, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), n);
	fixture_free(out, got);
}

/* Excess bytes in a chained frame's last segment, or spread over several segments. */
static void test_chained_trailing_bytes(void **state)
{
	(void)state;
	uint8_t buf[80];
	uint16_t n = echo_from(buf, FIXTURE_PEER_IP);
	memset(buf + n, 0xa5, 10);
	uint8_t junk[300];
	memset(junk, 0xa5, sizeof(junk));
	static const uint16_t tails[] = {4, 300};
	for (unsigned int i = 0; i < RTE_DIM(tails); i++) {
		/* 10 excess bytes at the end of the first segment, the rest in the second. */
		struct rte_mbuf *head = fixture_frame(buf, (uint16_t)(n + 10));
		struct rte_mbuf *tail = fixture_frame(junk, tails[i]);
		assert_non_null(head);
		assert_non_null(tail);
		assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
		net_input(&T.ctx, 0, head);

		struct rte_mbuf *out[4];
		unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
		assert_int_equal(got, 1);
		assert_int_equal(rte_pktmbuf_pkt_len(out[0]), n);
		const struct rte_ipv4_hdr *ih =
			rte_pktmbuf_mtod_offset(out[0], struct rte_ipv4_hdr *, ETH_LEN);
		assert_int_equal(rte_be_to_cpu_16(ih->total_length), n - ETH_LEN);
		fixture_free(out, got);
	}
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	assert_int_equal(T.ctr.icmp_echo_replies, RTE_DIM(tails));
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		TEST(test_valid_baseline),
		TEST(test_version),
		TEST(test_ihl_too_small),
		TEST(test_ihl_past_packet),
		TEST(test_short_header),
		TEST(test_total_length),
		TEST(test_header_only_packet),
		TEST(test_checksum),
		TEST(test_checksum_offload_flag_trusted),
		TEST(test_fragments),
		TEST(test_options),
		TEST(test_bad_sources),
		TEST(test_good_sources),
		TEST(test_point_to_point_prefixes),
		TEST(test_dst_not_ours),
		TEST(test_unsupported_protocols),
		TEST(test_tcp_no_listener),
		TEST(test_ethernet_padding_trimmed),
		TEST(test_chained_trailing_bytes),
	};
#undef TEST
	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net/icmp.c: echo replies (flat and chained mbufs) and every reason to ignore a message. */
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

#define ETH_LEN ((uint16_t)sizeof(struct rte_ether_hdr))
#define IP_LEN ((uint16_t)sizeof(struct rte_ipv4_hdr))
#define ICMP_LEN ((uint16_t)sizeof(struct rte_icmp_hdr))
#define L4_OFF (ETH_LEN + IP_LEN)
#define MAX_PAYLOAD 1472 /* a full 1500-byte IP packet */
#define MAX_FRAME (L4_OFF + ICMP_LEN + MAX_PAYLOAD)

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

static void fill_payload(uint8_t *p, uint16_t len, uint8_t seed)
{
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static struct rte_ipv4_hdr *ip_of(uint8_t *frame)
{
	return (struct rte_ipv4_hdr *)(frame + ETH_LEN);
}

static struct rte_icmp_hdr *icmp_of(uint8_t *frame)
{
	return (struct rte_icmp_hdr *)(frame + L4_OFF);
}

/* Recompute the ICMP checksum of frame after a change. */
static void fix_icmp_cksum(uint8_t *frame)
{
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(ip_of(frame)->total_length) - IP_LEN);
	icmp_of(frame)->icmp_cksum = 0;
	icmp_of(frame)->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp_of(frame), l4_len);
}

/* Collect exactly one frame and copy it flat into buf; returns its length. */
static uint16_t collect_one(uint8_t *buf, uint16_t max, uint16_t *nb_segs)
{
	struct rte_mbuf *out[4];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	if (got != 1)
		fixture_free(out, got);
	assert_int_equal(got, 1);
	uint32_t len = rte_pktmbuf_pkt_len(out[0]);
	assert_true(len <= max);
	const void *p = rte_pktmbuf_read(out[0], 0, len, buf);
	assert_non_null(p);
	if (p != buf)
		memcpy(buf, p, len);
	if (nb_segs != NULL)
		*nb_segs = out[0]->nb_segs;
	rte_pktmbuf_free(out[0]);
	return (uint16_t)len;
}

/* rep (length rep_len) is the correct echo reply to req. */
static void assert_echo_reply(uint8_t *req, uint16_t req_len, uint8_t *rep, uint16_t rep_len)
{
	assert_int_equal(rep_len, req_len);
	const struct rte_ether_hdr *qe = (const struct rte_ether_hdr *)req;
	const struct rte_ether_hdr *re = (const struct rte_ether_hdr *)rep;
	assert_true(rte_is_same_ether_addr(&re->dst_addr, &qe->src_addr));
	assert_true(rte_is_same_ether_addr(&re->src_addr, &fixture_mac));
	assert_int_equal(re->ether_type, qe->ether_type);

	struct rte_ipv4_hdr *qi = ip_of(req), *ri = ip_of(rep);
	assert_int_equal(ri->version_ihl, 0x45);
	assert_int_equal(ri->total_length, qi->total_length);
	assert_int_equal(ri->packet_id, qi->packet_id);
	assert_int_equal(ri->fragment_offset, qi->fragment_offset);
	assert_int_equal(ri->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(ri->time_to_live, 64);
	assert_int_equal(ri->src_addr, qi->dst_addr);
	assert_int_equal(ri->dst_addr, qi->src_addr);
	/* IP checksum: verifies, and equals a fresh computation. */
	assert_int_equal(rte_raw_cksum(ri, IP_LEN), 0xffff);
	struct rte_ipv4_hdr copy = *ri;
	copy.hdr_checksum = 0;
	assert_int_equal(rte_ipv4_cksum(&copy), ri->hdr_checksum);

	struct rte_icmp_hdr *qc = icmp_of(req), *rc = icmp_of(rep);
	uint16_t l4_len = (uint16_t)(req_len - L4_OFF);
	assert_int_equal(rc->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(rc->icmp_code, 0);
	assert_int_equal(rc->icmp_ident, qc->icmp_ident);
	assert_int_equal(rc->icmp_seq_nb, qc->icmp_seq_nb);
	assert_memory_equal(rc + 1, qc + 1, l4_len - ICMP_LEN);
	assert_int_equal(rte_raw_cksum(rc, l4_len), 0xffff);
	uint16_t sent = rc->icmp_cksum;
	rc->icmp_cksum = 0;
	uint16_t fresh = (uint16_t)~rte_raw_cksum(rc, l4_len);
	rc->icmp_cksum = sent;
	/* 0x0000 and 0xffff are the same one's-complement value. */
	assert_true(sent == fresh || (uint16_t)(sent + fresh) == 0xffff);
}

static void assert_only_drop(enum drop_reason why, uint64_t n)
{
	assert_int_equal(T.ctr.drops[why], n);
	assert_int_equal(fixture_total_drops(&T.ctr), n);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(T.ctr.icmp_echo_replies, 0);
}

static void echo_of_size(uint16_t size)
{
	static uint8_t payload[MAX_PAYLOAD], req[MAX_FRAME], rep[MAX_FRAME + 64];
	fill_payload(payload, size, (uint8_t)size);
	uint16_t n = fixture_put_echo_request(req, 0xbeef, size, payload, size);
	inject(req, n);
	uint16_t len = collect_one(rep, sizeof(rep), NULL);
	assert_echo_reply(req, n, rep, len);
}

static void test_echo_sizes(void **state)
{
	(void)state;
	static const uint16_t sizes[] = {0, 1, 56, 57, 1471, MAX_PAYLOAD};
	uint64_t tx_bytes = 0;
	for (unsigned int i = 0; i < RTE_DIM(sizes); i++) {
		echo_of_size(sizes[i]);
		tx_bytes += L4_OFF + ICMP_LEN + sizes[i];
	}
	assert_int_equal(T.ctr.icmp_echo_replies, RTE_DIM(sizes));
	assert_int_equal(T.ctr.port[0].tx_packets, RTE_DIM(sizes));
	assert_int_equal(T.ctr.port[0].tx_bytes, tx_bytes);
	assert_int_equal(T.ctr.port[0].rx_packets, RTE_DIM(sizes));
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_echo_reply_ttl_and_tos(void **state)
{
	(void)state;
	uint8_t req[128], rep[128];
	uint16_t n = fixture_put_echo_request(req, 1, 2, "abcdefgh", 8);
	ip_of(req)->time_to_live = 1;
	ip_of(req)->type_of_service = 0x10;
	ip_of(req)->hdr_checksum = 0;
	ip_of(req)->hdr_checksum = rte_ipv4_cksum(ip_of(req));
	inject(req, n);
	uint16_t len = collect_one(rep, sizeof(rep), NULL);
	assert_echo_reply(req, n, rep, len);
	assert_int_equal(ip_of(rep)->type_of_service, 0x10);
}

/* The request in two segments, cut after `split` bytes of the frame. */
static void chained_echo(uint16_t payload_len, uint16_t split)
{
	static uint8_t payload[MAX_PAYLOAD], req[MAX_FRAME], rep[MAX_FRAME];
	fill_payload(payload, payload_len, 3);
	uint16_t n = fixture_put_echo_request(req, 0x77, split, payload, payload_len);
	assert_true(split < n);
	struct rte_mbuf *head = fixture_frame(req, split);
	struct rte_mbuf *tail = fixture_frame(req + split, (uint16_t)(n - split));
	assert_non_null(head);
	assert_non_null(tail);
	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(head), n);
	net_input(&T.ctx, 0, head);

	uint16_t nb_segs = 0;
	uint16_t len = collect_one(rep, sizeof(rep), &nb_segs);
	assert_int_equal(nb_segs, 2); /* answered in place */
	assert_echo_reply(req, n, rep, len);
}

static void test_chained_even_split(void **state)
{
	(void)state;
	chained_echo(56, L4_OFF + ICMP_LEN);      /* ICMP header alone in the first segment */
	chained_echo(56, L4_OFF + ICMP_LEN + 20); /* cut inside the payload */
	chained_echo(MAX_PAYLOAD, 1024);
	assert_int_equal(T.ctr.icmp_echo_replies, 3);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_chained_odd_split(void **state)
{
	(void)state;
	/* The second segment starts at an odd offset into the ICMP message. */
	chained_echo(56, L4_OFF + ICMP_LEN + 1);
	chained_echo(56, L4_OFF + ICMP_LEN + 33);
	chained_echo(MAX_PAYLOAD, 1001);
	assert_int_equal(T.ctr.icmp_echo_replies, 3);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_chained_bad_checksum(void **state)
{
	(void)state;
	static uint8_t payload[MAX_PAYLOAD], req[MAX_FRAME];
	fill_payload(payload, MAX_PAYLOAD, 5);
	uint16_t n = fixture_put_echo_request(req, 1, 1, payload, MAX_PAYLOAD);
	req[n - 1] ^= 0x01; /* in the second segment */
	struct rte_mbuf *head = fixture_frame(req, 1000);
	struct rte_mbuf *tail = fixture_frame(req + 1000, (uint16_t)(n - 1000));
	assert_non_null(head);
	assert_non_null(tail);
	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	net_input(&T.ctx, 0, head);
	assert_only_drop(DROP_ICMP_CHECKSUM, 1);
}

static void test_truncated(void **state)
{
	(void)state;
	uint8_t buf[64];
	for (uint16_t l4 = 0; l4 < ICMP_LEN; l4++) {
		memset(buf, 0, sizeof(buf));
		uint16_t n = fixture_put_eth(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
		n += fixture_put_ipv4(buf + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_ICMP, l4);
		buf[n] = RTE_IP_ICMP_ECHO_REQUEST;
		inject(buf, (uint16_t)(n + l4)); /* unpadded */
		inject(buf, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN); /* padded: the IP length rules */
	}
	assert_only_drop(DROP_ICMP_MALFORMED, 2 * ICMP_LEN);
}

static void test_bad_checksum(void **state)
{
	(void)state;
	uint8_t buf[128];
	uint16_t n = fixture_put_echo_request(buf, 1, 1, "abcdefgh", 8);
	icmp_of(buf)->icmp_cksum ^= 0x0100;
	inject(buf, n);
	n = fixture_put_echo_request(buf, 1, 1, "abcdefgh", 8);
	buf[n - 1] ^= 0xff; /* payload changed */
	inject(buf, n);
	n = fixture_put_echo_request(buf, 1, 1, NULL, 0);
	icmp_of(buf)->icmp_seq_nb ^= 0x0001; /* header changed */
	inject(buf, n);
	n = fixture_put_echo_request(buf, 1, 1, "abcdefg", 7); /* odd length */
	buf[n - 1] ^= 0x01;
	inject(buf, n);
	assert_only_drop(DROP_ICMP_CHECKSUM, 4);
}

static void test_other_types(void **state)
{
	(void)state;
	static const uint8_t types[] = {
		RTE_IP_ICMP_ECHO_REPLY, 3 /* dest unreachable */, 5 /* redirect */,
		11 /* time exceeded */, 13 /* timestamp */, 14 /* timestamp reply */, 255,
	};
	uint8_t buf[128];
	for (unsigned int i = 0; i < RTE_DIM(types); i++) {
		uint16_t n = fixture_put_echo_request(buf, 1, 1, "abcdefgh", 8);
		icmp_of(buf)->icmp_type = types[i];
		fix_icmp_cksum(buf);
		inject(buf, n);
	}
	assert_only_drop(DROP_ICMP_TYPE, RTE_DIM(types));
}

static void test_echo_with_code(void **state)
{
	(void)state;
	static const uint8_t codes[] = {1, 8, 255};
	uint8_t buf[128];
	for (unsigned int i = 0; i < RTE_DIM(codes); i++) {
		uint16_t n = fixture_put_echo_request(buf, 1, 1, "abcdefgh", 8);
		icmp_of(buf)->icmp_code = codes[i];
		fix_icmp_cksum(buf);
		inject(buf, n);
	}
	assert_only_drop(DROP_ICMP_TYPE, RTE_DIM(codes));
}

static void test_burst_larger_than_tx_buffer(void **state)
{
	(void)state;
	/* More replies than one TX burst holds: all leave, in order. */
	uint8_t buf[128];
	const unsigned int count = NET_TX_BURST * 2 + 3;
	for (unsigned int i = 0; i < count; i++)
		inject(buf, fixture_put_echo_request(buf, 1, (uint16_t)i, "abcdefgh", 8));
	struct rte_mbuf *out[128];
	unsigned int got = fixture_collect(&T.ctx, out, RTE_DIM(out));
	assert_int_equal(got, count);
	for (unsigned int i = 0; i < got; i++) {
		const struct rte_icmp_hdr *ic =
			rte_pktmbuf_mtod_offset(out[i], struct rte_icmp_hdr *, L4_OFF);
		assert_int_equal(rte_be_to_cpu_16(ic->icmp_seq_nb), i);
	}
	fixture_free(out, got);
	assert_int_equal(T.ctr.icmp_echo_replies, count);
	assert_int_equal(T.ctr.port[0].tx_packets, count);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		TEST(test_echo_sizes),
		TEST(test_echo_reply_ttl_and_tos),
		TEST(test_chained_even_split),
		TEST(test_chained_odd_split),
		TEST(test_chained_bad_checksum),
		TEST(test_truncated),
		TEST(test_bad_checksum),
		TEST(test_other_types),
		TEST(test_echo_with_code),
		TEST(test_burst_larger_than_tx_buffer),
	};
#undef TEST
	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}

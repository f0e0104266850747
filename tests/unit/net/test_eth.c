/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net/eth.c: which frames are accepted, which are dropped and why, and the rx counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/net.h>

#include "eal_fixture.h"

static struct fixture_net T;

static const struct rte_ether_addr foreign_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x99}};
static const struct rte_ether_addr bcast_mac = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr mcast_mac = {.addr_bytes = {0x01, 0x00, 0x5e, 0, 0, 0x01}};
static const struct rte_ether_addr zero_mac = {.addr_bytes = {0}};

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

/* A minimum-size (60-byte) frame: Ethernet header, then a valid echo request to us. */
static uint16_t frame(uint8_t *buf, const struct rte_ether_addr *dst,
		      const struct rte_ether_addr *src, uint16_t type)
{
	memset(buf, 0, RTE_ETHER_MIN_LEN);
	uint16_t n = fixture_put_echo_request(buf, 1, 1, "abcd", 4);
	fixture_put_eth(buf, dst, src, type);
	return n < RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN ? RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN : n;
}

static void assert_only_drop(enum drop_reason why, uint64_t n)
{
	assert_int_equal(T.ctr.drops[why], n);
	assert_int_equal(fixture_total_drops(&T.ctr), n);
	assert_int_equal(fixture_drain(&T.ctx), 0);
	assert_int_equal(net_mbufs_held(&T.ctx), 0);
}

static void test_runts(void **state)
{
	(void)state;
	uint8_t buf[64];
	frame(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	uint64_t bytes = 0;
	for (uint16_t len = 0; len < sizeof(struct rte_ether_hdr); len++) {
		inject(buf, len);
		bytes += len;
	}
	assert_only_drop(DROP_RUNT, 14);
	assert_int_equal(T.ctr.port[0].rx_packets, 14);
	assert_int_equal(T.ctr.port[0].rx_bytes, bytes);
	assert_int_equal(T.ctr.port[0].tx_packets, 0);
}

static void test_header_only_ipv4(void **state)
{
	(void)state;
	/* Exactly 14 bytes is no runt: it reaches IPv4, which finds no header. */
	uint8_t buf[64];
	frame(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	inject(buf, sizeof(struct rte_ether_hdr));
	assert_only_drop(DROP_IPV4_LENGTH, 1);
}

static void test_foreign_dst(void **state)
{
	(void)state;
	uint8_t buf[64];
	inject(buf, frame(buf, &foreign_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4));
	inject(buf, frame(buf, &foreign_mac, &fixture_peer_mac, RTE_ETHER_TYPE_ARP));
	inject(buf, frame(buf, &mcast_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4));
	assert_only_drop(DROP_ETH_DST, 3);
}

static void test_bad_src(void **state)
{
	(void)state;
	uint8_t buf[64];
	inject(buf, frame(buf, &fixture_mac, &mcast_mac, RTE_ETHER_TYPE_IPV4));
	inject(buf, frame(buf, &fixture_mac, &bcast_mac, RTE_ETHER_TYPE_IPV4));
	inject(buf, frame(buf, &fixture_mac, &zero_mac, RTE_ETHER_TYPE_IPV4));
	inject(buf, frame(buf, &fixture_mac, &fixture_mac, RTE_ETHER_TYPE_IPV4));
	inject(buf, frame(buf, &bcast_mac, &fixture_mac, RTE_ETHER_TYPE_ARP)); /* our own looped back */
	assert_only_drop(DROP_ETH_SRC, 5);
}

static void test_unknown_ethertype(void **state)
{
	(void)state;
	static const uint16_t types[] = {0x88b5, RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_QINQ,
					 RTE_ETHER_TYPE_RARP, 0x0000, 0x05dc /* 802.3 length */,
					 0xffff};
	uint8_t buf[64];
	for (unsigned int i = 0; i < RTE_DIM(types); i++)
		inject(buf, frame(buf, &fixture_mac, &fixture_peer_mac, types[i]));
	assert_only_drop(DROP_ETHERTYPE, RTE_DIM(types));
}

static void test_vlan_tagged_ipv4(void **state)
{
	(void)state;
	/* An 802.1Q tag in front of a valid IPv4 packet: still unsupported. */
	uint8_t buf[128] = {0};
	uint8_t inner[64];
	uint16_t n = frame(inner, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	fixture_put_eth(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_VLAN);
	buf[14] = 0x00;
	buf[15] = 0x05; /* VLAN 5 */
	memcpy(buf + 16, inner + 12, n - 12u);
	inject(buf, (uint16_t)(n + 4));
	assert_only_drop(DROP_ETHERTYPE, 1);
}

static void test_ipv6(void **state)
{
	(void)state;
	uint8_t buf[64];
	inject(buf, frame(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6));
	inject(buf, frame(buf, &bcast_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6));
	assert_only_drop(DROP_IPV6, 2);
}

static void test_ipv4_to_broadcast_mac(void **state)
{
	(void)state;
	uint8_t buf[64];
	/* A valid echo request to our IP, but sent to the broadcast MAC. */
	inject(buf, frame(buf, &bcast_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4));
	assert_only_drop(DROP_IPV4_NOT_OURS, 1);
	assert_int_equal(T.ctr.icmp_echo_replies, 0);
}

static void test_accepted_frames(void **state)
{
	(void)state;
	uint8_t buf[64];
	/* Unicast to us: an echo request is answered. */
	uint16_t n1 = frame(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	inject(buf, n1);
	/* Broadcast ARP request for our address is answered. */
	memset(buf, 0, sizeof(buf));
	uint16_t n2 = fixture_put_eth(buf, &bcast_mac, &fixture_peer_mac, RTE_ETHER_TYPE_ARP);
	n2 += fixture_put_arp(buf + n2, RTE_ARP_OP_REQUEST, &fixture_peer_mac, FIXTURE_PEER_IP,
			      &zero_mac, FIXTURE_IP);
	n2 = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN;
	inject(buf, n2);

	struct rte_mbuf *out[4];
	unsigned int n = fixture_collect(&T.ctx, out, RTE_DIM(out));
	assert_int_equal(n, 2);
	uint64_t tx_bytes = 0;
	for (unsigned int i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(out[i], struct rte_ether_hdr *);
		assert_true(rte_is_same_ether_addr(&eh->src_addr, &fixture_mac));
		assert_true(rte_is_same_ether_addr(&eh->dst_addr, &fixture_peer_mac));
		tx_bytes += rte_pktmbuf_pkt_len(out[i]);
	}
	assert_int_equal(rte_be_to_cpu_16(rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *)->ether_type),
			 RTE_ETHER_TYPE_IPV4);
	assert_int_equal(rte_be_to_cpu_16(rte_pktmbuf_mtod(out[1], struct rte_ether_hdr *)->ether_type),
			 RTE_ETHER_TYPE_ARP);
	fixture_free(out, n);

	assert_int_equal(fixture_total_drops(&T.ctr), 0);
	assert_int_equal(T.ctr.icmp_echo_replies, 1);
	assert_int_equal(T.ctr.arp_replies_sent, 1);
	assert_int_equal(T.ctr.port[0].rx_packets, 2);
	assert_int_equal(T.ctr.port[0].rx_bytes, (uint64_t)n1 + n2);
	assert_int_equal(T.ctr.port[0].tx_packets, 2);
	assert_int_equal(T.ctr.port[0].tx_bytes, tx_bytes);
	assert_true(T.ctr.port[0].tx_device_cycles > 0); /* the net_ring burst was timed */
}

/* A three-segment chain of 100 + 600 + 700 bytes (byte i of the frame is i * 7). */
static struct rte_mbuf *chain3(void)
{
	static const uint16_t lens[] = {100, 600, 700};
	struct rte_mbuf *head = NULL, *last = NULL;
	unsigned int k = 0;
	for (unsigned int i = 0; i < RTE_DIM(lens); i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(T.ctx.pool);
		assert_non_null(m);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, lens[i]);
		for (uint16_t j = 0; j < lens[i]; j++)
			p[j] = (uint8_t)(k++ * 7);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
		last = m;
	}
	return head;
}

/* A device without multi-segment transmit gets each chain copied into one mbuf, bytes intact. */
static void test_chains_copied_for_single_segment_devices(void **state)
{
	(void)state;
	struct rte_mbuf *out[2];
	for (int chains = 1; chains >= 0; chains--) {
		T.ctx.ports[0].tx_chains = chains;
		net_tx(&T.ctx, 0, chain3());
		net_tx_flush(&T.ctx);
		assert_int_equal(fixture_collect(&T.ctx, out, RTE_DIM(out)), 1);
		assert_int_equal(out[0]->nb_segs, chains ? 3 : 1);
		assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 1400);
		uint8_t buf[1400];
		const uint8_t *b = rte_pktmbuf_read(out[0], 0, 1400, buf);
		for (unsigned int i = 0; i < 1400; i++)
			assert_int_equal(b[i], (uint8_t)(i * 7));
		fixture_free(out, 1);
		assert_int_equal(T.ctr.port[0].tx_copied, chains ? 0 : 1);
	}
	assert_int_equal(T.ctr.port[0].tx_packets, 2);
	assert_int_equal(fixture_total_drops(&T.ctr), 0);
}

static void test_rx_counters_count_drops_too(void **state)
{
	(void)state;
	uint8_t buf[64];
	uint64_t bytes = 0;
	for (unsigned int i = 0; i < 10; i++) {
		uint16_t n = frame(buf, &foreign_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
		inject(buf, (uint16_t)(n - i));
		bytes += n - i;
	}
	assert_int_equal(T.ctr.port[0].rx_packets, 10);
	assert_int_equal(T.ctr.port[0].rx_bytes, bytes);
	assert_int_equal(T.ctr.port[0].tx_packets, 0);
	assert_int_equal(T.ctr.port[0].tx_bytes, 0);
	assert_int_equal(T.ctr.port[0].tx_device_cycles, 0); /* nothing sent, no burst */
	assert_only_drop(DROP_ETH_DST, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_runts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_only_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_dst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_src, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ethertype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_tagged_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_to_broadcast_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accepted_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_counters_count_drops_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chains_copied_for_single_segment_devices, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the unit tests: DPDK's EAL in --no-huge --no-pci mode inside the
 * test binary, a real mbuf pool, and a real ethdev (net_ring, whose TX
 * loops back to its RX) so what a layer transmits can be read back.
 */
#ifndef TLSTERM_TEST_EAL_FIXTURE_H
#define TLSTERM_TEST_EAL_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <tlsterm/config.h>
#include <tlsterm/net.h>

#define FIXTURE_IP RTE_IPV4(198u, 18, 0, 1)
#define FIXTURE_PEER_IP RTE_IPV4(198u, 18, 0, 2)
#define FIXTURE_PREFIX 16

extern const struct rte_ether_addr fixture_mac;      /* ours: 02:00:00:00:00:01 */
extern const struct rte_ether_addr fixture_peer_mac; /* 02:00:00:00:00:02 */

/* 2001:2:0:18::1/64 (ours) and 2001:2:0:18::2 (the peer's), from the benchmarking range. */
extern const uint8_t fixture_ip6[16];
extern const uint8_t fixture_peer_ip6[16];
#define FIXTURE_PREFIX6 64

/* Start EAL once per process; returns 0 or -1. Safe to call again. */
int eal_fixture_init(void);
struct rte_mempool *eal_fixture_pool(void);

/* config_defaults() with one port 198.18.0.1/16 (gateway 198.18.0.254), sized for the fixture. */
void fixture_config(struct config *cfg);

/* fixture_config() plus 2001:2:0:18::1/64 on the port. */
void fixture_config_ipv6(struct config *cfg);

/* A worker context (worker 0 of 1) on the loopback ring port, counters zeroed; 0 or -1. */
int fixture_net_ctx(struct net_ctx *ctx, struct worker_counters *ctr, const struct config *cfg);

/*
 * What a lib/net or lib/edge test works on: a config, a worker context over it, that
 * context's counters, and how many mbufs were out when the test began (so its end can tell
 * a leak).
 */
struct fixture_net {
	struct config cfg;
	struct net_ctx ctx;
	struct worker_counters ctr;
	unsigned int in_use;
};

/* A cmocka group set-up that starts EAL once (eal_fixture_init). */
int fixture_group_setup(void **state);

/* Make t->ctx over t->cfg (the caller filled it), empty the ring, count the mbufs out; 0 or -1. */
int fixture_net_begin(struct fixture_net *t);

/* Empty the ring and free t->ctx; returns the mbufs out now, for the test to compare with
 * t->in_use. */
unsigned int fixture_net_end(struct fixture_net *t);

/* One received frame on port 0 of ctx holding len bytes of data (aborts with no mbuf left). */
void fixture_inject(struct net_ctx *ctx, const void *data, uint16_t len);

/* Flush ctx's TX buffers and read back what was sent; returns the count. */
unsigned int fixture_collect(struct net_ctx *ctx, struct rte_mbuf **out, unsigned int max);

/* A frame holding exactly len bytes copied from data. */
struct rte_mbuf *fixture_frame(const void *data, uint16_t len);

/* Sum of every drop counter. */
uint64_t fixture_total_drops(const struct worker_counters *ctr);

/* --- Frame builders for the L2/L3 tests. Addresses are host byte order. --- */

/* Write an Ethernet header at buf; returns its length (14). */
uint16_t fixture_put_eth(void *buf, const struct rte_ether_addr *dst,
			 const struct rte_ether_addr *src, uint16_t ethertype);

/* Write a 20-byte IPv4 header (TTL 64, DF, valid checksum) for l4_len bytes of payload. */
uint16_t fixture_put_ipv4(void *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);

/* Write a 40-byte IPv6 header for plen bytes of payload. */
uint16_t fixture_put_ipv6(void *buf, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
			  uint8_t hop_limit, uint16_t plen);

/* Set the checksum (bytes 2-3) of the ICMPv6 message at msg, len bytes long. */
void fixture_icmpv6_cksum(void *msg, uint16_t len, const uint8_t src[16], const uint8_t dst[16]);

/* Does the ICMPv6 message at msg (len bytes) carry a correct checksum? */
bool fixture_icmpv6_cksum_ok(const void *msg, uint16_t len, const uint8_t src[16],
			     const uint8_t dst[16]);

/* Write a 28-byte Ethernet/IPv4 ARP body. */
uint16_t fixture_put_arp(void *buf, uint16_t opcode, const struct rte_ether_addr *sha,
			 uint32_t sip, const struct rte_ether_addr *tha, uint32_t tip);

/* Write an ICMP header (valid checksum) followed by len bytes of payload. */
uint16_t fixture_put_icmp(void *buf, uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
			  const void *payload, uint16_t len);

/* Peer → us echo request frame (Ethernet + IPv4 + ICMP) in buf; returns the frame length. */
uint16_t fixture_put_echo_request(void *buf, uint16_t id, uint16_t seq, const void *payload,
				  uint16_t len);

/* Collect what ctx sent and free it all; returns the count. */
unsigned int fixture_drain(struct net_ctx *ctx);

/* Free n mbufs. */
void fixture_free(struct rte_mbuf **m, unsigned int n);

#endif

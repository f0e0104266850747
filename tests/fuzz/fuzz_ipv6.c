/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/net's IPv6 path (ipv6.c, icmpv6.c, ndp.c): every
 * received frame goes through net_input() on a port with an IPv6 address,
 * mixed with the other things a worker loop does (sending IPv6 through NDP,
 * timers, announcements, steering to a second worker). fuzz_packet covers
 * the IPv4 side; the two share their input format.
 *
 * Input: one configuration byte, then a sequence of operations, each one
 * opcode byte followed by its arguments:
 *   op % 8 == 0..2  frame:    u16 length (big endian, & 0x7ff), bytes;
 *                   op 2 has a second u16 after the length: the frame goes
 *                   in two segments, cut after that many bytes
 *   op % 8 == 3     output:   destination byte, payload length byte (IPv6)
 *   op % 8 == 4     time:     byte * 50 ms later, then net_timers()
 *   op % 8 == 5     announce
 *   op % 8 == 6     worker 1 polls its steering ring
 *   op % 8 == 7     flush and free what was sent
 * Configuration byte: bits 0-1 IPv6 prefix (64, 48, 120, 128; with 128 the
 * port has ipv6_gateway fe80::fe and ignores router advertisements, with the
 * others it learns routers from them, ipv6.accept_ra), bit 2 IPv4 too, bits
 * 3-4 NDP pending_max (1, 2, 4, 64), bits 5-6 neighbor cache_size
 * (4, 8, 16, 1024), bit 7 the tight extension-header bounds (1 header,
 * 16 bytes) instead of the defaults (4, 256).
 *
 * After each input, with everything flushed and drained, the pool must hold
 * exactly the mbufs the layer says it holds, and none once the contexts are
 * torn down; otherwise abort().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>
#include <tlsterm/net.h>

#include "fuzz_eal.h"

#define OUR_IP RTE_IPV4(198u, 18, 0, 1)
#define MAX_FRAME 0x7ff /* fits one default mbuf */
#define N_WORKERS 2

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rte_ether_addr our_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};
/* 2001:2:0:18::1; its link-local address is fe80::ff:fe00:1 (from our_mac) */
static const uint8_t our_ip6[16] = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0x01};

static struct rte_mempool *pool;
static uint16_t ring_port;
static struct net_ctx ctxs[N_WORKERS];
static struct worker_counters ctrs[N_WORKERS];

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ipv6: %s\n", what);
		abort();
	}
}

/* EAL inside the fuzzer, as tests/unit/eal_fixture.c does it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	check(fuzz_eal_init("fuzz_ipv6", 128, true) >= 0, "rte_eal_init failed");
	pool = rte_pktmbuf_pool_create("fuzz_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	check(pool != NULL, "mbuf pool");
	check(rte_eth_dev_get_port_by_name("net_ring0", &ring_port) == 0, "net_ring0");
	struct rte_eth_conf conf = {0};
	check(rte_eth_dev_configure(ring_port, 1, 1, &conf) == 0 &&
		      rte_eth_rx_queue_setup(ring_port, 0, 1024, 0, NULL, pool) == 0 &&
		      rte_eth_tx_queue_setup(ring_port, 0, 1024, 0, NULL) == 0 &&
		      rte_eth_dev_start(ring_port) == 0,
	      "ring port setup");
	return 0;
}

/* Push out every TX buffer and free what came back through the ring. */
static void drain(void)
{
	for (unsigned int w = 0; w < N_WORKERS; w++)
		net_tx_flush(&ctxs[w]);
	struct rte_mbuf *pkts[64];
	uint16_t n;
	while ((n = rte_eth_rx_burst(ring_port, 0, pkts, RTE_DIM(pkts))) > 0)
		rte_pktmbuf_free_bulk(pkts, n);
}

static void make_config(struct config *cfg, uint8_t b)
{
	static const uint8_t prefixes[] = {64, 48, 120, 128};
	static const unsigned int pending[] = {1, 2, 4, 64};
	static const unsigned int cache[] = {4, 8, 16, 1024};
	memset(cfg, 0, sizeof(*cfg));
	cfg->n_ports = 1;
	struct config_port *p = &cfg->ports[0];
	snprintf(p->name, sizeof(p->name), "edge");
	p->has_ipv6 = true;
	memcpy(p->ipv6_addr, our_ip6, 16);
	p->ipv6_prefix = prefixes[b & 3];
	p->has_ipv6_gateway = (b & 3) == 3;
	memcpy(p->ipv6_gateway, (const uint8_t[16]){ 0xfe, 0x80, [15] = 0xfe }, 16);
	cfg->ipv6.accept_ra = (b & 3) != 3;
	p->has_ipv4 = (b & 4) != 0;
	p->ipv4_addr = rte_cpu_to_be_32(OUR_IP);
	p->ipv4_prefix = 16;
	cfg->arp.pending_max = 4;
	cfg->arp.cache_size = 16;
	cfg->arp.timeout_s = 5;
	cfg->ipv6.pending_max = pending[(b >> 3) & 3];
	cfg->ipv6.neighbor_cache_size = cache[(b >> 5) & 3];
	cfg->ipv6.neighbor_timeout_s = 5;
	cfg->ipv6.ext_headers_max = (b & 0x80) ? 1 : 4;
	cfg->ipv6.ext_bytes_max = (b & 0x80) ? 16 : 256;
	cfg->mbufs_per_worker = 4095;
}

/* Take n bytes from the input, or NULL when it has run out. */
static const uint8_t *take(const uint8_t **data, size_t *size, size_t n)
{
	if (*size < n)
		return NULL;
	const uint8_t *p = *data;
	*data += n;
	*size -= n;
	return p;
}

static uint64_t frames;

static void op_frame(const uint8_t **data, size_t *size, bool chained)
{
	const uint8_t *hdr = take(data, size, 2);
	if (hdr == NULL)
		return;
	size_t len = ((size_t)hdr[0] << 8 | hdr[1]) & MAX_FRAME;
	if (len > *size)
		len = *size;
	size_t cut = len;
	if (chained) {
		const uint8_t *c = take(data, size, 2);
		if (c == NULL)
			return;
		cut = ((size_t)c[0] << 8 | c[1]) & MAX_FRAME;
		if (len > *size)
			len = *size;
		if (cut > len)
			cut = len;
	}
	const uint8_t *bytes = take(data, size, len);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;
	memcpy(rte_pktmbuf_append(m, (uint16_t)cut), bytes, cut);
	if (chained && cut < len) {
		struct rte_mbuf *tail = rte_pktmbuf_alloc(pool);
		if (tail == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		memcpy(rte_pktmbuf_append(tail, (uint16_t)(len - cut)), bytes + cut, len - cut);
		check(rte_pktmbuf_chain(m, tail) == 0, "chain");
	}
	frames++;
	net_input(&ctxs[0], 0, m);
}

/*
 * A UDP packet from us to an on-link host (2001:2:0:18::N), a link-local one
 * (fe80::N, top bit), or (both top bits) one off-link.
 */
static void op_output(const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 2);
	if (a == NULL)
		return;
	uint8_t dst[16] = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18};
	if ((a[0] & 0xc0) == 0xc0)
		dst[6] = 0x77;
	else if (a[0] & 0x80)
		memcpy(dst, (const uint8_t[]){0xfe, 0x80, 0, 0, 0, 0, 0, 0}, 8);
	dst[15] = a[0] & 0x3f;
	uint16_t l4_len = (uint16_t)(8 + a[1]);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ipv6_hdr) + l4_len));
	memset(p, 0, sizeof(struct rte_ipv6_hdr) + l4_len);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)p;
	ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ih->payload_len = rte_cpu_to_be_16(l4_len);
	ih->proto = IPPROTO_UDP;
	ih->hop_limits = 64;
	memcpy(ih->src_addr, our_ip6, 16);
	memcpy(ih->dst_addr, dst, 16);
	net_output_ipv6(&ctxs[0], 0, m, dst);
}

static void op_time(const uint8_t **data, size_t *size)
{
	const uint8_t *t = take(data, size, 1);
	if (t == NULL)
		return;
	for (unsigned int w = 0; w < N_WORKERS; w++) {
		ctxs[w].now += ctxs[w].tsc_hz * 50 / 1000 * t[0];
		net_timers(&ctxs[w]);
	}
}

static unsigned int held(void)
{
	unsigned int n = 0;
	for (unsigned int w = 0; w < N_WORKERS; w++)
		n += net_mbufs_held(&ctxs[w]);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned int start = rte_mempool_in_use_count(pool);
	struct config cfg;
	make_config(&cfg, data[0]);
	data++;
	size--;

	struct net_ctx *const all[N_WORKERS] = {&ctxs[0], &ctxs[1]};
	for (unsigned int w = 0; w < N_WORKERS; w++) {
		memset(&ctrs[w], 0, sizeof(ctrs[w]));
		check(net_ctx_init(&ctxs[w], &cfg, w, N_WORKERS, pool, &ctrs[w]) == 0, "net_ctx_init");
		ctxs[w].ports[0].port_id = ring_port;
		ctxs[w].ports[0].queue_id = 0;
		ctxs[w].ports[0].mac = our_mac;
	}
	check(net_steer_connect(all, N_WORKERS) == 0, "net_steer_connect");
	frames = 0;

	const uint8_t *op;
	while ((op = take(&data, &size, 1)) != NULL) {
		switch (op[0] % 8) {
		case 0:
		case 1:
		case 2:
			op_frame(&data, &size, op[0] % 8 == 2);
			break;
		case 3:
			op_output(&data, &size);
			break;
		case 4:
			op_time(&data, &size);
			break;
		case 5:
			net_announce(&ctxs[0]);
			break;
		case 6:
			net_steer_poll(&ctxs[1]);
			break;
		default:
			drain();
			break;
		}
	}

	/* Everything not sent is accounted for by the layer itself. */
	drain();
	check(rte_mempool_in_use_count(pool) == start + held(), "mbufs in use != mbufs held");
	net_steer_poll(&ctxs[1]);
	drain();
	check(rte_mempool_in_use_count(pool) == start + held(), "mbufs in use != mbufs held (steer)");
	check(ctrs[0].port[0].rx_packets == frames, "rx_packets != frames given");

	net_steer_disconnect(all, N_WORKERS);
	for (unsigned int w = 0; w < N_WORKERS; w++)
		net_ctx_fini(&ctxs[w]);
	drain();
	check(rte_mempool_in_use_count(pool) == start, "mbufs leaked");
	return 0;
}

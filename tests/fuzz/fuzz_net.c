/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared lib/net fuzz harness; the input format is in fuzz_net.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>
#include <tlsterm/net.h>

#include "fuzz_eal.h"
#include "fuzz_net.h"

#define MAX_FRAME 0x7ff /* fits one default mbuf */
#define N_WORKERS 2

const struct rte_ether_addr fuzz_net_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};

static const char *prog = "fuzz_net";
static struct rte_mempool *pool;
static uint16_t ring_port;
static struct net_ctx ctxs[N_WORKERS];
static struct worker_counters ctrs[N_WORKERS];
static uint64_t frames;

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s: %s\n", prog, what);
		abort();
	}
}

/* EAL inside the fuzzer, as tests/unit/eal_fixture.c does it. */
int fuzz_net_init(const struct fuzz_net_target *t)
{
	prog = t->name;
	check(fuzz_eal_init(t->name, 128, true) >= 0, "rte_eal_init failed");
	pool = rte_pktmbuf_pool_create("fuzz_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	check(pool != NULL, "mbuf pool");
	check(fuzz_ring_port_start(pool, &ring_port) == 0, "net_ring0 port setup");
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

/* What both targets' configs share; the target adds addresses and table sizes. */
static void make_config(const struct fuzz_net_target *t, struct config *cfg, uint8_t b)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->n_ports = 1;
	snprintf(cfg->ports[0].name, sizeof(cfg->ports[0].name), "edge");
	cfg->arp.timeout_s = 5;
	cfg->mbufs_per_worker = 4095;
	t->make_config(cfg, b);
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

static void op_output(const struct fuzz_net_target *t, const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 2);
	if (a == NULL)
		return;
	t->output(&ctxs[0], pool, a);
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

int fuzz_net_run(const struct fuzz_net_target *t, const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned int start = rte_mempool_in_use_count(pool);
	struct config cfg;
	make_config(t, &cfg, data[0]);
	data++;
	size--;

	struct net_ctx *const all[N_WORKERS] = {&ctxs[0], &ctxs[1]};
	for (unsigned int w = 0; w < N_WORKERS; w++) {
		memset(&ctrs[w], 0, sizeof(ctrs[w]));
		check(net_ctx_init(&ctxs[w], &cfg, w, N_WORKERS, pool, &ctrs[w]) == 0, "net_ctx_init");
		ctxs[w].ports[0].port_id = ring_port;
		ctxs[w].ports[0].queue_id = 0;
		ctxs[w].ports[0].mac = fuzz_net_mac;
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
			op_output(t, &data, &size);
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

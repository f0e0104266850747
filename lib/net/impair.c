/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded per-port impairment for tests and labs (DESIGN.md "Impairment"):
 * drop, duplicate, reorder (hold a frame back so later ones overtake it) and
 * delay, on RX and/or TX. The same seed replays the same pattern.
 */
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "net_priv.h"

#define IMPAIR_QUEUE 2048  /* delayed frames per direction */
#define IMPAIR_LATE 64     /* frames held back for reordering per direction */
#define IMPAIR_REORDER_MS 2

enum { DIR_RX, DIR_TX, DIR_COUNT };

struct held {
	uint64_t due;
	struct rte_mbuf *m;
};

struct impair {
	struct config_impair cfg;
	uint64_t rng;
	uint64_t delay_tsc;
	uint64_t reorder_tsc;
	unsigned int head[DIR_COUNT], n[DIR_COUNT];
	struct held fifo[DIR_COUNT][IMPAIR_QUEUE];
	unsigned int n_late[DIR_COUNT];
	struct held late[DIR_COUNT][IMPAIR_LATE];
};

/* xorshift64*: small, fast, and reproducible from the seed. */
static uint32_t next_permille(struct impair *im)
{
	uint64_t x = im->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	im->rng = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32) % 1000;
}

int impair_setup(struct net_ctx *ctx, unsigned int pi, const struct config_impair *cfg)
{
	if (!cfg->rx && !cfg->tx)
		return 0;
	struct impair *im = rte_zmalloc_socket("impair", sizeof(*im), RTE_CACHE_LINE_SIZE,
					       (int)rte_socket_id());
	if (im == NULL)
		return -1;
	im->cfg = *cfg;
	/* Distinct but reproducible streams per worker and port. */
	im->rng = ((uint64_t)cfg->seed << 16 | ctx->worker_id << 8 | pi) * 0x9E3779B97F4A7C15ULL + 1;
	im->delay_tsc = ctx->tsc_hz / 1000 * cfg->delay_ms;
	im->reorder_tsc = ctx->tsc_hz / 1000 * IMPAIR_REORDER_MS;
	ctx->ports[pi].impair = im;
	return 0;
}

static void release(struct net_ctx *ctx, unsigned int pi, int dir, struct rte_mbuf *m)
{
	if (dir == DIR_RX)
		net_input_frame(ctx, pi, m, false);
	else
		tx_enqueue(ctx, pi, m);
}

static void hold(struct net_ctx *ctx, struct impair *im, int dir, struct rte_mbuf *m, bool late)
{
	if (late) {
		if (im->n_late[dir] == IMPAIR_LATE) {
			net_drop(ctx, m, DROP_IMPAIR);
			return;
		}
		im->late[dir][im->n_late[dir]++] =
			(struct held){.due = ctx->now + im->delay_tsc + im->reorder_tsc, .m = m};
		ctx->ctr->impair_reordered++;
		return;
	}
	if (im->n[dir] == IMPAIR_QUEUE) {
		net_drop(ctx, m, DROP_IMPAIR);
		return;
	}
	unsigned int tail = (im->head[dir] + im->n[dir]) % IMPAIR_QUEUE;
	im->fifo[dir][tail] = (struct held){.due = ctx->now + im->delay_tsc, .m = m};
	im->n[dir]++;
}

/* One frame through the impairment of direction dir; consumes m. */
static void impair_one(struct net_ctx *ctx, unsigned int pi, int dir, struct rte_mbuf *m)
{
	struct impair *im = ctx->ports[pi].impair;
	if (next_permille(im) < im->cfg.drop_permille) {
		net_drop(ctx, m, DROP_IMPAIR);
		return;
	}
	unsigned int copies = next_permille(im) < im->cfg.duplicate_permille ? 2 : 1;
	for (unsigned int i = 0; i < copies; i++) {
		struct rte_mbuf *f = m;
		if (i + 1 < copies) {
			f = rte_pktmbuf_copy(m, ctx->pool, 0, UINT32_MAX);
			if (f == NULL) {
				ctx->ctr->drops[DROP_NO_MBUF]++;
				continue;
			}
			ctx->ctr->impair_duplicated++;
		}
		bool late = next_permille(im) < im->cfg.reorder_permille;
		if (!late && im->delay_tsc == 0 && im->n[dir] == 0)
			release(ctx, pi, dir, f);
		else
			hold(ctx, im, dir, f, late);
	}
}

bool impair_rx(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m)
{
	struct impair *im = ctx->ports[pi].impair;
	if (im == NULL || !im->cfg.rx)
		return false;
	impair_one(ctx, pi, DIR_RX, m);
	return true;
}

bool impair_tx(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m)
{
	struct impair *im = ctx->ports[pi].impair;
	if (im == NULL || !im->cfg.tx)
		return false;
	impair_one(ctx, pi, DIR_TX, m);
	return true;
}

void net_impair_poll(struct net_ctx *ctx)
{
	for (unsigned int pi = 0; pi < ctx->n_ports; pi++) {
		struct impair *im = ctx->ports[pi].impair;
		if (im == NULL)
			continue;
		for (int dir = 0; dir < DIR_COUNT; dir++) {
			while (im->n[dir] > 0 && im->fifo[dir][im->head[dir]].due <= ctx->now) {
				struct rte_mbuf *m = im->fifo[dir][im->head[dir]].m;
				im->head[dir] = (im->head[dir] + 1) % IMPAIR_QUEUE;
				im->n[dir]--;
				release(ctx, pi, dir, m);
			}
			unsigned int i = 0;
			while (i < im->n_late[dir]) {
				if (im->late[dir][i].due > ctx->now) {
					i++;
					continue;
				}
				struct rte_mbuf *m = im->late[dir][i].m;
				im->late[dir][i] = im->late[dir][--im->n_late[dir]];
				release(ctx, pi, dir, m);
			}
		}
	}
}

unsigned int impair_held(const struct impair *im)
{
	if (im == NULL)
		return 0;
	return im->n[DIR_RX] + im->n[DIR_TX] + im->n_late[DIR_RX] + im->n_late[DIR_TX];
}

void impair_free(struct impair *im)
{
	if (im == NULL)
		return;
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		for (unsigned int i = 0; i < im->n[dir]; i++)
			rte_pktmbuf_free(im->fifo[dir][(im->head[dir] + i) % IMPAIR_QUEUE].m);
		for (unsigned int i = 0; i < im->n_late[dir]; i++)
			rte_pktmbuf_free(im->late[dir][i].m);
	}
	rte_free(im);
}

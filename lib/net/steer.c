/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering between workers: one single-producer/single-consumer
 * ring per ordered pair of workers, so no ring is ever shared by two writers.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_ring.h>

#include "net_priv.h"

#define STEER_RING_SIZE 1024
#define STEER_BURST 32

int net_steer_connect(struct net_ctx *const ctxs[], unsigned int n)
{
	for (unsigned int from = 0; from < n; from++) {
		for (unsigned int to = 0; to < n; to++) {
			if (from == to)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "steer_%u_%u", from, to);
			struct rte_ring *r = rte_ring_create(name, STEER_RING_SIZE, (int)rte_socket_id(),
							     RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL)
				return -rte_errno;
			ctxs[from]->steer_out[to] = r;
			ctxs[to]->steer_in[from] = r;
		}
	}
	return 0;
}

void net_steer_disconnect(struct net_ctx *const ctxs[], unsigned int n)
{
	for (unsigned int from = 0; from < n; from++) {
		for (unsigned int to = 0; to < n; to++) {
			struct rte_ring *r = ctxs[from]->steer_out[to];
			if (r == NULL)
				continue;
			struct rte_mbuf *m;
			while (rte_ring_sc_dequeue(r, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(r);
			ctxs[from]->steer_out[to] = NULL;
			ctxs[to]->steer_in[from] = NULL;
		}
	}
}

void net_steer_to(struct net_ctx *ctx, unsigned int worker, unsigned int pi, struct rte_mbuf *m)
{
	m->hash.usr = pi; /* the receiving worker needs to know the port */
	if (rte_ring_sp_enqueue(ctx->steer_out[worker], m) != 0) {
		net_drop(ctx, m, DROP_STEER_FULL);
		return;
	}
	ctx->ctr->steered_out++;
}

void steer_broadcast_copy(struct net_ctx *ctx, unsigned int pi, const struct rte_mbuf *m)
{
	for (unsigned int w = 0; w < ctx->n_workers; w++) {
		if (w == ctx->worker_id || ctx->steer_out[w] == NULL)
			continue;
		struct rte_mbuf *c = rte_pktmbuf_copy(m, ctx->pool, 0, UINT32_MAX);
		if (c == NULL) {
			ctx->ctr->drops[DROP_NO_MBUF]++;
			continue;
		}
		net_steer_to(ctx, w, pi, c);
	}
}

void net_steer_poll(struct net_ctx *ctx)
{
	for (unsigned int w = 0; w < ctx->n_workers; w++) {
		if (ctx->steer_in[w] == NULL)
			continue;
		struct rte_mbuf *pkts[STEER_BURST];
		unsigned int n = rte_ring_sc_dequeue_burst(ctx->steer_in[w], (void **)pkts,
							   STEER_BURST, NULL);
		ctx->ctr->steered_in += n;
		for (unsigned int i = 0; i < n; i++)
			net_input_frame(ctx, pkts[i]->hash.usr, pkts[i], true);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Buffered transmit: frames gather per port and leave in one burst per iteration. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "net_priv.h"

static void tx_flush_port(struct net_ctx *ctx, unsigned int pi)
{
	struct net_port *p = &ctx->ports[pi];
	if (p->tx_n == 0)
		return;
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < p->tx_n; i++)
		bytes += rte_pktmbuf_pkt_len(p->tx[i]);
	uint64_t t0 = rte_rdtsc();
	uint16_t sent = rte_eth_tx_burst(p->port_id, p->queue_id, p->tx, p->tx_n);
	uint64_t took = rte_rdtsc() - t0;
	/* A full burst through af_packet's sendto() takes tens of µs; a millisecond is a stall. */
	if (took < ctx->tsc_hz / 1000)
		ctx->ctr->port[pi].tx_device_cycles += took;
	else
		ctx->ctr->port[pi].device_stalls++;
	for (uint16_t i = sent; i < p->tx_n; i++) {
		bytes -= rte_pktmbuf_pkt_len(p->tx[i]);
		net_drop(ctx, p->tx[i], DROP_TX_FULL);
	}
	ctx->ctr->port[pi].tx_packets += sent;
	ctx->ctr->port[pi].tx_bytes += bytes;
	p->tx_n = 0;
}

void net_tx(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m)
{
	if (ctx->ports[pi].impair != NULL && impair_tx(ctx, pi, m))
		return;
	tx_enqueue(ctx, pi, m);
}

/* A chain copied into one mbuf for a device that sends single segments; NULL: none free. */
static struct rte_mbuf *tx_copy(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m)
{
	struct rte_mbuf *one = rte_pktmbuf_alloc(ctx->pool);
	char *p = one != NULL && m->pkt_len <= rte_pktmbuf_tailroom(one)
			  ? rte_pktmbuf_append(one, (uint16_t)m->pkt_len)
			  : NULL;
	if (p == NULL) {
		rte_pktmbuf_free(one);
		return NULL;
	}
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		memcpy(p, rte_pktmbuf_mtod(s, const void *), s->data_len);
		p += s->data_len;
	}
	one->port = m->port;
	ctx->ctr->port[pi].tx_copied++;
	rte_pktmbuf_free(m);
	return one;
}

void tx_enqueue(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m)
{
	struct net_port *p = &ctx->ports[pi];
	if (m->nb_segs > 1 && !p->tx_chains) {
		struct rte_mbuf *one = tx_copy(ctx, pi, m);
		if (one == NULL) {
			net_drop(ctx, m, DROP_NO_MBUF);
			return;
		}
		m = one;
	}
	if (p->tx_n == NET_TX_BURST)
		tx_flush_port(ctx, pi);
	p->tx[p->tx_n++] = m;
}

void net_tx_flush(struct net_ctx *ctx)
{
	for (unsigned int pi = 0; pi < ctx->n_ports; pi++)
		tx_flush_port(ctx, pi);
}

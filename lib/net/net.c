/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-worker L2/L3 context: set-up, tear-down and the periodic work. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ring.h>

#include "net_priv.h"

static uint32_t prefix_to_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - prefix));
}

int net_ctx_init(struct net_ctx *ctx, const struct config *cfg, unsigned int worker_id,
		 unsigned int n_workers, struct rte_mempool *pool, struct worker_counters *ctr)
{
	if (n_workers == 0 || n_workers > NET_MAX_WORKERS || worker_id >= n_workers)
		return -EINVAL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->worker_id = worker_id;
	ctx->n_workers = n_workers;
	ctx->n_ports = cfg->n_ports;
	ctx->pool = pool;
	ctx->ctr = ctr;
	ctx->tsc_hz = rte_get_tsc_hz();
	ctx->now = rte_get_tsc_cycles();
	bool any_ipv6 = false;
	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		const struct config_port *cp = &cfg->ports[i];
		struct net_port *p = &ctx->ports[i];
		p->has_ipv4 = cp->has_ipv4;
		p->ipv4 = cp->ipv4_addr;
		p->netmask = prefix_to_mask(cp->ipv4_prefix);
		p->has_gateway = cp->has_gateway;
		p->gateway = cp->ipv4_gateway;
		p->has_ipv6 = cp->has_ipv6;
		memcpy(p->ipv6, cp->ipv6_addr, sizeof(p->ipv6));
		p->ipv6_prefix = cp->ipv6_prefix;
		p->has_ipv6_gateway = cp->has_ipv6_gateway;
		memcpy(p->ipv6_gateway, cp->ipv6_gateway, sizeof(p->ipv6_gateway));
		any_ipv6 |= cp->has_ipv6;
		p->tx_chains = true; /* until the port's start says otherwise */
	}
	ctx->ipv6_ext_headers_max = cfg->ipv6.ext_headers_max;
	ctx->ipv6_ext_bytes_max = cfg->ipv6.ext_bytes_max;
	ctx->accept_ra = cfg->ipv6.accept_ra;
	ctx->icmp_err_rate = cfg->ipv6.icmp_errors_per_s;
	ctx->icmp_err_tokens = ctx->icmp_err_rate;
	ctx->icmp_err_refilled = ctx->now;
	ctx->arp = arp_table_create(&cfg->arp, worker_id);
	if (ctx->arp == NULL)
		return -ENOMEM;
	if (any_ipv6) {
		ctx->nd = nd_table_create(&cfg->ipv6);
		if (ctx->nd == NULL)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < cfg->n_ports; i++)
		if (impair_setup(ctx, i, &cfg->ports[i].impair) != 0)
			return -ENOMEM;
	return 0;
}

void net_ctx_fini(struct net_ctx *ctx)
{
	for (unsigned int i = 0; i < ctx->n_ports; i++) {
		struct net_port *p = &ctx->ports[i];
		rte_pktmbuf_free_bulk(p->tx, p->tx_n);
		p->tx_n = 0;
		impair_free(p->impair);
		p->impair = NULL;
	}
	arp_table_free(ctx->arp);
	ctx->arp = NULL;
	nd_table_free(ctx->nd);
	ctx->nd = NULL;
}

void net_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m)
{
	ctx->ctr->port[pi].rx_packets++;
	ctx->ctr->port[pi].rx_bytes += rte_pktmbuf_pkt_len(m);
	if (ctx->ports[pi].impair != NULL && impair_rx(ctx, pi, m))
		return;
	net_input_frame(ctx, pi, m, false);
}

void net_timers(struct net_ctx *ctx)
{
	arp_timers(ctx);
	ndp_timers(ctx);
}

void net_announce(struct net_ctx *ctx)
{
	for (unsigned int pi = 0; pi < ctx->n_ports; pi++) {
		const struct net_port *p = &ctx->ports[pi];
		if (p->has_ipv4)
			arp_send_request(ctx, pi, p->ipv4, p->ipv4); /* RFC 5227 §3 announcement */
		if (p->has_ipv6)
			ndp_announce(ctx, pi);
	}
}

unsigned int net_mbufs_held(const struct net_ctx *ctx)
{
	unsigned int n = arp_pending_count(ctx->arp) + ndp_pending_count(ctx->nd);
	for (unsigned int i = 0; i < ctx->n_ports; i++)
		n += ctx->ports[i].tx_n + impair_held(ctx->ports[i].impair);
	for (unsigned int w = 0; w < ctx->n_workers; w++)
		if (ctx->steer_in[w] != NULL)
			n += rte_ring_count(ctx->steer_in[w]);
	return n;
}

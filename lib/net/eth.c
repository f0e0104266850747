/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet II: classify received frames, build headers for sent ones. */
#include <rte_byteorder.h>

#include "net_priv.h"

static bool mac_is_ours(const struct net_port *p, const struct rte_ether_addr *a)
{
	return rte_is_same_ether_addr(&p->mac, a);
}

void net_input_frame(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, bool steered)
{
	const struct net_port *p = &ctx->ports[pi];
	const struct rte_ether_hdr *eh = pkt_header(m, 0, sizeof(*eh));
	if (eh == NULL) {
		net_drop(ctx, m, DROP_RUNT);
		return;
	}
	/*
	 * A promiscuous virtual port sees every frame on the link. IPv6 has no
	 * broadcast: NDP reaches us at 33:33 multicast MACs, and ipv6_input()
	 * keeps only the groups we belong to.
	 */
	bool v6_group = p->has_ipv6 && eh->dst_addr.addr_bytes[0] == 0x33 &&
			eh->dst_addr.addr_bytes[1] == 0x33 &&
			eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	if (!mac_is_ours(p, &eh->dst_addr) && !rte_is_broadcast_ether_addr(&eh->dst_addr) &&
	    !v6_group) {
		net_drop(ctx, m, DROP_ETH_DST);
		return;
	}
	/* Our own MAC as source: a looped-back copy of what we sent, or a spoofer. */
	if (rte_is_multicast_ether_addr(&eh->src_addr) || rte_is_zero_ether_addr(&eh->src_addr) ||
	    mac_is_ours(p, &eh->src_addr)) {
		net_drop(ctx, m, DROP_ETH_SRC);
		return;
	}
	switch (rte_be_to_cpu_16(eh->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		arp_input(ctx, pi, m, steered);
		return;
	case RTE_ETHER_TYPE_IPV4:
		if (rte_is_broadcast_ether_addr(&eh->dst_addr)) {
			net_drop(ctx, m, DROP_IPV4_NOT_OURS);
			return;
		}
		ipv4_input(ctx, pi, m, sizeof(*eh));
		return;
	case RTE_ETHER_TYPE_IPV6:
		if (!p->has_ipv6) {
			net_drop(ctx, m, DROP_IPV6); /* the port has no ipv6: address */
			return;
		}
		if (rte_is_broadcast_ether_addr(&eh->dst_addr)) {
			net_drop(ctx, m, DROP_IPV6_NOT_OURS);
			return;
		}
		ipv6_input(ctx, pi, m, sizeof(*eh), steered);
		return;
	default:
		net_drop(ctx, m, DROP_ETHERTYPE);
		return;
	}
}

void eth_output(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
		const struct rte_ether_addr *dst, uint16_t ethertype)
{
	struct rte_ether_hdr *eh =
		(struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
	if (eh == NULL) {
		net_drop(ctx, m, DROP_NO_MBUF);
		return;
	}
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&ctx->ports[pi].mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ethertype);
	m->l2_len = sizeof(*eh);
	net_tx(ctx, pi, m);
}

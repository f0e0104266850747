/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 input (RFC 791, RFC 1122 §3.2.1) and output through ARP. */
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net_priv.h"

#define IPV4_FRAG_MASK (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

void ipv4_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off)
{
	const struct net_port *p = &ctx->ports[pi];
	const struct rte_ipv4_hdr *ih = pkt_header(m, l3_off, sizeof(*ih));
	if (ih == NULL) {
		net_drop(ctx, m, DROP_IPV4_LENGTH);
		return;
	}
	if ((ih->version_ihl >> 4) != 4) {
		net_drop(ctx, m, DROP_IPV4_VERSION);
		return;
	}
	uint32_t ihl = (uint32_t)(ih->version_ihl & 0x0f) * 4;
	uint32_t avail = rte_pktmbuf_pkt_len(m) - l3_off;
	if (ihl < sizeof(*ih) || pkt_header(m, l3_off, ihl) == NULL) {
		net_drop(ctx, m, DROP_IPV4_IHL);
		return;
	}
	uint32_t total = rte_be_to_cpu_16(ih->total_length);
	if (total < ihl || total > avail) {
		net_drop(ctx, m, DROP_IPV4_LENGTH);
		return;
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    rte_raw_cksum(ih, ihl) != 0xffff) {
		net_drop(ctx, m, DROP_IPV4_CHECKSUM);
		return;
	}
	if ((rte_be_to_cpu_16(ih->fragment_offset) & IPV4_FRAG_MASK) != 0) {
		net_drop(ctx, m, DROP_IPV4_FRAGMENT);
		return;
	}
	if (ihl != sizeof(*ih)) {
		net_drop(ctx, m, DROP_IPV4_OPTIONS); /* an edge has no use for IP options */
		return;
	}
	if (ipv4_src_invalid(p, ih->src_addr)) {
		net_drop(ctx, m, DROP_IPV4_SRC);
		return;
	}
	if (!p->has_ipv4 || ih->dst_addr != p->ipv4) {
		net_drop(ctx, m, DROP_IPV4_NOT_OURS);
		return;
	}
	if (avail > total)
		net_chain_keep(m, l3_off + total); /* Ethernet padding */
	m->l2_len = l3_off;
	m->l3_len = ihl;

	switch (ih->next_proto_id) {
	case IPPROTO_ICMP:
		icmp_input(ctx, pi, m, l3_off, l3_off + ihl);
		return;
	case IPPROTO_TCP:
		if (ctx->tcp_input == NULL) {
			net_drop(ctx, m, DROP_TCP_NO_LISTENER);
			return;
		}
		ctx->tcp_input(ctx->tcp_arg, pi, m, l3_off, l3_off + ihl);
		return;
	default:
		net_drop(ctx, m, DROP_IP_PROTO);
		return;
	}
}

void net_output_ipv4(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t dst)
{
	const struct net_port *p = &ctx->ports[pi];
	uint32_t next_hop = dst;
	if (!p->has_ipv4) {
		net_drop(ctx, m, DROP_NO_ROUTE);
		return;
	}
	if (((dst ^ p->ipv4) & p->netmask) != 0) {
		if (!p->has_gateway) {
			net_drop(ctx, m, DROP_NO_ROUTE);
			return;
		}
		next_hop = p->gateway;
	}
	arp_resolve_output(ctx, pi, m, next_hop);
}

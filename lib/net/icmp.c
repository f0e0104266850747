/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP (RFC 792): echo requests answered in place; everything else counted. */
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_priv.h"

#define ICMP_REPLY_TTL 64

void icmp_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
		uint32_t l4_off)
{
	uint32_t len = rte_pktmbuf_pkt_len(m) - l4_off;
	struct rte_icmp_hdr *icmp = pkt_header(m, l4_off, sizeof(*icmp));
	if (len < sizeof(*icmp) || icmp == NULL) {
		net_drop(ctx, m, DROP_ICMP_MALFORMED);
		return;
	}
	uint16_t sum;
	if (net_cksum_mbuf(m, l4_off, len, &sum) != 0 || sum != 0xffff) {
		net_drop(ctx, m, DROP_ICMP_CHECKSUM);
		return;
	}
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		net_drop(ctx, m, DROP_ICMP_TYPE);
		return;
	}
	if (ctx->icmp_echo_admit != NULL) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
									l3_off);
		const uint32_t src[4] = {ip->src_addr, 0, 0, 0};
		int why = ctx->icmp_echo_admit(ctx->edge_arg, 4, src);
		if (why >= 0) {
			net_drop(ctx, m, (enum drop_reason)why);
			return;
		}
	}

	/* Answer in place, to the MAC it came from. */
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(&ctx->ports[pi].mac, &eh->src_addr);
	uint32_t peer = ih->src_addr;
	ih->src_addr = ih->dst_addr;
	ih->dst_addr = peer;
	ih->time_to_live = ICMP_REPLY_TTL;
	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	net_cksum_mbuf(m, l4_off, len, &sum);
	icmp->icmp_cksum = (uint16_t)~sum;
	ctx->ctr->icmp_echo_replies++;
	net_tx(ctx, pi, m);
}

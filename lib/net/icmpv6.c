/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 (RFC 4443): checksum over the pseudo-header, echo requests answered
 * in place, NDP handed to ndp.c; everything else counted.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net_priv.h"

#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define ICMPV6_ROUTER_SOLICIT 133
#define ICMPV6_REDIRECT 137
#define ICMPV6_REPLY_HOP_LIMIT 64

struct icmpv6_hdr {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
} __rte_packed;

uint16_t icmpv6_cksum(const struct rte_mbuf *m, const uint8_t src[16], const uint8_t dst[16],
		      uint32_t l4_off, uint32_t len)
{
	uint16_t body;
	if (net_cksum_mbuf(m, l4_off, len, &body) != 0)
		return 0;
	return (uint16_t)~cksum_fold(ipv6_pseudo_sum(src, dst, len, IPPROTO_ICMPV6) + body);
}

/*
 * The reply goes back without the request's extension headers: slide the
 * Ethernet and IPv6 headers up against the ICMPv6 message and cut the gap.
 */
static struct rte_ipv6_hdr *echo_strip_ext(struct rte_mbuf *m, uint32_t l3_off, uint32_t l4_off)
{
	uint32_t gap = l4_off - l3_off - (uint32_t)sizeof(struct rte_ipv6_hdr);
	if (gap != 0) {
		uint8_t *base = rte_pktmbuf_mtod(m, uint8_t *);
		memmove(base + gap, base, l3_off + sizeof(struct rte_ipv6_hdr));
		rte_pktmbuf_adj(m, (uint16_t)gap);
	}
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3_off);
}

static void echo_reply(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
		       uint32_t l4_off, uint32_t len)
{
	struct rte_ipv6_hdr *ih = echo_strip_ext(m, l3_off, l4_off);
	l4_off = l3_off + (uint32_t)sizeof(*ih);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(&ctx->ports[pi].mac, &eh->src_addr);
	uint8_t peer[16];
	memcpy(peer, ih->src_addr, 16);
	memcpy(ih->src_addr, ih->dst_addr, 16);
	memcpy(ih->dst_addr, peer, 16);
	ih->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ih->proto = IPPROTO_ICMPV6;
	ih->hop_limits = ICMPV6_REPLY_HOP_LIMIT;
	struct icmpv6_hdr *ic = rte_pktmbuf_mtod_offset(m, struct icmpv6_hdr *, l4_off);
	ic->type = ICMPV6_ECHO_REPLY;
	ic->cksum = 0;
	ic->cksum = icmpv6_cksum(m, ih->src_addr, ih->dst_addr, l4_off, len);
	m->l3_len = sizeof(*ih);
	ctx->ctr->icmpv6_echo_replies++;
	net_tx(ctx, pi, m);
}

void icmpv6_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
		  uint32_t l4_off, bool steered)
{
	const struct rte_ipv6_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3_off);
	uint32_t len = rte_pktmbuf_pkt_len(m) - l4_off;
	const struct icmpv6_hdr *ic = pkt_header(m, l4_off, sizeof(*ic));
	if (len < sizeof(*ic) || ic == NULL) {
		net_drop(ctx, m, DROP_ICMPV6_MALFORMED);
		return;
	}
	uint16_t body;
	if (net_cksum_mbuf(m, l4_off, len, &body) != 0 ||
	    cksum_fold(ipv6_pseudo_sum(ih->src_addr, ih->dst_addr, len, IPPROTO_ICMPV6) + body) !=
		    0xffff) {
		net_drop(ctx, m, DROP_ICMPV6_CHECKSUM);
		return;
	}
	if (ic->type >= ICMPV6_ROUTER_SOLICIT && ic->type <= ICMPV6_REDIRECT) {
		ndp_input(ctx, pi, m, l3_off, l4_off, steered);
		return;
	}
	/* Only NDP's duplicate address detection may come from :: (RFC 4862 5.4.2). */
	if (ipv6_is_unspecified(ih->src_addr)) {
		net_drop(ctx, m, DROP_IPV6_SRC);
		return;
	}
	/* An echo to a group is left unanswered: every reply would come from every member. */
	if (ic->type == ICMPV6_ECHO_REQUEST && ic->code == 0 && !ipv6_is_multicast(ih->dst_addr) &&
	    len >= 8) {
		echo_reply(ctx, pi, m, l3_off, l4_off, len);
		return;
	}
	net_drop(ctx, m, DROP_ICMPV6_TYPE);
}

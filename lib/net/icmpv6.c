/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 (RFC 4443): checksum over the pseudo-header, echo requests answered
 * in place, NDP handed to ndp.c; everything else counted.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net_priv.h"

#define ICMPV6_PACKET_TOO_BIG 2
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define ICMPV6_ROUTER_SOLICIT 133
#define ICMPV6_REDIRECT 137
#define ICMPV6_REPLY_HOP_LIMIT 64
#define IPV6_MIN_MTU 1280 /* RFC 8200 5: every link carries this much */

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

/* One token of the ICMPv6 error bucket (RFC 4443 2.4 (f)), refilled at the configured rate. */
static bool error_token(struct net_ctx *ctx)
{
	if (ctx->icmp_err_rate == 0)
		return false;
	uint64_t per_token = ctx->tsc_hz / ctx->icmp_err_rate;
	if (per_token == 0)
		per_token = 1;
	uint64_t due = (ctx->now - ctx->icmp_err_refilled) / per_token;
	if (due > 0) {
		uint64_t tokens = ctx->icmp_err_tokens + due;
		ctx->icmp_err_tokens = (unsigned int)RTE_MIN(tokens, (uint64_t)ctx->icmp_err_rate);
		ctx->icmp_err_refilled += due * per_token;
	}
	if (ctx->icmp_err_tokens == 0)
		return false;
	ctx->icmp_err_tokens--;
	return true;
}

void icmpv6_send_error(struct net_ctx *ctx, unsigned int pi, const struct rte_mbuf *m,
		       uint32_t l3_off, uint8_t type, uint8_t code, uint32_t pointer)
{
	const struct rte_ipv6_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3_off);
	if (ipv6_is_multicast(ih->dst_addr) || ipv6_is_unspecified(ih->src_addr))
		return;
	if (!error_token(ctx)) {
		ctx->ctr->icmpv6_errors_rate_limited++;
		return;
	}
	struct rte_mbuf *e = rte_pktmbuf_alloc(ctx->pool);
	if (e == NULL) {
		ctx->ctr->drops[DROP_NO_MBUF]++;
		return;
	}
	/* As much of the invoking packet as fits a minimum-MTU packet (RFC 4443 3.4). */
	uint32_t quoted = RTE_MIN(rte_pktmbuf_pkt_len(m) - l3_off,
				  IPV6_MIN_MTU - (uint32_t)sizeof(*ih) - 8);
	uint16_t plen = (uint16_t)(8 + quoted);
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(e, (uint16_t)(sizeof(*ih) + plen));
	uint8_t *quote = b == NULL ? NULL : b + sizeof(*ih) + 8;
	const void *from = quote == NULL ? NULL : rte_pktmbuf_read(m, l3_off, quoted, quote);
	if (from == NULL) {
		net_drop(ctx, e, DROP_NO_MBUF);
		return;
	}
	if (from != quote) /* contiguous in m: read gave a pointer into it, not a copy */
		memcpy(quote, from, quoted);
	struct rte_ipv6_hdr *oh = (struct rte_ipv6_hdr *)b;
	ipv6_put_header(oh, ih->dst_addr, ih->src_addr, IPPROTO_ICMPV6, ICMPV6_REPLY_HOP_LIMIT,
			plen);
	uint8_t *msg = b + sizeof(*oh);
	msg[0] = type;
	msg[1] = code;
	msg[2] = msg[3] = 0;
	uint32_t ptr_be = rte_cpu_to_be_32(pointer);
	memcpy(msg + 4, &ptr_be, 4);
	uint16_t sum = icmpv6_cksum(e, oh->src_addr, oh->dst_addr, sizeof(*oh), plen);
	memcpy(msg + 2, &sum, 2);
	/* Straight back to the neighbor it came from: no resolution needed. */
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ctx->ctr->icmpv6_errors_sent++;
	eth_output(ctx, pi, e, &eh->src_addr, RTE_ETHER_TYPE_IPV6);
}

/*
 * Packet too big (RFC 4443 3.2, RFC 8201): the quoted packet must be a TCP
 * segment we sent; TCP checks it belongs to a connection and lowers its MSS.
 */
static void too_big(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l4_off,
		    uint32_t len)
{
	const struct net_port *p = &ctx->ports[pi];
	const uint8_t *b = len >= 8 + 40 + 8 ? pkt_header(m, l4_off, 8 + 40 + 8) : NULL;
	if (b == NULL || ((const struct icmpv6_hdr *)b)->code != 0) {
		net_drop(ctx, m, DROP_ICMPV6_TOO_BIG_INVALID);
		return;
	}
	const struct rte_ipv6_hdr *inner = (const struct rte_ipv6_hdr *)(b + 8);
	const uint8_t *th = b + 8 + 40;
	if ((rte_be_to_cpu_32(inner->vtc_flow) >> 28) != 6 || inner->proto != IPPROTO_TCP ||
	    !ipv6_is_ours(p, inner->src_addr) || ctx->tcp_too_big == NULL) {
		net_drop(ctx, m, DROP_ICMPV6_TOO_BIG_INVALID);
		return;
	}
	struct net_too_big tb;
	uint32_t mtu_be, seq_be;
	memcpy(&mtu_be, b + 4, 4);
	memcpy(&seq_be, th + 4, 4);
	memcpy(tb.laddr, inner->src_addr, 16);
	memcpy(tb.raddr, inner->dst_addr, 16);
	memcpy(&tb.lport, th, 2);
	memcpy(&tb.rport, th + 2, 2);
	tb.seq = rte_be_to_cpu_32(seq_be);
	/* RFC 8201 4: an MTU below the minimum is taken as the minimum */
	tb.mtu = RTE_MAX(rte_be_to_cpu_32(mtu_be), (uint32_t)IPV6_MIN_MTU);
	ctx->tcp_too_big(ctx->tcp_arg, pi, m, &tb);
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
	if (ic->type == ICMPV6_PACKET_TOO_BIG) {
		too_big(ctx, pi, m, l4_off, len);
		return;
	}
	/* An echo to a group is left unanswered: every reply would come from every member. */
	if (ic->type == ICMPV6_ECHO_REQUEST && ic->code == 0 && !ipv6_is_multicast(ih->dst_addr) &&
	    len >= 8) {
		if (ctx->icmp_echo_admit != NULL) {
			uint32_t src[4];
			memcpy(src, ih->src_addr, sizeof(src));
			int why = ctx->icmp_echo_admit(ctx->edge_arg, 6, src);
			if (why >= 0) {
				net_drop(ctx, m, (enum drop_reason)why);
				return;
			}
		}
		echo_reply(ctx, pi, m, l3_off, l4_off, len);
		return;
	}
	net_drop(ctx, m, DROP_ICMPV6_TYPE);
}

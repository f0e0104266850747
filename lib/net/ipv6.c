/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 input (RFC 8200): the fixed header checked against the frame, the
 * extension headers walked within bounds, fragments dropped; output to
 * on-link neighbors, and to off-link hosts through the port's gateway, with NDP.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net_priv.h"

#define IPV6_HDR_LEN ((uint32_t)sizeof(struct rte_ipv6_hdr))

enum {
	NH_HOP_BY_HOP = 0,
	NH_TCP = 6,
	NH_ROUTING = 43,
	NH_FRAGMENT = 44,
	NH_ICMPV6 = 58,
	NH_NONE = 59,
	NH_DEST_OPTS = 60,
};

/* Do a and b share their first bits bits? */
static bool ipv6_prefix_match(const uint8_t a[16], const uint8_t b[16], unsigned int bits)
{
	if (memcmp(a, b, bits / 8) != 0)
		return false;
	if (bits % 8 == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
	return ((a[bits / 8] ^ b[bits / 8]) & mask) == 0;
}

bool net_ipv6_on_link(const struct net_port *p, const uint8_t a[16])
{
	return p->has_ipv6 && !ipv6_is_multicast(a) &&
	       (ipv6_is_link_local(a) || ipv6_prefix_match(a, p->ipv6, p->ipv6_prefix));
}

void net_ipv6_link_local(const struct net_port *p, uint8_t out[16])
{
	const uint8_t *mac = p->mac.addr_bytes;
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted */
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

void ipv6_put_header(struct rte_ipv6_hdr *h, const uint8_t src[16], const uint8_t dst[16],
		     uint8_t next_header, uint8_t hop_limit, uint16_t plen)
{
	h->vtc_flow = rte_cpu_to_be_32(6u << 28);
	h->payload_len = rte_cpu_to_be_16(plen);
	h->proto = next_header;
	h->hop_limits = hop_limit;
	memcpy(h->src_addr, src, 16);
	memcpy(h->dst_addr, dst, 16);
}

/* A group we listen to: all-nodes, or the solicited-node group of one of our addresses. */
static bool ipv6_group_is_ours(const struct net_port *p, const uint8_t a[16])
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	uint8_t ll[16], g[16];
	if (memcmp(a, all_nodes, 16) == 0)
		return true;
	ipv6_solicited_node(p->ipv6, g);
	if (memcmp(a, g, 16) == 0)
		return true;
	net_ipv6_link_local(p, ll);
	ipv6_solicited_node(ll, g);
	return memcmp(a, g, 16) == 0;
}

enum opt_verdict { OPT_OK, OPT_DISCARD, OPT_DISCARD_AND_TELL };

/*
 * The options of a hop-by-hop or destination options header (RFC 8200 4.2):
 * every TLV inside the header, and none we would have to act on. The two top
 * bits of an unknown type say what to do: 00 skip it, 01 discard, 10 discard
 * and send a parameter problem, 11 the same unless the packet went to a group.
 * *bad_at is the offending option's offset in the header.
 */
static enum opt_verdict ipv6_options_check(const uint8_t *h, uint32_t len, bool to_group,
					   uint32_t *bad_at)
{
	uint32_t i = 2;
	while (i < len) {
		uint8_t type = h[i];
		*bad_at = i;
		if (type == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + (uint32_t)h[i + 1] > len)
			return OPT_DISCARD;
		unsigned int action = type >> 6;
		if (type != 1 && action != 0) /* not PadN and not "skip over" */
			return action == 2 || (action == 3 && !to_group) ? OPT_DISCARD_AND_TELL
									 : OPT_DISCARD;
		i += 2 + (uint32_t)h[i + 1];
	}
	return OPT_OK;
}

void ipv6_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
		bool steered)
{
	const struct net_port *p = &ctx->ports[pi];
	const struct rte_ipv6_hdr *ih = pkt_header(m, l3_off, IPV6_HDR_LEN);
	if (ih == NULL) {
		net_drop(ctx, m, DROP_IPV6_LENGTH);
		return;
	}
	if ((rte_be_to_cpu_32(ih->vtc_flow) >> 28) != 6) {
		net_drop(ctx, m, DROP_IPV6_VERSION);
		return;
	}
	uint32_t plen = rte_be_to_cpu_16(ih->payload_len);
	uint32_t avail = rte_pktmbuf_pkt_len(m) - l3_off - IPV6_HDR_LEN;
	/* 0 is a jumbogram's (RFC 2675), which no Ethernet frame carries */
	if (plen == 0 || plen > avail) {
		net_drop(ctx, m, DROP_IPV6_LENGTH);
		return;
	}
	if (ih->hop_limits == 0) {
		net_drop(ctx, m, DROP_IPV6_HOP_LIMIT);
		return;
	}
	static const uint8_t loopback[16] = { [15] = 1 };
	if (ipv6_is_multicast(ih->src_addr) || memcmp(ih->src_addr, loopback, 16) == 0 ||
	    ipv6_is_ours(p, ih->src_addr)) {
		net_drop(ctx, m, DROP_IPV6_SRC);
		return;
	}
	bool to_group = ipv6_is_multicast(ih->dst_addr);
	if (to_group ? !ipv6_group_is_ours(p, ih->dst_addr) : !ipv6_is_ours(p, ih->dst_addr)) {
		net_drop(ctx, m, DROP_IPV6_NOT_OURS);
		return;
	}
	if (avail > plen)
		net_chain_keep(m, l3_off + IPV6_HDR_LEN + plen); /* Ethernet padding */

	/* RFC 8200 4.1: hop-by-hop first or not at all; the rest in any order, within bounds. */
	uint32_t end = l3_off + IPV6_HDR_LEN + plen;
	uint32_t off = l3_off + IPV6_HDR_LEN;
	uint32_t ext_bytes = 0;
	uint32_t nh_field = l3_off + 6; /* where the current next-header value sits */
	unsigned int n_ext = 0;
	uint8_t nh = ih->proto;
	for (;;) {
		if (nh == NH_FRAGMENT) {
			net_drop(ctx, m, DROP_IPV6_FRAGMENT);
			return;
		}
		if (nh != NH_HOP_BY_HOP && nh != NH_ROUTING && nh != NH_DEST_OPTS)
			break;
		if (nh == NH_HOP_BY_HOP && n_ext != 0) {
			net_drop(ctx, m, DROP_IPV6_EXT);
			return;
		}
		const uint8_t *eh = off + 2 <= end ? pkt_header(m, off, 2) : NULL;
		if (eh == NULL) {
			net_drop(ctx, m, DROP_IPV6_EXT);
			return;
		}
		uint32_t len = ((uint32_t)eh[1] + 1) * 8;
		n_ext++;
		ext_bytes += len;
		if (n_ext > ctx->ipv6_ext_headers_max || ext_bytes > ctx->ipv6_ext_bytes_max) {
			net_drop(ctx, m, DROP_IPV6_EXT_LIMIT);
			return;
		}
		eh = off + len <= end ? pkt_header(m, off, len) : NULL;
		if (eh == NULL) {
			net_drop(ctx, m, DROP_IPV6_EXT);
			return;
		}
		/* RFC 8200 4.4: a routing header with segments left names a next hop; we are none. */
		uint32_t bad_at = 0;
		enum opt_verdict v = nh == NH_ROUTING ? (eh[3] == 0 ? OPT_OK : OPT_DISCARD)
						      : ipv6_options_check(eh, len, to_group, &bad_at);
		if (v != OPT_OK) {
			if (v == OPT_DISCARD_AND_TELL)
				icmpv6_send_error(ctx, pi, m, l3_off, ICMPV6_PARAM_PROBLEM,
						  ICMPV6_PP_OPTION, off + bad_at - l3_off);
			net_drop(ctx, m, DROP_IPV6_EXT);
			return;
		}
		nh = eh[0];
		nh_field = off;
		off += len;
	}
	m->l2_len = l3_off;
	m->l3_len = off - l3_off;

	switch (nh) {
	case NH_ICMPV6:
		icmpv6_input(ctx, pi, m, l3_off, off, steered);
		return;
	case NH_TCP:
		if (to_group || ipv6_is_unspecified(ih->src_addr)) {
			net_drop(ctx, m, to_group ? DROP_IPV6_NOT_OURS : DROP_IPV6_SRC);
			return;
		}
		if (ctx->tcp_input == NULL) {
			net_drop(ctx, m, DROP_TCP_NO_LISTENER);
			return;
		}
		ctx->tcp_input(ctx->tcp_arg, pi, m, l3_off, off);
		return;
	default:
		/* RFC 8200 4: an unrecognized next header is answered; 59 says nothing follows */
		if (nh != NH_NONE)
			icmpv6_send_error(ctx, pi, m, l3_off, ICMPV6_PARAM_PROBLEM,
					  ICMPV6_PP_NEXT_HEADER, nh_field - l3_off);
		net_drop(ctx, m, DROP_IP_PROTO); /* UDP, ESP, AH, ... */
		return;
	}
}

/*
 * The next hop for off-link destinations: the configured gateway, else the
 * first default router whose lifetime has not run out (RFC 4861 6.3.6 would
 * prefer one known to be reachable; we keep no reachability state).
 */
static const uint8_t *ipv6_router(const struct net_ctx *ctx, unsigned int pi)
{
	const struct net_port *p = &ctx->ports[pi];
	if (p->has_ipv6_gateway)
		return p->ipv6_gateway;
	for (unsigned int i = 0; i < NET_IPV6_ROUTERS; i++)
		if (p->routers[i].expires > ctx->now)
			return p->routers[i].addr;
	return NULL;
}

void net_output_ipv6(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
		     const uint8_t dst[16])
{
	const struct net_port *p = &ctx->ports[pi];
	if (!p->has_ipv6 || ipv6_is_multicast(dst)) {
		net_drop(ctx, m, DROP_NO_ROUTE);
		return;
	}
	if (net_ipv6_on_link(p, dst)) {
		ndp_resolve_output(ctx, pi, m, dst);
		return;
	}
	const uint8_t *router = ipv6_router(ctx, pi);
	if (router == NULL) {
		net_drop(ctx, m, DROP_NO_ROUTE);
		return;
	}
	ndp_resolve_output(ctx, pi, m, router);
}

bool net_ipv6_has_router(const struct net_ctx *ctx, unsigned int pi)
{
	return ipv6_router(ctx, pi) != NULL;
}

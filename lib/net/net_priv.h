/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/net: how the L2/L3 files call each other. */
#ifndef TLSTERM_NET_PRIV_H
#define TLSTERM_NET_PRIV_H

#include <rte_byteorder.h>

#include <tlsterm/net.h>

/*
 * Bounds-checked header access: a pointer to len bytes at off in the first
 * segment, or NULL when the segment is too short. Every header is read
 * through this; no raw pointer arithmetic past a length check.
 */
static inline void *pkt_header(struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	if ((uint64_t)off + len > rte_pktmbuf_data_len(m))
		return NULL;
	return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
}

/*
 * The directed broadcast of our own subnet. All-ones host bits mean broadcast
 * only there: elsewhere they are an ordinary host (203.0.255.255 seen from a
 * /16). A /31 (RFC 3021) or /32 has no broadcast address.
 */
static inline bool ipv4_is_subnet_broadcast(const struct net_port *p, uint32_t a_be)
{
	return rte_be_to_cpu_32(p->netmask) < 0xfffffffeu && ((a_be ^ p->ipv4) & p->netmask) == 0 &&
	       (a_be | p->netmask) == UINT32_MAX;
}

/*
 * RFC 1122 §3.2.1.3: sources that must never appear on the wire (this
 * network, limited or subnet broadcast, loopback, multicast, class E), and
 * our own address.
 */
static inline bool ipv4_src_invalid(const struct net_port *p, uint32_t src_be)
{
	uint32_t src = rte_be_to_cpu_32(src_be);
	uint8_t first = (uint8_t)(src >> 24);
	return src == 0 || src == UINT32_MAX || first == 127 || first >= 224 ||
	       src_be == p->ipv4 || ipv4_is_subnet_broadcast(p, src_be);
}

static inline void net_drop(struct net_ctx *ctx, struct rte_mbuf *m, enum drop_reason why)
{
	ctx->ctr->drops[why]++;
	rte_pktmbuf_free(m);
}

/* Fill the Ethernet header in front of m's data (prepending it) and queue for TX. */
void eth_output(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
		const struct rte_ether_addr *dst, uint16_t ethertype);

void arp_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, bool steered);
void arp_resolve_output(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
			uint32_t next_hop);
void arp_send_request(struct net_ctx *ctx, unsigned int pi, uint32_t target_ip,
		      uint32_t sender_ip);
void arp_timers(struct net_ctx *ctx);
unsigned int arp_pending_count(const struct arp_table *t);
struct arp_table *arp_table_create(const struct config_arp *cfg, unsigned int worker_id);
void arp_table_free(struct arp_table *t);

void ipv4_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off);
void icmp_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
		uint32_t l4_off);

/* Hand a copy of m to every other worker (m stays with the caller). */
void steer_broadcast_copy(struct net_ctx *ctx, unsigned int pi, const struct rte_mbuf *m);
void net_input_frame(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, bool steered);

/* The TX buffer itself, past any impairment. */
void tx_enqueue(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m);

/* impair.c: true when the frame was taken by the port's impairment. */
int impair_setup(struct net_ctx *ctx, unsigned int pi, const struct config_impair *cfg);
bool impair_rx(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m);
bool impair_tx(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m);
unsigned int impair_held(const struct impair *im);
void impair_free(struct impair *im);

#endif

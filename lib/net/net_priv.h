/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/net: how the L2/L3 files call each other. */
#ifndef TLSTERM_NET_PRIV_H
#define TLSTERM_NET_PRIV_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

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

/* ff00::/8 */
static inline bool ipv6_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

/* fe80::/10 */
static inline bool ipv6_is_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static inline bool ipv6_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];
	return memcmp(a, zero, 16) == 0;
}

/* One of the port's own unicast addresses: its global one or its link-local one. */
static inline bool ipv6_is_ours(const struct net_port *p, const uint8_t a[16])
{
	if (!p->has_ipv6)
		return false;
	if (memcmp(a, p->ipv6, 16) == 0)
		return true;
	uint8_t ll[16];
	net_ipv6_link_local(p, ll);
	return memcmp(a, ll, 16) == 0;
}

/* ff02::1:ffXX:XXXX for a (RFC 4291 2.7.1). */
static inline void ipv6_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	memcpy(out, pfx, sizeof(pfx));
	memcpy(out + 13, a + 13, 3);
}

/* 33:33 and the group's last 32 bits (RFC 2464 7). */
static inline void ipv6_multicast_mac(const uint8_t group[16], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], group + 12, 4);
}

/* The one's-complement sum (not folded) of the IPv6 pseudo-header (RFC 8200 8.1). */
static inline uint32_t ipv6_pseudo_sum(const uint8_t src[16], const uint8_t dst[16], uint32_t len,
				       uint8_t next_header)
{
	uint32_t sum = rte_raw_cksum(src, 16) + rte_raw_cksum(dst, 16);
	sum += rte_cpu_to_be_16((uint16_t)(len >> 16)) + rte_cpu_to_be_16((uint16_t)len);
	sum += rte_cpu_to_be_16(next_header);
	return sum;
}

static inline uint16_t cksum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
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

void ipv6_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
		bool steered);
void icmpv6_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
		  uint32_t l4_off, bool steered);
/* Fill a 40-byte IPv6 header at h for plen bytes of payload. */
void ipv6_put_header(struct rte_ipv6_hdr *h, const uint8_t src[16], const uint8_t dst[16],
		     uint8_t next_header, uint8_t hop_limit, uint16_t plen);
/* The ICMPv6 checksum field of the message at l4_off (len bytes) in m, computed afresh. */
uint16_t icmpv6_cksum(const struct rte_mbuf *m, const uint8_t src[16], const uint8_t dst[16],
		      uint32_t l4_off, uint32_t len);

/*
 * Send an ICMPv6 error about the packet at l3_off in m (m stays with the
 * caller), within ipv6.icmp_errors_per_s, and never about a packet to a
 * group or from :: (RFC 4443 2.4 (e)). pointer is for parameter problems.
 */
void icmpv6_send_error(struct net_ctx *ctx, unsigned int pi, const struct rte_mbuf *m,
		       uint32_t l3_off, uint8_t type, uint8_t code, uint32_t pointer);
#define ICMPV6_PARAM_PROBLEM 4
#define ICMPV6_PP_NEXT_HEADER 1 /* unrecognized next header */
#define ICMPV6_PP_OPTION 2      /* unrecognized option */

/* ndp.c: NDP messages after icmpv6.c has checked their checksum. */
void ndp_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
	       uint32_t l4_off, bool steered);
void ndp_resolve_output(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
			const uint8_t next_hop[16]);
void ndp_announce(struct net_ctx *ctx, unsigned int pi);
void ndp_timers(struct net_ctx *ctx);
unsigned int ndp_pending_count(const struct nd_table *t);
struct nd_table *nd_table_create(const struct config_ipv6 *cfg);
void nd_table_free(struct nd_table *t);

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

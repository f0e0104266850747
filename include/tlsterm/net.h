/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2/L3 for one worker: Ethernet, ARP, IPv4, ICMP echo, IPv6 with NDP and
 * ICMPv6 echo, buffered TX and the
 * steering rings between workers. Everything hangs off a per-worker
 * struct net_ctx; nothing here is shared between workers.
 */
#ifndef TLSTERM_NET_H
#define TLSTERM_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>

#define NET_TX_BURST 32

/*
 * Flags of the worker's pools of connection state (TCP, TLS, proxy sessions,
 * services): one thread gets and puts; never DMA'd, so objects may cross
 * pages; not padded to spread over memory channels, as objects are reached at
 * random, not walked in order (saves up to 64 bytes per object).
 */
#define NET_STATE_POOL_FLAGS                                                          \
	(RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET | RTE_MEMPOOL_F_NO_IOVA_CONTIG | \
	 RTE_MEMPOOL_F_NO_SPREAD)
#define NET_MAX_WORKERS 16

struct arp_table;
struct nd_table;

/*
 * What an ICMPv6 packet-too-big says about one of our TCP segments (RFC 8201):
 * the segment's tuple as we sent it (addresses and ports network order), its
 * sequence number, and the MTU of the link that refused it.
 */
struct net_too_big {
	uint8_t laddr[16];
	uint8_t raddr[16];
	uint16_t lport;
	uint16_t rport;
	uint32_t seq;
	uint32_t mtu;
};
struct impair;
struct rte_ring;

/* Default routers a port remembers from router advertisements (RFC 4861 6.3.4). */
#define NET_IPV6_ROUTERS 4

struct net_router {
	uint8_t addr[16]; /* link-local */
	uint64_t expires; /* TSC; 0: a free slot */
};

/* One port as one worker sees it: its own queue pair and a TX buffer. */
struct net_port {
	uint16_t port_id;  /* DPDK ethdev id */
	uint16_t queue_id; /* this worker's RX/TX queue on that port */
	struct rte_ether_addr mac;
	bool has_ipv4;
	uint32_t ipv4;    /* network byte order */
	uint32_t netmask; /* network byte order */
	bool has_gateway;
	uint32_t gateway; /* network byte order */
	bool has_ipv6;
	uint8_t ipv6[16];    /* global address; the link-local one is made from mac on use */
	uint8_t ipv6_prefix; /* on-link prefix length */
	bool has_ipv6_gateway;
	uint8_t ipv6_gateway[16]; /* next hop for off-link IPv6 destinations (configured) */
	/* learned from advertisements (ipv6.accept_ra); used when there is no ipv6_gateway */
	struct net_router routers[NET_IPV6_ROUTERS];
	struct impair *impair; /* NULL unless the port is configured with impair: */
	bool tx_chains; /* the device sends mbuf chains; if not, a chain is copied into one mbuf */
	uint16_t tx_n;
	struct rte_mbuf *tx[NET_TX_BURST];
};

struct net_ctx {
	unsigned int worker_id;
	unsigned int n_workers;
	unsigned int n_ports;
	struct net_port ports[CONFIG_MAX_PORTS];
	struct rte_mempool *pool;
	struct arp_table *arp;
	struct nd_table *nd; /* NULL unless a port has ipv6 */
	unsigned int ipv6_ext_headers_max; /* bounds of the extension-header walk */
	unsigned int ipv6_ext_bytes_max;
	bool accept_ra; /* router advertisements teach default routers; else they are ignored */
	struct worker_counters *ctr;
	uint64_t now;    /* TSC at the start of this loop iteration */
	uint64_t tsc_hz;
	/* The TCP layer registers here (the net layer never calls up by name). */
	void (*tcp_input)(void *arg, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
			  uint32_t l4_off);
	void *tcp_arg;
	/* Packet-too-big for a TCP segment; consumes m (the whole frame, for steering). */
	void (*tcp_too_big)(void *arg, unsigned int pi, struct rte_mbuf *m,
			    const struct net_too_big *tb);
	/* ICMPv6 errors we may send: a token bucket refilled at icmp_err_rate per second */
	unsigned int icmp_err_rate;
	unsigned int icmp_err_tokens;
	uint64_t icmp_err_refilled; /* TSC of the last refill */
	/*
	 * The edge registers here: before an ICMP or ICMPv6 echo is answered, -1 to
	 * answer or the drop reason (ACL, rate). The source is (family 4 or 6,
	 * network order, IPv4 in [0]) as in struct tcp_tuple. NULL: answer every echo.
	 */
	int (*icmp_echo_admit)(void *arg, uint8_t family, const uint32_t src[4]);
	void *edge_arg;
	/* steer_in[w]: ring that worker w fills for us; steer_out[w]: ring we fill for w. */
	struct rte_ring *steer_in[NET_MAX_WORKERS];
	struct rte_ring *steer_out[NET_MAX_WORKERS];
};

/*
 * Set up ctx for one worker: ARP table from cfg->arp, addresses from
 * cfg->ports. Ports' port_id/queue_id/mac are filled by the caller before or
 * after. Returns 0 or a negative errno. Allocates (start-up only).
 */
int net_ctx_init(struct net_ctx *ctx, const struct config *cfg, unsigned int worker_id,
		 unsigned int n_workers, struct rte_mempool *pool, struct worker_counters *ctr);
void net_ctx_fini(struct net_ctx *ctx);

/* Take one received frame from port index pi. Consumes m in every case. */
void net_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m);

/*
 * Create the steering rings between n workers' contexts (start-up only).
 * Returns 0 or a negative errno.
 */
int net_steer_connect(struct net_ctx *const ctxs[], unsigned int n);
/* Free the rings and any frames still in them. */
void net_steer_disconnect(struct net_ctx *const ctxs[], unsigned int n);

/* Hand a whole frame (Ethernet header on) to the worker that owns it; consumes m. */
void net_steer_to(struct net_ctx *ctx, unsigned int worker, unsigned int pi, struct rte_mbuf *m);

/* Frames another worker handed us (steering); consumes them. */
void net_steer_poll(struct net_ctx *ctx);

/*
 * Send an IPv4 packet. m starts with room for an Ethernet header in its
 * headroom and holds a complete IPv4 packet (checksums done). The next hop is
 * dst itself when on-link, else the port's gateway. Resolves via ARP, queuing
 * m while a request is outstanding. Consumes m.
 */
void net_output_ipv4(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t dst);

/*
 * Send an IPv6 packet (m as for net_output_ipv4, checksums done) to dst. The
 * next hop is dst itself when on-link (inside the port's prefix, or
 * link-local), else the port's IPv6 gateway, else a default router learned
 * from advertisements; without either, m is dropped as no_route. Resolves
 * the next hop with NDP, queuing m while a solicitation is outstanding.
 * Consumes m.
 */
void net_output_ipv6(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
		     const uint8_t dst[16]);

/* Is a (not multicast) on the port's IPv6 link: inside its prefix, or link-local? */
bool net_ipv6_on_link(const struct net_port *p, const uint8_t a[16]);

/* Does the port have a next hop for off-link IPv6 destinations right now? */
bool net_ipv6_has_router(const struct net_ctx *ctx, unsigned int pi);

/* The port's link-local address, fe80::/64 with the modified EUI-64 of its MAC (RFC 4291 2.5.1). */
void net_ipv6_link_local(const struct net_port *p, uint8_t out[16]);

/* Queue a complete frame for TX on port index pi; consumes m. */
void net_tx(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m);

/* Push every port's TX buffer to its queue; frames the queue refuses are dropped and counted. */
void net_tx_flush(struct net_ctx *ctx);

/* Release impaired frames whose time has come (a no-op on ports without impairment). */
void net_impair_poll(struct net_ctx *ctx);

/* Periodic work: ARP and NDP retries, expiry of queued packets. Call with ctx->now set. */
void net_timers(struct net_ctx *ctx);

/* Announce our addresses on every port (gratuitous ARP, unsolicited neighbor advertisements). */
void net_announce(struct net_ctx *ctx);

/*
 * One's-complement sum (not inverted) of len bytes at off across m's
 * segments, into *cksum. Returns 0, or -1 when the range is past the data.
 */
int net_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *cksum);
/* The one's-complement sum of len bytes at p, folded, as rte_raw_cksum() but faster. */
uint16_t net_cksum_raw(const void *p, uint32_t len);

/*
 * Cutting chains at any byte (DPDK's adj/trim only reach the first or last
 * segment): drop the first n bytes, returning the new head (NULL when nothing
 * is left); or keep only the first len (> 0) bytes. pkt_len/nb_segs stay right.
 */
struct rte_mbuf *net_chain_cut_front(struct rte_mbuf *m, uint32_t n);
void net_chain_keep(struct rte_mbuf *m, uint32_t len);

/* Mbufs held inside the net layer (ARP and NDP pending queues, TX buffers). */
unsigned int net_mbufs_held(const struct net_ctx *ctx);

#endif

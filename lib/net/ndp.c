/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbor Discovery (RFC 4861) for one worker: answer solicitations for our
 * addresses, learn neighbors into a bounded set-associative cache, resolve
 * with retries while a bounded queue holds the packets that wait, announce
 * our addresses at start. Router advertisements teach default routers when
 * ipv6.accept_ra is on (addresses stay configured: no SLAAC); otherwise, and
 * for solicitations and redirects always, router messages are ignored.
 *
 * Neighbor states are kept to two, as in arp.c: an entry is reachable until
 * it expires, then resolved again; there is no STALE/PROBE unreachability
 * detection (RFC 4861 7.3).
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "net_priv.h"

#define ND_WAYS 4
#define ND_RETRIES 3
#define ND_RETRY_MS 1000
#define ND_HOP_LIMIT 255 /* RFC 4861 7.1: proves the sender is on the link */

#define ND_ROUTER_SOLICIT 133
#define ND_ROUTER_ADVERT 134
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136

#define ND_OPT_SOURCE_LLA 1
#define ND_OPT_TARGET_LLA 2

#define NA_FLAG_ROUTER 0x80
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE 0x20

/* Neighbor solicitation and advertisement share this shape (RFC 4861 4.3, 4.4). */
struct nd_msg {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	uint8_t flags; /* NA only: R, S, O */
	uint8_t reserved[3];
	uint8_t target[16];
} __rte_packed;

/* RFC 4861 4.2 */
struct nd_router_advert {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	uint8_t cur_hop_limit;
	uint8_t flags; /* M, O */
	rte_be16_t lifetime; /* seconds as a default router; 0: not one */
	rte_be32_t reachable_ms;
	rte_be32_t retrans_ms;
} __rte_packed;

struct nd_opt_lla {
	uint8_t type;
	uint8_t len; /* in units of 8 bytes */
	uint8_t mac[RTE_ETHER_ADDR_LEN];
} __rte_packed;

enum nd_state { ND_FREE, ND_INCOMPLETE, ND_REACHABLE };

struct nd_entry {
	uint8_t ip[16];
	uint8_t state;
	uint8_t tries;
	uint8_t pi;
	struct rte_ether_addr mac;
	uint64_t deadline; /* REACHABLE: expiry; INCOMPLETE: next retry */
};

struct nd_pending {
	struct rte_mbuf *m;
	uint8_t ip[16];
	uint8_t pi;
};

struct nd_table {
	uint32_t set_mask;
	uint64_t lifetime;
	unsigned int pending_max;
	unsigned int pending_n;
	unsigned int incomplete_n; /* lets ndp_timers() skip the scan when nothing resolves */
	struct nd_pending *pending;
	struct nd_entry entries[]; /* (set_mask + 1) * ND_WAYS */
};

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

struct nd_table *nd_table_create(const struct config_ipv6 *cfg)
{
	unsigned int n_sets = cfg->neighbor_cache_size / ND_WAYS;
	if (n_sets == 0 || (n_sets & (n_sets - 1)) != 0 || cfg->pending_max == 0)
		return NULL;
	int socket = (int)rte_socket_id();
	struct nd_table *t = rte_zmalloc_socket(
		"nd", sizeof(*t) + sizeof(struct nd_entry) * n_sets * ND_WAYS, 64, socket);
	if (t == NULL)
		return NULL;
	t->pending = rte_zmalloc_socket("nd_pending", sizeof(struct nd_pending) * cfg->pending_max,
					64, socket);
	if (t->pending == NULL) {
		rte_free(t);
		return NULL;
	}
	t->set_mask = n_sets - 1;
	t->lifetime = rte_get_tsc_hz() * cfg->neighbor_timeout_s;
	t->pending_max = cfg->pending_max;
	return t;
}

void nd_table_free(struct nd_table *t)
{
	if (t == NULL)
		return;
	for (unsigned int i = 0; i < t->pending_n; i++)
		rte_pktmbuf_free(t->pending[i].m);
	rte_free(t->pending);
	rte_free(t);
}

unsigned int ndp_pending_count(const struct nd_table *t)
{
	return t == NULL ? 0 : t->pending_n;
}

static struct nd_entry *nd_set(struct nd_table *t, const uint8_t ip[16])
{
	uint32_t words[4]; /* addresses in packets sit at any alignment */
	memcpy(words, ip, sizeof(words));
	return &t->entries[(rte_jhash_32b(words, 4, 0) & t->set_mask) * ND_WAYS];
}

static struct nd_entry *nd_lookup(struct nd_table *t, const uint8_t ip[16])
{
	struct nd_entry *set = nd_set(t, ip);
	for (unsigned int i = 0; i < ND_WAYS; i++)
		if (set[i].state != ND_FREE && memcmp(set[i].ip, ip, 16) == 0)
			return &set[i];
	return NULL;
}

/* Send (mac set) or drop every queued packet waiting on ip, keeping their order. */
static void nd_pending_release(struct net_ctx *ctx, const uint8_t ip[16],
			       const struct rte_ether_addr *mac)
{
	struct nd_table *t = ctx->nd;
	unsigned int kept = 0;
	for (unsigned int i = 0; i < t->pending_n; i++) {
		struct nd_pending q = t->pending[i];
		if (memcmp(q.ip, ip, 16) != 0) {
			t->pending[kept++] = q;
			continue;
		}
		if (mac != NULL)
			eth_output(ctx, q.pi, q.m, mac, RTE_ETHER_TYPE_IPV6);
		else
			net_drop(ctx, q.m, DROP_NDP_UNRESOLVED);
	}
	t->pending_n = kept;
}

/* A slot for ip in its set: free, else expired, else the one closest to expiry. */
static struct nd_entry *nd_claim(struct net_ctx *ctx, const uint8_t ip[16])
{
	struct nd_entry *set = nd_set(ctx->nd, ip);
	struct nd_entry *victim = NULL;
	for (unsigned int i = 0; i < ND_WAYS; i++) {
		struct nd_entry *e = &set[i];
		if (e->state == ND_FREE || (e->state == ND_REACHABLE && e->deadline <= ctx->now)) {
			victim = e;
			break;
		}
		/* Prefer evicting resolved entries: an incomplete one has packets waiting. */
		if (victim == NULL || (victim->state == ND_INCOMPLETE && e->state == ND_REACHABLE) ||
		    (victim->state == e->state && e->deadline < victim->deadline))
			victim = e;
	}
	if (victim->state == ND_INCOMPLETE) {
		nd_pending_release(ctx, victim->ip, NULL);
		ctx->nd->incomplete_n--;
	}
	if (victim->state != ND_FREE && victim->deadline > ctx->now)
		ctx->ctr->ndp_cache_evictions++;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->ip, ip, 16);
	return victim;
}

/* Record ip at mac; create the entry only when asked (else only an existing one is updated). */
static void nd_learn(struct net_ctx *ctx, unsigned int pi, const uint8_t ip[16],
		     const struct rte_ether_addr *mac, bool create)
{
	struct nd_entry *e = nd_lookup(ctx->nd, ip);
	if (e == NULL) {
		if (!create)
			return;
		e = nd_claim(ctx, ip);
	}
	if (e->state == ND_INCOMPLETE)
		ctx->nd->incomplete_n--;
	e->state = ND_REACHABLE;
	e->pi = (uint8_t)pi;
	e->tries = 0;
	rte_ether_addr_copy(mac, &e->mac);
	e->deadline = ctx->now + ctx->nd->lifetime;
	nd_pending_release(ctx, ip, mac);
}

/*
 * A new NS or NA: IPv6 header, the message, one link-layer address option
 * with our MAC, sent to dst at dst_mac. Without an mbuf, nothing is sent (counted).
 */
static void nd_send(struct net_ctx *ctx, unsigned int pi, uint8_t type, uint8_t flags,
		    const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16],
		    const struct rte_ether_addr *dst_mac)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		ctx->ctr->drops[DROP_NO_MBUF]++;
		return;
	}
	uint16_t plen = sizeof(struct nd_msg) + sizeof(struct nd_opt_lla);
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, sizeof(struct rte_ipv6_hdr) + plen);
	if (b == NULL) {
		net_drop(ctx, m, DROP_NO_MBUF);
		return;
	}
	ipv6_put_header((struct rte_ipv6_hdr *)b, src, dst, IPPROTO_ICMPV6, ND_HOP_LIMIT, plen);
	struct nd_msg *msg = (struct nd_msg *)(b + sizeof(struct rte_ipv6_hdr));
	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	msg->flags = flags;
	memcpy(msg->target, target, 16);
	struct nd_opt_lla *opt = (struct nd_opt_lla *)(msg + 1);
	opt->type = type == ND_NEIGHBOR_SOLICIT ? ND_OPT_SOURCE_LLA : ND_OPT_TARGET_LLA;
	opt->len = 1;
	memcpy(opt->mac, ctx->ports[pi].mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	msg->cksum = icmpv6_cksum(m, src, dst, sizeof(struct rte_ipv6_hdr), plen);
	if (type == ND_NEIGHBOR_SOLICIT)
		ctx->ctr->ndp_solicits_sent++;
	else
		ctx->ctr->ndp_adverts_sent++;
	eth_output(ctx, pi, m, dst_mac, RTE_ETHER_TYPE_IPV6);
}

/* Solicit target at its solicited-node group, from the address of the same scope. */
static void nd_solicit(struct net_ctx *ctx, unsigned int pi, const uint8_t target[16])
{
	const struct net_port *p = &ctx->ports[pi];
	uint8_t src[16], group[16];
	struct rte_ether_addr mac;
	if (ipv6_is_link_local(target))
		net_ipv6_link_local(p, src);
	else
		memcpy(src, p->ipv6, 16);
	ipv6_solicited_node(target, group);
	ipv6_multicast_mac(group, &mac);
	nd_send(ctx, pi, ND_NEIGHBOR_SOLICIT, 0, src, group, target, &mac);
}

/* RFC 4861 7.2.6: unsolicited advertisements of both our addresses to all nodes. */
void ndp_announce(struct net_ctx *ctx, unsigned int pi)
{
	const struct net_port *p = &ctx->ports[pi];
	uint8_t ll[16];
	struct rte_ether_addr mac;
	ipv6_multicast_mac(all_nodes, &mac);
	net_ipv6_link_local(p, ll);
	nd_send(ctx, pi, ND_NEIGHBOR_ADVERT, NA_FLAG_OVERRIDE, p->ipv6, all_nodes, p->ipv6, &mac);
	nd_send(ctx, pi, ND_NEIGHBOR_ADVERT, NA_FLAG_OVERRIDE, ll, all_nodes, ll, &mac);
}

/*
 * The options after the message (RFC 4861 4.6): every one within the message
 * and of non-zero length; *lla is the address in the link-layer address
 * option of the given type, and NULL when there is none. false when malformed.
 */
static bool nd_options(struct rte_mbuf *m, uint32_t off, uint32_t end, uint8_t lla_type,
		       struct rte_ether_addr *buf, const struct rte_ether_addr **lla)
{
	*lla = NULL;
	while (off < end) {
		const uint8_t *o = off + 2 <= end ? pkt_header(m, off, 2) : NULL;
		if (o == NULL || o[1] == 0)
			return false;
		uint32_t len = (uint32_t)o[1] * 8;
		if (off + len > end || pkt_header(m, off, len) == NULL)
			return false;
		if (o[0] == lla_type) {
			if (len != sizeof(struct nd_opt_lla))
				return false; /* Ethernet's option is exactly 8 bytes (RFC 2464 8) */
			memcpy(buf->addr_bytes, ((const struct nd_opt_lla *)o)->mac,
			       RTE_ETHER_ADDR_LEN);
			*lla = buf;
		}
		off += len;
	}
	return true;
}

static void ns_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
		     const struct rte_ipv6_hdr *ih, const struct nd_msg *ns, uint32_t opt_off)
{
	const struct net_port *p = &ctx->ports[pi];
	struct rte_ether_addr slla_buf;
	const struct rte_ether_addr *slla;
	if (ipv6_is_multicast(ns->target) ||
	    !nd_options(m, opt_off, rte_pktmbuf_pkt_len(m), ND_OPT_SOURCE_LLA, &slla_buf, &slla)) {
		net_drop(ctx, m, DROP_NDP_MALFORMED);
		return;
	}
	/* RFC 4861 7.1.1: a DAD probe (from ::) goes to a solicited-node group, without SLLA. */
	bool dad = ipv6_is_unspecified(ih->src_addr);
	if (dad && (!ipv6_is_multicast(ih->dst_addr) || ih->dst_addr[11] != 0x01 ||
		    ih->dst_addr[12] != 0xff || slla != NULL)) {
		net_drop(ctx, m, DROP_NDP_MALFORMED);
		return;
	}
	if (slla != NULL && (rte_is_multicast_ether_addr(slla) || rte_is_zero_ether_addr(slla))) {
		net_drop(ctx, m, DROP_NDP_MALFORMED);
		return;
	}
	if (!ipv6_is_ours(p, ns->target)) {
		net_drop(ctx, m, DROP_NDP_NOT_OURS);
		return;
	}
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ether_addr to_mac;
	uint8_t to[16], target[16];
	memcpy(target, ns->target, 16);
	if (dad) {
		/* RFC 4861 7.2.4: defend our address to all nodes, not solicited. */
		memcpy(to, all_nodes, 16);
		ipv6_multicast_mac(all_nodes, &to_mac);
	} else {
		memcpy(to, ih->src_addr, 16);
		rte_ether_addr_copy(slla != NULL ? slla : &eh->src_addr, &to_mac);
		/* 7.2.3: the solicitation makes or refreshes the sender's entry. */
		if (slla != NULL)
			nd_learn(ctx, pi, ih->src_addr, slla, true);
	}
	rte_pktmbuf_free(m);
	nd_send(ctx, pi, ND_NEIGHBOR_ADVERT,
		(uint8_t)(NA_FLAG_OVERRIDE | (dad ? 0 : NA_FLAG_SOLICITED)), target, to, target,
		&to_mac);
}

static void na_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
		     const struct rte_ipv6_hdr *ih, const struct nd_msg *na, uint32_t opt_off,
		     bool steered)
{
	const struct net_port *p = &ctx->ports[pi];
	struct rte_ether_addr tlla_buf;
	const struct rte_ether_addr *tlla;
	/* RFC 4861 7.1.2 */
	if (ipv6_is_multicast(na->target) ||
	    (ipv6_is_multicast(ih->dst_addr) && (na->flags & NA_FLAG_SOLICITED) != 0) ||
	    !nd_options(m, opt_off, rte_pktmbuf_pkt_len(m), ND_OPT_TARGET_LLA, &tlla_buf, &tlla) ||
	    (tlla != NULL && (rte_is_multicast_ether_addr(tlla) || rte_is_zero_ether_addr(tlla)))) {
		net_drop(ctx, m, DROP_NDP_MALFORMED);
		return;
	}
	if (ipv6_is_ours(p, na->target)) {
		net_drop(ctx, m, DROP_NDP_SPOOF); /* someone else claims our address */
		return;
	}
	if (ipv6_is_unspecified(ih->src_addr)) {
		net_drop(ctx, m, DROP_IPV6_SRC);
		return;
	}
	/* 7.2.5: without the target's link-layer address there is nothing to learn. */
	if (tlla == NULL) {
		net_drop(ctx, m, DROP_NDP_NOT_OURS);
		return;
	}
	nd_learn(ctx, pi, na->target, tlla, false);
	/* An advertisement may answer another worker's solicitation: every worker learns it. */
	if (!steered)
		steer_broadcast_copy(ctx, pi, m);
	rte_pktmbuf_free(m);
}

/* The port's live or expired entry for the router at addr, else NULL. */
static struct net_router *router_find(struct net_port *p, const uint8_t addr[16])
{
	for (unsigned int i = 0; i < NET_IPV6_ROUTERS; i++)
		if (p->routers[i].expires != 0 && memcmp(p->routers[i].addr, addr, 16) == 0)
			return &p->routers[i];
	return NULL;
}

/* RFC 4861 6.1.2: why a router advertisement is not valid, or -1 when it is. */
static int ra_invalid(struct rte_mbuf *m, const struct rte_ipv6_hdr *ih, uint32_t l4_off,
		      struct rte_ether_addr *slla_buf, const struct rte_ether_addr **slla)
{
	uint32_t end = rte_pktmbuf_pkt_len(m);
	const uint8_t *code = pkt_header(m, l4_off, 2); /* icmpv6.c read 4 bytes already */
	if (ih->hop_limits != ND_HOP_LIMIT)
		return DROP_NDP_RA_HOP_LIMIT; /* a router forwarded it: not from our link */
	if (!ipv6_is_link_local(ih->src_addr))
		return DROP_NDP_RA_SOURCE; /* routers advertise from their link-local address */
	if (code[1] != 0)
		return DROP_NDP_RA_CODE;
	if (end - l4_off < sizeof(struct nd_router_advert) ||
	    pkt_header(m, l4_off, sizeof(struct nd_router_advert)) == NULL)
		return DROP_NDP_RA_LENGTH;
	if (!nd_options(m, l4_off + (uint32_t)sizeof(struct nd_router_advert), end,
			ND_OPT_SOURCE_LLA, slla_buf, slla) ||
	    (*slla != NULL &&
	     (rte_is_multicast_ether_addr(*slla) || rte_is_zero_ether_addr(*slla))))
		return DROP_NDP_RA_OPTIONS;
	return -1;
}

/*
 * A valid advertisement makes its sender a default router of the port for
 * its router lifetime, or (lifetime 0) stops it being one (RFC 4861 6.3.4);
 * its source link-layer address goes into the neighbor cache. Each worker
 * keeps its own list: the first to see it hands a copy to the others.
 */
static void ra_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
		     const struct rte_ipv6_hdr *ih, uint32_t l4_off, bool steered)
{
	struct net_port *p = &ctx->ports[pi];
	struct rte_ether_addr slla_buf;
	const struct rte_ether_addr *slla = NULL;
	int why = ra_invalid(m, ih, l4_off, &slla_buf, &slla);
	if (why >= 0) {
		net_drop(ctx, m, (enum drop_reason)why);
		return;
	}
	if (!p->has_ipv6 || ctx->nd == NULL) {
		net_drop(ctx, m, DROP_IPV6);
		return;
	}
	if (!steered)
		steer_broadcast_copy(ctx, pi, m);
	const struct nd_router_advert *ra = pkt_header(m, l4_off, sizeof(*ra));
	uint64_t lifetime = rte_be_to_cpu_16(ra->lifetime);
	struct net_router *r = router_find(p, ih->src_addr);
	if (lifetime == 0) {
		if (r != NULL)
			r->expires = 0;
	} else {
		for (unsigned int i = 0; r == NULL && i < NET_IPV6_ROUTERS; i++)
			if (p->routers[i].expires <= ctx->now)
				r = &p->routers[i];
		if (r == NULL) {
			net_drop(ctx, m, DROP_NDP_RA_ROUTERS_FULL);
			return;
		}
		memcpy(r->addr, ih->src_addr, 16);
		r->expires = ctx->now + lifetime * ctx->tsc_hz;
	}
	if (slla != NULL)
		nd_learn(ctx, pi, ih->src_addr, slla, true);
	ctx->ctr->ndp_ra_accepted++;
	rte_pktmbuf_free(m);
}

void ndp_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off,
	       uint32_t l4_off, bool steered)
{
	const struct rte_ipv6_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3_off);
	const uint8_t *type = pkt_header(m, l4_off, 2);
	if (type[0] == ND_ROUTER_ADVERT && ctx->accept_ra) {
		ra_input(ctx, pi, m, ih, l4_off, steered);
		return;
	}
	if (type[0] == ND_ROUTER_SOLICIT || type[0] == ND_ROUTER_ADVERT ||
	    type[0] > ND_NEIGHBOR_ADVERT) {
		net_drop(ctx, m, DROP_NDP_ROUTER_IGNORED); /* RS, redirect; RA without accept_ra */
		return;
	}
	uint32_t len = rte_pktmbuf_pkt_len(m) - l4_off;
	const struct nd_msg *msg =
		len >= sizeof(struct nd_msg) ? pkt_header(m, l4_off, sizeof(struct nd_msg)) : NULL;
	/* RFC 4861 7.1: hop limit 255 (no router forwarded it), code 0, no extension headers */
	if (msg == NULL || ih->hop_limits != ND_HOP_LIMIT || msg->code != 0 ||
	    l4_off != l3_off + sizeof(*ih)) {
		net_drop(ctx, m, DROP_NDP_MALFORMED);
		return;
	}
	if (ctx->nd == NULL) {
		net_drop(ctx, m, DROP_IPV6); /* no port of this worker has ipv6 */
		return;
	}
	uint32_t opt_off = l4_off + (uint32_t)sizeof(*msg);
	if (msg->type == ND_NEIGHBOR_SOLICIT) {
		if (steered) {
			rte_pktmbuf_free(m);
			return;
		}
		ns_input(ctx, pi, m, ih, msg, opt_off);
		return;
	}
	na_input(ctx, pi, m, ih, msg, opt_off, steered);
}

void ndp_resolve_output(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
			const uint8_t next_hop[16])
{
	struct nd_table *t = ctx->nd;
	if (t == NULL) {
		net_drop(ctx, m, DROP_NO_ROUTE);
		return;
	}
	struct nd_entry *e = nd_lookup(t, next_hop);
	if (e != NULL && e->state == ND_REACHABLE && e->deadline > ctx->now) {
		eth_output(ctx, pi, m, &e->mac, RTE_ETHER_TYPE_IPV6);
		return;
	}
	if (t->pending_n == t->pending_max) {
		net_drop(ctx, m, DROP_NDP_QUEUE_FULL);
		return;
	}
	if (e == NULL || e->state == ND_REACHABLE) {
		if (e == NULL)
			e = nd_claim(ctx, next_hop);
		e->state = ND_INCOMPLETE;
		t->incomplete_n++;
		e->pi = (uint8_t)pi;
		e->tries = 1;
		e->deadline = ctx->now + ctx->tsc_hz * ND_RETRY_MS / 1000;
		nd_solicit(ctx, pi, next_hop);
	}
	struct nd_pending *q = &t->pending[t->pending_n++];
	q->m = m;
	memcpy(q->ip, next_hop, 16);
	q->pi = (uint8_t)pi;
}

void ndp_timers(struct net_ctx *ctx)
{
	struct nd_table *t = ctx->nd;
	if (t == NULL)
		return;
	for (unsigned int pi = 0; pi < ctx->n_ports; pi++) {
		struct net_router *r = ctx->ports[pi].routers;
		for (unsigned int i = 0; i < NET_IPV6_ROUTERS; i++)
			if (r[i].expires != 0 && r[i].expires <= ctx->now) {
				r[i].expires = 0;
				ctx->ctr->ndp_routers_expired++;
			}
	}
	unsigned int n = (t->set_mask + 1) * ND_WAYS;
	for (unsigned int i = 0; i < n && t->incomplete_n != 0; i++) {
		struct nd_entry *e = &t->entries[i];
		if (e->state != ND_INCOMPLETE || e->deadline > ctx->now)
			continue;
		if (e->tries >= ND_RETRIES) {
			nd_pending_release(ctx, e->ip, NULL);
			e->state = ND_FREE;
			t->incomplete_n--;
			continue;
		}
		e->tries++;
		e->deadline = ctx->now + ctx->tsc_hz * ND_RETRY_MS / 1000;
		nd_solicit(ctx, e->pi, e->ip);
	}
}

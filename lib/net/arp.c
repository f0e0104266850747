/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for one worker: answer for our addresses, learn next hops
 * into a bounded set-associative cache, resolve with retries while a bounded
 * queue holds the packets that wait.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "net_priv.h"

#define ARP_WAYS 4
#define ARP_RETRIES 3
#define ARP_RETRY_MS 1000

enum arp_state { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	uint32_t ip; /* network byte order */
	uint8_t state;
	uint8_t tries;
	uint8_t pi;
	struct rte_ether_addr mac;
	uint64_t deadline; /* REACHABLE: expiry; INCOMPLETE: next retry */
};

struct arp_pending {
	struct rte_mbuf *m;
	uint32_t ip;
	uint8_t pi;
};

struct arp_table {
	uint32_t set_mask;
	uint64_t lifetime;
	unsigned int pending_max;
	unsigned int pending_n;
	unsigned int incomplete_n; /* lets arp_timers() skip the scan when nothing resolves */
	struct arp_pending *pending;
	struct arp_entry entries[]; /* (set_mask + 1) * ARP_WAYS */
};

struct arp_table *arp_table_create(const struct config_arp *cfg, unsigned int worker_id)
{
	unsigned int n_sets = cfg->cache_size / ARP_WAYS;
	if (n_sets == 0 || (n_sets & (n_sets - 1)) != 0 || cfg->pending_max == 0)
		return NULL;
	int socket = (int)rte_socket_id();
	struct arp_table *t = rte_zmalloc_socket(
		"arp", sizeof(*t) + sizeof(struct arp_entry) * n_sets * ARP_WAYS, 64, socket);
	if (t == NULL)
		return NULL;
	t->pending = rte_zmalloc_socket("arp_pending", sizeof(struct arp_pending) * cfg->pending_max,
					64, socket);
	if (t->pending == NULL) {
		rte_free(t);
		return NULL;
	}
	t->set_mask = n_sets - 1;
	t->lifetime = rte_get_tsc_hz() * cfg->timeout_s;
	t->pending_max = cfg->pending_max;
	(void)worker_id;
	return t;
}

void arp_table_free(struct arp_table *t)
{
	if (t == NULL)
		return;
	for (unsigned int i = 0; i < t->pending_n; i++)
		rte_pktmbuf_free(t->pending[i].m);
	rte_free(t->pending);
	rte_free(t);
}

unsigned int arp_pending_count(const struct arp_table *t)
{
	return t == NULL ? 0 : t->pending_n;
}

static struct arp_entry *arp_set(struct arp_table *t, uint32_t ip)
{
	return &t->entries[(rte_jhash_1word(ip, 0) & t->set_mask) * ARP_WAYS];
}

static struct arp_entry *arp_lookup(struct arp_table *t, uint32_t ip)
{
	struct arp_entry *set = arp_set(t, ip);
	for (unsigned int i = 0; i < ARP_WAYS; i++)
		if (set[i].state != ARP_FREE && set[i].ip == ip)
			return &set[i];
	return NULL;
}

/* Send (mac set) or drop every queued packet waiting on ip, keeping their order. */
static void arp_pending_release(struct net_ctx *ctx, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct arp_table *t = ctx->arp;
	unsigned int kept = 0;
	for (unsigned int i = 0; i < t->pending_n; i++) {
		struct arp_pending q = t->pending[i];
		if (q.ip != ip) {
			t->pending[kept++] = q;
			continue;
		}
		if (mac != NULL)
			eth_output(ctx, q.pi, q.m, mac, RTE_ETHER_TYPE_IPV4);
		else
			net_drop(ctx, q.m, DROP_ARP_UNRESOLVED);
	}
	t->pending_n = kept;
}

/* A slot for ip in its set: free, else expired, else the one closest to expiry. */
static struct arp_entry *arp_claim(struct net_ctx *ctx, uint32_t ip)
{
	struct arp_entry *set = arp_set(ctx->arp, ip);
	struct arp_entry *victim = NULL;
	for (unsigned int i = 0; i < ARP_WAYS; i++) {
		struct arp_entry *e = &set[i];
		if (e->state == ARP_FREE ||
		    (e->state == ARP_REACHABLE && e->deadline <= ctx->now)) {
			victim = e;
			break;
		}
		/* Prefer evicting resolved entries: an incomplete one has packets waiting. */
		if (victim == NULL || (victim->state == ARP_INCOMPLETE && e->state == ARP_REACHABLE) ||
		    (victim->state == e->state && e->deadline < victim->deadline))
			victim = e;
	}
	if (victim->state == ARP_INCOMPLETE) {
		arp_pending_release(ctx, victim->ip, NULL);
		ctx->arp->incomplete_n--;
	}
	if (victim->state != ARP_FREE && victim->deadline > ctx->now)
		ctx->ctr->arp_cache_evictions++;
	memset(victim, 0, sizeof(*victim));
	victim->ip = ip;
	return victim;
}

/* Record ip at mac; create the entry only when asked (RFC 826 "merge" otherwise). */
static void arp_learn(struct net_ctx *ctx, unsigned int pi, uint32_t ip,
		      const struct rte_ether_addr *mac, bool create)
{
	struct arp_entry *e = arp_lookup(ctx->arp, ip);
	if (e == NULL) {
		if (!create)
			return;
		e = arp_claim(ctx, ip);
	}
	if (e->state == ARP_INCOMPLETE)
		ctx->arp->incomplete_n--;
	e->state = ARP_REACHABLE;
	e->pi = (uint8_t)pi;
	e->tries = 0;
	rte_ether_addr_copy(mac, &e->mac);
	e->deadline = ctx->now + ctx->arp->lifetime;
	arp_pending_release(ctx, ip, mac);
}

void arp_send_request(struct net_ctx *ctx, unsigned int pi, uint32_t target_ip,
		      uint32_t sender_ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		ctx->ctr->drops[DROP_NO_MBUF]++;
		return;
	}
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)rte_pktmbuf_append(m, sizeof(*ah));
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(uint32_t);
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&ctx->ports[pi].mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = sender_ip;
	memset(&ah->arp_data.arp_tha, 0, sizeof(ah->arp_data.arp_tha));
	ah->arp_data.arp_tip = target_ip;
	static const struct rte_ether_addr bcast = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	ctx->ctr->arp_requests_sent++;
	eth_output(ctx, pi, m, &bcast, RTE_ETHER_TYPE_ARP);
}

static void arp_reply_in_place(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
			       struct rte_arp_hdr *ah)
{
	const struct net_port *p = &ctx->ports[pi];
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	ah->arp_data.arp_tha = ah->arp_data.arp_sha;
	ah->arp_data.arp_tip = ah->arp_data.arp_sip;
	rte_ether_addr_copy(&p->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = p->ipv4;
	rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(&p->mac, &eh->src_addr);
	ctx->ctr->arp_replies_sent++;
	net_tx(ctx, pi, m);
}

void arp_input(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m, bool steered)
{
	const struct net_port *p = &ctx->ports[pi];
	struct rte_arp_hdr *ah = pkt_header(m, sizeof(struct rte_ether_hdr), sizeof(*ah));
	if (ah == NULL || ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != sizeof(uint32_t) ||
	    rte_is_multicast_ether_addr(&ah->arp_data.arp_sha) ||
	    rte_is_zero_ether_addr(&ah->arp_data.arp_sha)) {
		net_drop(ctx, m, DROP_ARP_MALFORMED);
		return;
	}
	uint16_t op = rte_be_to_cpu_16(ah->arp_opcode);
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
		net_drop(ctx, m, DROP_ARP_OPCODE);
		return;
	}
	if (!p->has_ipv4) {
		net_drop(ctx, m, DROP_ARP_NOT_OURS);
		return;
	}
	uint32_t sip = ah->arp_data.arp_sip;
	uint32_t tip = ah->arp_data.arp_tip;
	if (sip == p->ipv4) {
		net_drop(ctx, m, DROP_ARP_SPOOF);
		return;
	}
	/* 0.0.0.0 is a probe (RFC 5227 §2.1.1); any other impossible sender is malformed. */
	if (sip != 0 && ipv4_src_invalid(p, sip)) {
		net_drop(ctx, m, DROP_ARP_MALFORMED);
		return;
	}
	bool for_us = tip == p->ipv4;
	bool on_link = sip != 0 && ((sip ^ p->ipv4) & p->netmask) == 0;
	if (on_link)
		arp_learn(ctx, pi, sip, &ah->arp_data.arp_sha, for_us);
	if (steered) {
		rte_pktmbuf_free(m); /* another worker already answered; we only learn */
		return;
	}
	if (!for_us) {
		net_drop(ctx, m, DROP_ARP_NOT_OURS);
		return;
	}
	if (op == RTE_ARP_OP_REQUEST) {
		arp_reply_in_place(ctx, pi, m, ah);
		return;
	}
	/* A reply may answer another worker's request: every worker learns it. */
	if (on_link)
		steer_broadcast_copy(ctx, pi, m);
	rte_pktmbuf_free(m);
}

void arp_resolve_output(struct net_ctx *ctx, unsigned int pi, struct rte_mbuf *m,
			uint32_t next_hop)
{
	struct arp_table *t = ctx->arp;
	struct arp_entry *e = arp_lookup(t, next_hop);
	if (e != NULL && e->state == ARP_REACHABLE && e->deadline <= ctx->now &&
	    e->tries < ARP_RETRIES) {
		/*
		 * Past its lifetime: ask again, but go on sending to the MAC we know until the
		 * questions go unanswered (as Linux's STALE/PROBE states do). The packet needs
		 * no slot in the pending queue, which a flood of SYNs from sources that never
		 * answer keeps full: a neighbour we already knew stays reachable through it.
		 */
		e->tries++;
		e->deadline = ctx->now + ctx->tsc_hz * ARP_RETRY_MS / 1000;
		arp_send_request(ctx, pi, next_hop, ctx->ports[pi].ipv4);
	}
	if (e != NULL && e->state == ARP_REACHABLE && e->deadline > ctx->now) {
		eth_output(ctx, pi, m, &e->mac, RTE_ETHER_TYPE_IPV4);
		return;
	}
	if (t->pending_n == t->pending_max) {
		net_drop(ctx, m, DROP_ARP_QUEUE_FULL);
		return;
	}
	if (e == NULL || e->state == ARP_REACHABLE) {
		if (e == NULL)
			e = arp_claim(ctx, next_hop);
		e->state = ARP_INCOMPLETE;
		t->incomplete_n++;
		e->pi = (uint8_t)pi;
		e->tries = 1;
		e->deadline = ctx->now + ctx->tsc_hz * ARP_RETRY_MS / 1000;
		arp_send_request(ctx, pi, next_hop, ctx->ports[pi].ipv4);
	}
	t->pending[t->pending_n++] = (struct arp_pending){.m = m, .ip = next_hop, .pi = (uint8_t)pi};
}

void arp_timers(struct net_ctx *ctx)
{
	struct arp_table *t = ctx->arp;
	unsigned int n = (t->set_mask + 1) * ARP_WAYS;
	for (unsigned int i = 0; i < n && t->incomplete_n != 0; i++) {
		struct arp_entry *e = &t->entries[i];
		if (e->state != ARP_INCOMPLETE || e->deadline > ctx->now)
			continue;
		if (e->tries >= ARP_RETRIES) {
			arp_pending_release(ctx, e->ip, NULL);
			e->state = ARP_FREE;
			t->incomplete_n--;
			continue;
		}
		e->tries++;
		e->deadline = ctx->now + ctx->tsc_hz * ARP_RETRY_MS / 1000;
		arp_send_request(ctx, e->pi, e->ip, ctx->ports[e->pi].ipv4);
	}
}

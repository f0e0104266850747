/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-client table: a bounded, set-associative map from source address
 * to what the edge counts about it. A flood of random sources can only churn
 * it: each new address takes over an entry of its set (one with no open
 * connection if there is one, the longest unseen among those), never grows
 * it, and every takeover of a live entry is counted as an eviction.
 */
#include <string.h>

#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "edge_priv.h"

struct edge_clients *edge_clients_create(unsigned int size)
{
	unsigned int n_sets = size / CLIENT_WAYS;
	if (n_sets == 0 || (n_sets & (n_sets - 1)) != 0)
		return NULL;
	struct edge_clients *t = rte_zmalloc_socket(
		"edge_clients", sizeof(*t) + sizeof(struct edge_client) * n_sets * CLIENT_WAYS,
		RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (t == NULL)
		return NULL;
	t->set_mask = n_sets - 1;
	t->seed = (uint32_t)rte_rand();
	return t;
}

void edge_clients_free(struct edge_clients *t)
{
	rte_free(t);
}

static bool same(const struct edge_client *c, uint8_t family, const uint32_t addr[4])
{
	return c->family == family && memcmp(c->addr, addr, sizeof(c->addr)) == 0;
}

/* An entry that remembers nothing a fresh one would not: no connection, bucket full again. */
static bool forgettable(const struct edge_client *c, uint64_t now)
{
	return c->conns == 0 && c->tat <= now;
}

struct edge_client *edge_client_get(struct edge *e, uint8_t family, const uint32_t src[4],
				    bool create)
{
	struct edge_clients *t = e->clients;
	/*
	 * An IPv6 host is given a whole prefix (a /64 by default) and may pick any
	 * address in it for each connection: the key is the prefix, so hopping
	 * addresses inside it does not buy a fresh bucket.
	 */
	uint32_t addr[4] = {src[0], src[1], src[2], src[3]};
	if (family == 6)
		for (unsigned int i = 0; i < 4; i++)
			addr[i] &= e->v6_mask[i];
	uint32_t h = rte_jhash_32b(addr, 4, t->seed ^ family);
	struct edge_client *set = &t->entries[(h & t->set_mask) * CLIENT_WAYS];
	for (unsigned int i = 0; i < CLIENT_WAYS; i++)
		if (same(&set[i], family, addr))
			return &set[i];
	if (!create)
		return NULL;
	uint64_t now = e->net->now;
	struct edge_client *victim = NULL;
	for (unsigned int i = 0; i < CLIENT_WAYS; i++) {
		struct edge_client *c = &set[i];
		if (c->family == 0) {
			victim = c;
			t->used++;
			break;
		}
		if (victim == NULL || (victim->conns != 0 && c->conns == 0) ||
		    ((victim->conns == 0) == (c->conns == 0) && c->seen < victim->seen))
			victim = c;
	}
	if (victim->family != 0 && !forgettable(victim, now))
		e->ctr->edge.client_evictions++;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->addr, addr, sizeof(victim->addr));
	victim->family = family;
	victim->seen = now;
	return victim;
}

unsigned int edge_client_count(const struct edge *e)
{
	return e->clients != NULL ? e->clients->used : 0;
}

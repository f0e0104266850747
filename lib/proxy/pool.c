/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_hash_crc.h>

#include "health.h"
#include "pool.h"

void pool_init(struct pool *p, const struct config_backend *cfg, unsigned int index,
	       const struct proxy_health *health)
{
	*p = (struct pool){.cfg = cfg, .index = index, .health = health};
}

bool pool_server_up(const struct pool *p, unsigned int i)
{
	return p->health == NULL || health_is_up(p->health, p->index, i);
}

static bool usable(const struct pool *p, unsigned int i, uint32_t tried)
{
	const struct config_server *s = &p->cfg->servers[i];
	return !(tried & (1u << i)) && pool_server_up(p, i) &&
	       (s->max_connections == 0 || p->servers[i].active < s->max_connections);
}

/* Smooth weighted round robin (as nginx spreads weights): no bursts to one server. */
static int pick_round_robin(struct pool *p, uint32_t tried)
{
	int total = 0, best = -1;
	for (unsigned int i = 0; i < p->cfg->n_servers; i++) {
		if (!usable(p, i, tried))
			continue;
		int w = (int)p->cfg->servers[i].weight;
		p->servers[i].current += w;
		total += w;
		if (best < 0 || p->servers[i].current > p->servers[best].current)
			best = (int)i;
	}
	if (best >= 0)
		p->servers[best].current -= total;
	return best;
}

/* Fewest active connections per unit of weight; ties to the first. */
static int pick_least_conn(const struct pool *p, uint32_t tried)
{
	int best = -1;
	for (unsigned int i = 0; i < p->cfg->n_servers; i++) {
		if (!usable(p, i, tried))
			continue;
		if (best < 0 || (uint64_t)p->servers[i].active * p->cfg->servers[best].weight <
					(uint64_t)p->servers[best].active * p->cfg->servers[i].weight)
			best = (int)i;
	}
	return best;
}

/*
 * Rendezvous hashing by the client's address: a client keeps its server while
 * that server is up, and only the clients of a server that goes down move.
 */
static int pick_source_hash(const struct pool *p, uint32_t client_key, uint32_t tried)
{
	int best = -1;
	uint64_t best_score = 0;
	for (unsigned int i = 0; i < p->cfg->n_servers; i++) {
		if (!usable(p, i, tried))
			continue;
		uint32_t h = rte_hash_crc_4byte(client_key, 0x9e3779b9u * (i + 1));
		uint64_t score = (uint64_t)h * p->cfg->servers[i].weight;
		if (best < 0 || score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

int pool_pick(struct pool *p, uint32_t client_key, uint32_t tried)
{
	switch (p->cfg->balance) {
	case CONFIG_BALANCE_LEAST_CONN:
		return pick_least_conn(p, tried);
	case CONFIG_BALANCE_SOURCE_HASH:
		return pick_source_hash(p, client_key, tried);
	case CONFIG_BALANCE_ROUND_ROBIN:
	default:
		return pick_round_robin(p, tried);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key schedules lent to the keys in use: a free stack, and the lent ones in a
 * dense array so that the sweep and the search for one to take over walk only
 * those, never the whole cache.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include <tlsterm/counters.h>

#include "tls_record.h"
#include "tls_sched_cache.h"

/* Lent schedules looked at for an idle one before taking any unpinned one. */
#define TAKE_OVER_LOOK 64

struct sched_owner {
	struct tls_record *r;
	struct tls_aead_key *k;
};

struct tls_sched_cache {
	struct tls_counters *ctr;
	struct tls_aead_sched *mem;   /* n schedules */
	struct sched_owner *owner;    /* by schedule index; r is NULL while free */
	uint32_t *free_idx;           /* stack of free schedule indices */
	uint32_t *live;               /* lent schedule indices, dense */
	uint32_t *live_pos;           /* by schedule index: where it sits in live */
	uint32_t n;
	uint32_t n_free;
	uint32_t n_live;
	uint32_t hand;                /* where in live the next take-over search starts */
	uint32_t epoch;               /* one per sweep */
};

struct tls_sched_cache *tls_sched_cache_create(unsigned int n, unsigned int min_n,
					       struct tls_counters *ctr, int socket)
{
	if (n < min_n)
		n = min_n;
	if (n == 0 || ctr == NULL)
		return NULL;
	struct tls_sched_cache *c = rte_zmalloc_socket("tls_sched_cache", sizeof(*c),
						       RTE_CACHE_LINE_SIZE, socket);
	if (c == NULL)
		return NULL;
	c->ctr = ctr;
	c->n = n;
	c->mem = rte_malloc_socket("tls_scheds", sizeof(*c->mem) * n, 64, socket);
	c->owner = rte_zmalloc_socket("tls_sched_owner", sizeof(*c->owner) * n, 0, socket);
	c->free_idx = rte_malloc_socket("tls_sched_free", sizeof(uint32_t) * n, 0, socket);
	c->live = rte_malloc_socket("tls_sched_live", sizeof(uint32_t) * n, 0, socket);
	c->live_pos = rte_malloc_socket("tls_sched_pos", sizeof(uint32_t) * n, 0, socket);
	if (c->mem == NULL || c->owner == NULL || c->free_idx == NULL || c->live == NULL ||
	    c->live_pos == NULL) {
		tls_sched_cache_free(c);
		return NULL;
	}
	/* Lowest index on top: a lightly used cache keeps to its first pages. */
	for (uint32_t i = 0; i < n; i++)
		c->free_idx[i] = n - 1 - i;
	c->n_free = n;
	return c;
}

void tls_sched_cache_free(struct tls_sched_cache *c)
{
	if (c == NULL)
		return;
	if (c->mem != NULL)
		memset(c->mem, 0, sizeof(*c->mem) * c->n); /* keys of records torn down with us */
	rte_free(c->mem);
	rte_free(c->owner);
	rte_free(c->free_idx);
	rte_free(c->live);
	rte_free(c->live_pos);
	rte_free(c);
}

unsigned int tls_sched_cache_in_use(const struct tls_sched_cache *c)
{
	return c != NULL ? c->n_live : 0;
}

unsigned int tls_sched_cache_size(const struct tls_sched_cache *c)
{
	return c != NULL ? c->n : 0;
}

static uint32_t sched_index(const struct tls_sched_cache *c, const struct tls_aead_sched *s)
{
	return (uint32_t)(s - c->mem);
}

static void live_add(struct tls_sched_cache *c, uint32_t idx)
{
	c->live_pos[idx] = c->n_live;
	c->live[c->n_live++] = idx;
}

static void live_remove(struct tls_sched_cache *c, uint32_t idx)
{
	uint32_t pos = c->live_pos[idx];
	uint32_t last = c->live[--c->n_live];
	c->live[pos] = last;
	c->live_pos[last] = pos;
}

/* Wipe schedule idx and put it on the free stack. */
static void release(struct tls_sched_cache *c, uint32_t idx)
{
	tls_aead_key_detach(c->owner[idx].k);
	c->owner[idx] = (struct sched_owner){ NULL, NULL };
	live_remove(c, idx);
	c->free_idx[c->n_free++] = idx;
}

/* A lent schedule whose record has nothing in the burst, idle since the last sweep if one is
 * near the hand; UINT32_MAX when all are pinned. */
static uint32_t take_over_pick(struct tls_sched_cache *c)
{
	uint32_t fallback = UINT32_MAX, fallback_pos = 0;

	for (uint32_t i = 0; i < c->n_live; i++) {
		uint32_t pos = (c->hand + i) % c->n_live;
		const struct sched_owner *o = &c->owner[c->live[pos]];
		if (o->r->queued > 0)
			continue;
		if (o->k->epoch != c->epoch) {
			c->hand = pos + 1;
			return c->live[pos];
		}
		if (fallback == UINT32_MAX) {
			fallback = c->live[pos];
			fallback_pos = pos;
		}
		if (i >= TAKE_OVER_LOOK)
			break;
	}
	if (fallback != UINT32_MAX)
		c->hand = fallback_pos + 1;
	return fallback;
}

int tls_sched_take(struct tls_sched_cache *c, const struct tls_engine *e, struct tls_record *r,
		   struct tls_aead_key *k)
{
	uint32_t idx;

	if (c == NULL)
		return -ENOMEM;
	if (k->sched != NULL)
		return 0;
	if (c->n_free > 0) {
		idx = c->free_idx[--c->n_free];
		live_add(c, idx);
	} else {
		idx = take_over_pick(c);
		if (idx == UINT32_MAX)
			return -ENOMEM;
		tls_aead_key_detach(c->owner[idx].k);
		c->ctr->key_schedules_taken_over++;
	}
	c->owner[idx] = (struct sched_owner){ r, k };
	k->epoch = c->epoch;
	int rc = tls_aead_key_expand(e, k, &c->mem[idx]);
	if (rc != 0) {
		release(c, idx); /* the expansion failed: k is detached already */
		return rc;
	}
	c->ctr->key_expansions++;
	return 0;
}

void tls_sched_touch(const struct tls_sched_cache *c, struct tls_aead_key *k)
{
	k->epoch = c->epoch;
}

void tls_sched_give_back(struct tls_sched_cache *c, struct tls_aead_key *k)
{
	if (c == NULL || k->sched == NULL)
		return;
	release(c, sched_index(c, k->sched));
}

unsigned int tls_sched_sweep(struct tls_sched_cache *c)
{
	unsigned int n = 0;

	if (c == NULL)
		return 0;
	for (uint32_t pos = 0; pos < c->n_live;) {
		uint32_t idx = c->live[pos];
		const struct sched_owner *o = &c->owner[idx];
		if (o->k->epoch != c->epoch && o->r->queued == 0) {
			release(c, idx); /* moves the last one into pos */
			n++;
			continue;
		}
		pos++;
	}
	c->epoch++;
	c->hand = 0;
	c->ctr->key_schedules_swept += n;
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's key schedules (expanded AEAD keys, 1 KiB each), lent to the
 * connections that move data rather than kept in every connection. A key
 * takes one at its first record after the hand-off or after an idle spell;
 * once a second the worker gives back those not used since the sweep before
 * (idle 1-2 s). When none is free, the schedule of a record with nothing in
 * the burst is taken over, preferring one idle since the last sweep; its key
 * is expanded again (a few thousand cycles) when that record next moves data.
 */
#ifndef TLSTERM_TLS_SCHED_CACHE_H
#define TLSTERM_TLS_SCHED_CACHE_H

#include "tls_aead.h"

struct tls_record;
struct tls_counters;
struct tls_sched_cache;

/*
 * n schedules, at least min_n: a burst of b records pins at most 2b (two
 * directions each), so one more than that always leaves one to take over.
 */
struct tls_sched_cache *tls_sched_cache_create(unsigned int n, unsigned int min_n,
					       struct tls_counters *ctr, int socket);
void tls_sched_cache_free(struct tls_sched_cache *c);

/* Schedules lent out now, and the cache's size. */
unsigned int tls_sched_cache_in_use(const struct tls_sched_cache *c);
unsigned int tls_sched_cache_size(const struct tls_sched_cache *c);

/*
 * Give k (one of r's two directions) a schedule and expand it into it. r must
 * have something in the burst (r->queued > 0), so neither of its keys is
 * taken over meanwhile. 0, or -ENOMEM when every schedule is pinned (cannot
 * happen with min_n respected), or -EINVAL from the engine.
 */
int tls_sched_take(struct tls_sched_cache *c, const struct tls_engine *e, struct tls_record *r,
		   struct tls_aead_key *k);

/* k is about to be used: it keeps its schedule at the next sweep. */
void tls_sched_touch(const struct tls_sched_cache *c, struct tls_aead_key *k);

/* k's schedule (if any) wiped and back in the cache; k stays set (raw key). */
void tls_sched_give_back(struct tls_sched_cache *c, struct tls_aead_key *k);

/* Give back the schedules not used since the last sweep, of records with nothing queued. */
unsigned int tls_sched_sweep(struct tls_sched_cache *c);

#endif

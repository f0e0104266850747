/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's gathered AEAD work: a fixed ring of record slots filled by all
 * connections, run through the engine once per round, completed in queue
 * order. Completions may queue more (the echo service seals what it opened);
 * that runs in a further round of the same tls_burst_run. A record whose work
 * does not fit waits on the burst's list and is pumped again before each
 * round, so nothing is run under a caller of tls_record_rx/tx.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_malloc.h>

#include <tlsterm/counters.h>

#include "tls_burst_priv.h"
#include "tls_sched_cache.h"

struct tls_burst *tls_burst_create(struct tls_engine *e, struct rte_mempool *mp,
				   struct tls_counters *ctr, unsigned int max_records,
				   unsigned int key_schedules, int socket)
{
	if (e == NULL || mp == NULL || ctr == NULL || max_records == 0)
		return NULL;
	struct tls_burst *b = rte_zmalloc_socket("tls_burst", sizeof(*b), RTE_CACHE_LINE_SIZE,
						 socket);
	if (b == NULL)
		return NULL;
	b->ops = rte_zmalloc_socket("tls_burst_ops", sizeof(*b->ops) * max_records,
				    RTE_CACHE_LINE_SIZE, socket);
	b->slots = rte_zmalloc_socket("tls_burst_slots", sizeof(*b->slots) * max_records,
				      RTE_CACHE_LINE_SIZE, socket);
	/* Only ipsec-mb's AES-GCM runs from expansions; EVP and ChaCha20 take the raw key. */
	bool expands = tls_engine_kind(e) == TLS_ENGINE_IPSECMB;
	if (expands)
		b->sc = tls_sched_cache_create(key_schedules, 2 * max_records + 1, ctr, socket);
	if (b->ops == NULL || b->slots == NULL || (expands && b->sc == NULL)) {
		tls_burst_free(b);
		return NULL;
	}
	b->e = e;
	b->mp = mp;
	b->ctr = ctr;
	b->cap = max_records;
	return b;
}

void tls_burst_free(struct tls_burst *b)
{
	if (b == NULL)
		return;
	/* Whatever is still queued belongs to records being torn down with the worker. */
	for (unsigned int k = 0; k < b->count; k++) {
		struct tls_slot *s = &b->slots[burst_index(b, k)];
		if (s->r != NULL)
			record_slot_drop(b, burst_index(b, k));
	}
	tls_sched_cache_free(b->sc);
	rte_free(b->ops);
	rte_free(b->slots);
	rte_free(b);
}

unsigned int tls_burst_sweep_keys(struct tls_burst *b)
{
	return tls_sched_sweep(b->sc);
}

unsigned int tls_burst_key_schedules(const struct tls_burst *b, unsigned int *size)
{
	if (size != NULL)
		*size = tls_sched_cache_size(b->sc);
	return tls_sched_cache_in_use(b->sc);
}

unsigned int tls_burst_pending(const struct tls_burst *b)
{
	unsigned int n = 0;
	for (unsigned int k = 0; k < b->count; k++)
		if (b->slots[burst_index(b, k)].r != NULL)
			n++;
	return n;
}

int burst_reserve(struct tls_burst *b, struct tls_record *r)
{
	if (b->count == b->cap)
		return -1;
	unsigned int idx = burst_index(b, b->count);
	struct tls_aead_op *op = &b->ops[idx];
	struct tls_slot *s = &b->slots[idx];
	b->count++;
	memset(s, 0, sizeof(*s));
	s->r = r;
	op->key = NULL;
	op->aad_len = 0;
	op->n_seg = 0;
	op->tag = NULL;
	op->result = 0;
	r->queued++;
	return (int)idx;
}

void burst_unreserve(struct tls_burst *b, int idx)
{
	struct tls_slot *s = &b->slots[idx];
	s->r->queued--;
	s->r = NULL;
	b->count--;
}

void burst_wait(struct tls_burst *b, struct tls_record *r)
{
	if (r->waiting)
		return;
	r->waiting = true;
	r->wait_next = NULL;
	r->wait_prev = b->wait_last;
	if (b->wait_last != NULL)
		b->wait_last->wait_next = r;
	else
		b->wait_first = r;
	b->wait_last = r;
}

void burst_unwait(struct tls_burst *b, struct tls_record *r)
{
	if (!r->waiting)
		return;
	if (r->wait_prev != NULL)
		r->wait_prev->wait_next = r->wait_next;
	else
		b->wait_first = r->wait_next;
	if (r->wait_next != NULL)
		r->wait_next->wait_prev = r->wait_prev;
	else
		b->wait_last = r->wait_prev;
	r->wait_next = r->wait_prev = NULL;
	r->waiting = false;
}

void tls_burst_cancel(struct tls_burst *b, struct tls_record *r)
{
	burst_unwait(b, r);
	for (unsigned int k = 0; k < b->count && r->queued > 0; k++) {
		unsigned int idx = burst_index(b, k);
		if (b->slots[idx].r == r)
			record_slot_drop(b, idx);
	}
}

/* Each record that waited gets one go; those still stuck go back on the list. */
static void pump_waiting(struct tls_burst *b)
{
	struct tls_record *r = b->wait_first;
	b->wait_first = b->wait_last = NULL;
	while (r != NULL) {
		struct tls_record *next = r->wait_next;
		r->waiting = false;
		r->wait_next = r->wait_prev = NULL;
		record_pump(r, b);
		r = next;
	}
}

static bool slot_runs(const struct tls_slot *s)
{
	return s->r != NULL && s->kind != SLOT_ERROR;
}

/* The engine over the first n slots, in as few contiguous runs as the ring allows. */
static void run_engine(struct tls_burst *b, unsigned int n)
{
	unsigned int k = 0;
	while (k < n) {
		unsigned int idx = burst_index(b, k);
		if (!slot_runs(&b->slots[idx])) {
			k++;
			continue;
		}
		unsigned int len = 0;
		while (k + len < n && idx + len < b->cap && slot_runs(&b->slots[idx + len])) {
			b->slots[idx + len].ran = true;
			len++;
		}
		tls_engine_run(b->e, &b->ops[idx], len);
		b->ctr->bursts++;
		k += len;
	}
}

unsigned int tls_burst_run(struct tls_burst *b)
{
	/* A callback calling us again: the outer call's next round picks the work up. */
	if (b->running)
		return 0;
	b->running = true;
	unsigned int done = 0;
	for (;;) {
		pump_waiting(b);
		unsigned int n = b->count;
		if (n == 0)
			break;
		run_engine(b, n);
		for (unsigned int k = 0; k < n; k++) {
			unsigned int idx = b->head;
			if (b->slots[idx].r != NULL) {
				record_complete(b, idx);
				done++;
			}
			b->head = (b->head + 1) % b->cap;
			b->count--;
		}
	}
	b->running = false;
	return done;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The workers' counters for the admin API: Prometheus text (exposition
 * format 0.0.4) for GET /metrics and JSON with the same numbers for GET
 * /stats. Pure functions of what the caller gathered (control thread).
 */
#ifndef TLSTERM_METRICS_H
#define TLSTERM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>

#define METRICS_POOL_NAME_LEN 32

/* One mbuf pool's occupancy. */
struct metrics_pool {
	char name[METRICS_POOL_NAME_LEN];
	unsigned int in_use;
	unsigned int size;
};

/*
 * What one scrape shows. The counters are read while the workers write them:
 * each uint64_t read is whole on x86-64 (aligned 8-byte loads), so a value may
 * be a moment old but never torn, and counters only grow.
 */
struct metrics_input {
	const struct config *cfg;                     /* port names, in counter order */
	const struct worker_counters *sum;            /* every worker added up */
	const struct worker_counters *const *workers; /* each worker's own, for its load */
	unsigned int n_workers;
	uint64_t tsc_hz;
	bool has_conns; /* the connection gauges below are filled in */
	unsigned int tcp_open; /* TIME_WAIT not included */
	unsigned int tcp_time_wait;
	unsigned int tls_open;
	unsigned int tls_key_schedules;      /* lent to connections now (all workers) */
	unsigned int tls_key_schedules_size; /* the caches' sizes added up */
	unsigned int proxy_sessions;
	const struct metrics_pool *pools;
	unsigned int n_pools;
	bool has_reload; /* the reload numbers below are filled in (the control thread's own) */
	uint64_t generation; /* the configuration generation new connections get; 1 at start */
	uint64_t reloads_ok, reloads_failed, reloads_refused;
};

/* A malloc'd text of *len bytes (NUL-terminated too), or NULL when out of memory. */
char *metrics_prometheus(const struct metrics_input *in, size_t *len);
char *metrics_json(const struct metrics_input *in, size_t *len);

#endif

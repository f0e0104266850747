/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counters' tables, kept in metrics.c, and read by all three outputs:
 * GET /metrics, GET /stats and the shutdown log's "stats:" lines (stats.c).
 * A counter is added to its table once and shows in all three.
 */
#ifndef TLSTERM_CTL_METRICS_TABLE_H
#define TLSTERM_CTL_METRICS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <tlsterm/counters.h>

/* A plain counter of struct worker_counters, summed over the workers. */
struct counter {
	const char *name;    /* Prometheus family; the entries of one family are adjacent */
	const char *labels;  /* e.g. "direction=\"in\"", or NULL */
	const char *help;    /* read from a family's first entry */
	const char *section; /* /stats object and log line; the entries of one are adjacent */
	const char *key;     /* its key in both: the field's name */
	size_t off;          /* in struct worker_counters */
};

/* A counter shown once per port or per worker: a family of one sample each. */
struct labelled_counter {
	const char *name; /* Prometheus family */
	const char *help;
	const char *key;  /* its key in /stats and the log */
	size_t off;       /* in struct port_counters, or in struct worker_counters */
};

extern const struct counter metrics_counters[];
extern const unsigned int metrics_n_counters;
extern const struct labelled_counter metrics_port_counters[];
extern const unsigned int metrics_n_port_counters;
extern const struct labelled_counter metrics_worker_counters[];
extern const unsigned int metrics_n_worker_counters;

/* The uint64_t at byte off of a counters struct. */
static inline uint64_t counter_at(const void *counters, size_t off)
{
	return *(const uint64_t *)((const char *)counters + off);
}

#endif

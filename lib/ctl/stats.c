/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shutdown log's "stats:" lines. The counters come from metrics.c's tables
 * (metrics_table.h), so one added there shows here as in /metrics and /stats.
 * Every value is " key=value" under the key /stats gives it: tests and
 * benchmarks pick a value by its key, wherever on its line it falls.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <tlsterm/log.h>
#include <tlsterm/stats.h>

#include "metrics_table.h"

/* Pairs on a line: one with the longest keys and values stays inside log_msg's 1 KiB. */
#define PAIRS_PER_LINE 8

/* A "stats:<what> key=value ..." line being filled. */
struct stats_line {
	char what[CONFIG_NAME_LEN + 8]; /* " tcp", " port edge", or "" */
	char text[PAIRS_PER_LINE * 64];
	size_t len;
	unsigned int pairs;
};

static void line_flush(struct stats_line *l)
{
	if (l->pairs > 0)
		log_info("stats:%s%s", l->what, l->text);
	l->len = 0;
	l->pairs = 0;
	l->text[0] = '\0';
}

/* Flush what there is and start lines of another kind. */
static void line_start(struct stats_line *l, const char *what)
{
	line_flush(l);
	snprintf(l->what, sizeof(l->what), "%s", what);
}

static void line_add(struct stats_line *l, const char *key, uint64_t v)
{
	if (l->pairs == PAIRS_PER_LINE)
		line_flush(l);
	size_t room = sizeof(l->text) - l->len;
	int n = snprintf(l->text + l->len, room, " %s=%" PRIu64, key, v);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
	l->pairs++;
}

void stats_log(const struct config *cfg, const struct worker_counters *s, uint64_t tsc_hz)
{
	struct stats_line l = { 0 };
	char what[sizeof(l.what)];

	for (unsigned int p = 0; p < cfg->n_ports; p++) {
		snprintf(what, sizeof(what), " port %s", cfg->ports[p].name);
		line_start(&l, what);
		for (unsigned int f = 0; f < metrics_n_port_counters; f++)
			line_add(&l, metrics_port_counters[f].key,
				 counter_at(&s->port[p], metrics_port_counters[f].off));
	}
	line_flush(&l);

	uint64_t total = 0;
	for (unsigned int r = 0; r < DROP__COUNT; r++) {
		total += s->drops[r];
		if (s->drops[r] != 0)
			log_info("stats: drop %s=%" PRIu64, drop_reason_name(r), s->drops[r]);
	}
	line_start(&l, "");
	line_add(&l, "drops_total", total);

	for (unsigned int i = 0; i < metrics_n_counters; i++) {
		const struct counter *c = &metrics_counters[i];

		if (i == 0 || strcmp(c->section, metrics_counters[i - 1].section) != 0) {
			snprintf(what, sizeof(what), " %s", c->section);
			line_start(&l, what);
		}
		line_add(&l, c->key, counter_at(s, c->off));
	}
	line_flush(&l);

	const struct tls_counters *t = &s->tls;
	for (unsigned int a = 0; a < 256; a++) {
		if (t->alerts_sent[a] != 0)
			log_info("stats: tls alert_sent %u=%" PRIu64, a, t->alerts_sent[a]);
		if (t->alerts_received[a] != 0)
			log_info("stats: tls alert_received %u=%" PRIu64, a, t->alerts_received[a]);
	}
	const struct edge_counters *e = &s->edge;
	for (unsigned int o = REDIRECT_OK; o < REDIRECT__COUNT; o++)
		if (e->redirect_outcomes[o] != 0)
			log_info("stats: edge redirect %s=%" PRIu64, redirect_outcome_name(o),
				 e->redirect_outcomes[o]);

	line_start(&l, "");
	for (unsigned int f = 0; f < metrics_n_worker_counters; f++)
		line_add(&l, metrics_worker_counters[f].key,
			 counter_at(s, metrics_worker_counters[f].off));
	line_add(&l, "tsc_hz", tsc_hz);
	line_flush(&l);
}

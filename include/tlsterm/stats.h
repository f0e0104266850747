/* SPDX-License-Identifier: BSD-3-Clause */
/* Summing the workers' counters and reporting them (control thread). */
#ifndef TLSTERM_STATS_H
#define TLSTERM_STATS_H

#include <tlsterm/config.h>
#include <tlsterm/counters.h>

/*
 * Log the summed counters as "stats:" lines: per port traffic, every non-zero
 * drop reason, alert and redirect outcome, every counter of metrics.c's table
 * (a line per section: net, tcp, tls, proxy, edge), worker load.
 */
void stats_log(const struct config *cfg, const struct worker_counters *sum, uint64_t tsc_hz);

#endif

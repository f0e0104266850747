/* SPDX-License-Identifier: BSD-3-Clause */
/* Summing the workers' counters and reporting them (control thread). */
#ifndef TLSTERM_STATS_H
#define TLSTERM_STATS_H

#include <tlsterm/config.h>
#include <tlsterm/counters.h>

/* Log the summed counters: per port traffic, every non-zero drop reason, worker load. */
void stats_log(const struct config *cfg, const struct worker_counters *sum, uint64_t tsc_hz);

#endif

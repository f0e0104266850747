/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend health: one byte per server, written by worker 0's checks and read
 * by every worker (relaxed atomics: a stale view for one iteration is fine).
 */
#ifndef TLSTERM_PROXY_HEALTH_H
#define TLSTERM_PROXY_HEALTH_H

#include <stdbool.h>

#include <tlsterm/config.h>
#include <tlsterm/proxy.h>

struct proxy_health {
	unsigned char up[CONFIG_MAX_BACKENDS][CONFIG_MAX_SERVERS];
};

static inline bool health_is_up(const struct proxy_health *h, unsigned int b, unsigned int s)
{
	return __atomic_load_n(&h->up[b][s], __ATOMIC_RELAXED) != 0;
}

static inline void health_set(struct proxy_health *h, unsigned int b, unsigned int s, bool up)
{
	__atomic_store_n(&h->up[b][s], up ? 1 : 0, __ATOMIC_RELAXED);
}

#endif

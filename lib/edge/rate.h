/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A token bucket kept as one number: the generic cell rate algorithm (GCRA).
 * Instead of a token count and a refill time, each bucket stores its
 * "theoretical arrival time" (tat): when it would be full again. A take is
 * allowed while tat is at most burst-1 intervals ahead of now, and pushes tat
 * one interval on. Same decisions as a bucket of `burst` tokens refilled at
 * `rate` per second, in 8 bytes and without division on the packet path.
 */
#ifndef TLSTERM_EDGE_RATE_H
#define TLSTERM_EDGE_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct edge_rate {
	uint64_t interval;  /* TSC cycles per token; 0: no limit */
	uint64_t tolerance; /* (burst - 1) * interval */
};

/* rate per second (0: no limit), burst >= 1, at hz TSC cycles per second. */
static inline struct edge_rate edge_rate_make(unsigned int rate, unsigned int burst, uint64_t hz)
{
	struct edge_rate r = {0, 0};
	if (rate == 0)
		return r;
	r.interval = hz / rate ? hz / rate : 1;
	r.tolerance = (uint64_t)(burst ? burst - 1 : 0) * r.interval;
	return r;
}

/* Take one token from the bucket whose state is *tat (0 for a new, full bucket). */
static inline bool edge_rate_take(const struct edge_rate *r, uint64_t *tat, uint64_t now)
{
	if (r->interval == 0)
		return true;
	uint64_t t = *tat > now ? *tat : now;
	if (t - now > r->tolerance)
		return false;
	*tat = t + r->interval;
	return true;
}

#endif

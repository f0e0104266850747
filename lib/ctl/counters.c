/* SPDX-License-Identifier: BSD-3-Clause */
#include <tlsterm/counters.h>

static const char *const drop_names[DROP__COUNT] = {
#define X(e, s) [DROP_##e] = s,
	DROP_REASONS(X)
#undef X
};

const char *drop_reason_name(enum drop_reason r)
{
	return (unsigned int)r < DROP__COUNT ? drop_names[r] : "unknown";
}

static const char *const redirect_names[REDIRECT__COUNT] = {
#define X(e, s, code) [REDIRECT_##e] = s,
	REDIRECT_OUTCOMES(X)
#undef X
};

const char *redirect_outcome_name(enum redirect_outcome o)
{
	return (unsigned int)o < REDIRECT__COUNT ? redirect_names[o] : "unknown";
}

/* The struct is all uint64_t counters, so it can be summed as an array. */
void worker_counters_add(struct worker_counters *dst, const struct worker_counters *src)
{
	_Static_assert(sizeof(struct worker_counters) % sizeof(uint64_t) == 0,
		       "worker_counters must be made of uint64_t only");
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

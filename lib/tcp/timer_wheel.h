/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/tcp: a per-worker hashed timer wheel driven by the TSC
 * (retransmission, delayed ACK, TIME_WAIT, keepalive, idle timeouts).
 *
 * Timers live inside their owners (a struct tw_timer in the connection), so
 * arming allocates nothing; arm and cancel are O(1) list operations. Time is
 * cut into ticks of tick_tsc counted from tw_init()'s now_tsc, and a timer is
 * kept in slot (expiry tick mod n_slots). A timer further away than one turn
 * of the wheel simply stays in its slot, passed over (by comparing its
 * expiry) until its turn comes, so timers of hours need no second level.
 *
 * When a timer fires: in the first tw_advance() whose now_tsc reaches its
 * expiry rounded up to a tick boundary, so never early and at most one tick
 * late. An expiry at or before the wheel's present (the last tw_advance()'s
 * now_tsc) fires at the start of the next tw_advance(), whatever its now_tsc;
 * armed so from a callback, it fires at the next tick of the sweep (so a
 * callback that keeps re-arming its timer in the past fires once per tick).
 *
 * Plain C, no DPDK: the caller passes TSC values in. One wheel per worker,
 * used by that worker only; nothing here is thread-safe.
 */
#ifndef TLSTERM_TCP_TIMER_WHEEL_H
#define TLSTERM_TCP_TIMER_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

#define TW_SLOTS_LOG2_MIN 6  /* one word of the busy-slot bitmap */
#define TW_SLOTS_LOG2_MAX 24

/* A circular doubly-linked list node; each slot's head is one too. */
struct tw_link {
	struct tw_link *next; /* NULL while the timer is not armed */
	struct tw_link *prev;
};

/*
 * 32 bytes on 64-bit targets. There is no per-timer argument: the callback
 * gets the timer (container_of() leads to its owner) and the wheel's arg
 * (the worker's context).
 */
struct tw_timer {
	struct tw_link link; /* first: a link is its timer */
	uint64_t expire_tsc;
	void (*fn)(struct tw_timer *t, void *arg);
};

struct timer_wheel {
	uint64_t base_tsc; /* the TSC of tick 0 */
	uint64_t tick_tsc;
	uint64_t now_tsc;  /* the present: last advance's now, or the tick being swept */
	uint64_t now_tick; /* every tick up to this one has been swept */
	uint64_t mask;     /* n_slots - 1 */
	uint64_t n_armed;  /* armed timers, the expired list included */
	void *arg;         /* passed to every callback */
	bool sweeping;     /* inside tw_advance() */
	struct tw_link expired; /* armed at or before the present: fire on the next advance */
	struct tw_link *slots;  /* n_slots list heads */
	uint64_t *busy;         /* bit per slot: set whenever the slot is not empty */
};

/*
 * Start a wheel at now_tsc with ticks of tick_tsc (> 0) and 2^n_slots_log2
 * slots (TW_SLOTS_LOG2_MIN..TW_SLOTS_LOG2_MAX). Allocates the slot array once
 * (start-up only: 16 bytes a slot plus a bit). Returns 0, -EINVAL or -ENOMEM.
 * A timer more than a turn (n_slots ticks) away has its expiry read once a
 * turn until due: pick a turn longer than the common timeouts.
 */
int tw_init(struct timer_wheel *tw, uint64_t now_tsc, uint64_t tick_tsc,
	    unsigned int n_slots_log2, void *arg);

/* Disarm every timer still armed (their memory is not touched after) and free the slots. */
void tw_fini(struct timer_wheel *tw);

/* Make t a disarmed timer that will call fn. Call once before any other use of t. */
void tw_timer_init(struct tw_timer *t, void (*fn)(struct tw_timer *t, void *arg));

/* Arm t to fire at expire_tsc; an armed t is moved. O(1). */
void tw_arm(struct timer_wheel *tw, struct tw_timer *t, uint64_t expire_tsc);

/* Disarm t; a no-op when it is not armed. O(1). */
void tw_cancel(struct timer_wheel *tw, struct tw_timer *t);

static inline bool tw_armed(const struct tw_timer *t)
{
	return t->link.next != NULL;
}

/* The expiry t was last armed with (meaningful while tw_armed(t)). */
static inline uint64_t tw_expiry(const struct tw_timer *t)
{
	return t->expire_tsc;
}

static inline uint64_t tw_count(const struct timer_wheel *tw)
{
	return tw->n_armed;
}

/*
 * Fire every timer due by now_tsc, in expiry-tick order (timers of one tick
 * in the order they were armed); returns how many fired. A timer is disarmed
 * before its callback runs. The callback may arm or cancel any timer (itself
 * included, or one due in the same tick) and may free its own timer's owner;
 * it must cancel any other timer whose memory it frees, and must not call
 * tw_advance() or tw_fini().
 */
unsigned int tw_advance(struct timer_wheel *tw, uint64_t now_tsc);

/*
 * The earliest expiry among armed timers (possibly in the past), or UINT64_MAX
 * when none is armed. Exact. Costs up to one bitmap pass plus the timers in
 * the slots it looks at: meant for idle decisions and tests, not per packet.
 */
uint64_t tw_next_expiry(const struct timer_wheel *tw);

#endif

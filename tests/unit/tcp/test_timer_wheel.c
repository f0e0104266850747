/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp/timer_wheel.c: order and timeliness against a model, cancel and
 * re-arm, callbacks that re-arm, cancel or free, timers of many turns of the
 * wheel, huge jumps, and churn. TSC values are made up: no DPDK needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "timer_wheel.h"

#define TICK 1000u
#define BASE UINT64_C(123456789)
#define SLOTS_LOG2 12 /* 4096 slots */
#define TURN ((uint64_t)TICK << SLOTS_LOG2)

/* Real-looking clock for the long-timer tests: 2.5 GHz TSC, 1 ms ticks. */
#define HZ UINT64_C(2500000000)
#define MS (HZ / 1000)
#define TURN_MS (UINT64_C(1) << SLOTS_LOG2)

/* Everything a callback can see: the wheel's arg. */
struct clock {
	struct timer_wheel tw;
	uint64_t now;      /* the now_tsc of the tw_advance() running or last run */
	uint64_t prev_now; /* the one before */
	bool in_advance;   /* callbacks are running */
	uint64_t last_eff; /* the tick of the last timer fired in this advance */
	unsigned int calls;
	uint64_t rng;
};

/* A connection stand-in: the timer lives inside its owner. */
struct owner {
	unsigned int id;
	uint64_t expire;  /* model: what it was armed with */
	uint64_t arm_now; /* model: the clock when it was armed */
	uint64_t eff;     /* model: the tick it is due in; 0 for the next advance */
	bool armed;       /* model */
	unsigned int fired;
	uint64_t fired_at;
	unsigned int seq; /* position in the firing order */
	struct owner *victim;
	uint64_t period;
	struct tw_timer timer;
};

static struct owner *owner_of(struct tw_timer *t)
{
	return (struct owner *)((char *)t - offsetof(struct owner, timer));
}

static uint64_t rnd(struct clock *c)
{
	/* splitmix64: a fixed seed gives the same run everywhere. */
	uint64_t z = (c->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rnd_below(struct clock *c, uint64_t n)
{
	return rnd(c) % n;
}

static void clock_start(struct clock *c, uint64_t now, uint64_t tick, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->now = now;
	c->prev_now = now;
	c->rng = seed;
	assert_int_equal(tw_init(&c->tw, now, tick, SLOTS_LOG2, c), 0);
}

/* The tick a timer is due in: its expiry rounded up to a tick boundary. */
static uint64_t due_tick(uint64_t expire, uint64_t base, uint64_t tick)
{
	if (expire <= base)
		return 0;
	return (expire - base + tick - 1) / tick;
}

static uint64_t tick_of(const struct clock *c, uint64_t tsc)
{
	return (tsc - c->tw.base_tsc) / c->tw.tick_tsc;
}

static unsigned int advance_to(struct clock *c, uint64_t now)
{
	c->prev_now = c->now;
	c->now = now;
	c->last_eff = 0;
	unsigned int before = c->calls;
	c->in_advance = true;
	unsigned int n = tw_advance(&c->tw, now);
	c->in_advance = false;
	assert_int_equal(n, c->calls - before);
	return n;
}

/*
 * The model of when a timer is due (timer_wheel.h): its expiry's tick; an
 * expiry already past fires on the next advance, or, armed from a callback,
 * at the next tick of the sweep.
 */
static void arm(struct clock *c, struct owner *o, uint64_t expire)
{
	if (expire > c->tw.now_tsc)
		o->eff = due_tick(expire, c->tw.base_tsc, c->tw.tick_tsc);
	else
		o->eff = c->in_advance ? c->tw.now_tick + 1 : 0;
	tw_arm(&c->tw, &o->timer, expire);
	o->expire = expire;
	o->arm_now = c->now;
	o->armed = true;
	assert_true(tw_armed(&o->timer));
	assert_int_equal(tw_expiry(&o->timer), expire);
}

static void cancel(struct clock *c, struct owner *o)
{
	tw_cancel(&c->tw, &o->timer);
	o->armed = false;
	assert_false(tw_armed(&o->timer));
}

/*
 * What every callback checks: armed once, never early, at most one tick late,
 * and in tick order within the advance.
 */
static void record_fire(struct clock *c, struct owner *o)
{
	assert_true(c->in_advance);
	assert_true(o->armed);
	assert_false(tw_armed(&o->timer));
	assert_true(o->expire <= c->now);
	uint64_t due = o->expire > o->arm_now ? o->expire : o->arm_now;
	assert_true(c->prev_now < due + c->tw.tick_tsc);
	assert_true(o->eff <= tick_of(c, c->now));
	assert_true(o->eff >= c->last_eff);
	c->last_eff = o->eff;
	o->armed = false;
	o->fired++;
	o->fired_at = c->now;
	o->seq = c->calls++;
}

static void on_fire(struct tw_timer *t, void *arg)
{
	record_fire(arg, owner_of(t));
}

static void on_fire_forbidden(struct tw_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	fail_msg("a cancelled timer fired");
}

static struct owner *owners_new(unsigned int n, void (*fn)(struct tw_timer *t, void *arg))
{
	struct owner *o = calloc(n, sizeof(*o));
	assert_non_null(o);
	for (unsigned int i = 0; i < n; i++) {
		o[i].id = i;
		tw_timer_init(&o[i].timer, fn);
	}
	return o;
}

/* After an advance, no armed timer is due in a tick it swept. */
static void assert_none_overdue(const struct clock *c, const struct owner *o, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(tw_armed(&o[i].timer), o[i].armed);
		if (o[i].armed)
			assert_true(o[i].eff > tick_of(c, c->now));
	}
}

static uint64_t model_min(const struct owner *o, unsigned int n)
{
	uint64_t min = UINT64_MAX;
	for (unsigned int i = 0; i < n; i++)
		if (o[i].armed && o[i].expire < min)
			min = o[i].expire;
	return min;
}

static void test_init_rejects_bad_parameters(void **state)
{
	(void)state;
	struct timer_wheel tw;
	assert_int_equal(tw_init(&tw, BASE, 0, SLOTS_LOG2, NULL), -EINVAL);
	assert_int_equal(tw_init(&tw, BASE, TICK, TW_SLOTS_LOG2_MIN - 1, NULL), -EINVAL);
	assert_int_equal(tw_init(&tw, BASE, TICK, TW_SLOTS_LOG2_MAX + 1, NULL), -EINVAL);
	assert_int_equal(tw_init(&tw, BASE, TICK, TW_SLOTS_LOG2_MIN, NULL), 0);
	assert_int_equal(tw_count(&tw), 0);
	assert_int_equal(tw_next_expiry(&tw), UINT64_MAX);
	assert_int_equal(tw_advance(&tw, BASE + 100 * TURN), 0);
	tw_fini(&tw);
	tw_fini(&tw); /* a second fini is harmless */
}

static void test_timer_is_small(void **state)
{
	(void)state;
	assert_true(sizeof(struct tw_timer) <= 32);
}

/*
 * Random expiries over five turns of the wheel (some already past), advanced
 * in random steps: each fires once, in tick order (and in arm order within a
 * tick), never early, at most one tick late; tw_next_expiry() is exact.
 */
static void test_random_expiries_fire_in_order(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct clock c;
	clock_start(&c, BASE, TICK, 1);
	struct owner *o = owners_new(N, on_fire);

	for (unsigned int i = 0; i < N; i++) {
		uint64_t e = BASE + rnd_below(&c, 5 * TURN);
		if (i % 50 == 0)
			e = BASE - rnd_below(&c, 3 * TICK); /* already due */
		arm(&c, &o[i], e);
	}
	assert_int_equal(tw_count(&c.tw), N);

	unsigned int steps = 0;
	while (c.calls < N) {
		if (steps++ % 16 == 0)
			assert_int_equal(tw_next_expiry(&c.tw), model_min(o, N));
		/* Mostly within a tick or two, sometimes several turns of the wheel. */
		uint64_t step = rnd_below(&c, 3 * TICK);
		if (rnd_below(&c, 500) == 0)
			step = rnd_below(&c, 2 * TURN);
		advance_to(&c, c.now + step);
		assert_none_overdue(&c, o, N);
	}

	struct owner **by_seq = calloc(N, sizeof(*by_seq));
	assert_non_null(by_seq);
	for (unsigned int i = 0; i < N; i++) {
		assert_int_equal(o[i].fired, 1);
		assert_false(tw_armed(&o[i].timer));
		assert_null(by_seq[o[i].seq]);
		by_seq[o[i].seq] = &o[i];
	}
	for (unsigned int s = 1; s < N; s++) {
		uint64_t a = due_tick(by_seq[s - 1]->expire, BASE, TICK);
		uint64_t b = due_tick(by_seq[s]->expire, BASE, TICK);
		assert_true(a <= b);
		if (a == b)
			assert_true(by_seq[s - 1]->id < by_seq[s]->id);
	}
	assert_int_equal(tw_count(&c.tw), 0);
	assert_int_equal(tw_next_expiry(&c.tw), UINT64_MAX);
	assert_int_equal(advance_to(&c, c.now + 10 * TURN), 0);
	free(by_seq);
	free(o);
	tw_fini(&c.tw);
}

/* Due exactly at a tick boundary fires there; within a tick waits for its end, never earlier. */
static void test_tick_rounding(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 2);
	struct owner *o = owners_new(2, on_fire);

	arm(&c, &o[0], BASE + 5 * TICK);
	arm(&c, &o[1], BASE + 5 * TICK + 1);
	assert_int_equal(advance_to(&c, BASE + 5 * TICK - 1), 0);
	assert_int_equal(advance_to(&c, BASE + 5 * TICK), 1);
	assert_int_equal(o[0].fired, 1);
	assert_int_equal(advance_to(&c, BASE + 5 * TICK + TICK / 2), 0);
	assert_int_equal(advance_to(&c, BASE + 6 * TICK), 1);
	assert_int_equal(o[1].fired, 1);
	free(o);
	tw_fini(&c.tw);
}

/* An expiry at or before the present fires on the very next advance, even with no time passing. */
static void test_past_expiry_fires_on_next_advance(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 3);
	struct owner *o = owners_new(3, on_fire);

	advance_to(&c, BASE + 10 * TICK + TICK / 3);
	arm(&c, &o[0], c.now);
	arm(&c, &o[1], 0);
	arm(&c, &o[2], BASE + 2 * TICK);
	assert_int_equal(tw_next_expiry(&c.tw), 0);
	assert_int_equal(advance_to(&c, c.now), 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(o[i].fired, 1);
	assert_true(o[0].seq < o[1].seq && o[1].seq < o[2].seq); /* arm order */
	free(o);
	tw_fini(&c.tw);
}

/* Exact at the edges of a turn: the slot of the tick just swept holds timers a whole turn on. */
static void test_next_expiry_across_turns(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 15);
	struct owner *o = owners_new(4, on_fire);
	advance_to(&c, BASE + 77 * TICK + 5);

	uint64_t now_tick_start = BASE + 77 * TICK;
	arm(&c, &o[0], now_tick_start + TURN); /* in the slot of tick 77 itself */
	assert_int_equal(tw_next_expiry(&c.tw), now_tick_start + TURN);
	arm(&c, &o[1], now_tick_start + 3 * TURN - 1);
	assert_int_equal(tw_next_expiry(&c.tw), now_tick_start + TURN);
	cancel(&c, &o[0]);
	assert_int_equal(tw_next_expiry(&c.tw), now_tick_start + 3 * TURN - 1);
	arm(&c, &o[2], now_tick_start + TURN + 1);
	assert_int_equal(tw_next_expiry(&c.tw), now_tick_start + TURN + 1);
	arm(&c, &o[3], c.now - 1); /* expired list */
	assert_int_equal(tw_next_expiry(&c.tw), c.now - 1);
	assert_int_equal(advance_to(&c, now_tick_start + TURN), 1);
	assert_int_equal(tw_next_expiry(&c.tw), now_tick_start + TURN + 1);
	assert_int_equal(advance_to(&c, now_tick_start + 3 * TURN), 2);
	assert_int_equal(tw_next_expiry(&c.tw), UINT64_MAX);
	free(o);
	tw_fini(&c.tw);
}

/* The only timer, in the slot of the tick just swept, found by a jump of several turns. */
static void test_lone_timer_one_turn_on(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 16);
	struct owner *o = owners_new(1, on_fire);
	uint64_t t = BASE + 10 * TICK;
	advance_to(&c, t);
	arm(&c, o, t + TURN); /* the last tick of the turn the next sweep looks at */
	assert_int_equal(advance_to(&c, t + 3 * TURN), 1);
	assert_int_equal(o->fired_at, t + 3 * TURN);

	t += 3 * TURN;
	arm(&c, o, t + TURN);
	assert_int_equal(advance_to(&c, t + TURN - 1), 0);
	assert_int_equal(advance_to(&c, t + TURN), 1);
	free(o);
	tw_fini(&c.tw);
}

static void test_cancel_before_fire(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 4);
	struct owner *o = owners_new(3, on_fire);

	cancel(&c, &o[2]); /* never armed: a no-op */
	arm(&c, &o[0], BASE + 10 * TICK);
	arm(&c, &o[1], BASE + 10 * TICK);
	arm(&c, &o[2], BASE); /* on the expired list */
	assert_int_equal(tw_count(&c.tw), 3);
	cancel(&c, &o[0]);
	cancel(&c, &o[0]); /* idempotent */
	cancel(&c, &o[2]);
	assert_int_equal(tw_count(&c.tw), 1);
	assert_int_equal(tw_next_expiry(&c.tw), BASE + 10 * TICK);
	assert_int_equal(advance_to(&c, BASE + 20 * TICK), 1);
	assert_int_equal(o[0].fired, 0);
	assert_int_equal(o[1].fired, 1);
	assert_int_equal(o[2].fired, 0);
	assert_int_equal(tw_count(&c.tw), 0);
	assert_int_equal(advance_to(&c, BASE + 5 * TURN), 0);
	free(o);
	tw_fini(&c.tw);
}

static void test_rearm_moves(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 5);
	struct owner *o = owners_new(1, on_fire);

	/* Later: not at the first expiry, once at the second. */
	arm(&c, o, BASE + 10 * TICK);
	arm(&c, o, BASE + 50 * TICK);
	assert_int_equal(tw_count(&c.tw), 1);
	for (uint64_t t = 1; t < 50; t++)
		assert_int_equal(advance_to(&c, BASE + t * TICK), 0);
	assert_int_equal(advance_to(&c, BASE + 50 * TICK), 1);

	/* Earlier, and to another turn of the wheel and back. */
	arm(&c, o, BASE + 50 * TICK + 3 * TURN);
	arm(&c, o, BASE + 55 * TICK);
	assert_int_equal(tw_next_expiry(&c.tw), BASE + 55 * TICK);
	assert_int_equal(advance_to(&c, BASE + 55 * TICK), 1);
	assert_int_equal(advance_to(&c, BASE + 10 * TURN), 0);
	assert_int_equal(o->fired, 2);

	/* From the expired list into a slot. */
	arm(&c, o, 0);
	arm(&c, o, c.now + TICK);
	assert_int_equal(advance_to(&c, c.now), 0);
	assert_int_equal(advance_to(&c, c.now + TICK), 1);
	free(o);
	tw_fini(&c.tw);
}

static void on_periodic(struct tw_timer *t, void *arg)
{
	struct clock *c = arg;
	struct owner *o = owner_of(t);
	record_fire(c, o);
	/* From the expiry, not from now: no drift, and catch-up within one advance. */
	arm(c, o, o->expire + o->period);
}

static void test_periodic_rearms_itself(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 6);
	struct owner *o = owners_new(1, on_periodic);
	o->period = 7 * TICK;
	arm(&c, o, BASE + o->period);

	for (uint64_t t = 1; t <= 700; t++)
		advance_to(&c, BASE + t * TICK);
	assert_int_equal(o->fired, 100);
	assert_true(tw_armed(&o->timer));
	assert_int_equal(tw_next_expiry(&c.tw), BASE + 707 * TICK);

	/* One jump over 70 periods fires each of them, in this one call. */
	assert_int_equal(advance_to(&c, BASE + 1190 * TICK), 70);
	assert_int_equal(o->fired, 170);
	cancel(&c, o);
	assert_int_equal(advance_to(&c, BASE + 3 * TURN), 0);
	free(o);
	tw_fini(&c.tw);
}

static void on_rearm_past(struct tw_timer *t, void *arg)
{
	struct clock *c = arg;
	struct owner *o = owner_of(t);
	record_fire(c, o);
	arm(c, o, 0); /* always already due: the next tick, never a loop */
}

static void test_rearm_in_the_past_fires_once_per_tick(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 7);
	struct owner *o = owners_new(1, on_rearm_past);
	arm(&c, o, BASE + TICK);
	for (unsigned int i = 1; i <= 5; i++) {
		assert_int_equal(advance_to(&c, BASE + i * TICK), 1);
		assert_int_equal(o->fired, i);
	}
	assert_int_equal(advance_to(&c, c.now + TICK / 2), 0);
	assert_int_equal(advance_to(&c, BASE + 16 * TICK), 11); /* ticks 6..16 */
	assert_int_equal(o->fired, 16);
	cancel(&c, o);
	assert_int_equal(advance_to(&c, c.now + TICK), 0);
	free(o);
	tw_fini(&c.tw);
}

static void on_cancel_victim(struct tw_timer *t, void *arg)
{
	struct clock *c = arg;
	struct owner *o = owner_of(t);
	record_fire(c, o);
	cancel(c, o->victim);
}

static void on_rearm_victim(struct tw_timer *t, void *arg)
{
	struct clock *c = arg;
	struct owner *o = owner_of(t);
	record_fire(c, o);
	arm(c, o->victim, c->now + 3 * TICK);
}

/* A callback cancels, or moves, another timer due in the very tick being fired. */
static void test_callback_cancels_timer_in_same_slot(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 8);
	struct owner *o = owners_new(6, on_fire);
	tw_timer_init(&o[0].timer, on_cancel_victim);
	o[0].victim = &o[1];
	tw_timer_init(&o[3].timer, on_rearm_victim);
	o[3].victim = &o[4];

	uint64_t e = BASE + 9 * TICK;
	arm(&c, &o[0], e);
	arm(&c, &o[1], e);     /* cancelled by o[0], already unlinked from the slot */
	arm(&c, &o[2], e);
	arm(&c, &o[3], e);
	arm(&c, &o[4], e - 1); /* moved by o[3] three ticks on */
	arm(&c, &o[5], e + TURN); /* same slot, next turn: stays */
	assert_int_equal(advance_to(&c, e), 3);
	assert_int_equal(o[0].fired, 1);
	assert_int_equal(o[1].fired, 0);
	assert_false(tw_armed(&o[1].timer));
	assert_int_equal(o[2].fired, 1);
	assert_int_equal(o[3].fired, 1);
	assert_int_equal(o[4].fired, 0);
	assert_true(tw_armed(&o[4].timer));
	assert_int_equal(tw_count(&c.tw), 2);
	assert_int_equal(advance_to(&c, e + 2 * TICK), 0);
	assert_int_equal(advance_to(&c, e + 3 * TICK), 1);
	assert_int_equal(o[4].fired, 1);
	assert_int_equal(advance_to(&c, e + TURN - 1), 0);
	assert_int_equal(advance_to(&c, e + TURN), 1);
	assert_int_equal(o[5].fired, 1);
	free(o);
	tw_fini(&c.tw);
}

/* Due at the tick being swept: it fires later in the same advance, before later ticks. */
static void on_arm_now(struct tw_timer *t, void *arg)
{
	struct clock *c = arg;
	struct owner *o = owner_of(t);
	record_fire(c, o);
	arm(c, o->victim, o->expire);
}

static void test_callback_arms_due_timer_during_sweep(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 9);
	struct owner *o = owners_new(3, on_fire);
	tw_timer_init(&o[0].timer, on_arm_now);
	o[0].victim = &o[1];
	arm(&c, &o[0], BASE + 10 * TICK);
	arm(&c, &o[2], BASE + 15 * TICK);
	assert_int_equal(advance_to(&c, BASE + 20 * TICK), 3);
	assert_true(o[0].seq < o[1].seq && o[1].seq < o[2].seq);
	free(o);
	tw_fini(&c.tw);
}

static unsigned int n_freed;

static void on_free_self(struct tw_timer *t, void *arg)
{
	struct owner *o = owner_of(t);
	record_fire(arg, o);
	free(o); /* the wheel must not touch t again */
	n_freed++;
}

static void on_free_victim_then_self(struct tw_timer *t, void *arg)
{
	struct clock *c = arg;
	struct owner *o = owner_of(t);
	record_fire(c, o);
	if (o->victim != NULL) {
		cancel(c, o->victim); /* the rule: cancel before freeing */
		free(o->victim);
		n_freed++;
	}
	free(o);
	n_freed++;
}

/* Callbacks free their owners, and others' (cancelled first), mid-slot; ASan watches. */
static void test_callback_frees_owner(void **state)
{
	(void)state;
	enum { N = 64 };
	struct clock c;
	clock_start(&c, BASE, TICK, 10);
	struct owner *o[N];
	n_freed = 0;
	for (unsigned int i = 0; i < N; i++) {
		o[i] = calloc(1, sizeof(*o[i]));
		assert_non_null(o[i]);
		o[i]->id = i;
		tw_timer_init(&o[i]->timer, i % 4 == 0 ? on_free_victim_then_self : on_free_self);
	}
	/* Pairs share a slot: i % 4 == 0 frees i + 1, due in the same tick after it. */
	for (unsigned int i = 0; i < N; i++) {
		if (i % 4 == 0)
			o[i]->victim = o[i + 1];
		arm(&c, o[i], BASE + (1 + i / 2) * TICK);
	}
	/* Some share their slot with a timer a turn later, which stays and is freed later. */
	assert_int_equal(advance_to(&c, BASE + TURN), N - N / 4);
	assert_int_equal(n_freed, N);
	assert_int_equal(tw_count(&c.tw), 0);

	/* tw_fini() with timers still armed disarms them without touching their owners after. */
	struct owner *left = owners_new(4, on_fire);
	for (unsigned int i = 0; i < 4; i++)
		arm(&c, &left[i], i < 2 ? c.now + 3 * TURN : 0);
	tw_fini(&c.tw);
	for (unsigned int i = 0; i < 4; i++) {
		assert_false(tw_armed(&left[i].timer));
		tw_cancel(&c.tw, &left[i].timer); /* still a no-op */
	}
	free(left);
}

/* 1 ms ticks, 4096 slots: timers of many turns wait for their turn, then fire within a tick. */
static void test_long_timers_do_not_fire_early(void **state)
{
	(void)state;
	struct clock c;
	uint64_t t0 = UINT64_C(987654321987);
	clock_start(&c, t0, MS, 11);
	static const uint64_t after_ms[] = {
		40,                  /* delayed ACK */
		4096,                /* exactly one turn */
		4097, 60 * 1000,     /* TIME_WAIT */
		10 * 60 * 1000,      /* an idle timeout */
		2 * 3600 * 1000 + 7, /* keepalive */
	};
	enum { N = sizeof(after_ms) / sizeof(after_ms[0]) };
	struct owner *o = owners_new(N, on_fire);
	for (unsigned int i = 0; i < N; i++)
		arm(&c, &o[i], t0 + after_ms[i] * MS + (i % 2 ? MS / 3 : 0));

	/* 1 ms steps for the first 61 s, then 997 ms steps: never early, never a step late. */
	uint64_t now = t0;
	while (c.calls < N) {
		now += now - t0 < 61000 * MS ? MS : 997 * MS;
		advance_to(&c, now);
		for (unsigned int i = 0; i < N; i++) {
			if (o[i].expire <= now - MS)
				assert_int_equal(o[i].fired, 1);
			if (o[i].expire > now)
				assert_int_equal(o[i].fired, 0);
		}
	}
	for (unsigned int i = 0; i < N; i++)
		assert_true(o[i].fired_at - o[i].expire < (i == 0 ? MS : 997 * MS));
	free(o);
	tw_fini(&c.tw);
}

/* One advance over hours fires everything due, in order, and nothing that is not. */
static void test_huge_jump(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct clock c;
	clock_start(&c, BASE, MS, 12);
	struct owner *o = owners_new(N, on_fire);
	uint64_t hours3 = 3 * 3600 * 1000 * MS;
	for (unsigned int i = 0; i < N; i++)
		arm(&c, &o[i], i % 100 == 0 ? BASE - 1 : BASE + rnd_below(&c, hours3));
	arm(&c, &o[N - 1], BASE + hours3 + 5 * MS); /* due just after the jump */

	assert_int_equal(advance_to(&c, BASE + hours3), N - 1);
	assert_int_equal(o[N - 1].fired, 0);
	unsigned int last = 0;
	for (unsigned int s = 0; s < N - 1; s++) {
		for (unsigned int i = 0; i < N - 1; i++) {
			if (o[i].seq != s)
				continue;
			assert_int_equal(o[i].fired, 1);
			unsigned int tk = (unsigned int)due_tick(o[i].expire, BASE, MS);
			assert_true(tk >= last);
			last = tk;
		}
	}
	assert_int_equal(tw_next_expiry(&c.tw), o[N - 1].expire);
	assert_int_equal(advance_to(&c, BASE + hours3 + 5 * MS), 1);

	/* Nothing armed: a jump of days costs nothing and fires nothing; arming after still works. */
	assert_int_equal(advance_to(&c, c.now + 24 * 3600 * 1000 * MS), 0);
	arm(&c, &o[0], c.now + 10 * MS);
	assert_int_equal(advance_to(&c, c.now + 9 * MS), 0);
	assert_int_equal(advance_to(&c, c.now + MS), 1);
	free(o);
	tw_fini(&c.tw);
}

/* 100k timers armed, moved and cancelled at random; once all are cancelled nothing fires. */
static void test_churn_then_cancel_all(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct clock c;
	clock_start(&c, BASE, MS, 13);
	struct owner *o = owners_new(N, on_fire_forbidden);
	uint64_t horizon = BASE + 3600 * 1000 * MS; /* nothing is due before this */

	for (unsigned int round = 0; round < 10; round++) {
		for (unsigned int k = 0; k < N; k++) {
			struct owner *x = &o[rnd_below(&c, N)];
			if (rnd_below(&c, 3) == 0)
				cancel(&c, x);
			else
				arm(&c, x, horizon + rnd_below(&c, 2 * 3600 * 1000 * MS));
		}
		unsigned int armed = 0;
		for (unsigned int i = 0; i < N; i++)
			armed += o[i].armed;
		assert_int_equal(tw_count(&c.tw), armed);
		assert_int_equal(tw_next_expiry(&c.tw), model_min(o, N));
		/* A turn and a half: every slot read, stale busy bits cleared. */
		assert_int_equal(advance_to(&c, c.now + 6000 * MS), 0);
	}
	/* Now every one due soon, some already (the expired list); then all cancelled. */
	for (unsigned int i = 0; i < N; i++)
		arm(&c, &o[i], c.now - 5 * MS + rnd_below(&c, 2 * TURN_MS * MS));
	assert_int_equal(tw_count(&c.tw), N);
	for (unsigned int i = 0; i < N; i++)
		cancel(&c, &o[(i * 7919u) % N]);
	assert_int_equal(tw_count(&c.tw), 0);
	assert_int_equal(tw_next_expiry(&c.tw), UINT64_MAX);
	assert_int_equal(advance_to(&c, c.now), 0);
	assert_int_equal(advance_to(&c, c.now + 6 * 3600 * 1000 * MS), 0);
	free(o);
	tw_fini(&c.tw);
}

/* Callbacks that arm, move and cancel random timers, checked against a model. */
enum { CHAOS_N = 2000 };
static struct owner *chaos;

static void on_chaos(struct tw_timer *t, void *arg)
{
	struct clock *c = arg;
	record_fire(c, owner_of(t));
	unsigned int ops = (unsigned int)rnd_below(c, 4);
	for (unsigned int k = 0; k < ops; k++) {
		struct owner *x = &chaos[rnd_below(c, CHAOS_N)];
		uint64_t r = rnd_below(c, 10);
		if (r < 3) {
			cancel(c, x);
		} else {
			/* From well before the tick being swept to a few turns on. */
			uint64_t e = r < 5 ? c->now - rnd_below(c, 5 * TICK)
					   : c->now + rnd_below(c, 3 * TURN);
			arm(c, x, e);
		}
	}
}

static void test_chaos_against_model(void **state)
{
	(void)state;
	struct clock c;
	clock_start(&c, BASE, TICK, 14);
	chaos = owners_new(CHAOS_N, on_chaos);
	for (unsigned int i = 0; i < CHAOS_N; i++)
		arm(&c, &chaos[i], BASE + rnd_below(&c, 2 * TURN));

	for (unsigned int step = 0; step < 20000; step++) {
		uint64_t d = rnd_below(&c, 2 * TICK);
		if (rnd_below(&c, 200) == 0)
			d = rnd_below(&c, 3 * TURN);
		advance_to(&c, c.now + d);

		assert_none_overdue(&c, chaos, CHAOS_N);
		unsigned int armed = 0;
		for (unsigned int i = 0; i < CHAOS_N; i++)
			armed += chaos[i].armed;
		assert_int_equal(tw_count(&c.tw), armed);
		if (step % 8 == 0)
			assert_int_equal(tw_next_expiry(&c.tw), model_min(chaos, CHAOS_N));
		/* Between advances too: arm, move and cancel at random. */
		struct owner *x = &chaos[rnd_below(&c, CHAOS_N)];
		if (rnd_below(&c, 4) == 0)
			cancel(&c, x);
		else
			arm(&c, x, c.now - TICK + rnd_below(&c, TURN));
	}
	assert_true(c.calls > 20000);
	tw_fini(&c.tw);
	free(chaos);
	chaos = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_parameters),
		cmocka_unit_test(test_timer_is_small),
		cmocka_unit_test(test_random_expiries_fire_in_order),
		cmocka_unit_test(test_tick_rounding),
		cmocka_unit_test(test_past_expiry_fires_on_next_advance),
		cmocka_unit_test(test_next_expiry_across_turns),
		cmocka_unit_test(test_lone_timer_one_turn_on),
		cmocka_unit_test(test_cancel_before_fire),
		cmocka_unit_test(test_rearm_moves),
		cmocka_unit_test(test_periodic_rearms_itself),
		cmocka_unit_test(test_rearm_in_the_past_fires_once_per_tick),
		cmocka_unit_test(test_callback_cancels_timer_in_same_slot),
		cmocka_unit_test(test_callback_arms_due_timer_during_sweep),
		cmocka_unit_test(test_callback_frees_owner),
		cmocka_unit_test(test_long_timers_do_not_fire_early),
		cmocka_unit_test(test_huge_jump),
		cmocka_unit_test(test_churn_then_cancel_all),
		cmocka_unit_test(test_chaos_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker timer wheel (see timer_wheel.h for the contract).
 *
 * Invariants, outside tw_advance() and between its steps:
 * - tw->now_tsc >= the start of tick tw->now_tick, and never goes back;
 * - a timer in a slot was armed with expire_tsc > tw->now_tsc, so its tick
 *   (expiry rounded up to a tick boundary) is > tw->now_tick, and it sits in
 *   slot (tick & mask);
 * - a timer on tw->expired was armed with expire_tsc <= tw->now_tsc outside
 *   tw_advance(); one armed so from a callback goes to the slot of the next
 *   tick instead, so it keeps its place in the sweep and cannot loop;
 * - a slot that holds a timer has its busy bit set (a set bit may be stale:
 *   cancel does not clear it, the sweep does when it finds the slot empty).
 * Callbacks run on timers that are already unlinked, and the timers still to
 * fire in a step sit on a list local to that step, so a callback can cancel,
 * re-arm or free anything it owns without breaking the walk.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "timer_wheel.h"

_Static_assert(sizeof(void *) != 8 || sizeof(struct tw_timer) == 32,
	       "struct tw_timer should stay 32 bytes: it is in every connection");
_Static_assert(offsetof(struct tw_timer, link) == 0, "a link is its timer");

static void list_init(struct tw_link *head)
{
	head->next = head;
	head->prev = head;
}

static bool list_empty(const struct tw_link *head)
{
	return head->next == head;
}

static void list_add_tail(struct tw_link *head, struct tw_link *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

/* Unlink n and mark it not armed. */
static void list_del(struct tw_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = NULL;
	n->prev = NULL;
}

/* Move everything on from (possibly empty) onto the empty list to. */
static void list_move_all(struct tw_link *to, struct tw_link *from)
{
	if (list_empty(from)) {
		list_init(to);
		return;
	}
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	list_init(from);
}

static struct tw_timer *link_timer(struct tw_link *l)
{
	return (struct tw_timer *)l; /* link is the first member */
}

/* base + k ticks, saturating (only reachable with a TSC near 2^64). */
static uint64_t tick_time(const struct timer_wheel *tw, uint64_t k)
{
	uint64_t off, t;
	if (__builtin_mul_overflow(k, tw->tick_tsc, &off) ||
	    __builtin_add_overflow(tw->base_tsc, off, &t))
		return UINT64_MAX;
	return t;
}

static void busy_set(struct timer_wheel *tw, uint64_t slot)
{
	tw->busy[slot >> 6] |= UINT64_C(1) << (slot & 63);
}

static void busy_clear(struct timer_wheel *tw, uint64_t slot)
{
	tw->busy[slot >> 6] &= ~(UINT64_C(1) << (slot & 63));
}

/*
 * The first tick in [from, to] whose slot's busy bit is set, or UINT64_MAX.
 * Looks at one turn at most: none there means every slot is empty. Slots are
 * a whole number of 64-bit words, so a word never straddles the wrap.
 */
static uint64_t next_busy_tick(const struct timer_wheel *tw, uint64_t from, uint64_t to)
{
	if (from > to)
		return UINT64_MAX;
	if (to - from > tw->mask)
		to = from + tw->mask;
	for (uint64_t t = from; t <= to;) {
		uint64_t slot = t & tw->mask;
		uint64_t word = tw->busy[slot >> 6] >> (slot & 63);
		if (word != 0) {
			uint64_t found = t + (uint64_t)__builtin_ctzll(word);
			return found <= to ? found : UINT64_MAX;
		}
		t += 64 - (slot & 63);
	}
	return UINT64_MAX;
}

int tw_init(struct timer_wheel *tw, uint64_t now_tsc, uint64_t tick_tsc,
	    unsigned int n_slots_log2, void *arg)
{
	if (tick_tsc == 0 || n_slots_log2 < TW_SLOTS_LOG2_MIN || n_slots_log2 > TW_SLOTS_LOG2_MAX)
		return -EINVAL;
	uint64_t n_slots = UINT64_C(1) << n_slots_log2;
	struct tw_link *slots = calloc(n_slots, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	uint64_t *busy = calloc(n_slots / 64, sizeof(*busy));
	if (busy == NULL) {
		free(slots);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < n_slots; i++)
		list_init(&slots[i]);
	*tw = (struct timer_wheel){
		.base_tsc = now_tsc,
		.tick_tsc = tick_tsc,
		.now_tsc = now_tsc,
		.now_tick = 0,
		.mask = n_slots - 1,
		.n_armed = 0,
		.arg = arg,
		.slots = slots,
		.busy = busy,
	};
	list_init(&tw->expired);
	return 0;
}

static void disarm_all(struct tw_link *head)
{
	while (!list_empty(head))
		list_del(head->next);
}

void tw_fini(struct timer_wheel *tw)
{
	if (tw->slots == NULL)
		return;
	disarm_all(&tw->expired);
	for (uint64_t i = 0; i <= tw->mask; i++)
		disarm_all(&tw->slots[i]);
	free(tw->busy);
	free(tw->slots);
	tw->busy = NULL;
	tw->slots = NULL;
	tw->n_armed = 0;
}

void tw_timer_init(struct tw_timer *t, void (*fn)(struct tw_timer *t, void *arg))
{
	t->link.next = NULL;
	t->link.prev = NULL;
	t->expire_tsc = 0;
	t->fn = fn;
}

void tw_arm(struct timer_wheel *tw, struct tw_timer *t, uint64_t expire_tsc)
{
	if (tw_armed(t))
		list_del(&t->link);
	else
		tw->n_armed++;
	t->expire_tsc = expire_tsc;
	uint64_t tick;
	if (expire_tsc <= tw->now_tsc) {
		if (!tw->sweeping) {
			list_add_tail(&tw->expired, &t->link);
			return;
		}
		tick = tw->now_tick + 1;
	} else {
		/* Round up: firing at the start of the tick that holds the expiry would be early. */
		uint64_t d = expire_tsc - tw->base_tsc;
		tick = d / tw->tick_tsc + (d % tw->tick_tsc != 0);
	}
	uint64_t slot = tick & tw->mask;
	list_add_tail(&tw->slots[slot], &t->link);
	busy_set(tw, slot);
}

void tw_cancel(struct timer_wheel *tw, struct tw_timer *t)
{
	if (!tw_armed(t))
		return;
	list_del(&t->link);
	tw->n_armed--;
}

/* Fire every timer on list (local to the caller), one at a time. */
static unsigned int fire_list(struct timer_wheel *tw, struct tw_link *list)
{
	unsigned int fired = 0;
	while (!list_empty(list)) {
		struct tw_timer *t = link_timer(list->next);
		list_del(&t->link);
		tw->n_armed--;
		fired++;
		t->fn(t, tw->arg); /* may free t: not touched after */
	}
	return fired;
}

/* Timers armed at or before the present, in the order they were armed. */
static unsigned int fire_expired(struct timer_wheel *tw)
{
	struct tw_link due;
	list_move_all(&due, &tw->expired);
	return fire_list(tw, &due);
}

/*
 * Sweep tick k: move the slot's timers due by its start onto a local list and
 * fire them from there; the ones for a later turn of the wheel stay where
 * they are (read, not written: they are most of a slot's timers).
 */
static unsigned int run_slot(struct timer_wheel *tw, uint64_t k)
{
	uint64_t slot = k & tw->mask;
	struct tw_link *head = &tw->slots[slot];
	struct tw_link due;

	tw->now_tick = k;
	tw->now_tsc = tick_time(tw, k);
	list_init(&due);
	for (struct tw_link *l = head->next, *next; l != head; l = next) {
		next = l->next;
		if (link_timer(l)->expire_tsc <= tw->now_tsc) {
			list_del(l);
			list_add_tail(&due, l);
		}
	}
	if (list_empty(head))
		busy_clear(tw, slot);
	return fire_list(tw, &due);
}

unsigned int tw_advance(struct timer_wheel *tw, uint64_t now_tsc)
{
	uint64_t target = tw->now_tick;
	if (now_tsc > tw->now_tsc)
		target = (now_tsc - tw->base_tsc) / tw->tick_tsc;

	tw->sweeping = true;
	unsigned int fired = fire_expired(tw);
	while (tw->now_tick < target) {
		uint64_t k = tw->n_armed == 0 ? UINT64_MAX
					      : next_busy_tick(tw, tw->now_tick + 1, target);
		if (k > target) {
			tw->now_tick = target; /* nothing in a slot is due by target */
			break;
		}
		fired += run_slot(tw, k);
	}
	tw->sweeping = false;
	if (now_tsc > tw->now_tsc)
		tw->now_tsc = now_tsc;
	return fired;
}

static void min_of_list(const struct tw_link *head, uint64_t *min)
{
	for (const struct tw_link *l = head->next; l != head; l = l->next) {
		const struct tw_timer *t = (const struct tw_timer *)l;
		if (t->expire_tsc < *min)
			*min = t->expire_tsc;
	}
}

uint64_t tw_next_expiry(const struct timer_wheel *tw)
{
	uint64_t min = UINT64_MAX;
	if (tw->n_armed == 0)
		return min;
	min_of_list(&tw->expired, &min);

	/*
	 * The first tick, within one turn, whose slot holds a timer due in
	 * that tick bounds everything after it: a later timer is due in a
	 * later tick, so its expiry is past this tick's start. Without one,
	 * every timer has been looked at once.
	 */
	uint64_t to = tw->now_tick + tw->mask + 1; /* one whole turn */
	uint64_t k = next_busy_tick(tw, tw->now_tick + 1, to);
	while (k <= to) {
		const struct tw_link *head = &tw->slots[k & tw->mask];
		uint64_t start = tick_time(tw, k);
		uint64_t slot_min = UINT64_MAX;
		min_of_list(head, &slot_min);
		if (slot_min < min)
			min = slot_min;
		if (slot_min <= start)
			break;
		k = next_busy_tick(tw, k + 1, to);
	}
	return min;
}

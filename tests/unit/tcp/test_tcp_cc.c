/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/tcp/tcp_cc.c, cc_newreno.c and cc_cubic.c: the window
 * arithmetic against numbers worked out from the RFCs. Time is simulated
 * (now_us is whatever the test says), so nothing here depends on the clock.
 *
 * Expected CUBIC values come from RFC 9438's formulas evaluated in double
 * precision (segments of 1460 bytes, seconds), e.g. for W_max = 100 segments
 * after a loss: K = cbrt(100 * (1 - 0.7) / 0.4) = cbrt(75) = 4.21716 s and
 * W_cubic(t) = 0.4 * (t - 4.21716)^3 + 100.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "tcp_cc.h"

#define MSS 1460u
#define SEC 1000000ull /* µs */
#define IW (10 * MSS)  /* RFC 6928 for MSS 1460: min(14600, max(2920, 14600)) */

/* A connection's view of its congestion control, with a simulated clock. */
struct sim {
	const struct tcp_cc_ops *ops;
	struct tcp_cc_state st;
	uint64_t now_us;
};

static void sim_init(struct sim *s, const struct tcp_cc_ops *ops)
{
	s->ops = ops;
	s->now_us = 5 * SEC;
	ops->init(&s->st, MSS, s->now_us);
}

static void ack(struct sim *s, uint32_t bytes, bool cwnd_limited)
{
	s->ops->on_ack(&s->st, bytes, 0, 0, cwnd_limited, s->now_us);
}

/*
 * One round trip: the whole window sent at its start comes back as ACKs of
 * per_ack bytes (the last one possibly shorter), spread evenly over rtt_us,
 * each carrying an RTT sample of rtt_us.
 */
static void round_trip(struct sim *s, uint32_t per_ack, uint32_t rtt_us)
{
	uint32_t sent = s->st.cwnd;
	uint32_t n = (sent + per_ack - 1) / per_ack;
	uint64_t start = s->now_us;

	for (uint32_t i = 1; i <= n; i++) {
		uint32_t bytes = i < n ? per_ack : sent - (n - 1) * per_ack;
		s->now_us = start + (uint64_t)rtt_us * i / n;
		s->ops->on_ack(&s->st, bytes, rtt_us, sent - (i < n ? i * per_ack : sent), true,
			       s->now_us);
	}
	s->now_us = start + rtt_us;
}

/* Slow start one SMSS per ACK until cwnd is exactly target (a multiple of SMSS). */
static void grow_to(struct sim *s, uint32_t target)
{
	while (s->st.cwnd < target)
		ack(s, MSS, true);
	assert_int_equal(s->st.cwnd, target);
}

/* A fast retransmit with the whole window in flight, and the full ACK ending it. */
static void loss_and_recovery(struct sim *s)
{
	s->ops->on_congestion(&s->st, TCP_CC_FAST_RETRANSMIT, s->st.cwnd, s->now_us);
	s->ops->on_recovery_exit(&s->st, s->now_us);
}

/* CUBIC probe: one ACK for the whole window with no RTT sample sets cwnd to W_cubic(t). */
static uint32_t probe(struct sim *s, uint64_t at_us)
{
	s->now_us = at_us;
	ack(s, s->st.cwnd, true);
	return s->st.cwnd;
}

static void assert_near(uint64_t got, uint64_t want, uint64_t tolerance)
{
	if (got + tolerance < want || got > want + tolerance)
		print_error("got %llu, want %llu +- %llu\n", (unsigned long long)got,
			    (unsigned long long)want, (unsigned long long)tolerance);
	assert_in_range(got, want - tolerance, want + tolerance);
}

/* ------------------------------------------------------------ registry */

static void test_find(void **unused)
{
	(void)unused;
	assert_ptr_equal(tcp_cc_find("cubic"), &tcp_cc_cubic);
	assert_ptr_equal(tcp_cc_find("newreno"), &tcp_cc_newreno);
	assert_ptr_equal(tcp_cc_find(TCP_CC_DEFAULT), &tcp_cc_cubic);
	assert_null(tcp_cc_find("reno"));
	assert_null(tcp_cc_find("CUBIC"));
	assert_null(tcp_cc_find(""));
	assert_null(tcp_cc_find(NULL));

	const struct tcp_cc_ops *all[] = { &tcp_cc_cubic, &tcp_cc_newreno };
	for (size_t i = 0; i < 2; i++) {
		assert_non_null(all[i]->init);
		assert_non_null(all[i]->on_ack);
		assert_non_null(all[i]->on_congestion);
		assert_non_null(all[i]->on_recovery_exit);
		assert_non_null(all[i]->on_idle_restart);
	}
}

static void test_state_size(void **unused)
{
	(void)unused;
	assert_true(sizeof(struct tcp_cc_state) <= 64);
}

/* ------------------------------------------------------------ shared rules, both algorithms */

/* RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)); ssthresh starts arbitrarily high. */
static void check_initial_window(const struct tcp_cc_ops *ops)
{
	static const struct {
		uint32_t mss, iw;
	} cases[] = {
		{ 1460, 14600 }, /* 10 segments */
		{ 536, 5360 },	 /* 10 segments */
		{ 4000, 14600 }, /* 3.65 segments: the byte cap */
		{ 9000, 18000 }, /* jumbo: 2 segments */
		{ 0, 5360 },	 /* no MSS option: 536 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tcp_cc_state st;
		ops->init(&st, cases[i].mss, 0);
		assert_int_equal(tcp_cc_cwnd(&st), cases[i].iw);
		assert_int_equal(tcp_cc_ssthresh(&st), UINT32_MAX);
		if (cases[i].mss != 0)
			assert_int_equal(tcp_cc_initial_window(cases[i].mss), cases[i].iw);
	}
}

/* RFC 5681 §3.1: an ACK per segment doubles cwnd every round trip; with ABC so do delayed ACKs. */
static void check_slow_start_doubles(const struct tcp_cc_ops *ops)
{
	struct sim s;

	sim_init(&s, ops);
	for (uint32_t want = 2 * IW; want <= 16 * IW; want *= 2) {
		round_trip(&s, MSS, 50000);
		assert_int_equal(s.st.cwnd, want); /* 20, 40, 80, 160 segments */
	}

	sim_init(&s, ops);
	for (uint32_t want = 2 * IW; want <= 16 * IW; want *= 2) {
		round_trip(&s, 2 * MSS, 50000); /* one ACK every other segment */
		assert_int_equal(s.st.cwnd, want);
	}
}

/* RFC 3465 §2.3: one ACK raises cwnd by at most L*SMSS, L = 2; by what it covers when less. */
static void check_abc_limit(const struct tcp_cc_ops *ops)
{
	struct sim s;

	sim_init(&s, ops);
	ack(&s, 5 * MSS, true); /* a stretch ACK for 5 segments */
	assert_int_equal(s.st.cwnd, IW + 2 * MSS);
	ack(&s, 730, true); /* half a segment */
	assert_int_equal(s.st.cwnd, IW + 2 * MSS + 730);
}

/* Slow start does not run past ssthresh: the ACK that would cross it lands on it. */
static void check_slow_start_stops_at_ssthresh(const struct tcp_cc_ops *ops)
{
	struct sim s;

	sim_init(&s, ops);
	grow_to(&s, 40 * MSS);
	ops->on_congestion(&s.st, TCP_CC_RTO, 40 * MSS, s.now_us);
	uint32_t ssthresh = s.st.ssthresh;
	ack(&s, 730, true); /* half a segment: cwnd is now off the SMSS grid */
	while (s.st.cwnd + MSS <= ssthresh)
		ack(&s, MSS, true);
	assert_int_equal(s.st.cwnd, ssthresh - 730);
	ack(&s, MSS, true);
	assert_int_equal(s.st.cwnd, ssthresh);
}

/*
 * RFC 5681 §3.1: RTO sets cwnd to the loss window (1 SMSS) and reduces ssthresh from
 * FlightSize, once: a backed-off expiry before any new ACK holds ssthresh.
 * RFC 3465 §2.3: slow start after an RTO counts at most 1 SMSS per ACK.
 */
static void check_rto(const struct tcp_cc_ops *ops, uint32_t from_40, uint32_t from_10)
{
	struct sim s;

	sim_init(&s, ops);
	grow_to(&s, 40 * MSS);
	ops->on_congestion(&s.st, TCP_CC_RTO, 40 * MSS, s.now_us);
	assert_int_equal(s.st.cwnd, MSS);
	assert_int_equal(s.st.ssthresh, from_40);

	ops->on_congestion(&s.st, TCP_CC_RTO, MSS, s.now_us); /* backoff: same segment again */
	assert_int_equal(s.st.cwnd, MSS);
	assert_int_equal(s.st.ssthresh, from_40);

	ack(&s, 2 * MSS, true); /* L = 1 after an RTO */
	assert_int_equal(s.st.cwnd, 2 * MSS);

	ops->on_congestion(&s.st, TCP_CC_RTO, 10 * MSS, s.now_us); /* a new loss: reduce again */
	assert_int_equal(s.st.cwnd, MSS);
	assert_int_equal(s.st.ssthresh, from_10);
}

/*
 * Entering fast recovery (and ECE) sets ssthresh from FlightSize and cwnd = ssthresh,
 * floor 2*SMSS; the full ACK leaves cwnd = ssthresh.
 */
static void check_reduction(const struct tcp_cc_ops *ops, enum tcp_cc_event ev, uint32_t from_100,
			    uint32_t from_3)
{
	struct sim s;

	sim_init(&s, ops);
	grow_to(&s, 100 * MSS);
	ops->on_congestion(&s.st, ev, 100 * MSS, s.now_us);
	assert_int_equal(s.st.ssthresh, from_100);
	assert_int_equal(s.st.cwnd, from_100);
	ops->on_recovery_exit(&s.st, s.now_us);
	assert_int_equal(s.st.cwnd, from_100);

	sim_init(&s, ops);
	ops->on_congestion(&s.st, ev, 3 * MSS, s.now_us);
	assert_int_equal(s.st.ssthresh, from_3);
	assert_int_equal(s.st.cwnd, from_3);
}

/* RFC 7661 / RFC 9438 §5.8: no growth from ACKs when the window was not the limit. */
static void check_no_growth_when_not_cwnd_limited(const struct tcp_cc_ops *ops)
{
	struct sim s;

	sim_init(&s, ops);
	for (int i = 0; i < 50; i++) {
		s.now_us += 10000;
		ack(&s, MSS, false);
	}
	assert_int_equal(s.st.cwnd, IW); /* slow start */

	grow_to(&s, 40 * MSS);
	loss_and_recovery(&s);
	uint32_t cwnd = s.st.cwnd;
	for (int i = 0; i < 500; i++) {
		s.now_us += 10000;
		ack(&s, MSS, false);
	}
	assert_int_equal(s.st.cwnd, cwnd); /* congestion avoidance, 5 s of ACKs */
}

/* RFC 5681 §4.1: after an idle period longer than the RTO, restart from min(IW, cwnd). */
static void check_idle_restart(const struct tcp_cc_ops *ops)
{
	struct sim s;

	sim_init(&s, ops);
	grow_to(&s, 40 * MSS);
	s.now_us += 60 * SEC;
	ops->on_idle_restart(&s.st, s.now_us);
	assert_int_equal(s.st.cwnd, IW);
	assert_int_equal(s.st.ssthresh, UINT32_MAX); /* kept */

	sim_init(&s, ops);
	ops->on_congestion(&s.st, TCP_CC_FAST_RETRANSMIT, 4 * MSS, s.now_us);
	ops->on_recovery_exit(&s.st, s.now_us);
	uint32_t small = s.st.cwnd; /* below IW */
	assert_true(small < IW);
	ops->on_idle_restart(&s.st, s.now_us + 60 * SEC);
	assert_int_equal(s.st.cwnd, small);
}

#define BOTH(check)                                                                                \
	static void test_##check##_newreno(void **unused)                                          \
	{                                                                                          \
		(void)unused;                                                                      \
		check(&tcp_cc_newreno);                                                            \
	}                                                                                          \
	static void test_##check##_cubic(void **unused)                                            \
	{                                                                                          \
		(void)unused;                                                                      \
		check(&tcp_cc_cubic);                                                              \
	}

BOTH(check_initial_window)
BOTH(check_slow_start_doubles)
BOTH(check_abc_limit)
BOTH(check_slow_start_stops_at_ssthresh)
BOTH(check_no_growth_when_not_cwnd_limited)
BOTH(check_idle_restart)

/* ------------------------------------------------------------ NewReno */

static void test_newreno_rto(void **unused)
{
	(void)unused;
	/* ssthresh = max(FlightSize / 2, 2*SMSS): 40 -> 20 segments, later 10 -> 5 */
	check_rto(&tcp_cc_newreno, 20 * MSS, 5 * MSS);
}

static void test_newreno_fast_retransmit(void **unused)
{
	(void)unused;
	/* 100 segments in flight -> 50; 3 -> max(1.5, 2) = 2 */
	check_reduction(&tcp_cc_newreno, TCP_CC_FAST_RETRANSMIT, 50 * MSS, 2 * MSS);
}

static void test_newreno_ecn(void **unused)
{
	(void)unused;
	check_reduction(&tcp_cc_newreno, TCP_CC_ECN, 50 * MSS, 2 * MSS);
}

/* RFC 5681 §3.1, RFC 3465 §2.1: +1 SMSS per round trip, with ACKs per segment or delayed. */
static void test_newreno_congestion_avoidance(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_newreno);
	grow_to(&s, 40 * MSS);
	loss_and_recovery(&s);
	assert_int_equal(s.st.cwnd, 20 * MSS);
	for (uint32_t r = 1; r <= 10; r++) {
		round_trip(&s, MSS, 100000);
		assert_int_equal(s.st.cwnd, (20 + r) * MSS);
	}
	for (uint32_t r = 1; r <= 10; r++) {
		round_trip(&s, 2 * MSS, 100000); /* delayed ACKs: byte counting keeps the pace */
		assert_int_equal(s.st.cwnd, (30 + r) * MSS);
	}
	/* a stretch ACK for the whole window still earns one segment */
	ack(&s, s.st.cwnd * 3, true);
	assert_int_equal(s.st.cwnd, 41 * MSS);
}

/* ------------------------------------------------------------ CUBIC */

/*
 * Packet too big: the SMSS comes down to 1000 while cwnd and ssthresh stay in
 * bytes; the per-SMSS steps use 1000 from then on. A larger MSS is no news.
 */
static void check_mss_lowered(const struct tcp_cc_ops *ops)
{
	struct sim s;

	sim_init(&s, ops);
	tcp_cc_mss_lowered(&s.st, 2000);
	tcp_cc_mss_lowered(&s.st, 0);
	assert_int_equal(s.st.mss, MSS);
	tcp_cc_mss_lowered(&s.st, 1000);
	assert_int_equal(s.st.mss, 1000);
	assert_int_equal(s.st.cwnd, IW);
	assert_int_equal(s.st.ssthresh, UINT32_MAX);
	ack(&s, 5 * MSS, true); /* ABC: 2 new SMSS */
	assert_int_equal(s.st.cwnd, IW + 2 * 1000);
	/* a loss: the 2 SMSS floor and the RTO's loss window are new SMSS too */
	ops->on_congestion(&s.st, TCP_CC_RTO, 1000, s.now_us);
	assert_int_equal(s.st.cwnd, 1000);
	assert_int_equal(s.st.ssthresh, 2000);
}

static void test_newreno_mss_lowered(void **unused)
{
	(void)unused;
	check_mss_lowered(&tcp_cc_newreno);
	/* congestion avoidance: + 1 new SMSS per cwnd of bytes acknowledged */
	struct sim s;
	sim_init(&s, &tcp_cc_newreno);
	grow_to(&s, 20 * MSS);
	loss_and_recovery(&s); /* ssthresh = cwnd = 10 MSS */
	tcp_cc_mss_lowered(&s.st, 1000);
	uint32_t cwnd = s.st.cwnd;
	ack(&s, cwnd, true);
	assert_int_equal(s.st.cwnd, cwnd + 1000);
}

static void test_cubic_mss_lowered(void **unused)
{
	(void)unused;
	check_mss_lowered(&tcp_cc_cubic);
	/*
	 * Mid-epoch: the curve restarts from the present cwnd with K for the new
	 * SMSS, so W_cubic(K) is still W_max: K = cbrt((W_max - cwnd) / (C * SMSS)).
	 */
	struct sim s;
	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	loss_and_recovery(&s); /* W_max = 100 MSS, cwnd = 70 MSS */
	ack(&s, MSS, true);    /* the epoch starts */
	assert_true(s.st.flags & TCP_CC_EPOCH);
	tcp_cc_mss_lowered(&s.st, 1000);
	assert_false(s.st.flags & TCP_CC_EPOCH);
	uint32_t w_max = s.st.w_max, cwnd = s.st.cwnd;
	ack(&s, 1000, true);
	assert_true(s.st.flags & TCP_CC_EPOCH);
	/* C * SMSS * K^3 = W_max - cwnd with the new SMSS (K ~ 4.79 s here; 4.22 with 1460) */
	double k = s.st.k_ms / 1000.0;
	double want = (double)(w_max - cwnd), got = 0.4 * 1000 * k * k * k;
	assert_true(s.st.k_ms > 4700 && s.st.k_ms < 4900);
	assert_true(got > want * 0.99 && got < want * 1.01);
	/* at t = K the window is back at W_max */
	uint32_t at_k = probe(&s, s.st.epoch_us + (uint64_t)s.st.k_ms * 1000);
	assert_near(at_k, w_max, 2 * 1000);
}

static void test_cubic_rto(void **unused)
{
	(void)unused;
	/* ssthresh = max(FlightSize * 0.7, 2*SMSS): 40 -> 28 segments, later 10 -> 7 */
	check_rto(&tcp_cc_cubic, 28 * MSS, 7 * MSS);
}

static void test_cubic_fast_retransmit(void **unused)
{
	(void)unused;
	/* 100 segments in flight -> 70; 3 -> 2.1 segments (3066 bytes), above the floor of 2 */
	check_reduction(&tcp_cc_cubic, TCP_CC_FAST_RETRANSMIT, 70 * MSS, 3066);
}

static void test_cubic_ecn(void **unused)
{
	(void)unused;
	check_reduction(&tcp_cc_cubic, TCP_CC_ECN, 70 * MSS, 3066);
}

/* §4.6: the loss records W_max = cwnd and cwnd_prior; no fast convergence on a first loss. */
static void test_cubic_reduction_records_w_max(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	loss_and_recovery(&s);
	assert_int_equal(s.st.w_max, 100 * MSS);
	assert_int_equal(s.st.cwnd_prior, 100 * MSS);
	assert_int_equal(s.st.cwnd, 70 * MSS);
}

/*
 * W_max = 100 segments, cwnd_epoch = 70: K = cbrt(75) = 4.21716 s, and one
 * full-window ACK at t (no RTT sample, so target = W_cubic(t)) lands cwnd on
 * the curve: concave before K, W_max at K, convex after.
 */
static void test_cubic_k_and_curve(void **unused)
{
	(void)unused;
	static const struct {
		uint64_t t_ms;
		uint32_t want; /* 1460 * (0.4 * (t - 4.21716)^3 + 100), rounded */
	} curve[] = {
		{ 1000, 126554 }, /* 86.681 segments */
		{ 2000, 139635 }, /* 95.640 */
		{ 3000, 144947 }, /* 99.279 */
		{ 4000, 145994 }, /* 99.996 */
		{ 5000, 146280 }, /* 100.192 */
		{ 6000, 149309 }, /* 102.267 */
		{ 7000, 158586 }, /* 108.620 */
		{ 8000, 177613 }, /* 121.653 */
	};
	struct sim s;
	uint32_t got[8];

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	loss_and_recovery(&s);
	uint64_t t0 = s.now_us;
	ack(&s, MSS, true); /* first ACK of congestion avoidance: the epoch starts */
	assert_int_equal(s.st.k_ms, 4217);

	for (size_t i = 0; i < 8; i++) {
		if (curve[i].t_ms == 5000) { /* at t = K exactly, the plateau */
			assert_int_equal(probe(&s, t0 + 4217 * 1000ull), 100 * MSS);
		}
		got[i] = probe(&s, t0 + curve[i].t_ms * 1000);
		assert_near(got[i], curve[i].want, 5);
	}
	/* concave: each second adds less (13081, 5312, 1047 bytes) ... */
	assert_true(got[1] - got[0] > got[2] - got[1]);
	assert_true(got[2] - got[1] > got[3] - got[2]);
	/* ... convex: each second adds more (3029, 9276, 19027 bytes) */
	assert_true(got[5] - got[4] < got[6] - got[5]);
	assert_true(got[6] - got[5] < got[7] - got[6]);
}

/*
 * §4.8: after a timeout the first epoch uses K = 0 and W_max = cwnd_epoch
 * (70 segments here), so W_cubic(t) = 0.4 t^3 + 70: 70.4 at 1 s, which
 * the Reno-friendly estimate (70 + 0.53 per window acked) still beats,
 * then 73.2 at 2 s and 80.8 at 3 s, exactly.
 */
static void test_cubic_after_rto_starts_convex(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	s.ops->on_congestion(&s.st, TCP_CC_RTO, 100 * MSS, s.now_us);
	assert_int_equal(s.st.ssthresh, 70 * MSS);
	assert_int_equal(s.st.cwnd, MSS);
	grow_to(&s, 70 * MSS); /* slow start back to ssthresh */
	uint64_t t0 = s.now_us;
	ack(&s, MSS, true);
	assert_int_equal(s.st.k_ms, 0);
	assert_int_equal(s.st.w_max, 70 * MSS);

	uint32_t at1 = probe(&s, t0 + 1 * SEC);
	assert_true(at1 > 102784);	    /* W_cubic(1) = 70.4 segments */
	assert_int_equal(at1, s.st.w_est); /* Reno-friendly region */
	assert_near(at1, 102200 + 11 + 773, 2);
	assert_int_equal(probe(&s, t0 + 2 * SEC), 106872); /* 73.2 * 1460 */
	assert_int_equal(probe(&s, t0 + 3 * SEC), 117968); /* 80.8 * 1460 */
}

/* §4.2: target is at most 1.5 * cwnd, so cwnd grows at most 1.5x per round trip. */
static void test_cubic_growth_clamped_to_1_5x(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	loss_and_recovery(&s);
	uint64_t t0 = s.now_us;
	ack(&s, MSS, true);
	uint32_t epoch_cwnd = s.st.cwnd;
	assert_near(epoch_cwnd, 70 * MSS, 15);
	/* W_cubic(30 s) = 0.4 * 25.78^3 + 100 = 6955 segments; the clamp gives 1.5 * 70 = 105 */
	assert_int_equal(probe(&s, t0 + 30 * SEC), epoch_cwnd + epoch_cwnd / 2);
	for (int r = 0; r < 3; r++) {
		uint32_t before = s.st.cwnd;
		round_trip(&s, MSS, 100000);
		assert_true(s.st.cwnd <= (uint64_t)before * 3 / 2);
		assert_true(s.st.cwnd + 2 >= (uint64_t)before * 3 / 2);
	}
}

/*
 * §4.3 and §5.2: with a short RTT and a small window the Reno-friendly
 * estimate governs. W_max = 20, cwnd = 14 segments, RTT 1 ms: W_cubic hardly
 * moves (14.07 at 10 ms, 14.22 at 30 ms), while W_est grows by
 * alpha = 9/17 = 0.53 segments per RTT until it reaches cwnd_prior = 20, then
 * by 1. RFC 9438's per-ACK formulas in double precision give 19.215
 * segments after 10 RTTs and 38.186 after 30.
 */
static void test_cubic_reno_friendly_small_bdp(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 20 * MSS);
	loss_and_recovery(&s);
	assert_int_equal(s.st.cwnd, 14 * MSS);
	for (int r = 0; r < 10; r++)
		round_trip(&s, MSS, 1000);
	assert_near(s.st.cwnd, 28054, 10); /* 19.215 segments */
	assert_int_equal(s.st.cwnd, s.st.w_est);
	for (int r = 0; r < 20; r++)
		round_trip(&s, MSS, 1000);
	assert_near(s.st.cwnd, 55752, 10); /* 38.186 segments */
	assert_int_equal(s.st.cwnd, s.st.w_est);
	assert_true(s.st.cwnd > 2 * 14 * MSS); /* W_cubic(30 ms) is still 14.2 segments */
}

/*
 * The other side of §4.3: with W_max = 1000 segments and a 100 ms RTT the
 * cubic curve is far above Reno's pace. After 20 RTTs (2 s) the formulas
 * give cwnd = 857.6 segments (W_cubic(2 s) = 857.7) against W_est = 710.5.
 */
static void test_cubic_region_large_bdp(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 1000 * MSS);
	loss_and_recovery(&s);
	assert_int_equal(s.st.cwnd, 700 * MSS);
	for (int r = 0; r < 20; r++)
		round_trip(&s, MSS, 100000);
	assert_near(s.st.cwnd, 1252092, 100); /* 857.597 segments */
	assert_near(s.st.w_est, 1037380, 30); /* 710.534 segments */
}

/*
 * §4.7: a loss below the previous W_max means others want the bandwidth:
 * W_max = cwnd * (1 + 0.7) / 2. Second loss at 70 segments: W_max = 59.5,
 * ssthresh = 49, K = cbrt((59.5 - 49) / 0.4) = cbrt(26.25) = 2.972 s
 * (3.744 s without fast convergence). A loss above W_max records cwnd.
 */
static void test_cubic_fast_convergence(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	loss_and_recovery(&s);
	assert_int_equal(s.st.w_max, 100 * MSS);
	loss_and_recovery(&s); /* at cwnd = 70 segments < W_max */
	assert_int_equal(s.st.w_max, 86870);
	assert_int_equal(s.st.cwnd_prior, 70 * MSS);
	assert_int_equal(s.st.ssthresh, 49 * MSS);
	assert_int_equal(s.st.cwnd, 49 * MSS);
	uint64_t t0 = s.now_us;
	ack(&s, MSS, true);
	assert_in_range(s.st.k_ms, 2971, 2972);

	/* grow past W_max (the clamp allows 1.5 * 49 = 73.5 segments), then lose again */
	assert_int_equal(probe(&s, t0 + 20 * SEC), 107310);
	loss_and_recovery(&s);
	assert_int_equal(s.st.w_max, 107310); /* above the old W_max: no fast convergence */
}

/* §5.8: t excludes time the sender was not cwnd-limited. */
static void test_cubic_app_limited_time_excluded(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	loss_and_recovery(&s);
	ack(&s, MSS, true); /* epoch starts */
	for (int i = 0; i < 100; i++) { /* 10 s with the window not used up */
		s.now_us += 100000;
		ack(&s, MSS, false);
	}
	assert_near(s.st.cwnd, 70 * MSS, 15);
	uint64_t t1 = s.now_us;
	ack(&s, MSS, true); /* cwnd-limited again */
	/* t = 1 s, not 11 s: W_cubic(1) = 86.68 segments, not the 1.5x clamp (105) */
	assert_near(probe(&s, t1 + 1 * SEC), 126554, 30);
}

/* §5.8 and RFC 5681 §4.1: idle time is not part of t either; cwnd restarts at IW. */
static void test_cubic_idle_restart_excludes_idle(void **unused)
{
	(void)unused;
	struct sim s;

	sim_init(&s, &tcp_cc_cubic);
	grow_to(&s, 100 * MSS);
	loss_and_recovery(&s);
	ack(&s, MSS, true);
	s.now_us += 60 * SEC;
	s.ops->on_idle_restart(&s.st, s.now_us);
	assert_int_equal(s.st.cwnd, IW);
	assert_int_equal(s.st.ssthresh, 70 * MSS);
	assert_int_equal(s.st.w_max, 100 * MSS);
	grow_to(&s, 70 * MSS); /* slow start back to ssthresh */
	uint64_t t1 = s.now_us;
	ack(&s, MSS, true);
	assert_int_equal(s.st.k_ms, 4217);
	assert_near(probe(&s, t1 + 1 * SEC), 126554, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_state_size),
		cmocka_unit_test(test_check_initial_window_newreno),
		cmocka_unit_test(test_check_initial_window_cubic),
		cmocka_unit_test(test_check_slow_start_doubles_newreno),
		cmocka_unit_test(test_check_slow_start_doubles_cubic),
		cmocka_unit_test(test_check_abc_limit_newreno),
		cmocka_unit_test(test_check_abc_limit_cubic),
		cmocka_unit_test(test_check_slow_start_stops_at_ssthresh_newreno),
		cmocka_unit_test(test_check_slow_start_stops_at_ssthresh_cubic),
		cmocka_unit_test(test_check_no_growth_when_not_cwnd_limited_newreno),
		cmocka_unit_test(test_check_no_growth_when_not_cwnd_limited_cubic),
		cmocka_unit_test(test_check_idle_restart_newreno),
		cmocka_unit_test(test_check_idle_restart_cubic),
		cmocka_unit_test(test_newreno_rto),
		cmocka_unit_test(test_newreno_mss_lowered),
		cmocka_unit_test(test_newreno_fast_retransmit),
		cmocka_unit_test(test_newreno_ecn),
		cmocka_unit_test(test_newreno_congestion_avoidance),
		cmocka_unit_test(test_cubic_rto),
		cmocka_unit_test(test_cubic_mss_lowered),
		cmocka_unit_test(test_cubic_fast_retransmit),
		cmocka_unit_test(test_cubic_ecn),
		cmocka_unit_test(test_cubic_reduction_records_w_max),
		cmocka_unit_test(test_cubic_k_and_curve),
		cmocka_unit_test(test_cubic_after_rto_starts_convex),
		cmocka_unit_test(test_cubic_growth_clamped_to_1_5x),
		cmocka_unit_test(test_cubic_reno_friendly_small_bdp),
		cmocka_unit_test(test_cubic_region_large_bdp),
		cmocka_unit_test(test_cubic_fast_convergence),
		cmocka_unit_test(test_cubic_app_limited_time_excluded),
		cmocka_unit_test(test_cubic_idle_restart_excludes_idle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

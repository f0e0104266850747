/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC (RFC 9438): after a reduction the window follows
 *
 *	W_cubic(t) = C*(t - K)^3 + W_max,  K = cbrt((W_max - cwnd_epoch) / C)
 *
 * concave up to the old maximum W_max, flat around it, convex beyond, and
 * never below the Reno-friendly estimate W_est. All in integers: windows in
 * bytes, t and K in milliseconds, so the curve is exact to well under a byte
 * and the same on every core. Slow start, the loss window and the restart
 * window are the shared ones in tcp_cc.c.
 */
#include "tcp_cc.h"

/* beta_cubic = 0.7 (§4.6) */
#define CUBIC_BETA_NUM 7
#define CUBIC_BETA_DEN 10
/* C = 0.4 segments/s^3 (§5) */
#define CUBIC_C_NUM 2
#define CUBIC_C_DEN 5
/* alpha_cubic = 3 * (1 - beta) / (1 + beta) = 0.9 / 1.7 (§4.3) */
#define CUBIC_ALPHA_NUM 9
#define CUBIC_ALPHA_DEN 17
/* fast convergence: W_max = cwnd * (1 + beta) / 2 (§4.7) */
#define CUBIC_FC_NUM 17
#define CUBIC_FC_DEN 20
/* Bound on |t - K| (about 33 minutes) so that its cube in ms^3 fits 64 bits. */
#define CUBIC_MAX_DT_MS 2000000

/* floor(cbrt(x)): one bit of the root per three bits of x, most significant first. */
static uint32_t cubic_icbrt(uint64_t x)
{
	uint64_t y = 0;

	for (int shift = 63; shift >= 0; shift -= 3) {
		y <<= 1;
		/* (y + 1)^3 - y^3: what taking this bit costs */
		uint64_t step = 3 * y * (y + 1) + 1;
		if ((x >> shift) >= step) {
			x -= step << shift;
			y++;
		}
	}
	return (uint32_t)y;
}

/*
 * K in ms, §4.2 Figure 2, signed: negative when the epoch starts above W_max,
 * so that W_cubic(0) = cwnd_epoch holds there too. In ms^3,
 * K^3 = (diff / SMSS) / C * 10^9; diff < 2^32 keeps the product in 64 bits.
 */
static int32_t cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	uint32_t diff = w_max > cwnd_epoch ? w_max - cwnd_epoch : cwnd_epoch - w_max;
	uint64_t k3 = (uint64_t)diff * (1000000 * CUBIC_C_DEN / CUBIC_C_NUM) / mss * 1000;
	int32_t k = (int32_t)cubic_icbrt(k3);
	return w_max >= cwnd_epoch ? k : -k;
}

/* W_cubic(t) in bytes for t ms into the epoch (§4.2 Figure 1), saturated to [0, UINT32_MAX]. */
static uint32_t cubic_window(const struct tcp_cc_state *st, uint64_t t_ms)
{
	int64_t t = t_ms > CUBIC_MAX_DT_MS ? CUBIC_MAX_DT_MS : (int64_t)t_ms;
	int64_t d = t - st->k_ms;
	uint64_t ad = (uint64_t)(d < 0 ? -d : d);
	if (ad > CUBIC_MAX_DT_MS)
		ad = CUBIC_MAX_DT_MS;
	/* |d|^3 in units of 10^-3 s^3, then C * that * SMSS bytes; mss <= 65535 keeps 64 bits */
	uint64_t cube = ad * ad * ad / 1000000;
	uint64_t off = cube * st->mss * CUBIC_C_NUM / (1000 * CUBIC_C_DEN);
	if (d < 0)
		return off >= st->w_max ? 0 : st->w_max - (uint32_t)off;
	uint64_t w = st->w_max + off;
	return w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

/* A congestion-avoidance stage begins: t = 0 here, cwnd_epoch = cwnd. */
static void cubic_start_epoch(struct tcp_cc_state *st, uint64_t now_us)
{
	st->epoch_us = now_us;
	st->flags |= TCP_CC_EPOCH;
	st->ca_credit = 0;
	st->w_est = st->cwnd; /* §4.3: W_est starts at cwnd_epoch */
	st->w_est_credit = 0;
	if (st->w_max == 0) {
		/* §4.8: first stage after a timeout: K = 0, W_max = cwnd_epoch */
		st->w_max = st->cwnd;
		st->k_ms = 0;
	} else {
		st->k_ms = cubic_k_ms(st->w_max, st->cwnd, st->mss);
	}
}

static void cubic_init(struct tcp_cc_state *st, uint32_t mss, uint64_t now_us)
{
	(void)now_us;
	tcp_cc_init_common(st, mss);
}

static void cubic_on_ack(struct tcp_cc_state *st, uint32_t acked_bytes, uint32_t rtt_us,
			 uint32_t bytes_in_flight, bool cwnd_limited, uint64_t now_us)
{
	(void)bytes_in_flight;
	if (acked_bytes == 0)
		return;
	st->flags &= ~(uint32_t)TCP_CC_RTO_UNACKED;
	if (rtt_us != 0)
		st->srtt_us = st->srtt_us == 0 ? rtt_us
					       : st->srtt_us - st->srtt_us / 8 + rtt_us / 8;
	if (!cwnd_limited) {
		/*
		 * §5.8: t must not count application-limited time. Dropping the
		 * epoch restarts the curve at the next cwnd-limited ACK from the
		 * present cwnd, with K recomputed against the same W_max: the
		 * same curve, shifted by the time the window went unused.
		 */
		st->flags &= ~(uint32_t)TCP_CC_EPOCH;
		return;
	}
	if (st->cwnd < st->ssthresh) {
		tcp_cc_slow_start(st, acked_bytes);
		return;
	}
	if (!(st->flags & TCP_CC_EPOCH))
		cubic_start_epoch(st, now_us);

	uint32_t cwnd = st->cwnd;
	uint64_t t_us = now_us > st->epoch_us ? now_us - st->epoch_us : 0;

	/* §4.3: W_est += alpha * segments_acked / cwnd; alpha = 1 once W_est >= cwnd_prior. */
	uint64_t est = (uint64_t)acked_bytes * st->mss;
	if (st->w_est < st->cwnd_prior)
		est = est * CUBIC_ALPHA_NUM / CUBIC_ALPHA_DEN;
	est += st->w_est_credit;
	uint64_t w_est = st->w_est + est / cwnd;
	st->w_est = w_est > UINT32_MAX ? UINT32_MAX : (uint32_t)w_est;
	st->w_est_credit = (uint32_t)(est % cwnd);

	if (cubic_window(st, t_us / 1000) < st->w_est) {
		/* §4.3: Reno-friendly region; never shrink the window on an ACK, though */
		if (st->w_est > cwnd)
			st->cwnd = st->w_est;
		return;
	}

	/* §4.2: target = W_cubic(t + RTT), kept within [cwnd, 1.5 * cwnd]. */
	uint64_t target = cubic_window(st, (t_us + st->srtt_us) / 1000);
	uint64_t most = (uint64_t)cwnd + cwnd / 2;
	if (target > most)
		target = most;
	if (target < cwnd)
		target = cwnd;
	/* (target - cwnd) / cwnd per segment acknowledged, in bytes; the remainder carried */
	uint64_t grow = (target - cwnd) * acked_bytes + st->ca_credit;
	uint64_t next = cwnd + grow / cwnd;
	if (next > target)
		next = target;
	st->ca_credit = (uint32_t)(grow % cwnd);
	st->cwnd = next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
}

static void cubic_on_congestion(struct tcp_cc_state *st, enum tcp_cc_event ev,
				uint32_t bytes_in_flight, uint64_t now_us)
{
	(void)now_us;
	/* §4.6: ssthresh = flight_size * beta_cubic, at least 2 SMSS */
	uint32_t reduced = (uint32_t)((uint64_t)bytes_in_flight * CUBIC_BETA_NUM / CUBIC_BETA_DEN);

	st->flags &= ~(uint32_t)TCP_CC_EPOCH;
	if (ev == TCP_CC_RTO) {
		if (!(st->flags & TCP_CC_RTO_UNACKED)) {
			st->cwnd_prior = st->cwnd;
			st->w_max = 0; /* §4.8: the next stage starts with K = 0 */
		}
		tcp_cc_timeout(st, reduced);
		return;
	}
	/* §4.7 fast convergence: a loss below the last maximum releases bandwidth */
	if (st->cwnd < st->w_max)
		st->w_max = (uint32_t)((uint64_t)st->cwnd * CUBIC_FC_NUM / CUBIC_FC_DEN);
	else
		st->w_max = st->cwnd;
	st->cwnd_prior = st->cwnd;
	st->ssthresh = tcp_cc_floor(st, reduced);
	st->cwnd = st->ssthresh;
	st->ca_credit = 0;
	st->flags &= ~(uint32_t)TCP_CC_SS_AFTER_RTO;
}

static void cubic_on_recovery_exit(struct tcp_cc_state *st, uint64_t now_us)
{
	(void)now_us;
	/* §4.6: cwnd = max(ssthresh, 2 SMSS), set on entering; min() survives a stray call */
	if (st->cwnd > st->ssthresh)
		st->cwnd = st->ssthresh;
	st->ca_credit = 0;
	st->flags &= ~(uint32_t)TCP_CC_EPOCH;
}

static void cubic_on_idle_restart(struct tcp_cc_state *st, uint64_t now_us)
{
	(void)now_us;
	tcp_cc_restart_window(st);
	st->flags &= ~(uint32_t)TCP_CC_EPOCH; /* §5.8: idle time is not part of t */
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion = cubic_on_congestion,
	.on_recovery_exit = cubic_on_recovery_exit,
	.on_idle_restart = cubic_on_idle_restart,
};

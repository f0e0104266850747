/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno window arithmetic: slow start and congestion avoidance with
 * appropriate byte counting (RFC 5681 §3.1, RFC 3465 §2.1-2.3, L = 2), the
 * halving on loss and ECN, and the loss window on RTO. Recovery itself
 * (RFC 6582) is run by the sender; see the contract in tcp_cc.h.
 */
#include "tcp_cc.h"

static void newreno_init(struct tcp_cc_state *st, uint32_t mss, uint64_t now_us)
{
	(void)now_us;
	tcp_cc_init_common(st, mss);
}

static void newreno_on_ack(struct tcp_cc_state *st, uint32_t acked_bytes, uint32_t rtt_us,
			   uint32_t bytes_in_flight, bool cwnd_limited, uint64_t now_us)
{
	(void)rtt_us;
	(void)bytes_in_flight;
	(void)now_us;
	if (acked_bytes == 0)
		return;
	st->flags &= ~(uint32_t)TCP_CC_RTO_UNACKED;
	if (!cwnd_limited) /* RFC 7661: an unused window has not been validated */
		return;
	if (st->cwnd < st->ssthresh) {
		tcp_cc_slow_start(st, acked_bytes);
		return;
	}
	/* RFC 3465 §2.1: +1 SMSS each time a whole cwnd of bytes has been acknowledged. */
	uint64_t credit = (uint64_t)st->ca_credit + acked_bytes;
	if (credit >= st->cwnd) {
		credit -= st->cwnd;
		uint64_t cwnd = (uint64_t)st->cwnd + st->mss;
		st->cwnd = cwnd > UINT32_MAX ? UINT32_MAX : (uint32_t)cwnd;
		if (credit >= st->cwnd) /* one increase per ACK, however much it covers */
			credit = st->cwnd - 1;
	}
	st->ca_credit = (uint32_t)credit;
}

static void newreno_on_congestion(struct tcp_cc_state *st, enum tcp_cc_event ev,
				  uint32_t bytes_in_flight, uint64_t now_us)
{
	(void)now_us;
	/* RFC 5681 §3.1 eq. (4), §3.2 step 2; RFC 3168 §6.1.2 for ECN. */
	uint32_t half = bytes_in_flight / 2;
	if (ev == TCP_CC_RTO) {
		tcp_cc_timeout(st, half);
		return;
	}
	st->ssthresh = tcp_cc_floor(st, half);
	st->cwnd = st->ssthresh;
	st->ca_credit = 0;
	st->flags &= ~(uint32_t)TCP_CC_SS_AFTER_RTO;
}

static void newreno_on_recovery_exit(struct tcp_cc_state *st, uint64_t now_us)
{
	(void)now_us;
	/* RFC 6582 §3.2 step 3, option (2): cwnd = ssthresh, which on_congestion already set */
	if (st->cwnd > st->ssthresh)
		st->cwnd = st->ssthresh;
	st->ca_credit = 0;
}

static void newreno_on_idle_restart(struct tcp_cc_state *st, uint64_t now_us)
{
	(void)now_us;
	tcp_cc_restart_window(st);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_congestion = newreno_on_congestion,
	.on_recovery_exit = newreno_on_recovery_exit,
	.on_idle_restart = newreno_on_idle_restart,
};

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection timers on the worker's wheel: retransmission (RFC 6298) and
 * persist, delayed ACK, and the "life" timer (TIME_WAIT, FIN_WAIT_2).
 */
#include <stddef.h>

#include "tcp_conn.h"

static uint64_t us_to_tsc(const struct tcp_stack *s, uint64_t us)
{
	return us * s->tsc_per_us;
}

static void on_rtx(struct tw_timer *t, void *arg);
static void on_delack(struct tw_timer *t, void *arg);
static void on_life(struct tw_timer *t, void *arg);

void tcp_timers_init(struct tcp_conn *c)
{
	tw_timer_init(&c->rtx_timer, on_rtx);
	tw_timer_init(&c->delack_timer, on_delack);
	tw_timer_init(&c->life_timer, on_life);
}

void tcp_timers_cancel(struct tcp_conn *c)
{
	struct timer_wheel *tw = &c->stack->tw;
	tw_cancel(tw, &c->rtx_timer);
	tw_cancel(tw, &c->delack_timer);
	tw_cancel(tw, &c->life_timer);
}

/* RFC 6298 §2: SRTT, RTTVAR and RTO from one sample (µs). */
void tcp_rtt_sample(struct tcp_conn *c, uint32_t rtt_us)
{
	if (rtt_us == 0)
		rtt_us = 1;
	if (c->srtt_us == 0) {
		c->srtt_us = rtt_us;
		c->rttvar_us = rtt_us / 2;
	} else {
		uint32_t delta = c->srtt_us > rtt_us ? c->srtt_us - rtt_us : rtt_us - c->srtt_us;
		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + rtt_us) / 8;
	}
	uint64_t rto = (uint64_t)c->srtt_us + RTE_MAX(1000u, 4 * c->rttvar_us); /* G = 1 ms */
	c->rto_us = (uint32_t)u64_clamp(rto, TCP_RTO_MIN_US, TCP_RTO_MAX_US);
}

static uint64_t backed_off_rto(const struct tcp_conn *c)
{
	uint64_t rto = (uint64_t)c->rto_us << RTE_MIN(c->backoff, 16);
	return RTE_MIN(rto, (uint64_t)TCP_RTO_MAX_US);
}

/*
 * With SACK, the timer can fire before the RTO, once per episode, where waiting
 * for the RTO would only waste time (RFC 8985):
 * - no recovery under way: a tail loss probe after two round trips (plus the
 *   peer's worst delayed ACK when one segment is out), §7.2; or, if the peer
 *   SACKed data above a hole meanwhile, recovery for that hole;
 * - in recovery: a new pass over the holes once the current one has gone a round
 *   trip unanswered (a resent segment, or the ACK for it, was lost), the job
 *   RACK's reordering timer does in §6.3.
 * Returns 0 when only the RTO applies.
 */
static uint64_t early_timeout_us(const struct tcp_conn *c)
{
	if (!c->sack_ok || c->srtt_us == 0 || c->backoff != 0 || c->snd_una == c->snd_max ||
	    c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
		return 0;
	if (c->in_recovery) {
		if (c->pass_timed)
			return 0;
		uint64_t due = c->rexmit_round_us + tcp_hole_pass_age_us(c);
		uint64_t now = c->stack->now_us;
		return due > now + 1000 ? due - now : 1000;
	}
	if (c->tlp_out)
		return 0;
	uint64_t pto = RTE_MAX(2 * (uint64_t)c->srtt_us, (uint64_t)TCP_TLP_MIN_US);
	/* One segment in flight may wait out the peer's delayed ACK; a lone FIN does not:
	 * a FIN is acknowledged at once (RFC 9293 §3.10.7.4, eighth check). */
	bool lone_fin = c->fin_sent && c->snd_max - c->snd_una == 1;
	if (c->snd_max - c->snd_una <= c->mss && !lone_fin)
		pto += TCP_PEER_DELACK_US;
	return pto;
}

void tcp_arm_rtx(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	uint64_t wait = backed_off_rto(c);
	uint64_t early = early_timeout_us(c);
	c->early_armed = early != 0 && early < wait;
	if (c->early_armed)
		wait = early;
	tw_arm(&s->tw, &c->rtx_timer, s->net->now + us_to_tsc(s, wait));
}

/* Something was heard that makes an early firing possible again: bring the timer
 * forward if that is sooner, and never push a pending RTO back (RFC 6298 5.3). */
void tcp_arm_early(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	uint64_t early = early_timeout_us(c);
	if (early == 0 || c->early_armed)
		return;
	uint64_t at = s->net->now + us_to_tsc(s, early);
	if (tw_armed(&c->rtx_timer) && tw_expiry(&c->rtx_timer) <= at)
		return;
	c->early_armed = true;
	tw_arm(&s->tw, &c->rtx_timer, at);
}

static void early_retransmit(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (c->in_recovery) {
		c->pass_timed = true;
		tcp_restart_hole_pass(c);
		if (!tcp_retransmit_hole(c))
			tcp_retransmit_una(c);
	} else if (seq_gt(c->sack_high, c->snd_una)) {
		/* The peer holds data above a hole that two round trips did not fill: it is
		 * lost even though too few duplicates came to say so (RACK, RFC 8985 §6.2). */
		tcp_enter_recovery(c);
		return;
	} else {
		c->tlp_out = true;
		s->ctr->tcp.tail_loss_probes++;
		tcp_retransmit_last(c);
	}
	tcp_arm_rtx(c); /* now the RTO */
}

void tcp_arm_delack(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (!tw_armed(&c->delack_timer))
		tw_arm(&s->tw, &c->delack_timer, s->net->now + us_to_tsc(s, TCP_DELACK_US));
}

void tcp_enter_time_wait(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	tw_cancel(&s->tw, &c->rtx_timer);
	tw_cancel(&s->tw, &c->delack_timer);
	tcp_mq_free(&c->sndq);
	tcp_reass_free(c);
	tcp_tw_list_add(c);
	tw_arm(&s->tw, &c->life_timer, s->net->now + us_to_tsc(s, 2 * (uint64_t)TCP_MSL_US));
}

void tcp_arm_fin_wait2(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	tw_arm(&s->tw, &c->life_timer, s->net->now + us_to_tsc(s, TCP_FIN_WAIT2_US));
}

static void on_delack(struct tw_timer *t, void *arg)
{
	(void)arg;
	struct tcp_conn *c = conn_of(t, offsetof(struct tcp_conn, delack_timer));
	if (!c->dead)
		tcp_send_ack(c);
}

void tcp_keepalive_touch(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (s->keepalive_us == 0 || (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return;
	c->ka_probes = 0;
	tw_arm(&s->tw, &c->life_timer, s->net->now + us_to_tsc(s, s->keepalive_us));
}

/* Idle too long: probe with an old sequence number, which the peer must ACK (RFC 9293 §3.8.4). */
static void keepalive_probe(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (c->ka_probes >= TCP_KEEPALIVE_PROBES) {
		s->ctr->tcp.timeouts++;
		tcp_send_rst(c);
		tcp_conn_destroy(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	c->ka_probes++;
	s->ctr->tcp.keepalive_probes++;
	tcp_send_probe(c);
	tw_arm(&s->tw, &c->life_timer, s->net->now + us_to_tsc(s, s->keepalive_interval_us));
}

/* One timer, three uses by state: keepalive, FIN_WAIT_2 limit, TIME_WAIT end. */
static void on_life(struct tw_timer *t, void *arg)
{
	(void)arg;
	struct tcp_conn *c = conn_of(t, offsetof(struct tcp_conn, life_timer));
	if (c->dead)
		return;
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		keepalive_probe(c);
		return;
	case TCP_TIME_WAIT:
		tcp_conn_destroy(c, TCP_CLOSE_NORMAL);
		return;
	case TCP_FIN_WAIT_2:
		c->stack->ctr->tcp.timeouts++;
		tcp_conn_destroy(c, TCP_CLOSE_TIMEOUT);
		return;
	default:
		return; /* a keepalive left over from before our FIN: retransmission rules now */
	}
}

/* Zero window: probe with an already-acknowledged sequence number, which the peer must ACK. */
static void persist_probe(struct tcp_conn *c)
{
	c->stack->ctr->tcp.zero_window_probes++;
	tcp_send_probe(c);
	if (c->backoff < 16)
		c->backoff++;
	tcp_arm_rtx(c);
}

static void on_rtx(struct tw_timer *t, void *arg)
{
	(void)arg;
	struct tcp_conn *c = conn_of(t, offsetof(struct tcp_conn, rtx_timer));
	struct tcp_stack *s = c->stack;
	if (c->dead)
		return;
	if (c->early_armed && c->snd_una != c->snd_max) {
		c->early_armed = false;
		early_retransmit(c);
		return;
	}
	c->early_armed = false;
	bool handshake = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD;
	if (!handshake && c->snd_una == c->snd_max) {
		if (c->snd_wnd == 0 && c->sndq.bytes > 0)
			persist_probe(c);
		return;
	}
	if (c->backoff >= (handshake ? TCP_SYN_RETRIES : TCP_MAX_RETRIES)) {
		s->ctr->tcp.timeouts++;
		tcp_send_rst(c);
		tcp_conn_destroy(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	s->ctr->tcp.rto_expiries++;
	s->ctr->tcp.retransmits++;
	c->backoff++;
	c->rtt_timing = false; /* Karn: no sample from a retransmitted segment */
	if (handshake) {
		tcp_send_syn(c, c->state == TCP_SYN_RCVD);
		tcp_arm_rtx(c);
		return;
	}
	/* RFC 6298 (5.4)-(5.6) and RFC 5681 (4): go back to snd_una with the loss window. */
	s->cc->on_congestion(&c->cc, TCP_CC_RTO, c->snd_max - c->snd_una, s->now_us);
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_max;
	c->snd_nxt = c->snd_una; /* the FIN keeps its number; tcp_output resends it after the data */
	tcp_output(c);
	tcp_arm_rtx(c);
}

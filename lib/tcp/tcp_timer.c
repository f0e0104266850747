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

void tcp_arm_rtx(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	tw_arm(&s->tw, &c->rtx_timer, s->net->now + us_to_tsc(s, backed_off_rto(c)));
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: the registry of algorithms and the window rules every
 * algorithm shares (initial window, slow start, loss window, restart window).
 */
#include <string.h>

#include "tcp_cc.h"

#define TCP_CC_DEFAULT_MSS 536 /* RFC 9293 §3.7.1, when the peer sent no MSS option */
#define TCP_CC_ABC_L 2	       /* RFC 3465 §2.3: cwnd may grow by at most L*SMSS per ACK */

static const struct tcp_cc_ops *const tcp_cc_all[] = {
	&tcp_cc_cubic,
	&tcp_cc_newreno,
};

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(tcp_cc_all) / sizeof(tcp_cc_all[0]); i++)
		if (strcmp(tcp_cc_all[i]->name, name) == 0)
			return tcp_cc_all[i];
	return NULL;
}

uint32_t tcp_cc_initial_window(uint32_t mss)
{
	uint64_t ten = 10 * (uint64_t)mss;
	uint64_t two = 2 * (uint64_t)mss;
	uint64_t at_least = two > 14600 ? two : 14600;
	return (uint32_t)(ten < at_least ? ten : at_least);
}

void tcp_cc_init_common(struct tcp_cc_state *st, uint32_t mss)
{
	memset(st, 0, sizeof(*st));
	if (mss == 0)
		mss = TCP_CC_DEFAULT_MSS;
	if (mss > UINT16_MAX) /* the MSS option is 16 bits; CUBIC's arithmetic relies on it */
		mss = UINT16_MAX;
	st->mss = mss;
	st->cwnd = tcp_cc_initial_window(mss);
	st->ssthresh = UINT32_MAX;
}

void tcp_cc_slow_start(struct tcp_cc_state *st, uint32_t acked_bytes)
{
	/* RFC 3465 §2.3: after an RTO, ACKs may cover data that left before it; L = 1. */
	uint32_t l = (st->flags & TCP_CC_SS_AFTER_RTO) ? 1 : TCP_CC_ABC_L;
	uint64_t inc = acked_bytes;
	if (inc > (uint64_t)l * st->mss)
		inc = (uint64_t)l * st->mss;
	uint64_t cwnd = st->cwnd + inc;
	if (cwnd >= st->ssthresh) {
		cwnd = st->ssthresh;
		st->flags &= ~(uint32_t)TCP_CC_SS_AFTER_RTO;
	}
	st->cwnd = (uint32_t)cwnd;
}

void tcp_cc_timeout(struct tcp_cc_state *st, uint32_t reduced_ssthresh)
{
	/* RFC 5681 §3.1: a segment already resent by the timer holds ssthresh constant. */
	if (!(st->flags & TCP_CC_RTO_UNACKED))
		st->ssthresh = tcp_cc_floor(st, reduced_ssthresh);
	st->cwnd = st->mss; /* loss window, "regardless of the value of IW" */
	st->ca_credit = 0;
	st->flags |= TCP_CC_RTO_UNACKED | TCP_CC_SS_AFTER_RTO;
}

void tcp_cc_mss_lowered(struct tcp_cc_state *st, uint32_t mss)
{
	if (mss == 0 || mss >= st->mss)
		return;
	st->mss = mss;
	/* CUBIC's K came from the old SMSS: that curve would miss W_max (RFC 9438 §4.2) */
	st->flags &= ~(uint32_t)TCP_CC_EPOCH;
}

void tcp_cc_restart_window(struct tcp_cc_state *st)
{
	uint32_t iw = tcp_cc_initial_window(st->mss);
	if (st->cwnd > iw)
		st->cwnd = iw;
	st->ca_credit = 0;
}

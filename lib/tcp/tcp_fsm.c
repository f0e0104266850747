/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one place that says which event is legal in which state and where it
 * leads (RFC 9293 §3.3.2, Figure 5). Everything else asks here.
 */
#include "tcp_conn.h"

#define ILLEGAL TCP_NSTATES

static const uint8_t next_state[TCP_NSTATES][TCP_EV_COUNT] = {
#define ROW(st, open, syn, synack, ackofsyn, fin, ackoffin, close) \
	[st] = {open, syn, synack, ackofsyn, fin, ackoffin, close}
	/*           ACTIVE_OPEN   SYN           SYN_ACK          ACK_OF_SYN       FIN             ACK_OF_FIN     CLOSE */
	ROW(TCP_CLOSED, TCP_SYN_SENT, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL),
	ROW(TCP_LISTEN, ILLEGAL, TCP_SYN_RCVD, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL),
	/* SYN in SYN_SENT: simultaneous open (§3.5, Figure 8). */
	ROW(TCP_SYN_SENT, ILLEGAL, TCP_SYN_RCVD, TCP_ESTABLISHED, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL),
	ROW(TCP_SYN_RCVD, ILLEGAL, ILLEGAL, ILLEGAL, TCP_ESTABLISHED, ILLEGAL, ILLEGAL, TCP_FIN_WAIT_1),
	ROW(TCP_ESTABLISHED, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, TCP_CLOSE_WAIT, ILLEGAL, TCP_FIN_WAIT_1),
	/* FIN in FIN_WAIT_1 before our FIN is acked: simultaneous close (§3.6, Figure 13). */
	ROW(TCP_FIN_WAIT_1, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, TCP_CLOSING, TCP_FIN_WAIT_2, ILLEGAL),
	ROW(TCP_FIN_WAIT_2, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, TCP_TIME_WAIT, ILLEGAL, ILLEGAL),
	ROW(TCP_CLOSE_WAIT, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, TCP_LAST_ACK),
	ROW(TCP_CLOSING, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, TCP_TIME_WAIT, ILLEGAL),
	ROW(TCP_LAST_ACK, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, TCP_CLOSED, ILLEGAL),
	ROW(TCP_TIME_WAIT, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL),
#undef ROW
};

static const char *const state_names[TCP_NSTATES] = {
	[TCP_CLOSED] = "CLOSED",
	[TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RCVD] = "SYN_RCVD",
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

const char *tcp_state_name(enum tcp_state s)
{
	return (unsigned int)s < TCP_NSTATES ? state_names[s] : "?";
}

/*
 * Apply ev. Returns false, changing nothing, when the table forbids it: the
 * callers check the state first, so that is a bug, and it is counted.
 */
bool tcp_fsm_step(struct tcp_conn *c, enum tcp_event ev)
{
	uint8_t next = next_state[c->state][ev];
	if (next == ILLEGAL) {
		c->stack->ctr->tcp.fsm_illegal++;
		return false;
	}
	c->state = next;
	return true;
}

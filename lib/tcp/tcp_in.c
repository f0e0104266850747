/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP input: RFC 9293 §3.10.7 "SEGMENT ARRIVES", with RFC 5961, 7323 and 6582. */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include <tlsterm/edge.h>

#include "syncookie.h"
#include "tcp_conn.h"

#define TCP_FLAG_MASK (RTE_TCP_FIN_FLAG | RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG)

/* A received segment, parsed once. */
struct seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t wnd; /* unscaled, as on the wire */
	uint8_t flags;
	uint32_t len; /* payload bytes */
	struct rte_mbuf *payload; /* m with the headers cut off; NULL when len == 0 */
	struct tcp_opts opts;
};

/* What the layer above must hear once the segment is processed. */
struct upcalls {
	bool established;
	bool readable;
	bool writable;
};

static void drop(struct tcp_stack *s, struct seg *sg, enum drop_reason why)
{
	s->ctr->drops[why]++;
	rte_pktmbuf_free(sg->payload);
	sg->payload = NULL;
}

static void release(struct seg *sg)
{
	rte_pktmbuf_free(sg->payload);
	sg->payload = NULL;
}

static void challenge_ack(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	uint64_t second = s->now_us / 1000000;
	if (second != s->challenge_second) {
		s->challenge_second = second;
		s->challenge_acks = 0;
	}
	if (s->challenge_acks++ >= TCP_CHALLENGE_ACKS)
		return;
	s->ctr->tcp.challenge_acks++;
	tcp_send_ack(c);
}

/* Options from the peer's SYN: what both sides will use. */
static void apply_syn_options(struct tcp_conn *c, const struct tcp_opts *o, bool we_offered_all)
{
	uint16_t local = tcp_mss_local(c->tuple.family);
	c->mss = o->mss_present && o->mss >= 64 ? RTE_MIN(o->mss, local) : TCP_MSS_DEFAULT;
	c->peer_wscale_ok = o->wscale_present;
	if (o->wscale_present) {
		c->snd_wscale = o->wscale;
		c->rcv_wscale = c->stack->rcv_wscale;
	}
	(void)we_offered_all;
	c->sack_ok = o->sack_permitted;
	c->ts_ok = o->ts_present;
	if (o->ts_present)
		c->ts_recent = o->tsval;
	c->mss = tcp_effective_mss(c);
}

static void conn_start_cc(struct tcp_conn *c)
{
	c->stack->cc->init(&c->cc, c->mss, c->stack->now_us);
}

static void become_established(struct tcp_conn *c, struct upcalls *up)
{
	struct tcp_stack *s = c->stack;
	s->ctr->tcp.established++;
	c->quickacks = TCP_QUICKACKS;
	c->backoff = 0;
	tw_cancel(&s->tw, &c->rtx_timer);
	up->established = true;
	tcp_keepalive_touch(c);
}

/* §3.10.7.2 LISTEN: a SYN makes a SYN_RCVD connection, or a cookie when the queue is full. */
static void listen_syn(struct tcp_stack *s, struct tcp_listener *l, unsigned int pi,
		       const struct tcp_tuple *t, struct seg *sg)
{
	bool capped = s->n_half_open >= s->max_half_open;
	if (l->syn_rcvd >= s->syn_backlog || s->n_conns >= s->max_conns || capped) {
		if (capped)
			s->ctr->edge.half_open_capped++;
		struct syncookie_tuple ct;
		memcpy(ct.local_addr, t->laddr, 16);
		memcpy(ct.remote_addr, t->raddr, 16);
		ct.local_port = rte_be_to_cpu_16(t->lport);
		ct.remote_port = rte_be_to_cpu_16(t->rport);
		uint16_t mss = sg->opts.mss_present ? sg->opts.mss : TCP_MSS_DEFAULT;
		uint32_t cookie = syncookie_encode(s->cookie_secret, &ct, sg->seq,
						   (uint32_t)(s->now_us / 60000000),
						   RTE_MIN(mss, tcp_mss_local(t->family)));
		/* A stateless SYN-ACK from a throwaway connection record on the stack. */
		struct tcp_conn tmp;
		memset(&tmp, 0, sizeof(tmp));
		tmp.tuple = *t;
		tmp.stack = s;
		tmp.pi = (uint8_t)pi;
		tmp.state = TCP_SYN_RCVD;
		tmp.iss = cookie;
		tmp.rcv_nxt = sg->seq + 1;
		tmp.rcv_adv = tmp.rcv_nxt; /* nothing promised yet: a zero here reads as a huge window */
		apply_syn_options(&tmp, &sg->opts, false);
		if (tmp.ts_ok) {
			unsigned int ws = sg->opts.wscale_present ? sg->opts.wscale : 15;
			uint32_t tsval = syncookie_ts_encode((uint32_t)(s->now_us / 1000), ws, tmp.sack_ok);
			tmp.ts_offset = tsval - (uint32_t)(s->now_us / 1000);
		}
		s->ctr->tcp.syncookies_sent++;
		tcp_send_syn(&tmp, true);
		release(sg);
		return;
	}
	bool counted = false;
	if (s->edge != NULL && !edge_conn_opened(s->edge, t->family, t->raddr, &counted)) {
		drop(s, sg, DROP_EDGE_CLIENT_CONNS);
		return;
	}
	struct tcp_conn *c = tcp_conn_new(s, t, pi);
	if (c == NULL) {
		if (counted)
			edge_conn_closed(s->edge, t->family, t->raddr);
		release(sg);
		return;
	}
	c->edge_counted = counted;
	c->state = TCP_LISTEN;
	tcp_fsm_step(c, TCP_EV_SYN);
	c->ops = l->ops;
	c->upper = l->arg;
	c->listener = l;
	l->syn_rcvd++;
	s->n_half_open++;
	s->ctr->tcp.passive_opens++;
	c->irs = sg->seq;
	c->rcv_nxt = sg->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	apply_syn_options(c, &sg->opts, false);
	c->iss = tcp_isn(s, t);
	tcp_send_seq_init(c);
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wnd = sg->wnd; /* a SYN's window is never scaled */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = sg->seq;
	conn_start_cc(c);
	tcp_send_syn(c, true);
	tcp_arm_rtx(c);
	release(sg);
}

/* An ACK for no connection on a listening port: a returning SYN cookie? */
static struct tcp_conn *cookie_ack(struct tcp_stack *s, struct tcp_listener *l, unsigned int pi,
				   const struct tcp_tuple *t, const struct seg *sg, bool *refused)
{
	struct syncookie_tuple ct;
	memcpy(ct.local_addr, t->laddr, 16);
	memcpy(ct.remote_addr, t->raddr, 16);
	ct.local_port = rte_be_to_cpu_16(t->lport);
	ct.remote_port = rte_be_to_cpu_16(t->rport);
	int mss = syncookie_check(sg->ack - 1, &ct, sg->seq - 1, (uint32_t)(s->now_us / 60000000),
				  s->cookie_secret, NULL);
	if (mss <= 0)
		return NULL;
	bool counted = false;
	if (s->edge != NULL && !edge_conn_opened(s->edge, t->family, t->raddr, &counted)) {
		*refused = true;
		return NULL;
	}
	struct tcp_conn *c = tcp_conn_new(s, t, pi);
	if (c == NULL) {
		if (counted)
			edge_conn_closed(s->edge, t->family, t->raddr);
		return NULL;
	}
	c->edge_counted = counted;
	s->ctr->tcp.syncookies_accepted++;
	s->ctr->tcp.passive_opens++;
	c->state = TCP_SYN_RCVD; /* one step from ESTABLISHED, taken by the caller */
	c->ops = l->ops;
	c->upper = l->arg;
	c->irs = sg->seq - 1;
	c->rcv_nxt = sg->seq;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(s->rcv_buf, 65535u); /* what our SYN-ACK offered */
	c->last_ack_sent = c->rcv_nxt;
	c->iss = sg->ack - 1;
	tcp_send_seq_init(c);
	c->snd_nxt = c->snd_max = sg->ack;
	c->mss = (uint16_t)mss;
	unsigned int ws = 15;
	bool sack = false;
	if (sg->opts.ts_present && syncookie_ts_decode(sg->opts.tsecr, &ws, &sack)) {
		c->ts_ok = true;
		c->ts_recent = sg->opts.tsval;
		c->ts_offset = sg->opts.tsecr - (uint32_t)(s->now_us / 1000);
		c->sack_ok = sack;
		if (ws <= TCP_WSCALE_MAX) {
			c->peer_wscale_ok = true;
			c->snd_wscale = (uint8_t)ws;
			c->rcv_wscale = s->rcv_wscale;
		}
	}
	c->snd_wl1 = sg->seq - 1;
	c->mss = tcp_effective_mss(c);
	conn_start_cc(c);
	return c;
}

static void no_connection(struct tcp_stack *s, unsigned int pi, const struct tcp_tuple *t,
			  struct seg *sg)
{
	if (sg->flags & RTE_TCP_RST_FLAG) {
		drop(s, sg, DROP_TCP_NO_CONN);
		return;
	}
	/* §3.10.7.1: answer with RST so the peer learns at once. */
	uint32_t seg_len = sg->len + ((sg->flags & RTE_TCP_SYN_FLAG) ? 1 : 0) +
			   ((sg->flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
	if (sg->flags & RTE_TCP_ACK_FLAG)
		tcp_reply_rst(s, pi, t, sg->ack, 0, false);
	else
		tcp_reply_rst(s, pi, t, 0, sg->seq + seg_len, true);
}

/* §3.10.7.3 SYN_SENT */
static void syn_sent(struct tcp_conn *c, struct seg *sg, struct upcalls *up)
{
	struct tcp_stack *s = c->stack;
	bool has_ack = sg->flags & RTE_TCP_ACK_FLAG;
	if (has_ack && (seq_leq(sg->ack, c->iss) || seq_gt(sg->ack, c->snd_max))) {
		if (!(sg->flags & RTE_TCP_RST_FLAG)) {
			tcp_reply_rst(s, c->pi, &c->tuple, sg->ack, 0, false);
			/*
			 * Most likely the peer still holds this 4-tuple in TIME_WAIT and took
			 * our SYN for an old duplicate (RFC 9293 §3.10.7.3). Our RST ends that
			 * TIME_WAIT; send the SYN again now instead of a whole RTO later.
			 */
			if (!c->syn_resent) {
				c->syn_resent = true;
				s->ctr->tcp.retransmits++;
				tcp_send_syn(c, false);
			}
		}
		drop(s, sg, DROP_TCP_BAD_ACK);
		return;
	}
	if (sg->flags & RTE_TCP_RST_FLAG) {
		if (has_ack) {
			s->ctr->tcp.resets_received++;
			tcp_conn_destroy(c, TCP_CLOSE_RESET);
			release(sg);
		} else {
			drop(s, sg, DROP_TCP_RST_IGNORED);
		}
		return;
	}
	if (!(sg->flags & RTE_TCP_SYN_FLAG)) {
		drop(s, sg, DROP_TCP_FLAGS);
		return;
	}
	c->irs = sg->seq;
	c->rcv_nxt = sg->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	apply_syn_options(c, &sg->opts, true);
	if (!sg->opts.wscale_present)
		c->rcv_wscale = 0;
	conn_start_cc(c);
	if (has_ack) {
		c->snd_una = sg->ack;
		c->snd_wnd = sg->wnd << c->snd_wscale;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = sg->seq;
		c->snd_wl2 = sg->ack;
		if (c->ts_ok && sg->opts.tsecr != 0)
			tcp_rtt_sample(c, (tcp_ts_now(c) - sg->opts.tsecr) * 1000);
		tcp_fsm_step(c, TCP_EV_SYN_ACK);
		become_established(c, up);
		c->ack_now = true; /* on the first data if the layer above has some at once */
	} else {
		tcp_fsm_step(c, TCP_EV_SYN); /* simultaneous open */
		c->snd_wnd = sg->wnd;
		tcp_send_syn(c, true);
	}
	release(sg);
}

/*
 * §3.10.7.4 first check: is any of the segment inside our receive window?
 * Two allowances, as Linux makes them: the right edge counts for a bare ACK,
 * and a segment at RCV.NXT is taken even when the window is zero, so its ACK
 * is processed ("special allowance should be made to accept valid ACKs") and
 * only its data is dropped. Without them, a full window on both sides
 * deadlocks: each side drops the segments that carry the ACK the other needs.
 */
static bool acceptable(const struct tcp_conn *c, const struct seg *sg, uint32_t seg_len)
{
	uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t end = c->rcv_nxt + wnd;
	if (seg_len == 0)
		return seq_geq(sg->seq, c->rcv_nxt) && seq_leq(sg->seq, end);
	if (sg->seq == c->rcv_nxt)
		return true;
	if (wnd == 0)
		return false;
	uint32_t last = sg->seq + seg_len - 1;
	return (seq_geq(sg->seq, c->rcv_nxt) && seq_lt(sg->seq, end)) ||
	       (seq_geq(last, c->rcv_nxt) && seq_lt(last, end));
}

static uint32_t flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/*
 * Is a segment lost? Three duplicate ACKs say so, but (RFC 6582) not before the
 * last recovery's data is all acknowledged: after an RTO, duplicates may be
 * echoes of our own go-back. SACK tells more, and its echoes are D-SACKs that
 * add nothing: three segments' worth SACKed above the hole (RFC 6675 §4 IsLost)
 * says it even right after an RTO or when ACKs were lost or stretched.
 */
static bool loss_seen(const struct tcp_conn *c, bool sack_news)
{
	if (c->dupacks >= 3 && seq_gt(c->snd_una, c->recover - 1))
		return true;
	if (!c->sack_ok)
		return false;
	/* The probe's answer still shows a hole below what the peer holds (RFC 8985 §7.4:
	 * even a D-SACK of the probe itself says the original got there and this did not). */
	if (c->tlp_out && seq_gt(c->sack_high, c->snd_una))
		return true;
	if (!sack_news)
		return false;
	/* RFC 5827 early retransmit, in RACK's terms: everything sent after the hole has
	 * been SACKed and there is nothing new to send, so no more duplicates will come. */
	bool tail_sacked = seq_geq(c->sack_high + 1, c->snd_max) &&
			   c->snd_max - c->snd_una >= c->sndq.bytes;
	return tail_sacked || tcp_sack_lost(c, c->snd_una);
}

void tcp_enter_recovery(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	c->in_recovery = true;
	c->recover = c->snd_max;
	c->rexmit_round_us = s->now_us;
	s->ctr->tcp.fast_retransmits++;
	s->cc->on_congestion(&c->cc, TCP_CC_FAST_RETRANSMIT, flight(c), s->now_us);
	c->rexmit_nxt = c->snd_una;
	c->pass_timed = false;
	tcp_retransmit_una(c);
	tcp_arm_rtx(c); /* from now on, a lost resend is found in a round trip */
}

/* §3.10.7.4 fifth check, for states past SYN_RCVD: new data acknowledged, duplicates, window. */
static bool process_ack(struct tcp_conn *c, struct seg *sg, struct upcalls *up)
{
	struct tcp_stack *s = c->stack;
	/* RFC 5961 §5.2: an ACK must fall in [SND.UNA - MAX.SND.WND, SND.MAX]. */
	if (seq_gt(sg->ack, c->snd_max)) {
		tcp_send_ack(c);
		drop(s, sg, DROP_TCP_BAD_ACK);
		return false;
	}
	if (seq_lt(sg->ack, c->snd_una - c->max_snd_wnd)) {
		challenge_ack(c);
		drop(s, sg, DROP_TCP_BAD_ACK);
		return false;
	}
	uint32_t seg_wnd = sg->wnd << c->snd_wscale;
	bool news = tcp_sack_update(c, sg->opts.sack, sg->opts.n_sack);
	bool heard = news || seq_gt(sg->ack, c->snd_una);
	if (heard)
		c->pass_timed = false; /* a timed pass over the holes may run again */
	if (seq_gt(sg->ack, c->snd_una)) {
		uint32_t acked = sg->ack - c->snd_una;
		/* Our SYN has a sequence number but no byte in the queue (simultaneous open). */
		uint32_t syn = c->snd_una == c->iss ? 1 : 0;
		uint32_t data = RTE_MIN(acked - syn, c->sndq.bytes);
		uint32_t rtt_us = 0;
		if (c->ts_ok && sg->opts.ts_present && sg->opts.tsecr != 0)
			rtt_us = (tcp_ts_now(c) - sg->opts.tsecr) * 1000 + 500;
		else if (c->rtt_timing && seq_gt(sg->ack, c->rtt_seq))
			rtt_us = (uint32_t)(s->now_us - c->rtt_start_us);
		if (rtt_us != 0 && rtt_us < TCP_RTO_MAX_US) {
			tcp_rtt_sample(c, rtt_us);
			c->rtt_timing = false;
		}
		uint32_t before = flight(c);
		tcp_mq_trim_front(&c->sndq, data);
		c->snd_una = sg->ack;
		tcp_sack_trim(c);
		if (seq_lt(c->rexmit_nxt, c->snd_una))
			c->rexmit_nxt = c->snd_una;
		if (seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->backoff = 0;
		c->tlp_out = false;
		if (c->in_recovery) {
			if (seq_geq(sg->ack, c->recover)) {
				c->in_recovery = false; /* RFC 6582 §3.2 (3): full ACK */
				s->cc->on_recovery_exit(&c->cc, s->now_us);
			} else if (!c->sack_ok) {
				tcp_retransmit_una(c); /* (5): partial ACK, the next hole */
			} /* with SACK, tcp_output() picks what goes next (RFC 6675 §5 NextSeg) */
		} else {
			bool cwnd_limited = before + c->mss >= tcp_cc_cwnd(&c->cc);
			s->cc->on_ack(&c->cc, acked, rtt_us, before, cwnd_limited, s->now_us);
		}
		c->dupacks = 0;
		if (c->snd_una == c->snd_max)
			tw_cancel(&s->tw, &c->rtx_timer);
		else
			tcp_arm_rtx(c);
		if (data > 0)
			up->writable = true;
	} else if (sg->ack == c->snd_una && c->snd_una != c->snd_max &&
		   (news || (c->tlp_out && sg->opts.n_sack > 0) ||
		    (sg->len == 0 && !(sg->flags & RTE_TCP_FIN_FLAG) && seg_wnd == c->snd_wnd))) {
		/* RFC 5681 §2 duplicate ACK, or (RFC 6675 §2) one that SACKs new data, or the
		 * answer to a tail loss probe. */
		if (c->dupacks < UINT8_MAX)
			c->dupacks++;
		if (!c->in_recovery && loss_seen(c, news))
			tcp_enter_recovery(c); /* further duplicates: tcp_output() sends by pipe */
		if (heard)
			tcp_arm_early(c);
	}
	/* Window update (§3.10.7.4): only from a segment no older than the last one used. */
	if (seq_lt(c->snd_wl1, sg->seq) ||
	    (c->snd_wl1 == sg->seq && seq_leq(c->snd_wl2, sg->ack))) {
		if (c->snd_wnd == 0 && seg_wnd > 0)
			up->writable = true;
		c->snd_wnd = seg_wnd;
		c->snd_wl1 = sg->seq;
		c->snd_wl2 = sg->ack;
		if (seg_wnd > c->max_snd_wnd)
			c->max_snd_wnd = seg_wnd;
	}
	return true;
}

static bool our_fin_acked(const struct tcp_conn *c)
{
	return c->fin_sent && c->snd_una == c->snd_max;
}

/* Payload in sequence goes on the receive queue; ahead of it, into reassembly. */
static void process_data(struct tcp_conn *c, struct seg *sg, struct upcalls *up, bool *fin)
{
	struct tcp_stack *s = c->stack;
	uint32_t seq = sg->seq;
	uint32_t len = sg->len;
	struct rte_mbuf *m = sg->payload;
	sg->payload = NULL;
	if (len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (c->fin_received) {
		rte_pktmbuf_free(m);
		s->ctr->drops[DROP_TCP_AFTER_FIN]++;
		*fin = false;
		return;
	}
	/* Cut what we already have off the front. */
	if (seq_lt(seq, c->rcv_nxt)) {
		uint32_t cut = c->rcv_nxt - seq;
		if (cut >= len) {
			rte_pktmbuf_free(m);
			return;
		}
		m = net_chain_cut_front(m, cut);
		seq += cut;
		len -= cut;
	}
	/* And what lies past the window off the back (FIN with it). */
	uint32_t wnd_end = c->rcv_adv;
	if (seq_gt(seq + len, wnd_end)) {
		uint32_t keep = seq_gt(wnd_end, seq) ? wnd_end - seq : 0;
		*fin = false;
		if (keep == 0) {
			rte_pktmbuf_free(m);
			s->ctr->drops[DROP_TCP_RCV_BUFFER_FULL]++;
			c->ack_now = true; /* the peer learns the window is shut, and probes */
			return;
		}
		net_chain_keep(m, keep);
		len = keep;
	}
	if (seq != c->rcv_nxt) {
		tcp_reass_insert(c, seq, m, len);
		*fin = false; /* an early FIN comes again with its data */
		c->ack_now = true; /* RFC 5681 §4.2: out of order → immediate (duplicate) ACK */
		return;
	}
	bool had_ooo = c->n_ooo > 0;
	tcp_mq_append(&c->rcvq, m, len);
	c->rcv_nxt += len;
	if (had_ooo) {
		tcp_reass_drain(c);
		c->ack_now = true; /* a hole filled: tell the sender at once */
	}
	up->readable = true;
	c->unacked_bytes += len;
	uint32_t full = tcp_rcv_full_seg(c);
	/* Quick ACKs speed the peer's slow start: full segments only. A short one is a
	 * request or a handshake flight, whose answer soon carries the ACK (or the
	 * delayed-ACK timer does). */
	if (c->quickacks > 0 && len >= full) {
		c->quickacks--;
		c->ack_now = true;
	} else if (c->unacked_bytes >= 2 * full) {
		c->ack_now = true; /* RFC 5681 §4.2: at least every second full segment */
	}
}

static void process_fin(struct tcp_conn *c, struct upcalls *up)
{
	c->rcv_nxt++;
	c->fin_received = true;
	c->ack_now = true;
	up->readable = true;
	if (c->state == TCP_FIN_WAIT_1 && our_fin_acked(c))
		tcp_fsm_step(c, TCP_EV_ACK_OF_FIN); /* FIN and ACK of ours in one segment */
	tcp_fsm_step(c, TCP_EV_FIN);
	if (c->state == TCP_TIME_WAIT)
		tcp_enter_time_wait(c);
}

/* §3.10.7.4: every state from SYN_RCVD on. */
static void synchronized(struct tcp_conn *c, struct seg *sg, struct upcalls *up)
{
	struct tcp_stack *s = c->stack;
	bool syn = sg->flags & RTE_TCP_SYN_FLAG;
	bool rst = sg->flags & RTE_TCP_RST_FLAG;
	bool fin = sg->flags & RTE_TCP_FIN_FLAG;
	uint32_t seg_len = sg->len + (syn ? 1 : 0) + (fin ? 1 : 0);

	/* RFC 7323 §5.3 PAWS, with one tick of slack as Linux allows (TCP_PAWS_WINDOW). */
	if (c->ts_ok && sg->opts.ts_present && !rst &&
	    (int32_t)(c->ts_recent - sg->opts.tsval) > TCP_PAWS_SLACK) {
		tcp_send_ack(c);
		drop(s, sg, DROP_TCP_PAWS);
		return;
	}
	if (c->state == TCP_SYN_RCVD && syn && !(sg->flags & RTE_TCP_ACK_FLAG) && sg->seq == c->irs) {
		tcp_send_syn(c, true); /* our SYN-ACK was lost: the peer sent its SYN again */
		release(sg);
		return;
	}
	if (!acceptable(c, sg, seg_len)) {
		if (!rst)
			tcp_send_ack(c);
		if (seq_lt(sg->seq, c->rcv_nxt))
			s->ctr->tcp.dup_segments++;
		drop(s, sg, DROP_TCP_OUT_OF_WINDOW);
		return;
	}
	if (rst) {
		/* RFC 5961 §3.2: only an exact RST resets; one merely in the window is challenged. */
		if (sg->seq == c->rcv_nxt) {
			s->ctr->tcp.resets_received++;
			tcp_conn_destroy(c, TCP_CLOSE_RESET);
			release(sg);
		} else {
			challenge_ack(c);
			drop(s, sg, DROP_TCP_RST_IGNORED);
		}
		return;
	}
	if (syn) {
		challenge_ack(c); /* RFC 5961 §4.2 */
		drop(s, sg, DROP_TCP_FLAGS);
		return;
	}
	if (!(sg->flags & RTE_TCP_ACK_FLAG)) {
		drop(s, sg, DROP_TCP_FLAGS);
		return;
	}
	if (c->state == TCP_SYN_RCVD) {
		if (seq_leq(sg->ack, c->snd_una) || seq_gt(sg->ack, c->snd_max)) {
			tcp_reply_rst(s, c->pi, &c->tuple, sg->ack, 0, false);
			drop(s, sg, DROP_TCP_BAD_ACK);
			return;
		}
		if (c->listener != NULL) { /* NULL when it came back as a SYN cookie */
			c->listener->syn_rcvd--;
			s->n_half_open--;
		}
		c->listener = NULL;
		tcp_fsm_step(c, TCP_EV_ACK_OF_SYN);
		c->snd_wl1 = sg->seq - 1; /* so the window in this segment is taken */
		become_established(c, up);
		if (c->fin_queued)
			tcp_fsm_step(c, TCP_EV_CLOSE); /* a close asked for during the handshake */
	}
	if (!process_ack(c, sg, up))
		return;
	tcp_keepalive_touch(c);
	/* RFC 7323 §4.3: the timestamp to echo is that of the segment our last ACK was for. */
	if (c->ts_ok && sg->opts.ts_present && seq_leq(sg->seq, c->last_ack_sent) &&
	    seq_geq(sg->opts.tsval, c->ts_recent))
		c->ts_recent = sg->opts.tsval;

	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (our_fin_acked(c)) {
			tcp_fsm_step(c, TCP_EV_ACK_OF_FIN);
			tcp_arm_fin_wait2(c);
		}
		break;
	case TCP_CLOSING:
		if (our_fin_acked(c)) {
			tcp_fsm_step(c, TCP_EV_ACK_OF_FIN);
			tcp_enter_time_wait(c);
		}
		break;
	case TCP_LAST_ACK:
		if (our_fin_acked(c)) {
			tcp_fsm_step(c, TCP_EV_ACK_OF_FIN);
			tcp_conn_destroy(c, TCP_CLOSE_NORMAL);
			release(sg);
			return;
		}
		break;
	case TCP_TIME_WAIT:
		if (fin) {
			tcp_send_ack(c); /* the peer's FIN again: our ACK was lost */
			tcp_enter_time_wait(c);
		}
		release(sg);
		return;
	default:
		break;
	}
	if (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	    c->state == TCP_FIN_WAIT_2)
		process_data(c, sg, up, &fin);
	else
		release(sg); /* the peer's FIN came before: nothing more is read */
	if (fin && sg->seq + sg->len == c->rcv_nxt && !c->fin_received &&
	    (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 || c->state == TCP_FIN_WAIT_2))
		process_fin(c, up);
}

/*
 * A new SYN for a tuple in TIME_WAIT may start a new connection when it
 * cannot be confused with the old one: a newer timestamp (RFC 6191), or
 * without timestamps a sequence number past the old connection's (RFC 1122).
 */
static bool time_wait_reusable(const struct tcp_conn *c, const struct seg *sg)
{
	if ((sg->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG)
		return false;
	if (c->ts_ok && sg->opts.ts_present)
		return seq_gt(sg->opts.tsval, c->ts_recent);
	return seq_gt(sg->seq, c->rcv_nxt);
}

static void tell_upper(struct tcp_conn *c, const struct upcalls *up)
{
	const struct tcp_upper_ops *ops = c->ops;
	if (ops == NULL)
		return;
	if (up->established && !c->dead) {
		c->upper_told = true;
		if (ops->established != NULL)
			ops->established(c);
	}
	if (!c->upper_told)
		return;
	if (up->readable && !c->dead && ops->readable != NULL)
		ops->readable(c);
	if (up->writable && !c->dead && ops->writable != NULL)
		ops->writable(c);
}

/*
 * The pseudo-header sum (RFC 9293 3.1, RFC 8200 8.1) for tcp_len bytes, and
 * the tuple, from the IPv4 or IPv6 header at l3_off (the net layer checked it).
 */
static uint32_t ip_pseudo_and_tuple(const struct rte_mbuf *m, uint32_t l3_off, uint32_t tcp_len,
				    struct tcp_tuple *t)
{
	const uint8_t *vh = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off);
	memset(t, 0, sizeof(*t));
	if ((vh[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)vh;
		t->family = 6;
		memcpy(t->laddr, ip6->dst_addr, 16);
		memcpy(t->raddr, ip6->src_addr, 16);
		uint32_t sum = rte_raw_cksum(ip6->src_addr, 32); /* both addresses */
		sum += rte_cpu_to_be_16((uint16_t)(tcp_len >> 16)) + rte_cpu_to_be_16((uint16_t)tcp_len);
		return sum + rte_cpu_to_be_16(IPPROTO_TCP);
	}
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)vh;
	t->family = 4;
	t->laddr[0] = ip->dst_addr;
	t->raddr[0] = ip->src_addr;
	return rte_ipv4_phdr_cksum(ip, 0); /* its length is total_length's, which ipv4.c checked */
}

static int parse(struct tcp_stack *s, struct rte_mbuf *m, uint32_t l3_off, uint32_t l4_off,
		 struct tcp_tuple *t, struct seg *sg)
{
	uint32_t tcp_len = rte_pktmbuf_pkt_len(m) - l4_off;
	const struct rte_tcp_hdr *th = NULL;
	if (tcp_len >= sizeof(*th) && rte_pktmbuf_data_len(m) >= l4_off + sizeof(*th))
		th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	if (th == NULL)
		return DROP_TCP_HEADER;
	uint32_t doff = (uint32_t)(th->data_off >> 4) * 4;
	if (doff < sizeof(*th) || doff > tcp_len || rte_pktmbuf_data_len(m) < l4_off + doff)
		return DROP_TCP_HEADER;
	uint32_t pseudo = ip_pseudo_and_tuple(m, l3_off, tcp_len, t);
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		uint16_t sum;
		if (net_cksum_mbuf(m, l4_off, tcp_len, &sum) != 0)
			return DROP_TCP_HEADER;
		uint32_t all = (uint32_t)sum + pseudo;
		all = (all & 0xffff) + (all >> 16);
		all = (all & 0xffff) + (all >> 16);
		if (all != 0xffff)
			return DROP_TCP_CHECKSUM;
	}
	sg->flags = th->tcp_flags & TCP_FLAG_MASK;
	/* SYN with FIN or RST, or no flag at all, never belongs to a connection. */
	if ((sg->flags & RTE_TCP_SYN_FLAG) && (sg->flags & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)))
		return DROP_TCP_FLAGS;
	if (sg->flags == 0)
		return DROP_TCP_FLAGS;
	if (tcp_options_parse((const uint8_t *)(th + 1), doff - sizeof(*th),
			      sg->flags & RTE_TCP_SYN_FLAG, &sg->opts) < 0)
		return DROP_TCP_OPTIONS;
	sg->seq = rte_be_to_cpu_32(th->sent_seq);
	sg->ack = rte_be_to_cpu_32(th->recv_ack);
	sg->wnd = rte_be_to_cpu_16(th->rx_win);
	t->lport = th->dst_port;
	t->rport = th->src_port;
	sg->len = tcp_len - doff;
	(void)s;
	return -1;
}

/*
 * The edge ACL comes first for a listener's port: a denied source costs no
 * checksum and no lookup. (Other ports are checked once nothing answers
 * there, so replies to our own connections to backends are never filtered.)
 */
static bool acl_denies_early(struct tcp_stack *s, struct rte_mbuf *m, uint32_t l3_off,
			     uint32_t l4_off)
{
	if (rte_pktmbuf_data_len(m) < l4_off + sizeof(struct rte_tcp_hdr))
		return false; /* parse() drops it */
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	if (tcp_listener_find(s, th->dst_port) == NULL)
		return false;
	const uint8_t *vh = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off);
	uint32_t addr[4] = {0, 0, 0, 0};
	if ((vh[0] >> 4) == 6) {
		memcpy(addr, ((const struct rte_ipv6_hdr *)vh)->src_addr, 16);
		return edge_check_source(s->edge, 6, addr) >= 0;
	}
	addr[0] = ((const struct rte_ipv4_hdr *)vh)->src_addr;
	return edge_check_source(s->edge, 4, addr) >= 0;
}

void tcp_input(void *arg, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off, uint32_t l4_off)
{
	struct tcp_stack *s = arg;
	s->now_us = s->net->now / s->tsc_per_us;
	if (s->edge != NULL && acl_denies_early(s, m, l3_off, l4_off)) {
		s->ctr->drops[DROP_EDGE_ACL]++;
		rte_pktmbuf_free(m);
		return;
	}
	struct tcp_tuple t;
	struct seg sg = {0};
	int why = parse(s, m, l3_off, l4_off, &t, &sg);
	if (why >= 0) {
		s->ctr->drops[why]++;
		rte_pktmbuf_free(m);
		return;
	}
	unsigned int owner = tcp_owner(&t, s->net->n_workers);
	if (owner != s->net->worker_id) {
		net_steer_to(s->net, owner, pi, m); /* DESIGN.md "Flows and cores" */
		return;
	}
	s->ctr->tcp.segs_in++;
	uint32_t hdrs = rte_pktmbuf_pkt_len(m) - sg.len;
	if (sg.len == 0) {
		rte_pktmbuf_free(m);
	} else {
		rte_pktmbuf_adj(m, (uint16_t)hdrs);
		sg.payload = m;
	}

	struct upcalls up = {0};
	struct tcp_conn *c = tcp_conn_lookup(s, &t);
	if (c != NULL && c->state == TCP_TIME_WAIT && time_wait_reusable(c, &sg)) {
		tcp_conn_destroy(c, TCP_CLOSE_NORMAL);
		c = NULL;
	}
	if (c == NULL) {
		struct tcp_listener *l = tcp_listener_find(s, t.lport);
		if (l != NULL && l->family != 0 && l->family != t.family)
			l = NULL; /* a listener for the other family only */
		if (l == NULL) {
			if (s->edge != NULL && edge_check_source(s->edge, t.family, t.raddr) >= 0) {
				drop(s, &sg, DROP_EDGE_ACL); /* a denied source hears nothing */
				return;
			}
			if (!(sg.flags & RTE_TCP_RST_FLAG) &&
			    (s->edge == NULL || !edge_closed_ports_silent(s->edge)))
				no_connection(s, pi, &t, &sg);
			drop(s, &sg, DROP_TCP_NO_LISTENER);
			return;
		}
		if ((sg.flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		    RTE_TCP_SYN_FLAG) {
			/* Per-client limits before any state: before the SYN queue and cookies. */
			int limit = s->edge != NULL ? edge_check_syn(s->edge, t.family, t.raddr) : -1;
			if (limit >= 0) {
				drop(s, &sg, (enum drop_reason)limit);
				return;
			}
			listen_syn(s, l, pi, &t, &sg);
			return;
		}
		bool refused = false;
		if ((sg.flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		    RTE_TCP_ACK_FLAG)
			c = cookie_ack(s, l, pi, &t, &sg, &refused);
		if (refused) {
			/* Silence: the client's next segment brings the cookie back to try again. */
			drop(s, &sg, DROP_EDGE_CLIENT_CONNS);
			return;
		}
		if (c == NULL) {
			no_connection(s, pi, &t, &sg);
			drop(s, &sg, DROP_TCP_NO_CONN);
			return;
		}
	}
	if (!c->out_due)
		c->ack_now = false; /* else an earlier segment of this iteration owes one still */
	if (c->state == TCP_SYN_SENT)
		syn_sent(c, &sg, &up);
	else
		synchronized(c, &sg, &up);
	if (c->dead)
		return;
	/* The layer above answers first, so its data carries our ACK. */
	tell_upper(c, &up);
	if (c->dead)
		return;
	tcp_output_soon(c);
	if (!c->ack_now && c->unacked_bytes > 0)
		tcp_arm_delack(c);
}

/*
 * ICMPv6 packet too big (RFC 8201) about one of our segments: only for a
 * sequence number in flight (RFC 5927 5.1, so a blind forgery rarely lands),
 * the MSS comes down to what the reported MTU carries and the first
 * unacknowledged segment goes again at that size.
 */
void tcp_too_big(void *arg, unsigned int pi, struct rte_mbuf *m, const struct net_too_big *tb)
{
	struct tcp_stack *s = arg;
	struct tcp_tuple t = {.family = 6, .lport = tb->lport, .rport = tb->rport};
	memcpy(t.laddr, tb->laddr, 16);
	memcpy(t.raddr, tb->raddr, 16);
	unsigned int owner = tcp_owner(&t, s->net->n_workers);
	if (owner != s->net->worker_id) {
		net_steer_to(s->net, owner, pi, m); /* the connection's worker decides */
		return;
	}
	s->now_us = s->net->now / s->tsc_per_us;
	struct tcp_conn *c = tcp_conn_lookup(s, &t);
	if (c == NULL || c->dead || c->state == TCP_TIME_WAIT || seq_lt(tb->seq, c->snd_una) ||
	    seq_geq(tb->seq, c->snd_max)) {
		s->ctr->drops[DROP_ICMPV6_TOO_BIG_STALE]++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_free(m);
	uint32_t mss = tb->mtu - (uint32_t)sizeof(struct rte_ipv6_hdr) -
		       (uint32_t)sizeof(struct rte_tcp_hdr) - (c->ts_ok ? TCP_TS_OPT_LEN : 0);
	if (mss >= c->mss)
		return; /* no news: we already send segments that fit */
	c->mss = (uint16_t)mss;
	tcp_cc_mss_lowered(&c->cc, mss); /* still a no-op before the handshake set it */
	s->ctr->icmpv6_too_big++;
	if (c->state != TCP_SYN_SENT && c->state != TCP_SYN_RCVD && c->sndq.bytes > 0)
		tcp_retransmit_una(c);
}

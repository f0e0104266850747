/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP output: building segments, sending what the windows allow, ACKs and RSTs. */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_tcp.h>

#include "tcp_conn.h"

#define TCP_TTL 64
#define SEG_HEADROOM (RTE_PKTMBUF_HEADROOM)

/* Payloads up to this size are copied behind the headers: one mbuf, where an
 * indirect mbuf per slice would cost more than the copy saves. */
#define SEG_COPY_MAX 256

/* The segment of q holding byte off, and off within it; remembers where it was. */
static struct rte_mbuf *mq_seek(struct tcp_mq *q, uint32_t off, uint32_t *in_seg)
{
	struct rte_mbuf *seg = q->head;
	uint32_t start = 0;
	if (q->pos != NULL && q->pos_off <= off) {
		seg = q->pos;
		start = q->pos_off;
	}
	while (seg != NULL && off - start >= seg->data_len) {
		start += seg->data_len;
		seg = seg->next;
	}
	q->pos = seg;
	q->pos_off = start;
	*in_seg = off - start;
	return seg;
}

/* Copy len bytes from off bytes into q to dst. */
static void mq_copy(struct tcp_mq *q, uint32_t off, uint32_t len, uint8_t *dst)
{
	uint32_t in_seg;
	const struct rte_mbuf *seg = mq_seek(q, off, &in_seg);
	while (len > 0 && seg != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)seg->data_len - in_seg);
		rte_memcpy(dst, rte_pktmbuf_mtod_offset(seg, const uint8_t *, in_seg), n);
		dst += n;
		len -= n;
		in_seg = 0;
		seg = seg->next;
	}
}

/*
 * Chain to m indirect mbufs over len bytes from off bytes into q: the payload is
 * not copied, the send queue's segments are shared until the device is done with
 * them (an ACK that frees them meanwhile only drops a reference). Fails with
 * nothing chained when the pool runs dry.
 */
static int mq_share(struct tcp_mq *q, uint32_t off, uint32_t len, struct rte_mbuf *m)
{
	uint32_t in_seg;
	struct rte_mbuf *seg = mq_seek(q, off, &in_seg);
	struct rte_mbuf *first = NULL, *last = NULL;
	uint16_t n_segs = 0;
	while (len > 0 && seg != NULL) {
		struct rte_mbuf *mi = rte_pktmbuf_alloc(m->pool);
		if (mi == NULL) {
			rte_pktmbuf_free(first);
			return -ENOMEM;
		}
		uint16_t n = (uint16_t)RTE_MIN(len, (uint32_t)seg->data_len - in_seg);
		rte_pktmbuf_attach(mi, seg);
		mi->data_off = (uint16_t)(mi->data_off + in_seg);
		mi->data_len = n;
		mi->pkt_len = n;
		if (first == NULL)
			first = mi;
		else
			last->next = mi;
		last = mi;
		n_segs++;
		len -= n;
		in_seg = 0;
		seg = seg->next;
	}
	if (first == NULL)
		return 0;
	m->next = first; /* m is a lone segment holding the headers */
	m->nb_segs = (uint16_t)(1 + n_segs);
	for (struct rte_mbuf *x = first; x != NULL; x = x->next)
		m->pkt_len += x->data_len;
	return 0;
}

struct seg_spec {
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t window; /* as it goes on the wire */
	uint8_t opt_len;
	uint8_t opts[TCP_OPTIONS_MAX];
	uint32_t data_off; /* into the connection's send queue */
	uint32_t data_len;
};

/* The IPv4 or IPv6 header for t in front of tcp_len bytes; returns where TCP starts. */
static uint8_t *ip_header(struct tcp_stack *s, uint8_t *p, const struct tcp_tuple *t,
			  uint16_t tcp_len)
{
	if (t->family == 6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;
		*ip6 = (struct rte_ipv6_hdr){
			.vtc_flow = rte_cpu_to_be_32(6u << 28),
			.payload_len = rte_cpu_to_be_16(tcp_len),
			.proto = IPPROTO_TCP,
			.hop_limits = TCP_TTL,
		};
		memcpy(ip6->src_addr, t->laddr, 16);
		memcpy(ip6->dst_addr, t->raddr, 16);
		return (uint8_t *)(ip6 + 1);
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + tcp_len)),
		.packet_id = rte_cpu_to_be_16(s->ip_id++),
		.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG),
		.time_to_live = TCP_TTL,
		.next_proto_id = IPPROTO_TCP,
		.src_addr = t->laddr[0],
		.dst_addr = t->raddr[0],
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return (uint8_t *)(ip + 1);
}

/* The TCP checksum of m, the IP header ip at its start and TCP at ip_len, over
 * all its segments (net_cksum_mbuf: DPDK 22.11's own mbuf sum is wrong at odd
 * segment offsets, and its *_cksum_mbuf() calls are experimental). */
static uint16_t tcp_cksum(const struct rte_mbuf *m, const void *ip, uint8_t family,
			  uint16_t ip_len)
{
	uint32_t pseudo = family == 6 ? rte_ipv6_phdr_cksum(ip, 0) : rte_ipv4_phdr_cksum(ip, 0);
	uint16_t body = 0;
	net_cksum_mbuf(m, ip_len, rte_pktmbuf_pkt_len(m) - ip_len, &body);
	uint32_t sum = pseudo + body;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One IPv4 or IPv6 + TCP segment from spec; the payload (if any) comes from q. */
static void seg_emit(struct tcp_stack *s, unsigned int pi, const struct tcp_tuple *t,
		     const struct seg_spec *sp, struct tcp_mq *q)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->net->pool);
	if (m == NULL) {
		s->ctr->drops[DROP_NO_MBUF]++;
		return;
	}
	bool copy = sp->data_len <= SEG_COPY_MAX;
	uint16_t ip_len = t->family == 6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint16_t tcp_len = (uint16_t)(sizeof(struct rte_tcp_hdr) + sp->opt_len);
	uint16_t total = (uint16_t)(ip_len + tcp_len + (copy ? sp->data_len : 0));
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, total);
	if (p == NULL || (!copy && mq_share(q, sp->data_off, sp->data_len, m) != 0)) {
		rte_pktmbuf_free(m);
		s->ctr->drops[DROP_NO_MBUF]++;
		return;
	}
	struct rte_tcp_hdr *th =
		(struct rte_tcp_hdr *)ip_header(s, p, t, (uint16_t)(tcp_len + sp->data_len));
	*th = (struct rte_tcp_hdr){
		.src_port = t->lport,
		.dst_port = t->rport,
		.sent_seq = rte_cpu_to_be_32(sp->seq),
		.recv_ack = rte_cpu_to_be_32(sp->ack),
		.data_off = (uint8_t)((tcp_len / 4) << 4),
		.tcp_flags = sp->flags,
		.rx_win = rte_cpu_to_be_16(sp->window),
	};
	memcpy(th + 1, sp->opts, sp->opt_len);
	if (copy && sp->data_len > 0)
		mq_copy(q, sp->data_off, sp->data_len, (uint8_t *)(th + 1) + sp->opt_len);
	m->l3_len = ip_len;
	m->l4_len = tcp_len;
	s->ctr->tcp.segs_out++;
	th->cksum = tcp_cksum(m, p, t->family, ip_len);
	if (t->family == 6) {
		net_output_ipv6(s->net, pi, m, (const uint8_t *)t->raddr);
		return;
	}
	net_output_ipv4(s->net, pi, m, t->raddr[0]);
}

static uint16_t wire_window(struct tcp_conn *c, bool syn)
{
	uint32_t wnd = tcp_rcv_window(c);
	if (seq_gt(c->rcv_nxt + wnd, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + wnd;
	if (syn)
		return (uint16_t)RTE_MIN(wnd, 65535u); /* RFC 7323 §2.2: never scaled in a SYN */
	return (uint16_t)RTE_MIN(wnd >> c->rcv_wscale, 65535u);
}

/* Every non-SYN segment carries ACK, timestamps and our SACK blocks. */
static void conn_emit(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t data_off,
		      uint32_t data_len)
{
	struct seg_spec sp = {
		.seq = seq,
		.ack = c->rcv_nxt,
		.flags = (uint8_t)(flags | RTE_TCP_ACK_FLAG),
		.data_off = data_off,
		.data_len = data_len,
	};
	sp.window = wire_window(c, false);
	/* SACK only on pure ACKs: a full data segment has no room for it. */
	struct tcp_sack_block blocks[TCP_SACK_BLOCKS_MAX];
	unsigned int nb = c->sack_ok && data_len == 0 ?
		tcp_sack_blocks(c, blocks, TCP_SACK_BLOCKS_MAX) : 0;
	sp.opt_len = (uint8_t)tcp_options_write(sp.opts, sizeof(sp.opts), c->ts_ok, tcp_ts_now(c),
						c->ts_recent, blocks, nb);
	tw_cancel(&c->stack->tw, &c->delack_timer);
	c->unacked_bytes = 0;
	c->ack_now = false;
	c->last_ack_sent = c->rcv_nxt;
	seg_emit(c->stack, c->pi, &c->tuple, &sp, &c->sndq);
}

void tcp_send_syn(struct tcp_conn *c, bool with_ack)
{
	struct tcp_syn_opts o = {
		.mss_present = true,
		.mss = tcp_mss_local(c->tuple.family),
	};
	bool offer = c->state == TCP_SYN_SENT; /* active open: offer everything */
	o.wscale_present = offer || c->peer_wscale_ok;
	o.wscale = c->stack->rcv_wscale;
	o.sack_permitted = offer || c->sack_ok;
	o.ts_present = offer || c->ts_ok;
	o.tsval = tcp_ts_now(c);
	o.tsecr = with_ack ? c->ts_recent : 0;
	struct seg_spec sp = {
		.seq = c->iss,
		.ack = with_ack ? c->rcv_nxt : 0,
		.flags = (uint8_t)(RTE_TCP_SYN_FLAG | (with_ack ? RTE_TCP_ACK_FLAG : 0)),
	};
	sp.window = wire_window(c, true);
	sp.opt_len = (uint8_t)tcp_options_write_syn(sp.opts, sizeof(sp.opts), &o);
	if (with_ack)
		c->last_ack_sent = c->rcv_nxt;
	seg_emit(c->stack, c->pi, &c->tuple, &sp, NULL);
}

void tcp_send_ack(struct tcp_conn *c)
{
	conn_emit(c, c->snd_nxt, 0, 0, 0);
}

void tcp_send_probe(struct tcp_conn *c)
{
	conn_emit(c, c->snd_una - 1, 0, 0, 0);
}

void tcp_send_rst(struct tcp_conn *c)
{
	struct seg_spec sp = {
		.seq = c->snd_max,
		.ack = c->rcv_nxt,
		.flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG,
	};
	c->stack->ctr->tcp.resets_sent++;
	seg_emit(c->stack, c->pi, &c->tuple, &sp, NULL);
}

void tcp_reply_rst(struct tcp_stack *s, unsigned int pi, const struct tcp_tuple *t, uint32_t seq,
		   uint32_t ack, bool ack_flag)
{
	uint64_t second = s->now_us / 1000000;
	if (second != s->rst_second) {
		s->rst_second = second;
		s->rsts_sent = 0;
	}
	if (s->rsts_sent++ >= TCP_RSTS_PER_SEC)
		return;
	struct seg_spec sp = {
		.seq = seq,
		.ack = ack,
		.flags = (uint8_t)(RTE_TCP_RST_FLAG | (ack_flag ? RTE_TCP_ACK_FLAG : 0)),
	};
	s->ctr->tcp.resets_sent++;
	seg_emit(s, pi, t, &sp, NULL);
}

/* Retransmit the first unacknowledged segment (fast retransmit, partial ACK). */
void tcp_retransmit_una(struct tcp_conn *c)
{
	c->stack->ctr->tcp.retransmits++;
	c->rtt_timing = false;
	uint32_t len = RTE_MIN(c->sndq.bytes, (uint32_t)c->mss);
	if (c->sack_ok && c->n_sack_board > 0 && seq_gt(c->sack_board[0].left, c->snd_una))
		len = u32_min(len, c->sack_board[0].left - c->snd_una); /* up to the first SACKed block */
	if (seq_gt(c->snd_una + len, c->rexmit_nxt))
		c->rexmit_nxt = c->snd_una + len;
	if (len > 0) {
		conn_emit(c, c->snd_una, RTE_TCP_PSH_FLAG, 0, len);
		return;
	}
	if (c->fin_sent)
		conn_emit(c, c->snd_una, RTE_TCP_FIN_FLAG, 0, 0);
}

/*
 * A resent segment can be lost too, and the scoreboard cannot tell (RFC 6675 has
 * no rule for it); we learn it from time: SACKs keep coming while a hole we resent
 * more than a round trip ago is still open. Then the pass over the holes starts again from snd_una (the role
 * RACK's reordering window plays in RFC 8985 §6.2, at the granularity of a pass).
 */
static bool hole_pass_stale(const struct tcp_conn *c)
{
	return c->stack->now_us - c->rexmit_round_us > tcp_hole_pass_age_us(c);
}

uint64_t tcp_hole_pass_age_us(const struct tcp_conn *c)
{
	uint64_t rtt = c->srtt_us != 0 ? c->srtt_us : TCP_RTO_INIT_US;
	return rtt + rtt / 4 + 1000;
}

void tcp_restart_hole_pass(struct tcp_conn *c)
{
	c->stack->ctr->tcp.lost_retransmits++;
	c->rexmit_nxt = c->snd_una;
	c->rexmit_round_us = c->stack->now_us;
}

/* Resend [seq, seq + len) of a hole, at most a segment; it counts in pipe from now on. */
static void resend_hole(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	len = u32_min(len, c->mss);
	len = u32_min(len, c->snd_una + c->sndq.bytes - seq);
	c->stack->ctr->tcp.retransmits++;
	c->rtt_timing = false;
	conn_emit(c, seq, RTE_TCP_PSH_FLAG, seq - c->snd_una, len);
	c->rexmit_nxt = seq + len;
}

static bool hole_from(const struct tcp_conn *c, bool lost, uint32_t *seq, uint32_t *len)
{
	uint32_t from = seq_gt(c->rexmit_nxt, c->snd_una) ? c->rexmit_nxt : c->snd_una;
	return tcp_sack_next_hole(c, from, lost, seq, len) &&
	       seq_lt(*seq, c->snd_una + c->sndq.bytes);
}

bool tcp_retransmit_hole(struct tcp_conn *c)
{
	uint32_t seq, len;
	if (!hole_from(c, false, &seq, &len)) {
		if (!c->in_recovery || !hole_pass_stale(c))
			return false;
		tcp_restart_hole_pass(c);
		if (!hole_from(c, false, &seq, &len))
			return false;
	}
	resend_hole(c, seq, len);
	return true;
}

/* RFC 8985 §7.3: a tail loss probe resends the last segment so the peer's answer (an
 * ACK for all, or a SACK showing the hole) starts recovery without waiting for an RTO. */
void tcp_retransmit_last(struct tcp_conn *c)
{
	uint32_t data = RTE_MIN(c->snd_max - c->snd_una, c->sndq.bytes);
	c->stack->ctr->tcp.retransmits++;
	c->rtt_timing = false;
	if (data == 0) {
		if (c->fin_sent)
			conn_emit(c, c->snd_una, RTE_TCP_FIN_FLAG, 0, 0);
		return;
	}
	uint32_t len = u32_min(data, c->mss);
	uint32_t seq = c->snd_una + data - len;
	conn_emit(c, seq, RTE_TCP_PSH_FLAG, seq - c->snd_una, len);
}

static uint32_t send_window(const struct tcp_conn *c)
{
	uint32_t cwnd = tcp_cc_cwnd(&c->cc);
	if (c->in_recovery)
		cwnd += (uint32_t)c->dupacks * c->mss; /* RFC 6582: inflation while recovering */
	return RTE_MIN(cwnd, c->snd_wnd);
}

/* The next segment at snd_nxt, if the data and usable (window space) allow one. */
static bool send_next(struct tcp_conn *c, int32_t usable)
{
	struct tcp_stack *s = c->stack;
	/* Going back over data after an RTO: what the peer SACKed needn't go again. */
	const struct tcp_sack_block *b;
	while (seq_lt(c->snd_nxt, c->snd_max) && (b = tcp_sacked(c, c->snd_nxt)) != NULL)
		c->snd_nxt = seq_lt(b->right, c->snd_max) ? b->right : c->snd_max;
	uint32_t off = c->snd_nxt - c->snd_una;
	if (off >= c->sndq.bytes || usable <= 0)
		return false;
	uint32_t avail = c->sndq.bytes - off;
	uint32_t len = u32_min(u32_min(avail, c->mss), (uint32_t)usable);
	/* Sender SWS avoidance (RFC 9293 §3.8.6.2.1), without Nagle: a short
	 * segment goes when it ends the data, the window is wide open, or
	 * nothing is in flight (else a small window would stall us for good). */
	if (len < c->mss && len < avail && (uint32_t)usable < c->max_snd_wnd / 2 &&
	    c->snd_nxt != c->snd_una)
		return false;
	if (!c->rtt_timing && !c->ts_ok) {
		c->rtt_timing = true;
		c->rtt_seq = c->snd_nxt;
		c->rtt_start_us = s->now_us;
	}
	/* The FIN rides on the segment that ends the data the first time it goes; sent
	 * again after a loss, it goes on its own (tcp_output), as it always did. */
	bool fin = len == avail && c->fin_queued && !c->fin_sent;
	uint8_t flags = len == avail ? RTE_TCP_PSH_FLAG : 0;
	conn_emit(c, c->snd_nxt, fin ? (uint8_t)(flags | RTE_TCP_FIN_FLAG) : flags, off, len);
	if (seq_lt(c->snd_nxt, c->snd_max))
		s->ctr->tcp.retransmits++;
	c->snd_nxt += len;
	if (fin) {
		c->fin_sent = true;
		c->snd_nxt++;
	}
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	return true;
}

/* RFC 6675 §5 NextSeg, sent: (1) a lost hole not yet resent, (2) new data the peer's
 * window allows, (3) any other hole below the highest SACK not yet resent; and when a
 * pass went unanswered for a round trip, the next pass (tcp_retransmit_hole). */
static bool send_next_seg(struct tcp_conn *c)
{
	uint32_t seq, len;
	if (hole_from(c, true, &seq, &len)) {
		resend_hole(c, seq, len);
		return true;
	}
	if (send_next(c, (int32_t)(c->snd_una + c->snd_wnd - c->snd_nxt)))
		return true;
	if (hole_from(c, false, &seq, &len)) {
		resend_hole(c, seq, len);
		return true;
	}
	return hole_pass_stale(c) && tcp_retransmit_hole(c);
}

/* RFC 6675 §5 (C): while cwnd leaves a segment's room above pipe. */
static bool recovery_output(struct tcp_conn *c)
{
	bool sent = false;
	uint32_t cwnd = tcp_cc_cwnd(&c->cc);
	while (tcp_sack_pipe(c) + c->mss <= cwnd && send_next_seg(c))
		sent = true;
	return sent;
}

/* Send what the send queue, the peer's window and cwnd allow; then FIN if queued. */
void tcp_output(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (c->dead || c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
		return;
	bool sent = false;
	if (c->in_recovery && c->sack_ok) {
		sent = recovery_output(c);
	} else {
		uint32_t wnd = send_window(c);
		while (send_next(c, (int32_t)(c->snd_una + wnd - c->snd_nxt)))
			sent = true;
	}
	/* The FIN follows the last byte: sent once, and again when going back after an RTO. */
	if (c->fin_queued && c->snd_nxt - c->snd_una == c->sndq.bytes &&
	    (!c->fin_sent || seq_lt(c->snd_nxt, c->snd_max))) {
		conn_emit(c, c->snd_nxt, RTE_TCP_FIN_FLAG, 0, 0);
		if (c->fin_sent)
			s->ctr->tcp.retransmits++;
		c->fin_sent = true;
		c->snd_nxt++;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		sent = true;
	}
	if (c->snd_una != c->snd_max) {
		/* New data pushes a pending tail loss probe back; an RTO keeps its time. */
		if (sent && (!tw_armed(&c->rtx_timer) || c->early_armed))
			tcp_arm_rtx(c);
	} else if (c->snd_wnd == 0 && c->sndq.bytes > 0 && !tw_armed(&c->rtx_timer)) {
		tcp_arm_rtx(c); /* persist */
	}
}

void tcp_output_soon(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (!s->batch_output) {
		tcp_output(c);
		if (c->ack_now)
			tcp_send_ack(c);
		return;
	}
	if (c->out_due)
		return;
	c->out_due = true;
	c->out_prev = NULL;
	c->out_next = s->out_first;
	if (s->out_first != NULL)
		s->out_first->out_prev = c;
	s->out_first = c;
}

void tcp_output_forget(struct tcp_conn *c)
{
	if (!c->out_due)
		return;
	if (c->out_prev != NULL)
		c->out_prev->out_next = c->out_next;
	else
		c->stack->out_first = c->out_next;
	if (c->out_next != NULL)
		c->out_next->out_prev = c->out_prev;
	c->out_next = c->out_prev = NULL;
	c->out_due = false;
}

unsigned int tcp_flush_output(struct tcp_stack *s)
{
	unsigned int n = 0;
	while (s->out_first != NULL) {
		struct tcp_conn *c = s->out_first;
		tcp_output_forget(c);
		tcp_output(c);
		if (c->ack_now && !c->dead)
			tcp_send_ack(c);
		n++;
	}
	return n;
}

void tcp_stack_batch_output(struct tcp_stack *s, bool on)
{
	if (!on)
		tcp_flush_output(s);
	s->batch_output = on;
}

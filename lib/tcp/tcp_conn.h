/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/tcp: the connection, the per-worker stack, and how the files call each other. */
#ifndef TLSTERM_TCP_CONN_H
#define TLSTERM_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <tlsterm/counters.h>
#include <tlsterm/net.h>
#include <tlsterm/tcp.h>

#include "tcp_cc.h"
#include "tcp_options.h"
#include "timer_wheel.h"

#define TCP_MAX_LISTENERS 16
#define TCP_OOO_MAX 16          /* out-of-order segments held per connection */
#define TCP_SACK_BOARD_MAX 8    /* SACKed blocks the sender remembers (tcp_sack.c) */
#define TCP_MSS_DEFAULT 536     /* RFC 9293 §3.7.1: when the peer sends no MSS */
#define TCP_RTO_MIN_US 200000   /* RFC 6298 (2.4) lowered as every stack does; issue: min 200 ms */
#define TCP_RTO_MAX_US 60000000
#define TCP_RTO_INIT_US 1000000 /* RFC 6298 (2.1) */
#define TCP_MAX_RETRIES 8       /* data retransmissions before giving up (~100 s with backoff) */
#define TCP_SYN_RETRIES 5
#define TCP_DELACK_US 40000
#define TCP_TLP_MIN_US 10000    /* RFC 8985 §7.2: a probe waits at least this long */
#define TCP_PEER_DELACK_US 200000 /* RFC 8985 §7.2 WCDelAckT: the longest a peer delays an ACK */
#define TCP_QUICKACKS 16        /* segments ACKed at once after the handshake */
#define TCP_MSL_US 30000000     /* TIME_WAIT = 2 MSL = 60 s */
#define TCP_FIN_WAIT2_US 60000000
#define TCP_KEEPALIVE_PROBES 9 /* as Linux: then the peer is taken for gone */

/* RFC 9293 §3.3.2 */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_NSTATES
};

/* What can move a connection from one state to the next (tcp_fsm.c). */
enum tcp_event {
	TCP_EV_ACTIVE_OPEN,  /* we sent SYN */
	TCP_EV_SYN,          /* a SYN arrived (passive open, or simultaneous open) */
	TCP_EV_SYN_ACK,      /* a SYN-ACK for our SYN arrived */
	TCP_EV_ACK_OF_SYN,   /* our SYN is acknowledged */
	TCP_EV_FIN,          /* the peer's FIN is in sequence */
	TCP_EV_ACK_OF_FIN,   /* our FIN is acknowledged */
	TCP_EV_CLOSE,        /* the layer above sends FIN */
	TCP_EV_COUNT
};

struct tcp_tuple {
	uint32_t laddr[4]; /* network order; IPv4 in [0], the rest zero */
	uint32_t raddr[4];
	uint16_t lport; /* network order */
	uint16_t rport;
	uint8_t family; /* 4 or 6 */
	uint8_t pad[3];
};

struct tcp_ooo_seg {
	uint32_t seq;
	uint32_t len;
	struct rte_mbuf *m; /* payload only, a chain */
};

/* A singly linked list of mbuf segments (m->next), with our own byte count. */
struct tcp_mq {
	struct rte_mbuf *head;
	struct rte_mbuf *tail;
	/* Where the last read began (tcp_out.c): a segment and its offset from head, so
	 * sending the next segment of a long queue does not walk it from the head. */
	struct rte_mbuf *pos;
	uint32_t pos_off;
	uint32_t bytes;
};

struct tcp_listener {
	uint16_t port; /* network order */
	uint8_t family; /* 4 or 6: clients of that family only; 0: both */
	const struct tcp_upper_ops *ops;
	void *arg;             /* what a passive connection's upper starts as */
	unsigned int syn_rcvd; /* half-open connections now */
};

struct tcp_conn {
	struct tcp_tuple tuple;
	struct tcp_stack *stack;
	const struct tcp_upper_ops *ops;
	void *upper;
	uint8_t state;
	uint8_t pi; /* port index the connection lives on */
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	bool ts_ok;
	bool sack_ok;
	bool fin_queued;   /* the layer above asked for FIN */
	bool fin_received; /* the peer's FIN is in sequence */
	bool in_recovery;
	bool rtt_timing;   /* a segment is being timed (no timestamps) */
	bool peer_wscale_ok; /* the peer sent window scale in its SYN */
	bool fin_sent;     /* our FIN has a sequence number (snd_una + sndq.bytes) */
	bool dead;         /* out of service, waiting to be reaped */
	bool ack_now;      /* this segment needs an immediate ACK */
	bool upper_told;   /* established() ran: closed() is owed */
	bool syn_resent;   /* SYN_SENT: resent at once after an old connection's ACK */
	bool early_armed;  /* the retransmission timer is set early: a tail loss probe, or in
			    * recovery a new pass over the holes; not the RTO */
	bool tlp_out;      /* a probe went out and nothing new was acknowledged since */
	bool pass_timed;   /* recovery: the timer started a pass and nothing was heard since */
	bool edge_counted; /* counted against its client by the edge (tcp_edge_release) */
	uint8_t close_reason;
	uint8_t backoff;
	uint8_t dupacks;
	uint8_t quickacks;
	uint8_t n_ooo;
	uint8_t ka_probes; /* keepalive probes unanswered */
	uint16_t mss; /* what we send */
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd;
	uint32_t recover; /* RFC 6582 */
	uint32_t rcv_nxt, rcv_adv; /* rcv_adv: right edge we advertised */
	uint32_t ts_recent, ts_offset;
	uint32_t last_ack_sent; /* RFC 7323 §4.3 Last.ACK.sent */
	uint32_t last_ooo_seq;
	uint32_t unacked_bytes; /* received in order, not yet ACKed */
	uint32_t sack_high; /* highest right edge the peer has SACKed */
	uint32_t rexmit_nxt; /* recovery: holes below this were already resent */
	uint64_t rexmit_round_us; /* recovery: when the current pass over the holes began */
	uint8_t n_sack_board;
	struct tcp_sack_block sack_board[TCP_SACK_BOARD_MAX]; /* what the peer holds, sorted */
	uint32_t rtt_seq;
	uint64_t rtt_start_us;
	uint32_t srtt_us, rttvar_us, rto_us;
	struct tcp_mq sndq; /* from snd_una: sent and unsent, FIN excluded */
	struct tcp_mq rcvq; /* in order, not yet read */
	struct tcp_cc_state cc;
	struct tcp_listener *listener; /* while SYN_RCVD */
	struct tcp_conn *reap_next;
	struct tcp_conn *tw_prev, *tw_next; /* TIME_WAIT age order, oldest first */
	struct tcp_conn *out_next, *out_prev; /* the stack's list of connections with output due */
	bool in_tw_list;
	bool out_due; /* on that list: tcp_flush_output sends what is queued, and the ACK owed */
	struct tw_timer rtx_timer;   /* retransmission, persist */
	struct tw_timer delack_timer;
	struct tw_timer life_timer;  /* TIME_WAIT, FIN_WAIT_2 */
	struct tcp_ooo_seg ooo[TCP_OOO_MAX];
};

struct tcp_stack {
	struct net_ctx *net;
	struct worker_counters *ctr;
	struct rte_hash *table;
	struct rte_mempool *conn_pool;
	struct timer_wheel tw;
	const struct tcp_cc_ops *cc;
	unsigned int n_listeners;
	struct tcp_listener listeners[TCP_MAX_LISTENERS];
	unsigned int n_conns;
	unsigned int n_time_wait;
	bool freeing; /* tcp_stack_free() runs: no new work */
	unsigned int max_conns;
	unsigned int syn_backlog;
	unsigned int max_half_open; /* SYN_RCVD over all listeners before cookies (edge) */
	unsigned int n_half_open;
	struct edge *edge;          /* NULL: no edge checks */
	unsigned int ooo_segs, ooo_max; /* mbufs of out-of-order data, all connections */
	uint32_t rcv_buf, snd_buf;
	uint8_t rcv_wscale;
	uint64_t tsc_per_us;
	uint64_t now_us;
	uint32_t challenge_acks; /* RFC 5961 §7: at most TCP_CHALLENGE_ACKS per second */
	uint64_t challenge_second;
	uint32_t rsts_sent;
	uint64_t rst_second;
	uint8_t isn_key[16];
	uint8_t cookie_secret[32];
	uint64_t keepalive_us; /* 0: off */
	uint64_t keepalive_interval_us;
	struct tcp_conn *reap_list;
	struct tcp_conn *tw_oldest, *tw_newest;
	unsigned int reap_pending;
	uint16_t ip_id;
	/* Output of the loop iteration gathered per connection and sent at its end
	 * (tcp_timers): data, close_notify and FIN in one segment, the ACK riding on
	 * the answer. Off (sent at once) until tcp_stack_batch_output. */
	bool batch_output;
	struct tcp_conn *out_first; /* connections with output due */
	uint32_t next_port;  /* offset into the source-port range, the next to try */
	uint16_t port_first; /* tcp.local_port_first */
	uint32_t port_count; /* ports in the range, 1..65535 */
};

/* RFC 6335 §6 leaves 49152-65535; Linux's range is wider, and so is the default here */
#define TCP_EPHEMERAL_FIRST 32768
#define TCP_EPHEMERAL_LAST 60999
#define TCP_REAP_SLACK 1024 /* pool objects beyond max_conns, for those awaiting the reap */
#define TCP_PAWS_SLACK 1 /* timestamp ticks an older segment may lag before PAWS drops it */
#define TCP_CHALLENGE_ACKS 1000
#define TCP_RSTS_PER_SEC 1000

static inline uint32_t u32_min(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint64_t u64_clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* RFC 9293 §3.4: sequence arithmetic modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

static inline struct tcp_conn *conn_of(struct tw_timer *t, size_t off)
{
	return (struct tcp_conn *)((char *)t - off);
}

#define TCP_MSS_LOCAL 1460  /* 1500-byte MTU minus IPv4 and TCP headers */
#define TCP_MSS_LOCAL6 1440 /* minus IPv6 (40 bytes) and TCP headers */
#define TCP_TS_OPT_LEN 12   /* NOP NOP TS: on every segment once timestamps are on */

/* The most a segment of this family carries on a 1500-byte MTU, before options. */
static inline uint16_t tcp_mss_local(uint8_t family)
{
	return family == 6 ? TCP_MSS_LOCAL6 : TCP_MSS_LOCAL;
}

/* A full segment from the peer: the MSS we offered, less the options every segment carries. */
static inline uint32_t tcp_rcv_full_seg(const struct tcp_conn *c)
{
	return (uint32_t)tcp_mss_local(c->tuple.family) - (c->ts_ok ? TCP_TS_OPT_LEN : 0);
}

/* Payload per segment: the peer's MSS, ours, less the options every segment carries (RFC 6691). */
static inline uint16_t tcp_effective_mss(const struct tcp_conn *c)
{
	uint16_t local = tcp_mss_local(c->tuple.family);
	uint16_t mss = c->mss < local ? c->mss : local;
	return (uint16_t)(c->ts_ok ? mss - TCP_TS_OPT_LEN : mss);
}

/*
 * Every send-side sequence variable starts at the ISS: a zero left in one of
 * them compares as "ahead" or "behind" depending on the ISS, modulo 2^32.
 */
static inline void tcp_send_seq_init(struct tcp_conn *c)
{
	c->snd_una = c->iss;
	c->recover = c->iss;
	c->sack_high = c->iss;
	c->rexmit_nxt = c->iss;
	c->rtt_seq = c->iss;
	c->snd_wl2 = c->iss;
}

/* tcp_fsm.c */
bool tcp_fsm_step(struct tcp_conn *c, enum tcp_event ev);
const char *tcp_state_name(enum tcp_state s);

/* tcp_owner.c: the worker that owns t among n. */
unsigned int tcp_owner(const struct tcp_tuple *t, unsigned int n_workers);

/* tcp_stack.c */
struct tcp_listener *tcp_listener_find(struct tcp_stack *s, uint16_t port_be);
struct tcp_conn *tcp_conn_lookup(struct tcp_stack *s, const struct tcp_tuple *t);
struct tcp_conn *tcp_conn_new(struct tcp_stack *s, const struct tcp_tuple *t, unsigned int pi);
/* The edge stops counting c against its client (at TIME_WAIT or destruction; once). */
void tcp_edge_release(struct tcp_conn *c);
void tcp_conn_destroy(struct tcp_conn *c, enum tcp_close_reason why);
uint32_t tcp_rcv_window(const struct tcp_conn *c);
uint32_t tcp_isn(struct tcp_stack *s, const struct tcp_tuple *t);
uint32_t tcp_ts_now(const struct tcp_conn *c);

/* tcp_in.c */
void tcp_input(void *stack, unsigned int pi, struct rte_mbuf *m, uint32_t l3_off, uint32_t l4_off);
void tcp_too_big(void *stack, unsigned int pi, struct rte_mbuf *m, const struct net_too_big *tb);
/* Fast retransmit: the first hole goes again and cwnd is cut (RFC 5681 §3.2, RFC 6675 §5). */
void tcp_enter_recovery(struct tcp_conn *c);

/* tcp_out.c */
void tcp_output(struct tcp_conn *c);
/* tcp_output and the ACK owed (ack_now): now, or with batch_output at tcp_flush_output. */
void tcp_output_soon(struct tcp_conn *c);
/* Off the list of connections with output due (c is being destroyed). */
void tcp_output_forget(struct tcp_conn *c);
void tcp_send_ack(struct tcp_conn *c);
void tcp_send_syn(struct tcp_conn *c, bool with_ack);
void tcp_send_rst(struct tcp_conn *c);
void tcp_retransmit_una(struct tcp_conn *c);
/* Recovery with SACK (RFC 6675 §5, simplified): resend the next hole; false if none. */
bool tcp_retransmit_hole(struct tcp_conn *c);
void tcp_retransmit_last(struct tcp_conn *c);
/* Recovery: how long a pass over the holes may go unanswered, and starting a new one. */
uint64_t tcp_hole_pass_age_us(const struct tcp_conn *c);
void tcp_restart_hole_pass(struct tcp_conn *c);
void tcp_send_probe(struct tcp_conn *c);
/* RST for a segment that has no connection (RFC 9293 §3.10.7.1), rate-limited. */
void tcp_reply_rst(struct tcp_stack *s, unsigned int pi, const struct tcp_tuple *t, uint32_t seq,
		   uint32_t ack, bool ack_flag);

/* tcp_timer.c */
void tcp_timers_init(struct tcp_conn *c);
void tcp_timers_cancel(struct tcp_conn *c);
void tcp_rtt_sample(struct tcp_conn *c, uint32_t rtt_us);
void tcp_arm_rtx(struct tcp_conn *c);
void tcp_arm_early(struct tcp_conn *c);
void tcp_arm_delack(struct tcp_conn *c);
void tcp_enter_time_wait(struct tcp_conn *c);
/* TIME_WAIT age list (tcp_stack.c): a full table recycles the oldest entry. */
void tcp_tw_list_add(struct tcp_conn *c);
void tcp_tw_list_remove(struct tcp_conn *c);
void tcp_arm_fin_wait2(struct tcp_conn *c);
/* Restart the keepalive clock (a segment arrived); a no-op when keepalive is off. */
void tcp_keepalive_touch(struct tcp_conn *c);

/* tcp_sack.c: the sender's scoreboard (RFC 6675) */
/* Take the blocks of an ACK; true when they SACK anything not SACKed before. */
bool tcp_sack_update(struct tcp_conn *c, const struct tcp_sack_block *blocks, unsigned int n);
/* snd_una moved: forget what is below it. */
void tcp_sack_trim(struct tcp_conn *c);
/* The SACKed block holding seq, or NULL. */
const struct tcp_sack_block *tcp_sacked(const struct tcp_conn *c, uint32_t seq);
uint32_t tcp_sacked_bytes(const struct tcp_conn *c);
bool tcp_sack_lost(const struct tcp_conn *c, uint32_t seq);
uint32_t tcp_sack_pipe(const struct tcp_conn *c);
/* The first hole at or above from and below the highest SACK (lost ones only, if lost). */
bool tcp_sack_next_hole(const struct tcp_conn *c, uint32_t from, bool lost, uint32_t *seq,
			uint32_t *len);

/* tcp_reass.c */
void tcp_reass_insert(struct tcp_conn *c, uint32_t seq, struct rte_mbuf *payload, uint32_t len);
/* Move what is now in order onto the receive queue; returns whether a FIN was seen (never). */
void tcp_reass_drain(struct tcp_conn *c);
void tcp_reass_free(struct tcp_conn *c);
unsigned int tcp_sack_blocks(const struct tcp_conn *c, struct tcp_sack_block *out, unsigned int max);

/* mbuf queues */
void tcp_mq_append(struct tcp_mq *q, struct rte_mbuf *chain, uint32_t len);
void tcp_mq_trim_front(struct tcp_mq *q, uint32_t bytes);
void tcp_mq_free(struct tcp_mq *q);

#endif

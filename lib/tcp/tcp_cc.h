/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/tcp: congestion control behind one small table of function
 * pointers, so the sender calls conn->cc->on_ack(...) and never branches on
 * which algorithm runs. Two backends: "cubic" (RFC 9438, the default) and
 * "newreno" (RFC 5681 + RFC 6582, with RFC 3465 byte counting, L = 2).
 *
 * What lives here is the window arithmetic only. Fast-recovery mechanics
 * belong to the sender (tcp_out.c / tcp_in.c): which segments to retransmit,
 * the recover point of RFC 6582, partial ACKs, window inflation and deflation.
 *
 * Contract with the sender. Sizes in bytes, times in microseconds on the
 * worker's clock; st is the connection's embedded struct tcp_cc_state.
 *
 *   MSS known (SYN / SYN-ACK)    init(st, smss, now): cwnd = IW (RFC 6928),
 *                                ssthresh = UINT32_MAX ("arbitrarily high").
 *
 *   ACK advancing SND.UNA,       on_ack(st, acked, rtt, flight, cwnd_limited, now)
 *   outside recovery             acked: bytes newly acknowledged (> 0);
 *                                rtt: an RFC 6298 sample from this ACK, or 0 (Karn);
 *                                flight: bytes still outstanding after this ACK;
 *                                cwnd_limited: since the previous ACK the sender
 *                                had data to send and flight reached cwnd. When
 *                                false, cwnd does not grow (RFC 7661, RFC 9438
 *                                §5.8) and CUBIC does not count the time.
 *                                Never called for duplicate ACKs.
 *
 *   3rd duplicate ACK or SACK    on_congestion(st, TCP_CC_FAST_RETRANSMIT, flight, now)
 *   loss detection               sets ssthresh and cwnd = ssthresh. The sender then
 *                                sets recover = highest sequence sent (RFC 6582
 *                                §3.2 step 2), retransmits, and until a full ACK
 *                                sends against cwnd + its own inflation (3*SMSS,
 *                                +SMSS per further duplicate ACK, deflated by
 *                                partial ACKs: RFC 6582 §3.2 steps 3-5). It never
 *                                writes st, and does not call on_ack during
 *                                recovery.
 *
 *   ECE on an ACK (RFC 3168)     on_congestion(st, TCP_CC_ECN, flight, now): the same
 *                                reduction with nothing to retransmit. The sender
 *                                treats it as a recovery period (recover point, no
 *                                on_ack, on_recovery_exit at the end) so it reacts
 *                                at most once per window (RFC 3168 §6.1.2).
 *
 *   full ACK (SND.UNA > recover) on_recovery_exit(st, now): cwnd = ssthresh (RFC 6582
 *                                §3.2 step 3, option 2: the sender avoids a
 *                                burst itself); the sender drops its inflation.
 *                                CUBIC starts a new congestion-avoidance epoch at
 *                                the next on_ack (RFC 9438 §4.2, t from there).
 *
 *   retransmission timer         on_congestion(st, TCP_CC_RTO, flight, now) on every
 *   expires                      expiry: cwnd = 1 SMSS (the loss window), slow start
 *                                again, with ABC L = 1 until ssthresh (RFC 3465
 *                                §2.3). ssthresh is reduced only on the first expiry:
 *                                a backed-off repeat before any new ACK holds it
 *                                (RFC 5681 §3.1). An RTO ends any recovery; no
 *                                on_recovery_exit follows.
 *
 *   about to send after nothing  on_idle_restart(st, now): cwnd = min(IW, cwnd)
 *   was sent for more than RTO   (RFC 5681 §4.1); ssthresh is kept.
 *
 *   packet too big lowered the   tcp_cc_mss_lowered(st, mss): cwnd and ssthresh stay in
 *   connection's MSS (RFC 8201)  bytes; every per-SMSS step from here on (ABC limit,
 *                                NewReno's +1 SMSS, CUBIC's curve and W_est, the 2 SMSS
 *                                floor, the loss window) uses the new SMSS. A CUBIC
 *                                epoch drawn with the old one starts again at the next
 *                                ACK, from the present cwnd against the same W_max.
 *
 * The sender reads the window with tcp_cc_cwnd() and tcp_cc_ssthresh() and may
 * send while flight < cwnd (+ its inflation in recovery).
 */
#ifndef TLSTERM_TCP_CC_H
#define TLSTERM_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_CC_DEFAULT "cubic"

enum tcp_cc_event {
	TCP_CC_FAST_RETRANSMIT, /* duplicate ACKs or SACK said a segment is lost */
	TCP_CC_ECN,		/* an ACK carried ECE */
	TCP_CC_RTO,		/* the retransmission timer expired */
};

/* Bits of tcp_cc_state.flags. */
enum tcp_cc_flag {
	TCP_CC_RTO_UNACKED = 1u << 0,  /* RTO fired, no new ACK since: a repeat holds ssthresh */
	TCP_CC_SS_AFTER_RTO = 1u << 1, /* slow start after an RTO: ABC limit L = 1 SMSS */
	TCP_CC_EPOCH = 1u << 2,	       /* CUBIC: epoch_us and k_ms describe the current curve */
};

/*
 * Embedded in every connection, so small and integer only (56 bytes on
 * x86-64). CUBIC's curve is kept in bytes and milliseconds; fractions of a
 * byte that one ACK earns are carried in the *_credit fields, not lost.
 */
struct tcp_cc_state {
	uint32_t cwnd;	    /* bytes */
	uint32_t ssthresh;  /* bytes; UINT32_MAX until the first congestion event */
	uint32_t mss;	    /* SMSS, bytes, 1..65535 */
	uint32_t ca_credit; /* congestion avoidance: acked bytes not yet turned into cwnd */
	uint32_t flags;	    /* enum tcp_cc_flag */
	/* CUBIC only (RFC 9438 §4) */
	uint32_t srtt_us;      /* smoothed from on_ack's samples (1/8 gain); 0 = none yet */
	uint32_t w_max;	       /* bytes; 0 = none: the next epoch starts with K = 0 (§4.8) */
	uint32_t cwnd_prior;   /* cwnd just before the last reduction (§4.6) */
	uint32_t w_est;	       /* Reno-friendly estimate, bytes (§4.3) */
	uint32_t w_est_credit; /* fraction of a byte owed to w_est, in 1/cwnd units */
	int32_t k_ms;	       /* K; negative when the epoch started above w_max */
	uint64_t epoch_us;     /* start of the current congestion-avoidance epoch */
};

_Static_assert(sizeof(struct tcp_cc_state) <= 64, "tcp_cc_state is embedded per connection");

struct tcp_cc_ops {
	const char *name;
	void (*init)(struct tcp_cc_state *st, uint32_t mss, uint64_t now_us);
	void (*on_ack)(struct tcp_cc_state *st, uint32_t acked_bytes, uint32_t rtt_us,
		       uint32_t bytes_in_flight, bool cwnd_limited, uint64_t now_us);
	void (*on_congestion)(struct tcp_cc_state *st, enum tcp_cc_event ev,
			      uint32_t bytes_in_flight, uint64_t now_us);
	void (*on_recovery_exit)(struct tcp_cc_state *st, uint64_t now_us);
	void (*on_idle_restart)(struct tcp_cc_state *st, uint64_t now_us);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* The algorithm called name ("cubic", "newreno"), or NULL. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);

static inline uint32_t tcp_cc_cwnd(const struct tcp_cc_state *st)
{
	return st->cwnd;
}

static inline uint32_t tcp_cc_ssthresh(const struct tcp_cc_state *st)
{
	return st->ssthresh;
}

/* ---- shared by cc_newreno.c and cc_cubic.c (tcp_cc.c) ---- */

/* RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)). */
uint32_t tcp_cc_initial_window(uint32_t mss);

/* Zero st, then cwnd = IW, ssthresh = UINT32_MAX; an MSS of 0 means 536 (RFC 9293). */
void tcp_cc_init_common(struct tcp_cc_state *st, uint32_t mss);

/* Slow start with RFC 3465 byte counting; cwnd stops at ssthresh. */
void tcp_cc_slow_start(struct tcp_cc_state *st, uint32_t acked_bytes);

/* RTO: ssthresh = max(reduced, 2*SMSS) unless this is a repeat, cwnd = 1 SMSS. */
void tcp_cc_timeout(struct tcp_cc_state *st, uint32_t reduced_ssthresh);

/* The sender's SMSS came down to mss (packet too big); a larger or zero one is ignored. */
void tcp_cc_mss_lowered(struct tcp_cc_state *st, uint32_t mss);

/* RFC 5681 §4.1: cwnd = min(IW, cwnd). */
void tcp_cc_restart_window(struct tcp_cc_state *st);

/* max(x, 2*SMSS), the floor RFC 5681 and RFC 9438 put under ssthresh. */
static inline uint32_t tcp_cc_floor(const struct tcp_cc_state *st, uint64_t x)
{
	uint64_t two = 2 * (uint64_t)st->mss;
	return (uint32_t)(x > two ? x : two);
}

#endif /* TLSTERM_TCP_CC_H */

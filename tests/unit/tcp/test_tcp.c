/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/tcp against a scripted peer (tcp_harness.c): handshakes, data, loss, resets, closing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <tlsterm/edge.h>

#include "tcp_harness.h"

#define ISN 1000000u

/* len bytes of fill, as a chain of segments of at most 1000 bytes. */
static struct rte_mbuf *payload_mbuf(uint32_t len, uint8_t fill)
{
	struct rte_mbuf *head = NULL;
	while (len > 0) {
		uint16_t n = (uint16_t)RTE_MIN(len, 1000u);
		struct rte_mbuf *m = rte_pktmbuf_alloc(eal_fixture_pool());
		assert_non_null(m);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, n);
		assert_non_null(p);
		memset(p, fill, n);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		len -= n;
	}
	return head;
}

/* A short segment is not quick-ACKed: nothing at once, the ACK after the delayed-ACK time. */
static void expect_delayed_ack(struct hseg *a)
{
	h_expect_none();
	h_advance_ms(TCP_DELACK_US / 1000);
	h_expect_one(a);
}

/* The harness peer's address, in the family the test speaks. */
static struct ip_addr peer_addr(void)
{
	struct ip_addr a = {.family = H.ipv6 ? 6 : 4};
	if (H.ipv6) {
		memcpy(a.bytes, fixture_peer_ip6, 16);
	} else {
		uint32_t v4 = rte_cpu_to_be_32(FIXTURE_PEER_IP);
		memcpy(a.bytes, &v4, 4);
	}
	return a;
}

static void test_passive_handshake_options(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint8_t ol = h_syn_opts(o, 777, 0, true, true, 7);
	h_send(F_SYN, ISN, 0, 64240, o, ol, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(sa.ack, ISN + 1);
	assert_true(sa.opts.mss_present);
	assert_int_equal(sa.opts.mss, 1460);
	assert_true(sa.opts.sack_permitted);
	assert_true(sa.opts.ts_present);
	assert_int_equal(sa.opts.tsecr, 777);
	assert_true(sa.opts.wscale_present);
	assert_int_equal(sa.opts.wscale, H.stack->rcv_wscale);
	assert_int_equal(H.established, 0);
	assert_int_equal(tcp_conn_count(H.stack), 1);

	ol = h_ts_opts(o, 778, sa.opts.tsval);
	h_send(F_ACK, ISN + 1, sa.seq + 1, 502, o, ol, NULL, 0);
	h_expect_none();
	assert_int_equal(H.established, 1);
	assert_int_equal(H.conn->state, TCP_ESTABLISHED);
	assert_int_equal(H.conn->snd_wnd, 502u << 7);
	assert_int_equal(H.ctr.tcp.passive_opens, 1);
}

static void test_segments_fit_the_mtu_with_timestamps(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, true, false, 7);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(3000, 't')), 0);
	struct hseg s[8];
	unsigned int n = h_recv(s, 8);
	assert_int_equal(n, 3);
	/* 1448 + 12 bytes of timestamps + 40 of headers = 1500 */
	assert_int_equal(s[0].len, 1448);
	assert_int_equal(s[0].opt_len, 12);
	assert_int_equal(s[0].seq, iss + 1);
}

static void test_no_options_peer(void **state)
{
	(void)state;
	h_send(F_SYN, ISN, 0, 8192, NULL, 0, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	/* Only MSS: nothing the peer did not offer. */
	assert_true(sa.opts.mss_present);
	assert_false(sa.opts.wscale_present);
	assert_false(sa.opts.sack_permitted);
	assert_false(sa.opts.ts_present);
	h_send(F_ACK, ISN + 1, sa.seq + 1, 8192, NULL, 0, NULL, 0);
	assert_int_equal(H.established, 1);
	assert_int_equal(H.conn->mss, TCP_MSS_DEFAULT);
	assert_int_equal(H.conn->snd_wnd, 8192);
}

/* RFC 7323 §2.3: a shift above 14 is taken as 14. */
static void test_wscale_above_14_taken_as_14(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint8_t ol = h_syn_opts(o, 0, 0, false, false, 15);
	h_send(F_SYN, ISN, 0, 1000, o, ol, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_true(sa.opts.wscale_present);
	h_send(F_ACK, ISN + 1, sa.seq + 1, 3, NULL, 0, NULL, 0);
	assert_int_equal(H.established, 1);
	assert_int_equal(H.conn->snd_wscale, 14);
	assert_int_equal(H.conn->snd_wnd, 3u << 14);
}

/* Window scaling needs both sides: a peer that offers none gets unscaled windows from us. */
static void test_wscale_only_when_both_offer(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint8_t ol = h_syn_opts(o, 5, 0, true, true, -1);
	h_send(F_SYN, ISN, 0, 65535, o, ol, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_false(sa.opts.wscale_present);
	ol = h_ts_opts(o, 6, sa.opts.tsval);
	h_send(F_ACK, ISN + 1, sa.seq + 1, 65535, o, ol, NULL, 0);
	assert_int_equal(H.established, 1);
	assert_int_equal(H.conn->rcv_wscale, 0);
	assert_int_equal(H.conn->snd_wnd, 65535);
	/* Our window field is the window itself: at most 65535 whatever the buffer. */
	h_send(F_ACK | F_PSH, ISN + 1, sa.seq + 1, 65535, o, ol, "x", 1);
	struct hseg a;
	expect_delayed_ack(&a);
	assert_true(H.stack->rcv_buf > 65536); /* a scaled window would say more */
	assert_int_equal(a.win, 65535);
}

/* A SYN_RCVD connection whose SYN-ACK is never answered: resent with backoff
 * TCP_SYN_RETRIES times, then freed with its half-open slot. */
static void test_synack_retries_then_gives_up(void **state)
{
	(void)state;
	h_send(F_SYN, ISN, 0, 8192, NULL, 0, NULL, 0);
	struct hseg sa, r;
	h_expect_one(&sa);
	unsigned int resent = 0, resets = 0;
	uint64_t waited_ms = 0;
	while (tcp_conn_count(H.stack) > 0 && waited_ms < 200000) {
		h_advance_ms(500);
		waited_ms += 500;
		struct hseg s[4];
		unsigned int n = h_recv(s, 4);
		for (unsigned int i = 0; i < n; i++) {
			r = s[i];
			if (r.flags & F_RST) {
				resets++; /* the peer is told when we give up */
				continue;
			}
			assert_int_equal(resets, 0);
			assert_int_equal(r.flags, F_SYN | F_ACK);
			assert_int_equal(r.seq, sa.seq);
			resent++;
		}
	}
	assert_int_equal(resent, TCP_SYN_RETRIES);
	assert_true(resets <= 1);
	assert_int_equal(tcp_conn_count(H.stack), 0);
	assert_int_equal(H.ctr.tcp.timeouts, 1);
	/* 1 + 2 + 4 + 8 + 16 s of waits, then 32 s more before giving up (RFC 6298 5.5). */
	assert_true(waited_ms >= 63000 && waited_ms <= 64000);
	/* The slot is back: a new SYN is answered as usual. */
	h_send(F_SYN, ISN + 5000, 0, 8192, NULL, 0, NULL, 0);
	h_expect_one(&r);
	assert_int_equal(r.flags, F_SYN | F_ACK);
}

static void test_data_in_order_is_acked(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	h_send(F_ACK | F_PSH, ISN + 1, iss + 1, 8192, NULL, 0, "hello", 5);
	struct hseg a;
	expect_delayed_ack(&a); /* 5 bytes: a request, whose answer would carry the ACK */
	assert_int_equal(a.flags, F_ACK);
	assert_int_equal(a.ack, ISN + 1 + 5);
	assert_int_equal(H.readable, 1);
	/* A full segment at the start of a connection is ACKed at once (quick ACK). */
	h_send(F_ACK, ISN + 1 + 5, iss + 1, 8192, NULL, 0, NULL, 1460);
	h_expect_one(&a);
	assert_int_equal(a.ack, ISN + 1 + 5 + 1460);
}

static void test_send_segments_by_mss(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1); /* peer MSS 1460 */
	assert_int_equal(tcp_send(H.conn, payload_mbuf(3000, 'x')), 0);
	struct hseg s[8];
	unsigned int n = h_recv(s, 8);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].len, 1460);
	assert_int_equal(s[1].len, 1460);
	assert_int_equal(s[2].len, 80);
	assert_int_equal(s[0].seq, iss + 1);
	assert_int_equal(s[2].seq, iss + 1 + 2920);
	assert_true(s[2].flags & F_PSH);
	assert_int_equal(s[0].data[0], 'x');
	assert_int_equal(s[1].data[1459], 'x');
	h_send(F_ACK, ISN + 1, iss + 1 + 3000, 8192, NULL, 0, NULL, 0);
	assert_int_equal(H.conn->sndq.bytes, 0);
	assert_true(H.writable >= 1);
}

/* Payload bytes at offset i of a stream: a pattern that shows any slip. */
static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i % 251);
}

/*
 * Full segments share the send queue's mbufs (indirect slices behind the headers)
 * instead of copying; short ones are copied. The bytes on the wire, across the
 * queue's 1000-byte mbufs, the checksum (h_recv), and a resend after an RTO that
 * starts mid-mbuf are all right; once ACKed every mbuf is back (teardown checks).
 */
static void test_send_shares_queue_mbufs(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1); /* peer MSS 1460 */
	struct rte_mbuf *m = payload_mbuf(3000, 0);
	uint32_t at = 0;
	for (struct rte_mbuf *x = m; x != NULL; x = x->next)
		for (uint16_t i = 0; i < x->data_len; i++)
			rte_pktmbuf_mtod(x, uint8_t *)[i] = pattern(at++);
	assert_int_equal(tcp_send(H.conn, m), 0);
	struct hseg s[8];
	assert_int_equal(h_recv(s, 8), 3);
	for (unsigned int k = 0; k < 3; k++)
		for (uint16_t i = 0; i < s[k].len; i++)
			assert_int_equal(s[k].data[i], pattern(s[k].seq - (iss + 1) + i));
	assert_true(s[0].nb_segs >= 3); /* headers + slices of the 1st and 2nd mbufs */
	assert_int_equal(s[2].nb_segs, 1); /* 80 bytes: copied */
	/* The first 500 bytes are ACKed; the rest is lost and goes again after the RTO. */
	h_send(F_ACK, ISN + 1, iss + 1 + 500, 8192, NULL, 0, NULL, 0);
	h_advance_ms(1100);
	assert_int_equal(h_recv(s, 8), 1);
	assert_int_equal(s[0].seq, iss + 1 + 500);
	assert_int_equal(s[0].len, 1460);
	for (uint16_t i = 0; i < s[0].len; i++)
		assert_int_equal(s[0].data[i], pattern(500 + i));
	h_send(F_ACK, ISN + 1, iss + 1 + 3000, 8192, NULL, 0, NULL, 0);
	assert_int_equal(H.conn->sndq.bytes, 0);
}

static void test_rst_exact_and_in_window(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	/* RFC 5961 §3.2: in the window but not exact → challenge ACK, connection stays. */
	h_send(F_RST, ISN + 1 + 100, 0, 0, NULL, 0, NULL, 0);
	struct hseg a;
	h_expect_one(&a);
	assert_int_equal(a.flags, F_ACK);
	assert_int_equal(a.ack, ISN + 1);
	assert_int_equal(H.ctr.tcp.challenge_acks, 1);
	assert_int_equal(H.closed, 0);
	/* Outside the window: ignored silently. */
	h_send(F_RST, ISN + 1 + 10000000, 0, 0, NULL, 0, NULL, 0);
	h_expect_none();
	assert_int_equal(H.closed, 0);
	/* Exact: reset. */
	h_send(F_RST, ISN + 1, iss + 1, 0, NULL, 0, NULL, 0);
	h_advance_ms(1);
	assert_int_equal(H.closed, 1);
	assert_int_equal(H.close_reason, TCP_CLOSE_RESET);
	assert_int_equal(tcp_conn_count(H.stack), 0);
}

static void test_syn_in_established_challenged(void **state)
{
	(void)state;
	h_handshake(ISN, false, false, -1);
	h_send(F_SYN, ISN + 5000, 0, 8192, NULL, 0, NULL, 0);
	struct hseg a;
	h_expect_one(&a);
	assert_int_equal(a.flags, F_ACK); /* RFC 5961 §4.2 */
	assert_int_equal(a.ack, ISN + 1);
	assert_int_equal(H.conn->state, TCP_ESTABLISHED);
}

static void test_rto_and_backoff(void **state)
{
	(void)state;
	h_handshake(ISN, true, true, 7);
	uint32_t rto_ms = H.conn->rto_us / 1000;
	assert_int_equal(rto_ms, TCP_RTO_MIN_US / 1000); /* tiny RTT: the floor */
	assert_int_equal(tcp_send(H.conn, payload_mbuf(100, 'a')), 0);
	struct hseg s;
	h_expect_one(&s);
	uint32_t first_seq = s.seq;
	h_advance_ms(rto_ms - 2);
	h_expect_none();
	h_advance_ms(3);
	h_expect_one(&s); /* first retransmission after one RTO */
	assert_int_equal(s.seq, first_seq);
	assert_int_equal(s.len, 100);
	h_advance_ms(2 * rto_ms - 2);
	h_expect_none();
	h_advance_ms(3);
	h_expect_one(&s); /* then after twice the RTO (RFC 6298 5.5) */
	assert_int_equal(H.ctr.tcp.rto_expiries, 2);
	assert_int_equal(tcp_cc_cwnd(&H.conn->cc), H.conn->mss); /* loss window */
}

static void test_gives_up_after_retries(void **state)
{
	(void)state;
	h_handshake(ISN, false, false, -1);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(10, 'a')), 0);
	for (int i = 0; i < 40 && H.closed == 0; i++)
		h_advance_ms(60000);
	assert_int_equal(H.closed, 1);
	assert_int_equal(H.close_reason, TCP_CLOSE_TIMEOUT);
	assert_int_equal(tcp_conn_count(H.stack), 0);
}

static void test_fast_retransmit(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint32_t iss = h_handshake(ISN, false, false, -1);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(1460 * 5, 'b')), 0);
	struct hseg s[8];
	assert_int_equal(h_recv(s, 8), 5);
	(void)o;
	/* Segment 1 arrives, 2 is lost, 3..5 arrive: one ACK, then three duplicates. */
	h_send(F_ACK, ISN + 1, iss + 1 + 1460, 8192, NULL, 0, NULL, 0);
	for (int i = 0; i < 2; i++)
		h_send(F_ACK, ISN + 1, iss + 1 + 1460, 8192, NULL, 0, NULL, 0);
	h_expect_none();
	h_send(F_ACK, ISN + 1, iss + 1 + 1460, 8192, NULL, 0, NULL, 0);
	struct hseg r;
	h_expect_one(&r);
	assert_int_equal(r.seq, iss + 1 + 1460);
	assert_int_equal(r.len, 1460);
	assert_int_equal(H.ctr.tcp.fast_retransmits, 1);
	assert_true(H.conn->in_recovery);
	h_send(F_ACK, ISN + 1, iss + 1 + 1460 * 5, 8192, NULL, 0, NULL, 0);
	assert_false(H.conn->in_recovery);
	assert_int_equal(H.conn->sndq.bytes, 0);
}

static uint8_t sack_opts(uint8_t *buf, const struct tcp_sack_block *b, unsigned int n)
{
	return (uint8_t)tcp_options_write(buf, TCP_OPTIONS_MAX, false, 0, 0, b, n);
}

/* A connection with SACK on (no timestamps, MSS 1460) that has sent segs full segments
 * of fill, all seen by the peer; returns the first one's sequence number. */
static uint32_t sack_flight(unsigned int segs, char fill)
{
	uint32_t iss = h_handshake(ISN, false, true, -1);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(segs * 1460, (uint8_t)fill)), 0);
	struct hseg s[16];
	assert_int_equal(h_recv(s, 16), segs);
	return iss + 1;
}

/* Two holes (segments 2 and 4 of 6): the SACKs lead to both being resent, nothing else. */
static void test_sack_holes_retransmitted(void **state)
{
	(void)state;
	const uint32_t mss = 1460, base = sack_flight(6, 'h');
	uint8_t o[TCP_OPTIONS_MAX];
	/* segment 1 arrives: plain ACK */
	h_send(F_ACK, ISN + 1, base + mss, 64240, NULL, 0, NULL, 0);
	/* 3, 5 and 6 arrive: each duplicate ACK SACKs something new */
	struct tcp_sack_block b3 = {base + 2 * mss, base + 3 * mss};
	struct tcp_sack_block b56[2] = {{base + 4 * mss, base + 6 * mss}, {base + 2 * mss, base + 3 * mss}};
	h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, &b3, 1), NULL, 0);
	struct tcp_sack_block b5[2] = {{base + 4 * mss, base + 5 * mss}, {base + 2 * mss, base + 3 * mss}};
	h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, b5, 2), NULL, 0);
	h_expect_none();
	h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, b56, 2), NULL, 0);
	/* Third duplicate: the first hole (lost: three segments SACKed above it), then, as
	 * pipe (two segments) leaves room in cwnd, the other hole (RFC 6675 NextSeg rule 3),
	 * and never the SACKed 3. */
	struct hseg r[4];
	assert_int_equal(h_recv(r, 4), 2);
	assert_int_equal(r[0].seq, base + mss);
	assert_int_equal(r[0].len, mss);
	assert_int_equal(r[1].seq, base + 3 * mss);
	assert_int_equal(r[1].len, mss);
	/* One more duplicate: nothing is left to send */
	h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, b56, 2), NULL, 0);
	h_expect_none();
	/* Everything acknowledged: recovery over, queue empty */
	h_send(F_ACK, ISN + 1, base + 6 * mss, 64240, NULL, 0, NULL, 0);
	assert_false(H.conn->in_recovery);
	assert_int_equal(H.conn->sndq.bytes, 0);
	assert_int_equal(H.ctr.tcp.retransmits, 2);
}

/* The board merges overlapping and touching blocks, ignores D-SACKs and blocks beyond
 * snd_max, and when full forgets its highest block (a needless resend at worst). */
static void test_sack_board_merges_and_bounds(void **state)
{
	(void)state;
	const uint32_t mss = 1460, base = sack_flight(10, 'm');
	struct tcp_conn *c = H.conn;
	struct tcp_sack_block b[4] = {
		{base + 4 * mss, base + 5 * mss},
		{base + 2 * mss, base + 3 * mss},
		{base + 3 * mss, base + 4 * mss}, /* touches both: one block 2..5 */
		{base - 100, base},               /* D-SACK below snd_una: ignored */
	};
	assert_true(tcp_sack_update(c, b, 4));
	assert_int_equal(c->n_sack_board, 1);
	assert_int_equal(c->sack_board[0].left, base + 2 * mss);
	assert_int_equal(c->sack_board[0].right, base + 5 * mss);
	assert_false(tcp_sack_update(c, &b[1], 1)); /* nothing new */
	struct tcp_sack_block beyond = {base + 9 * mss, base + 11 * mss};
	assert_false(tcp_sack_update(c, &beyond, 1));
	assert_int_equal(c->n_sack_board, 1);
	/* Fill the board with one-byte blocks above; the highest is the one dropped. */
	for (unsigned int i = 0; i < TCP_SACK_BOARD_MAX + 2; i++) {
		struct tcp_sack_block one = {base + 6 * mss + 2 * i, base + 6 * mss + 2 * i + 1};
		tcp_sack_update(c, &one, 1);
	}
	assert_int_equal(c->n_sack_board, TCP_SACK_BOARD_MAX);
	assert_int_equal(c->sack_board[0].left, base + 2 * mss);
	assert_int_equal(c->sack_board[TCP_SACK_BOARD_MAX - 1].left,
			 base + 6 * mss + 2 * (TCP_SACK_BOARD_MAX - 2));
	assert_int_equal(c->sack_high, base + 6 * mss + 2 * (TCP_SACK_BOARD_MAX + 1) + 1);
	/* IsLost: above segment 2 lie 3 mss and 8 blocks; above the board, nothing. */
	assert_true(tcp_sack_lost(c, base + mss));
	assert_false(tcp_sack_lost(c, base + 7 * mss));
	/* A cumulative ACK past some blocks trims them. */
	h_send(F_ACK, ISN + 1, base + 4 * mss, 64240, NULL, 0, NULL, 0);
	assert_int_equal(c->sack_board[0].left, base + 4 * mss);
	assert_int_equal(c->sack_board[0].right, base + 5 * mss);
}

/*
 * The peer reports only its latest SACK block in each ACK (as a receiver does once
 * more holes are open than its option space holds): the scoreboard keeps the older
 * ones, so every hole is resent once and no SACKed segment goes again; pipe
 * (RFC 6675 SetPipe) holds what goes at once to cwnd.
 */
static void test_sack_scoreboard_remembers_blocks(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	const uint32_t mss = 1460, base = sack_flight(10, 'b');
	struct hseg s[12];
	h_advance_ms(2);
	h_send(F_ACK, ISN + 1, base + mss, 64240, NULL, 0, NULL, 0);
	/* Segments 3, 5, 7 and 9 arrive (counting from 1); 2, 4, 6, 8 and 10 do not. */
	bool resent[11] = {false};
	unsigned int n_resent = 0;
	for (unsigned int k = 3; k <= 9; k += 2) {
		struct tcp_sack_block b = {base + (k - 1) * mss, base + k * mss};
		h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, &b, 1), NULL, 0);
		unsigned int n = h_recv(s, 12);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal((s[i].seq - base) % mss, 0);
			unsigned int seg = (s[i].seq - base) / mss + 1;
			assert_true(seg == 2 || seg == 4 || seg == 6 || seg == 8); /* holes only */
			assert_false(resent[seg]);
			resent[seg] = true;
			n_resent++;
		}
		assert_true(tcp_sack_pipe(H.conn) <= tcp_cc_cwnd(&H.conn->cc));
	}
	assert_true(H.conn->in_recovery);
	assert_int_equal(H.conn->n_sack_board, 4);
	assert_int_equal(tcp_sacked_bytes(H.conn), 4 * mss);
	assert_int_equal(H.ctr.tcp.fast_retransmits, 1);
	/* cwnd (0.7 of the flight) is full: 2, 4 and 6 went, 8 waits for room */
	assert_int_equal(n_resent, 3);
	assert_false(resent[8]);
	assert_true(tcp_sack_pipe(H.conn) + mss > tcp_cc_cwnd(&H.conn->cc));
	/* 2 to 7 are in: a partial ACK (still SACKing 9) frees pipe, and 8 goes */
	struct tcp_sack_block b9 = {base + 8 * mss, base + 9 * mss};
	h_send(F_ACK, ISN + 1, base + 7 * mss, 64240, o, sack_opts(o, &b9, 1), NULL, 0);
	struct hseg r;
	h_expect_one(&r);
	assert_int_equal(r.seq, base + 7 * mss);
	assert_int_equal(H.conn->n_sack_board, 1);
	/* Everything but 10 is in; the hole at 10 is above the highest SACK: not resent. */
	h_send(F_ACK, ISN + 1, base + 9 * mss, 64240, NULL, 0, NULL, 0);
	h_expect_none();
	assert_int_equal(H.conn->n_sack_board, 0);
	h_send(F_ACK, ISN + 1, base + 10 * mss, 64240, NULL, 0, NULL, 0);
	assert_false(H.conn->in_recovery);
	assert_int_equal(H.conn->sndq.bytes, 0);
	assert_int_equal(H.ctr.tcp.rto_expiries, 0);
}

/* The last segments go unanswered: a probe after two round trips, not an RTO; the
 * peer's SACK of the probe shows the hole, and recovery resends it at once. */
static void test_tail_loss_probe(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	const uint32_t mss = 1460, base = sack_flight(4, 't');
	h_advance_ms(2);
	h_send(F_ACK, ISN + 1, base + mss, 64240, NULL, 0, NULL, 0); /* an RTT sample: 2 ms */
	assert_true(H.conn->srtt_us >= 1000 && H.conn->srtt_us <= 3000);
	/* 2 to 4 are lost, and so no ACK comes. Two round trips are 4 ms; the floor is 10. */
	h_advance_ms(9);
	h_expect_none();
	h_advance_ms(3);
	struct hseg p;
	h_expect_one(&p);
	assert_int_equal(p.seq, base + 3 * mss); /* the last segment again */
	assert_int_equal(p.len, mss);
	assert_int_equal(H.ctr.tcp.tail_loss_probes, 1);
	assert_int_equal(H.ctr.tcp.rto_expiries, 0);
	/* The probe arrives and is SACKed: everything below it is lost. */
	struct tcp_sack_block b = {base + 3 * mss, base + 4 * mss};
	h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, &b, 1), NULL, 0);
	h_expect_one(&p);
	assert_int_equal(p.seq, base + mss);
	assert_int_equal(H.ctr.tcp.fast_retransmits, 1);
	assert_true(H.conn->in_recovery);
	h_send(F_ACK, ISN + 1, base + 4 * mss, 64240, NULL, 0, NULL, 0);
	assert_false(H.conn->in_recovery);
	assert_int_equal(H.conn->sndq.bytes, 0);
	assert_int_equal(H.ctr.tcp.rto_expiries, 0);
}

/* Our FIN's ACK is lost: a FIN is acknowledged at once, so the probe does not wait out a
 * delayed ACK (200 ms) but goes after two round trips (at least 10 ms), not as an RTO. */
static void test_lone_fin_probed_early(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, true, -1);
	const uint32_t base = iss + 1;
	assert_int_equal(tcp_send(H.conn, payload_mbuf(100, 'f')), 0);
	struct hseg s[4];
	assert_int_equal(h_recv(s, 4), 1);
	h_advance_ms(2);
	h_send(F_ACK, ISN + 1, base + 100, 64240, NULL, 0, NULL, 0); /* an RTT sample: 2 ms */
	tcp_shutdown_write(H.conn);
	struct hseg f;
	h_expect_one(&f);
	assert_true(f.flags & F_FIN);
	assert_int_equal(f.seq, base + 100);
	h_advance_ms(9);
	h_expect_none();
	h_advance_ms(3);
	h_expect_one(&f); /* the FIN again, 12 ms on */
	assert_true(f.flags & F_FIN);
	assert_int_equal(f.seq, base + 100);
	assert_int_equal(H.ctr.tcp.tail_loss_probes, 1);
	assert_int_equal(H.ctr.tcp.rto_expiries, 0);
	h_send(F_ACK, ISN + 1, base + 101, 64240, NULL, 0, NULL, 0);
	assert_int_equal(H.conn->snd_una, H.conn->snd_max);
}

/* A resent hole is lost again: once a round trip has passed with SACKs still coming,
 * the pass over the holes starts again, well before the RTO. */
static void test_lost_retransmission_resent_within_a_round_trip(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	const uint32_t mss = 1460, base = sack_flight(8, 'r');
	h_advance_ms(2);
	h_send(F_ACK, ISN + 1, base + mss, 64240, NULL, 0, NULL, 0);
	/* Segment 2 is lost; 3, 4 and 5 are SACKed: three segments' worth says so. */
	struct tcp_sack_block b = {base + 2 * mss, base + 5 * mss};
	h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, &b, 1), NULL, 0);
	struct hseg p;
	h_expect_one(&p);
	assert_int_equal(p.seq, base + mss);
	assert_int_equal(H.ctr.tcp.fast_retransmits, 1);
	/* The resend is lost too. More SACKs come; the hole stays open. */
	b.right = base + 6 * mss;
	h_send(F_ACK, ISN + 1, base + mss, 64240, o, sack_opts(o, &b, 1), NULL, 0);
	h_expect_none(); /* already resent this pass */
	h_advance_ms(4); /* more than 1.25 round trips */
	h_expect_one(&p);
	assert_int_equal(p.seq, base + mss);
	assert_int_equal(H.ctr.tcp.lost_retransmits, 1);
	assert_int_equal(H.ctr.tcp.rto_expiries, 0);
	h_send(F_ACK, ISN + 1, base + 8 * mss, 64240, NULL, 0, NULL, 0);
	assert_false(H.conn->in_recovery);
	assert_int_equal(H.conn->sndq.bytes, 0);
}

static void test_out_of_order_sack_and_fill(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint32_t iss = h_handshake(ISN, true, true, 7);
	uint8_t ol = h_ts_opts(o, 2000, 0);
	H.auto_read = false;
	h_send(F_ACK, ISN + 1 + 1000, iss + 1, 502, o, ol, NULL, 500);
	struct hseg a;
	h_expect_one(&a); /* immediate duplicate ACK carrying SACK */
	assert_int_equal(a.ack, ISN + 1);
	assert_int_equal(a.opts.n_sack, 1);
	assert_int_equal(a.opts.sack[0].left, ISN + 1 + 1000);
	assert_int_equal(a.opts.sack[0].right, ISN + 1 + 1500);
	assert_int_equal(H.readable, 0);
	h_send(F_ACK, ISN + 1, iss + 1, 502, o, ol, NULL, 1000);
	h_expect_one(&a);
	assert_int_equal(a.ack, ISN + 1 + 1500);
	assert_int_equal(a.opts.n_sack, 0);
	assert_int_equal(tcp_recv_available(H.conn), 1500);
	struct rte_mbuf *m = tcp_recv(H.conn, UINT32_MAX);
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 1500);
	rte_pktmbuf_free(m);
}

static void test_window_closes_when_not_read(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, 7);
	H.auto_read = false;
	uint32_t buf = H.stack->rcv_buf;
	uint32_t sent = 0;
	struct hseg s[8];
	while (sent + 1460 <= buf) {
		h_send(F_ACK, ISN + 1 + sent, iss + 1, 502, NULL, 0, NULL, 1460);
		sent += 1460;
		h_recv(s, 8);
	}
	h_advance_ms(100);
	unsigned int n = h_recv(s, 8);
	if (n == 0) { /* no delayed ACK pending: ask with a window probe */
		h_send(F_ACK, ISN + sent, iss + 1, 502, NULL, 0, NULL, 0);
		n = h_recv(s, 8);
	}
	assert_int_equal(n, 1);
	uint32_t wnd = (uint32_t)s[0].win << H.conn->rcv_wscale;
	assert_true(wnd < 1460 * 2);
	/* Past the window: dropped (and answered with an ACK); the buffer did not grow. */
	h_send(F_ACK, ISN + 1 + buf + 4096, iss + 1, 502, NULL, 0, NULL, 1460);
	assert_true(tcp_recv_available(H.conn) <= buf);
	assert_int_equal(h_recv(s, 8), 1);
	assert_int_equal(H.ctr.drops[DROP_TCP_OUT_OF_WINDOW], 1);
	struct rte_mbuf *m;
	while ((m = tcp_recv(H.conn, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	/* Reading reopened it, and the peer is told. */
	assert_int_equal(h_recv(s, 8), 1);
	assert_true(((uint32_t)s[0].win << H.conn->rcv_wscale) >= buf / 2);
}

/*
 * Our window is shut (nothing read) while the peer's data segment at RCV.NXT
 * also acknowledges our data: the ACK must be taken even though the data
 * can't be (RFC 9293 §3.10.7.4), or both sides wait for each other forever.
 */
static void test_ack_taken_while_our_window_is_zero(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, 7);
	H.auto_read = false;
	struct hseg s[8];
	uint32_t sent = 0;
	while (tcp_rcv_window(H.conn) > 0) {
		uint16_t n = (uint16_t)RTE_MIN(tcp_rcv_window(H.conn), 1460u);
		h_send(F_ACK, ISN + 1 + sent, iss + 1, 502, NULL, 0, NULL, n);
		sent += n;
		h_recv(s, 8);
	}
	uint32_t held = tcp_recv_available(H.conn);
	assert_int_equal(held, H.stack->rcv_buf);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(1000, 'w')), 0);
	assert_int_equal(h_recv(s, 8), 1);
	/* Data that doesn't fit, carrying the ACK of our 1000 bytes. */
	h_send(F_ACK, ISN + 1 + sent, iss + 1 + 1000, 502, NULL, 0, NULL, 1460);
	assert_int_equal(H.conn->snd_una, iss + 1 + 1000); /* the ACK was processed */
	assert_int_equal(H.conn->sndq.bytes, 0);
	assert_int_equal(tcp_recv_available(H.conn), held); /* the data was not */
	assert_true(H.ctr.drops[DROP_TCP_RCV_BUFFER_FULL] >= 1);
	assert_true(h_recv(s, 8) >= 1); /* and the peer hears our window */
	assert_int_equal(s[0].ack, ISN + 1 + sent);
}

static void test_zero_window_persist(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	h_send(F_ACK, ISN + 1, iss + 1, 0, NULL, 0, NULL, 0); /* window 0 */
	assert_int_equal(tcp_send(H.conn, payload_mbuf(100, 'z')), 0);
	h_expect_none();
	h_advance_ms(TCP_RTO_INIT_US / 1000 + 5);
	struct hseg p;
	h_expect_one(&p);
	assert_int_equal(p.seq, iss); /* probe: snd_una - 1 */
	assert_int_equal(p.len, 0);
	assert_int_equal(H.ctr.tcp.zero_window_probes, 1);
	h_send(F_ACK, ISN + 1, iss + 1, 8192, NULL, 0, NULL, 0); /* window opens */
	h_expect_one(&p);
	assert_int_equal(p.seq, iss + 1);
	assert_int_equal(p.len, 100);
}

static void test_paws_drops_old_timestamp(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint32_t iss = h_handshake(ISN, true, true, 7);
	uint8_t ol = h_ts_opts(o, 5000, 0);
	h_send(F_ACK, ISN + 1, iss + 1, 502, o, ol, "a", 1);
	struct hseg a;
	expect_delayed_ack(&a);
	ol = h_ts_opts(o, 4000, 0); /* older than ts_recent */
	h_send(F_ACK, ISN + 2, iss + 1, 502, o, ol, "b", 1);
	h_expect_one(&a); /* an ACK, and the data is not taken */
	assert_int_equal(a.ack, ISN + 2);
	assert_int_equal(H.ctr.drops[DROP_TCP_PAWS], 1);
	/* One tick older is within the slack Linux also allows: taken. */
	ol = h_ts_opts(o, 4999, 0);
	h_send(F_ACK, ISN + 2, iss + 1, 502, o, ol, "c", 1);
	expect_delayed_ack(&a);
	assert_int_equal(a.ack, ISN + 3);
	assert_int_equal(H.ctr.drops[DROP_TCP_PAWS], 1);
}

static void test_peer_fin_half_close(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	h_send(F_ACK | F_FIN, ISN + 1, iss + 1, 8192, NULL, 0, "bye", 3);
	struct hseg a;
	h_expect_one(&a);
	assert_int_equal(a.ack, ISN + 1 + 3 + 1);
	assert_int_equal(H.conn->state, TCP_CLOSE_WAIT);
	assert_true(tcp_peer_done(H.conn));
	/* Our side keeps sending after the peer's FIN. */
	assert_int_equal(tcp_send(H.conn, payload_mbuf(10, 'q')), 0);
	h_expect_one(&a);
	assert_int_equal(a.len, 10);
	tcp_shutdown_write(H.conn);
	h_expect_one(&a);
	assert_true(a.flags & F_FIN);
	assert_int_equal(a.seq, iss + 1 + 10);
	assert_int_equal(H.conn->state, TCP_LAST_ACK);
	h_send(F_ACK, ISN + 5, iss + 1 + 10 + 1, 8192, NULL, 0, NULL, 0);
	h_advance_ms(1);
	assert_int_equal(H.closed, 1);
	assert_int_equal(H.close_reason, TCP_CLOSE_NORMAL);
	assert_int_equal(tcp_conn_count(H.stack), 0);
}

/* Reading what came before the peer's FIN sends no window update, however far it opens: the
 * peer sends nothing more, and one that has closed would answer it with RST. */
static void test_no_window_update_after_peer_fin(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, 7);
	H.auto_read = false;
	uint32_t buf = H.stack->rcv_buf, sent = 0;
	struct hseg s[8];
	while (sent + 2 * 1460 <= buf) { /* fill the buffer, a segment's room left */
		h_send(F_ACK, ISN + 1 + sent, iss + 1, 502, NULL, 0, NULL, 1460);
		sent += 1460;
		h_recv(s, 8);
	}
	h_send(F_ACK | F_FIN, ISN + 1 + sent, iss + 1, 502, NULL, 0, NULL, 1000);
	sent += 1000;
	unsigned int n = h_recv(s, 8);
	assert_true(n >= 1);
	assert_int_equal(s[n - 1].ack, ISN + 1 + sent + 1); /* data and FIN acknowledged */
	assert_true(((uint32_t)s[n - 1].win << H.conn->rcv_wscale) < 2 * 1460);
	struct rte_mbuf *m;
	uint32_t read = 0;
	while ((m = tcp_recv(H.conn, UINT32_MAX)) != NULL) {
		read += rte_pktmbuf_pkt_len(m);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(read, sent);
	h_expect_none();
	assert_true(tcp_peer_done(H.conn));
}

/* After an RTO the FIN goes again with its own number, and an ACK of it closes. */
static void test_fin_retransmitted_after_rto(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	h_send(F_ACK | F_FIN, ISN + 1, iss + 1, 8192, NULL, 0, NULL, 0);
	struct hseg s[8];
	h_recv(s, 8);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(100, 'f')), 0);
	tcp_shutdown_write(H.conn);
	assert_int_equal(h_recv(s, 8), 2); /* data, then FIN at iss + 101 */
	assert_int_equal(s[1].seq, iss + 101);
	assert_true(s[1].flags & F_FIN);
	h_advance_ms(TCP_RTO_INIT_US / 1000 + 5);
	unsigned int n = h_recv(s, 8);
	assert_true(n >= 1);
	assert_int_equal(s[0].seq, iss + 1); /* back to snd_una */
	if (n == 2) {
		assert_int_equal(s[1].seq, iss + 101); /* the same FIN, not a new one */
		assert_true(s[1].flags & F_FIN);
	}
	assert_int_equal(H.conn->snd_max, iss + 102);
	h_send(F_ACK, ISN + 2, iss + 102, 8192, NULL, 0, NULL, 0);
	h_advance_ms(1);
	assert_int_equal(H.closed, 1);
	assert_int_equal(H.close_reason, TCP_CLOSE_NORMAL);
	assert_int_equal(tcp_conn_count(H.stack), 0);
}

/*
 * Batch output (the worker's mode): nothing leaves during the iteration; at its
 * end (tcp_timers) the response, a second write and the FIN go as one segment
 * that also carries the ACK the request was owed.
 */
static void test_batch_output_one_segment(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	tcp_stack_batch_output(H.stack, true);
	h_send(F_ACK | F_PSH, ISN + 1, iss + 1, 8192, NULL, 0, NULL, 1460); /* owed a quick ACK */
	h_send(F_ACK | F_PSH, ISN + 1 + 1460, iss + 1, 8192, NULL, 0, "tail", 4); /* not */
	assert_int_equal(tcp_send(H.conn, payload_mbuf(100, 'r')), 0);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(24, 'c')), 0);
	tcp_shutdown_write(H.conn);
	h_expect_none();
	h_advance_ms(0);
	struct hseg a;
	h_expect_one(&a);
	assert_int_equal(a.flags, F_ACK | F_PSH | F_FIN);
	assert_int_equal(a.seq, iss + 1);
	assert_int_equal(a.len, 124);
	assert_int_equal(a.ack, ISN + 1 + 1464);
	assert_int_equal(a.data[99], 'r');
	assert_int_equal(a.data[100], 'c');
	assert_int_equal(H.conn->state, TCP_FIN_WAIT_1);
	h_send(F_ACK, ISN + 1 + 1464, iss + 1 + 124 + 1, 8192, NULL, 0, NULL, 0);
	h_advance_ms(0);
	assert_int_equal(H.conn->state, TCP_FIN_WAIT_2);
	h_expect_none();
	/* The ACK an earlier segment of the iteration owed survives a later one that owes none. */
	h_send(F_ACK | F_PSH, ISN + 1 + 1464, iss + 126, 8192, NULL, 0, NULL, 1460);
	h_send(F_ACK | F_PSH, ISN + 1 + 2924, iss + 126, 8192, NULL, 0, "x", 1);
	h_expect_none();
	h_advance_ms(0);
	h_expect_one(&a);
	assert_int_equal(a.flags, F_ACK);
	assert_int_equal(a.ack, ISN + 1 + 2925);
	tcp_stack_batch_output(H.stack, false);
}

/* Sent at once, the FIN still rides on the data it follows when both are queued. */
static void test_fin_rides_on_the_last_data(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	/* A zero window holds the data back until the FIN is queued behind it. */
	h_send(F_ACK, ISN + 1, iss + 1, 0, NULL, 0, NULL, 0);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(50, 'd')), 0);
	tcp_shutdown_write(H.conn);
	h_expect_none();
	h_send(F_ACK, ISN + 1, iss + 1, 8192, NULL, 0, NULL, 0); /* the window opens */
	struct hseg a;
	h_expect_one(&a);
	assert_int_equal(a.flags, F_ACK | F_PSH | F_FIN);
	assert_int_equal(a.len, 50);
	assert_int_equal(H.conn->snd_max, iss + 1 + 50 + 1);
}

static void test_keepalive_probes_then_gives_up(void **state)
{
	(void)state;
	H.stack->keepalive_us = 10000000;
	H.stack->keepalive_interval_us = 1000000;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	struct hseg p;
	h_advance_ms(9990);
	h_expect_none();
	h_advance_ms(20);
	h_expect_one(&p); /* idle 10 s: a probe below snd_una */
	assert_int_equal(p.seq, iss);
	assert_int_equal(p.len, 0);
	/* The peer answers: the clock restarts. */
	h_send(F_ACK, ISN + 1, iss + 1, 8192, NULL, 0, NULL, 0);
	h_advance_ms(5000);
	h_expect_none();
	/* Then it goes silent: nine probes a second apart, then RST and close. */
	for (int i = 0; i < 20 && H.closed == 0; i++) {
		h_advance_ms(1000);
		struct hseg segs[4];
		h_recv(segs, 4);
	}
	assert_int_equal(H.closed, 1);
	assert_int_equal(H.close_reason, TCP_CLOSE_TIMEOUT);
	assert_int_equal(H.ctr.tcp.keepalive_probes, 1 + TCP_KEEPALIVE_PROBES);
}

/* No mbuf to build a segment: counted, nothing breaks, and the data goes once mbufs return. */
static void test_survives_mbuf_exhaustion(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	struct rte_mbuf *payload = payload_mbuf(1000, 'm');
	static struct rte_mbuf *hog[8192];
	unsigned int n = 0;
	while (n < RTE_DIM(hog) && (hog[n] = rte_pktmbuf_alloc(eal_fixture_pool())) != NULL)
		n++;
	assert_int_equal(tcp_send(H.conn, payload), 0);
	assert_true(H.ctr.drops[DROP_NO_MBUF] >= 1);
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(hog[i]);
	h_expect_none();
	h_advance_ms(TCP_RTO_INIT_US / 1000 + 5);
	struct hseg s;
	h_expect_one(&s);
	assert_int_equal(s.seq, iss + 1);
	assert_int_equal(s.len, 1000);
	h_send(F_ACK, ISN + 1, iss + 1001, 8192, NULL, 0, NULL, 0);
	assert_int_equal(H.conn->sndq.bytes, 0);
}

/* RFC 9293 §3.5 Figure 8: both sides send SYN; data queued meanwhile goes out whole. */
static void test_simultaneous_open_with_queued_data(void **state)
{
	(void)state;
	struct ip_addr peer = peer_addr();
	struct tcp_conn *c =
		tcp_connect(H.stack, 0, &peer, rte_cpu_to_be_16(H_PEER_PORT), &harness_ops, NULL);
	assert_non_null(c);
	struct hseg syn;
	h_expect_one(&syn);
	assert_int_equal(syn.flags, F_SYN);
	assert_int_equal(syn.dst_port, H_PEER_PORT);
	assert_int_equal(tcp_send(c, payload_mbuf(100, 's')), 0);
	h_expect_none(); /* nothing before the handshake */
	H.our_port = syn.src_port;
	h_send(F_SYN, ISN, 0, 8192, NULL, 0, NULL, 0); /* the peer's own SYN crosses ours */
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(sa.seq, syn.seq);
	assert_int_equal(sa.ack, ISN + 1);
	assert_int_equal(c->state, TCP_SYN_RCVD);
	h_send(F_ACK, ISN + 1, syn.seq + 1, 8192, NULL, 0, NULL, 0);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	struct hseg d;
	h_expect_one(&d);
	assert_int_equal(d.seq, syn.seq + 1);
	assert_int_equal(d.len, 100); /* all of it: the SYN's ACK took no byte of data */
	assert_int_equal(d.data[0], 's');
	h_send(F_ACK, ISN + 1, syn.seq + 101, 8192, NULL, 0, NULL, 0);
	assert_int_equal(c->sndq.bytes, 0);
	assert_int_equal(H.ctr.tcp.active_opens, 1);
}

/*
 * Active opens take their source ports from tcp.local_port_first..last only, and a port
 * is used again towards another peer port (the 4-tuple is the key): a range of four holds
 * four connections to one server, and the fifth gets none rather than a port outside it.
 */
static void test_connect_source_port_range(void **state)
{
	(void)state;
	tcp_stack_free(H.stack);
	H.cfg.tcp.local_port_first = 50000;
	H.cfg.tcp.local_port_last = 50003;
	H.stack = tcp_stack_create(&H.cfg, &H.net);
	assert_non_null(H.stack);
	struct ip_addr peer = peer_addr();
	struct tcp_conn *c[5];
	bool used[4] = {false};
	for (unsigned int i = 0; i < 4; i++) {
		c[i] = tcp_connect(H.stack, 0, &peer, rte_cpu_to_be_16(H_PEER_PORT), &harness_ops,
				   NULL);
		assert_non_null(c[i]);
		struct hseg syn;
		h_expect_one(&syn);
		assert_int_equal(syn.flags, F_SYN);
		assert_in_range(syn.src_port, 50000, 50003);
		assert_false(used[syn.src_port - 50000]);
		used[syn.src_port - 50000] = true;
	}
	assert_null(tcp_connect(H.stack, 0, &peer, rte_cpu_to_be_16(H_PEER_PORT), &harness_ops,
				NULL));
	h_expect_none();
	c[4] = tcp_connect(H.stack, 0, &peer, rte_cpu_to_be_16(H_PEER_PORT + 1), &harness_ops,
			   NULL);
	assert_non_null(c[4]);
	struct hseg syn;
	h_expect_one(&syn);
	assert_in_range(syn.src_port, 50000, 50003);
	assert_int_equal(syn.dst_port, H_PEER_PORT + 1);
	assert_int_equal(H.ctr.tcp.active_opens, 5);
	for (unsigned int i = 0; i < 5; i++)
		tcp_abort(c[i]);
	h_expect_none(); /* RFC 9293 §3.10.5: an abort in SYN-SENT sends no RST */
}

/*
 * A peer still holding the 4-tuple in TIME_WAIT answers our SYN with the old
 * connection's ACK: we reset that and send the SYN again at once (once), so the
 * connect costs one round trip instead of an RTO.
 */
static void test_syn_answered_by_an_old_ack(void **state)
{
	(void)state;
	struct ip_addr peer = peer_addr();
	struct tcp_conn *c =
		tcp_connect(H.stack, 0, &peer, rte_cpu_to_be_16(H_PEER_PORT), &harness_ops, NULL);
	assert_non_null(c);
	struct hseg syn;
	h_expect_one(&syn);
	H.our_port = syn.src_port;
	h_send(F_ACK, ISN, syn.seq - 5000, 8192, NULL, 0, NULL, 0); /* the old connection's ACK */
	struct hseg out[4];
	assert_int_equal(h_recv(out, 4), 2);
	assert_int_equal(out[0].flags, F_RST);
	assert_int_equal(out[0].seq, syn.seq - 5000); /* RFC 9293: <SEQ=SEG.ACK><CTL=RST> */
	assert_int_equal(out[1].flags, F_SYN);
	assert_int_equal(out[1].seq, syn.seq);
	assert_int_equal(H.ctr.drops[DROP_TCP_BAD_ACK], 1);
	/* A second old ACK gets its RST but no more SYNs: the RTO takes over. */
	h_send(F_ACK, ISN, syn.seq - 5000, 8192, NULL, 0, NULL, 0);
	assert_int_equal(h_recv(out, 4), 1);
	assert_int_equal(out[0].flags, F_RST);
	/* The peer, its TIME_WAIT gone, answers the SYN. */
	h_send(F_SYN | F_ACK, ISN, syn.seq + 1, 8192, NULL, 0, NULL, 0);
	assert_int_equal(c->state, TCP_ESTABLISHED);
}

static void test_active_close_time_wait_and_reuse(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint32_t iss = h_handshake(ISN, true, false, 7);
	tcp_shutdown_write(H.conn);
	struct hseg f;
	h_expect_one(&f);
	assert_true(f.flags & F_FIN);
	uint8_t ol = h_ts_opts(o, 3000, f.opts.tsval);
	h_send(F_ACK, ISN + 1, iss + 2, 502, o, ol, NULL, 0);
	assert_int_equal(H.conn->state, TCP_FIN_WAIT_2);
	h_send(F_ACK | F_FIN, ISN + 1, iss + 2, 502, o, ol, NULL, 0);
	h_expect_one(&f);
	assert_int_equal(f.ack, ISN + 2);
	struct tcp_conn *c = H.conn;
	assert_int_equal(c->state, TCP_TIME_WAIT);
	/* RFC 6191: a new SYN with a newer timestamp takes the tuple over. */
	ol = h_syn_opts(o, 4000, 0, true, false, 7);
	h_send(F_SYN, ISN + 100000, 0, 64240, o, ol, NULL, 0);
	h_expect_one(&f);
	assert_int_equal(f.flags, F_SYN | F_ACK);
	assert_int_equal(f.ack, ISN + 100001);
	h_advance_ms(1);
	assert_int_equal(H.closed, 1); /* the old one */
	assert_int_equal(tcp_conn_count(H.stack), 1);
}

/* A full table recycles its oldest TIME_WAIT entry rather than refuse a new connection. */
/* RFC 9293 §3.6 Figure 13: both FINs cross; CLOSING, then TIME_WAIT. */
static void test_simultaneous_close(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	tcp_shutdown_write(H.conn);
	struct hseg f;
	h_expect_one(&f);
	assert_true(f.flags & F_FIN);
	assert_int_equal(H.conn->state, TCP_FIN_WAIT_1);
	h_send(F_ACK | F_FIN, ISN + 1, iss + 1, 8192, NULL, 0, NULL, 0); /* not acking our FIN */
	h_expect_one(&f);
	assert_int_equal(f.ack, ISN + 2);
	assert_int_equal(H.conn->state, TCP_CLOSING);
	h_send(F_ACK, ISN + 2, iss + 2, 8192, NULL, 0, NULL, 0);
	assert_int_equal(H.conn->state, TCP_TIME_WAIT);
	h_advance_ms(2 * TCP_MSL_US / 1000 + 5);
	assert_int_equal(tcp_conn_count(H.stack), 0);
	assert_int_equal(H.close_reason, TCP_CLOSE_NORMAL);
}

static void test_full_table_recycles_time_wait(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	tcp_shutdown_write(H.conn);
	struct hseg f;
	h_expect_one(&f);
	h_send(F_ACK | F_FIN, ISN + 1, iss + 2, 8192, NULL, 0, NULL, 0);
	h_expect_one(&f);
	assert_int_equal(H.conn->state, TCP_TIME_WAIT);
	H.stack->max_conns = 1;
	H.peer_port = H_PEER_PORT + 1; /* another client */
	h_send(F_SYN, ISN + 7, 0, 8192, NULL, 0, NULL, 0);
	h_expect_one(&f);
	assert_int_equal(f.flags, F_SYN | F_ACK); /* a full table answers with a cookie */
	assert_int_equal(H.ctr.tcp.syncookies_sent, 1);
	h_send(F_ACK, ISN + 8, f.seq + 1, 8192, NULL, 0, NULL, 0);
	assert_int_equal(H.ctr.tcp.syncookies_accepted, 1);
	assert_int_equal(H.ctr.tcp.time_wait_recycled, 1);
	assert_int_equal(tcp_conn_count(H.stack), 1);
	h_advance_ms(1);
	assert_int_equal(H.closed, 1); /* the recycled one, closed normally */
	/* With no TIME_WAIT left to give, the next cookie's ACK is refused and counted. */
	H.peer_port = H_PEER_PORT + 2;
	h_send(F_SYN, ISN + 9, 0, 8192, NULL, 0, NULL, 0);
	h_expect_one(&f);
	h_send(F_ACK, ISN + 10, f.seq + 1, 8192, NULL, 0, NULL, 0);
	assert_int_equal(H.ctr.drops[DROP_TCP_CONN_LIMIT], 1);
	assert_int_equal(tcp_conn_count(H.stack), 1);
}

static void test_time_wait_expires(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, false, false, -1);
	tcp_shutdown_write(H.conn);
	struct hseg f;
	h_expect_one(&f);
	h_send(F_ACK | F_FIN, ISN + 1, iss + 2, 8192, NULL, 0, NULL, 0);
	h_expect_one(&f);
	assert_int_equal(H.conn->state, TCP_TIME_WAIT);
	h_advance_ms(2 * TCP_MSL_US / 1000 - 10);
	assert_int_equal(tcp_conn_count(H.stack), 1);
	h_advance_ms(20);
	assert_int_equal(tcp_conn_count(H.stack), 0);
	assert_int_equal(H.close_reason, TCP_CLOSE_NORMAL);
}

static void test_no_listener_gets_rst(void **state)
{
	(void)state;
	uint8_t f[128];
	/* A SYN to port 8, which nobody listens on. */
	uint16_t n = fixture_put_eth(f, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + n);
	n = (uint16_t)(n + fixture_put_ipv4(f + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_TCP, 20));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + n);
	*th = (struct rte_tcp_hdr){
		.src_port = rte_cpu_to_be_16(40001),
		.dst_port = rte_cpu_to_be_16(8),
		.sent_seq = rte_cpu_to_be_32(ISN),
		.data_off = 5 << 4,
		.tcp_flags = F_SYN,
		.rx_win = rte_cpu_to_be_16(1024),
	};
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	net_input(&H.net, 0, fixture_frame(f, (uint16_t)(n + 20)));
	struct hseg r;
	h_expect_one(&r);
	assert_int_equal(r.flags, F_RST | F_ACK);
	assert_int_equal(r.seq, 0);
	assert_int_equal(r.ack, ISN + 1);
	assert_int_equal(H.ctr.drops[DROP_TCP_NO_LISTENER], 1);
}

static void test_bad_checksum_dropped(void **state)
{
	(void)state;
	uint8_t f[128];
	uint16_t n = fixture_put_eth(f, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	n = (uint16_t)(n + fixture_put_ipv4(f + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_TCP, 20));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + n);
	*th = (struct rte_tcp_hdr){.dst_port = rte_cpu_to_be_16(H_PORT), .data_off = 5 << 4,
				   .tcp_flags = F_SYN, .cksum = 0x1234};
	net_input(&H.net, 0, fixture_frame(f, (uint16_t)(n + 20)));
	h_expect_none();
	assert_int_equal(H.ctr.drops[DROP_TCP_CHECKSUM], 1);
	assert_int_equal(tcp_conn_count(H.stack), 0);
}

static void test_syn_cookies_when_backlog_full(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	H.stack->syn_backlog = 0;
	uint8_t ol = h_syn_opts(o, 1000, 0, true, true, 7);
	h_send(F_SYN, ISN, 0, 64240, o, ol, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(tcp_conn_count(H.stack), 0); /* no state kept */
	assert_int_equal(H.ctr.tcp.syncookies_sent, 1);
	ol = h_ts_opts(o, 1001, sa.opts.tsval);
	h_send(F_ACK, ISN + 1, sa.seq + 1, 502, o, ol, "hi", 2);
	assert_int_equal(H.ctr.tcp.syncookies_accepted, 1);
	assert_int_equal(tcp_conn_count(H.stack), 1);
	assert_int_equal(H.established, 1);
	assert_true(H.conn->sack_ok);
	assert_int_equal(H.conn->snd_wscale, 7);
	assert_int_equal(H.conn->mss, 1460 - TCP_TS_OPT_LEN); /* timestamps ride on every segment */
	struct hseg a;
	expect_delayed_ack(&a);
	assert_int_equal(a.ack, ISN + 1 + 2);
	/* A forged ACK is answered with RST and makes nothing. */
	h_send(F_ACK, ISN + 77, 12345, 502, NULL, 0, NULL, 0);
	assert_int_equal(H.ctr.tcp.syncookies_accepted, 1);
}

/* Found by fuzz_tcp: the cookie SYN-ACK offered 65535 with a 4 KiB buffer for ISNs whose
 * sequence space put the unset right edge "ahead". */
static void test_cookie_synack_window_is_the_buffer(void **state)
{
	(void)state;
	H.stack->syn_backlog = 0;
	H.stack->rcv_buf = 4096;
	h_send(F_SYN, 3892314112u, 0, 8192, NULL, 0, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(H.ctr.tcp.syncookies_sent, 1);
	assert_int_equal(sa.win, 4096);
}

/* IPv6: the same handshake, MSS for the 40-byte header, segments that fit 1500 bytes. */
static void test_ipv6_handshake_and_data(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	uint8_t ol = h_syn_opts(o, 777, 0, true, true, 7);
	h_send(F_SYN, ISN, 0, 64240, o, ol, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_true(sa.opts.mss_present);
	assert_int_equal(sa.opts.mss, 1440);
	ol = h_ts_opts(o, 778, sa.opts.tsval);
	h_send(F_ACK, ISN + 1, sa.seq + 1, 502, o, ol, NULL, 0);
	h_expect_none();
	assert_int_equal(H.established, 1);
	assert_int_equal(H.conn->tuple.family, 6);
	assert_int_equal(H.conn->mss, 1440 - TCP_TS_OPT_LEN);

	ol = h_ts_opts(o, 779, sa.opts.tsval);
	h_send(F_ACK | F_PSH, ISN + 1, sa.seq + 1, 502, o, ol, "hello", 5);
	struct hseg a;
	expect_delayed_ack(&a);
	assert_int_equal(a.ack, ISN + 1 + 5);
	assert_int_equal(H.readable, 1);

	assert_int_equal(tcp_send(H.conn, payload_mbuf(3000, 'v')), 0);
	struct hseg seg[8];
	unsigned int n = h_recv(seg, 8);
	assert_int_equal(n, 3);
	/* 1428 + 12 bytes of timestamps + 20 of TCP + 40 of IPv6 = 1500 */
	assert_int_equal(seg[0].len, 1428);
	assert_int_equal(seg[1].len, 1428);
	assert_int_equal(seg[2].len, 3000 - 2 * 1428);
	assert_int_equal(seg[1].data[1427], 'v');
	assert_int_equal(H.ctr.drops[DROP_TCP_CHECKSUM], 0);
}

static void test_ipv6_syn_cookies(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	H.stack->syn_backlog = 0;
	uint8_t ol = h_syn_opts(o, 1000, 0, true, true, 7);
	h_send(F_SYN, ISN, 0, 64240, o, ol, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(sa.opts.mss, 1440);
	assert_int_equal(tcp_conn_count(H.stack), 0);
	assert_int_equal(H.ctr.tcp.syncookies_sent, 1);
	ol = h_ts_opts(o, 1001, sa.opts.tsval);
	h_send(F_ACK, ISN + 1, sa.seq + 1, 502, o, ol, "hi", 2);
	assert_int_equal(H.ctr.tcp.syncookies_accepted, 1);
	assert_int_equal(H.established, 1);
	assert_int_equal(H.conn->mss, 1440 - TCP_TS_OPT_LEN);
	struct hseg a;
	expect_delayed_ack(&a);
	assert_int_equal(a.ack, ISN + 1 + 2);
}

static void test_ipv6_no_listener_gets_rst(void **state)
{
	(void)state;
	H.our_port = 8;
	h_send(F_SYN, ISN, 0, 1024, NULL, 0, NULL, 0);
	struct hseg r;
	h_expect_one(&r);
	assert_int_equal(r.flags, F_RST | F_ACK);
	assert_int_equal(r.ack, ISN + 1);
	assert_int_equal(H.ctr.drops[DROP_TCP_NO_LISTENER], 1);
}

/* An active open over IPv6: from our global address, the MSS for IPv6, a source port that hashes home. */
static void test_ipv6_active_open(void **state)
{
	(void)state;
	struct ip_addr peer = peer_addr();
	struct tcp_conn *c =
		tcp_connect(H.stack, 0, &peer, rte_cpu_to_be_16(H_PEER_PORT), &harness_ops, NULL);
	assert_non_null(c);
	assert_int_equal(c->tuple.family, 6);
	assert_memory_equal(c->tuple.laddr, fixture_ip6, 16);
	struct hseg syn;
	h_expect_one(&syn);
	assert_int_equal(syn.flags, F_SYN);
	assert_int_equal(syn.opts.mss, 1440);
	H.our_port = syn.src_port;
	h_send(F_SYN | F_ACK, ISN, syn.seq + 1, 64240, NULL, 0, NULL, 0);
	struct hseg a;
	h_expect_one(&a);
	assert_int_equal(a.flags, F_ACK);
	assert_int_equal(a.ack, ISN + 1);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	struct ip_addr l, r;
	uint16_t lport, rport;
	tcp_conn_endpoints(c, &l, &lport, &r, &rport);
	assert_int_equal(l.family, 6);
	assert_memory_equal(r.bytes, fixture_peer_ip6, 16);
	assert_int_equal(rport, H_PEER_PORT);
	tcp_abort(c);
	h_recv(&a, 1);
	/* a port without IPv6 makes no IPv6 connection */
	H.net.ports[0].has_ipv6 = false;
	assert_null(tcp_connect(H.stack, 0, &peer, rte_cpu_to_be_16(H_PEER_PORT), &harness_ops,
				NULL));
	H.net.ports[0].has_ipv6 = true;
}

/* A router's packet-too-big quoting our segment with sequence number seq. */
static void h_send_too_big(uint32_t mtu, uint32_t seq)
{
	static const uint8_t router[16] = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0xfe};
	uint8_t f[256];
	uint16_t n = fixture_put_eth(f, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6);
	uint16_t icmp_len = 8 + 40 + 20;
	n = (uint16_t)(n + fixture_put_ipv6(f + n, router, fixture_ip6, IPPROTO_ICMPV6, 64, icmp_len));
	uint8_t *ic = f + n;
	memset(ic, 0, icmp_len);
	ic[0] = 2;
	uint32_t mtu_be = rte_cpu_to_be_32(mtu);
	memcpy(ic + 4, &mtu_be, 4);
	fixture_put_ipv6(ic + 8, fixture_ip6, fixture_peer_ip6, IPPROTO_TCP, 64, 1400);
	struct rte_tcp_hdr th = {
		.src_port = rte_cpu_to_be_16(H.our_port),
		.dst_port = rte_cpu_to_be_16(H.peer_port),
		.sent_seq = rte_cpu_to_be_32(seq),
	};
	memcpy(ic + 48, &th, sizeof(th));
	fixture_icmpv6_cksum(ic, icmp_len, router, fixture_ip6);
	net_input(&H.net, 0, fixture_frame(f, (uint16_t)(n + icmp_len)));
}

/* RFC 8201: a packet-too-big about a segment in flight lowers the MSS and resends at that size. */
static void test_ipv6_packet_too_big(void **state)
{
	(void)state;
	uint32_t iss = h_handshake(ISN, true, false, 7);
	assert_int_equal(H.conn->mss, 1440 - TCP_TS_OPT_LEN);
	assert_int_equal(tcp_send(H.conn, payload_mbuf(3000, 'p')), 0);
	struct hseg seg[8];
	assert_int_equal(h_recv(seg, 8), 3);
	assert_int_equal(seg[0].len, 1428);
	/* stale: before snd_una, or past what we sent */
	h_send_too_big(1280, iss);
	h_send_too_big(1280, iss + 1 + 3000);
	h_expect_none();
	assert_int_equal(H.ctr.drops[DROP_ICMPV6_TOO_BIG_STALE], 2);
	assert_int_equal(H.conn->mss, 1440 - TCP_TS_OPT_LEN);
	/* an MTU below the minimum counts as 1280 (RFC 8201 4) */
	h_send_too_big(1000, iss + 1);
	assert_int_equal(H.ctr.icmpv6_too_big, 1);
	assert_int_equal(H.conn->mss, 1280 - 40 - 20 - TCP_TS_OPT_LEN);
	struct hseg r;
	h_expect_one(&r); /* the first segment again, cut to fit */
	assert_int_equal(r.seq, iss + 1);
	assert_int_equal(r.len, 1280 - 40 - 20 - TCP_TS_OPT_LEN);
	/* news that is no news changes nothing */
	h_send_too_big(1500, iss + 1);
	h_expect_none();
	assert_int_equal(H.ctr.icmpv6_too_big, 1);
	assert_int_equal(H.conn->mss, 1208);
}

/*
 * After a packet-too-big the congestion controller counts in the new MSS: cwnd
 * stays in bytes, the next ACK's slow-start step is capped at 2 new SMSS (RFC
 * 3465 L = 2), and what is sent next comes in segments of the new size.
 */
static void check_too_big_cc(const struct tcp_cc_ops *cc)
{
	H.stack->cc = cc;
	uint32_t iss = h_handshake(ISN, true, false, 7);
	const uint32_t old_mss = 1440 - TCP_TS_OPT_LEN, new_mss = 1280 - 40 - 20 - TCP_TS_OPT_LEN;
	assert_int_equal(H.conn->cc.mss, old_mss);
	uint32_t iw = tcp_cc_cwnd(&H.conn->cc);
	assert_int_equal(iw, 10 * old_mss); /* RFC 6928 */
	assert_int_equal(tcp_send(H.conn, payload_mbuf(40000, 'c')), 0);
	struct hseg seg[48];
	unsigned int n = h_recv(seg, RTE_DIM(seg));
	assert_int_equal(n, 10); /* the initial window, full-sized */
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(seg[i].len, old_mss);

	h_send_too_big(1280, iss + 1);
	assert_int_equal(H.conn->mss, new_mss);
	assert_int_equal(H.conn->cc.mss, new_mss);
	assert_int_equal(tcp_cc_cwnd(&H.conn->cc), iw); /* bytes, unchanged */
	assert_int_equal(tcp_cc_ssthresh(&H.conn->cc), UINT32_MAX);
	struct hseg r;
	h_expect_one(&r);
	assert_int_equal(r.seq, iss + 1);
	assert_int_equal(r.len, new_mss);

	/* an ACK for 3 old segments, with the whole window out: + 2 new SMSS, not 2 old */
	uint8_t o[TCP_OPTIONS_MAX];
	uint8_t ol = h_ts_opts(o, 1002, r.opts.tsval);
	uint32_t acked = 3 * old_mss;
	h_send(F_ACK, ISN + 1, iss + 1 + acked, 4000, o, ol, NULL, 0);
	assert_int_equal(tcp_cc_cwnd(&H.conn->cc), iw + 2 * new_mss);
	/* the room that opened (acked + 2 SMSS) goes out in new-sized segments */
	n = h_recv(seg, RTE_DIM(seg));
	uint32_t sent = 0;
	for (unsigned int i = 0; i < n; i++) {
		assert_true(seg[i].len <= new_mss);
		assert_true(seq_geq(seg[i].seq, iss + 1 + 10 * old_mss)); /* new data only */
		sent += seg[i].len;
	}
	assert_true(n >= 4);
	assert_int_equal(seg[0].len, new_mss);
	assert_int_equal(seg[0].seq, iss + 1 + 10 * old_mss);
	assert_true(sent <= acked + 2 * new_mss);
	assert_true(sent + new_mss > acked + 2 * new_mss); /* all but a sub-MSS tail */
	assert_int_equal(H.ctr.icmpv6_too_big, 1);
	assert_int_equal(H.ctr.tcp.fsm_illegal, 0);
}

static void test_ipv6_too_big_cc_cubic(void **state)
{
	(void)state;
	check_too_big_cc(&tcp_cc_cubic);
}

static void test_ipv6_too_big_cc_newreno(void **state)
{
	(void)state;
	check_too_big_cc(&tcp_cc_newreno);
}

/* A listener for one family answers the other as if nothing listened. */
static void test_listener_family(void **state)
{
	(void)state;
	assert_int_equal(tcp_listen_family(H.stack, H_PORT, 4), 0);
	assert_int_equal(tcp_listen_family(H.stack, 9999, 4), -ENOENT);
	h_send(F_SYN, ISN, 0, 1024, NULL, 0, NULL, 0);
	struct hseg r;
	h_expect_one(&r);
	assert_int_equal(r.flags, F_RST | F_ACK);
	assert_int_equal(H.ctr.drops[DROP_TCP_NO_LISTENER], 1);
	assert_int_equal(tcp_conn_count(H.stack), 0);
	/* the same listener for IPv6 only takes it */
	assert_int_equal(tcp_listen_family(H.stack, H_PORT, 6), 0);
	h_handshake(ISN + 1000, false, false, -1);
	assert_int_equal(H.conn->tuple.family, 6);
}

/* owner(tuple) is the same for both directions of a flow, in both families. */
static void test_owner_symmetric(void **state)
{
	(void)state;
	uint32_t x = 12345;
	for (int i = 0; i < 2000; i++) {
		struct tcp_tuple a = {.family = (uint8_t)(i % 2 ? 6 : 4)};
		for (int w = 0; w < (a.family == 6 ? 4 : 1); w++) {
			x = x * 1103515245u + 12345u;
			a.laddr[w] = x;
			x = x * 1103515245u + 12345u;
			a.raddr[w] = x;
		}
		a.lport = (uint16_t)x;
		a.rport = (uint16_t)(x >> 16);
		struct tcp_tuple b = a;
		memcpy(b.laddr, a.raddr, sizeof(b.laddr));
		memcpy(b.raddr, a.laddr, sizeof(b.raddr));
		b.lport = a.rport;
		b.rport = a.lport;
		for (unsigned int n = 2; n <= 4; n++)
			assert_int_equal(tcp_owner(&a, n), tcp_owner(&b, n));
	}
	/* and IPv6 flows do spread over the workers */
	unsigned int seen[2] = {0};
	for (uint16_t port = 1; port <= 64; port++) {
		struct tcp_tuple t = {.family = 6, .lport = rte_cpu_to_be_16(443),
				      .rport = rte_cpu_to_be_16(port)};
		memcpy(t.laddr, fixture_ip6, 16);
		memcpy(t.raddr, fixture_peer_ip6, 16);
		seen[tcp_owner(&t, 2)]++;
	}
	assert_true(seen[0] > 0 && seen[1] > 0);
}

/* ---- the edge's hooks in the TCP input path (lib/edge decides, tcp_in.c asks) ---- */

static struct edge_acl *edge_test_acl;

/* An edge from H.cfg.edge (with an ACL denying the peer when deny_peer) on the stack. */
static struct edge *with_edge(bool deny_peer)
{
	edge_test_acl = NULL;
	if (deny_peer) {
		H.cfg.edge.deny[0] = (struct config_cidr){
			.family = 4, .prefix = 32, .addr = rte_cpu_to_be_32(FIXTURE_PEER_IP)};
		H.cfg.edge.n_deny = 1;
		int rc = -1;
		edge_test_acl = edge_acl_create(&H.cfg.edge, "tcp_test_acl", &rc);
		assert_non_null(edge_test_acl);
	}
	H.cfg.edge.table_size = 1024;
	struct edge *e = edge_create(&H.cfg, edge_test_acl, &H.net);
	assert_non_null(e);
	tcp_stack_set_edge(H.stack, e);
	return e;
}

/* The stack lets go of the edge before the harness tears the stack down. */
static void without_edge(struct edge *e)
{
	tcp_stack_set_edge(H.stack, NULL);
	edge_free(e);
	edge_acl_free(edge_test_acl);
}

static void send_syn_from(uint16_t peer_port, uint16_t our_port)
{
	uint8_t o[TCP_OPTIONS_MAX];
	uint8_t ol = h_syn_opts(o, 1000, 0, true, true, 7);
	H.peer_port = peer_port;
	H.our_port = our_port;
	h_send(F_SYN, ISN, 0, 64240, o, ol, NULL, 0);
}

static void test_edge_acl_denied_hears_nothing(void **state)
{
	(void)state;
	struct edge *e = with_edge(true);
	send_syn_from(40001, H_PORT);
	send_syn_from(40002, 8); /* no listener: no RST either */
	/* A listener's port is refused before anything else: a bad checksum is not even seen. */
	uint8_t f[128];
	uint16_t n = fixture_put_eth(f, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	n = (uint16_t)(n + fixture_put_ipv4(f + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_TCP, 20));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + n);
	*th = (struct rte_tcp_hdr){.dst_port = rte_cpu_to_be_16(H_PORT), .data_off = 5 << 4,
				   .tcp_flags = F_SYN, .cksum = 0x1234};
	net_input(&H.net, 0, fixture_frame(f, (uint16_t)(n + 20)));
	h_expect_none();
	assert_int_equal(H.ctr.drops[DROP_EDGE_ACL], 3);
	assert_int_equal(H.ctr.drops[DROP_TCP_CHECKSUM], 0);
	assert_int_equal(tcp_conn_count(H.stack), 0);
	without_edge(e);
}

static void test_edge_closed_ports_silent(void **state)
{
	(void)state;
	H.cfg.edge.closed_ports = CONFIG_CLOSED_DROP;
	struct edge *e = with_edge(false);
	send_syn_from(40001, 8);
	h_expect_none();
	assert_int_equal(H.ctr.drops[DROP_TCP_NO_LISTENER], 1);
	assert_int_equal(H.ctr.tcp.resets_sent, 0);
	without_edge(e);
}

/* The client's bucket is asked before the SYN queue and before a cookie is made. */
static void test_edge_client_rate_before_cookies(void **state)
{
	(void)state;
	H.cfg.edge.new_per_s = 1;
	H.cfg.edge.burst = 1;
	struct edge *e = with_edge(false);
	H.stack->syn_backlog = 0; /* every SYN that gets through is answered with a cookie */
	send_syn_from(40001, H_PORT);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	send_syn_from(40002, H_PORT);
	h_expect_none();
	assert_int_equal(H.ctr.drops[DROP_EDGE_CLIENT_RATE], 1);
	assert_int_equal(H.ctr.tcp.syncookies_sent, 1);
	h_advance_ms(1000); /* a token again */
	send_syn_from(40003, H_PORT);
	h_expect_one(&sa);
	assert_int_equal(H.ctr.tcp.syncookies_sent, 2);
	without_edge(e);
}

/* Counted from the SYN to the close; TIME_WAIT and closed connections do not count. */
static void test_edge_client_connections(void **state)
{
	(void)state;
	H.cfg.edge.max_connections = 1;
	struct edge *e = with_edge(false);
	H.peer_port = 40001;
	uint32_t iss = h_handshake(ISN, true, true, 7);
	send_syn_from(40002, H_PORT);
	h_expect_none();
	assert_int_equal(H.ctr.drops[DROP_EDGE_CLIENT_CONNS], 1);
	assert_int_equal(tcp_conn_count(H.stack), 1);
	/* The first one is reset by the peer: the client may connect again. */
	H.peer_port = 40001;
	h_send(F_RST, ISN + 1, iss + 1, 0, NULL, 0, NULL, 0);
	assert_int_equal(tcp_conn_count(H.stack), 0);
	send_syn_from(40003, H_PORT);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(H.ctr.drops[DROP_EDGE_CLIENT_CONNS], 1);
	without_edge(e);
}

/* Beyond max_half_open SYN_RCVD connections, SYNs get cookies (and no state). */
static void test_max_half_open_gives_cookies(void **state)
{
	(void)state;
	uint8_t o[TCP_OPTIONS_MAX];
	H.stack->max_half_open = 1;
	send_syn_from(40001, H_PORT);
	struct hseg first, sa;
	h_expect_one(&first);
	assert_int_equal(tcp_conn_count(H.stack), 1);
	send_syn_from(40002, H_PORT);
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(tcp_conn_count(H.stack), 1); /* a cookie: no state */
	assert_int_equal(H.ctr.tcp.syncookies_sent, 1);
	assert_int_equal(H.ctr.edge.half_open_capped, 1);
	/* The half-open one completes: room for a stateful one again. */
	H.peer_port = 40001;
	uint8_t ol = h_ts_opts(o, 1001, first.opts.tsval);
	h_send(F_ACK, ISN + 1, first.seq + 1, 502, o, ol, NULL, 0);
	assert_int_equal(H.established, 1);
	send_syn_from(40003, H_PORT);
	h_expect_one(&sa);
	assert_int_equal(tcp_conn_count(H.stack), 2);
	assert_int_equal(H.ctr.tcp.syncookies_sent, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
#define T6(f) cmocka_unit_test_setup_teardown(f, harness_setup_ipv6, harness_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_passive_handshake_options),
		T(test_segments_fit_the_mtu_with_timestamps),
		T(test_no_options_peer),
		T(test_wscale_above_14_taken_as_14),
		T(test_wscale_only_when_both_offer),
		T(test_synack_retries_then_gives_up),
		T(test_data_in_order_is_acked),
		T(test_send_segments_by_mss),
		T(test_send_shares_queue_mbufs),
		T(test_rst_exact_and_in_window),
		T(test_syn_in_established_challenged),
		T(test_rto_and_backoff),
		T(test_gives_up_after_retries),
		T(test_fast_retransmit),
		T(test_sack_holes_retransmitted),
		T(test_sack_scoreboard_remembers_blocks),
		T(test_sack_board_merges_and_bounds),
		T(test_tail_loss_probe),
		T(test_lone_fin_probed_early),
		T(test_lost_retransmission_resent_within_a_round_trip),
		T(test_out_of_order_sack_and_fill),
		T(test_window_closes_when_not_read),
		T(test_ack_taken_while_our_window_is_zero),
		T(test_zero_window_persist),
		T(test_paws_drops_old_timestamp),
		T(test_peer_fin_half_close),
		T(test_fin_retransmitted_after_rto),
		T(test_no_window_update_after_peer_fin),
		T(test_batch_output_one_segment),
		T(test_fin_rides_on_the_last_data),
		T(test_keepalive_probes_then_gives_up),
		T(test_survives_mbuf_exhaustion),
		T(test_simultaneous_open_with_queued_data),
		T(test_connect_source_port_range),
		T(test_syn_answered_by_an_old_ack),
		T(test_active_close_time_wait_and_reuse),
		T(test_simultaneous_close),
		T(test_full_table_recycles_time_wait),
		T(test_time_wait_expires),
		T(test_no_listener_gets_rst),
		T(test_bad_checksum_dropped),
		T(test_syn_cookies_when_backlog_full),
		T(test_cookie_synack_window_is_the_buffer),
		T6(test_ipv6_handshake_and_data),
		T6(test_ipv6_syn_cookies),
		T6(test_ipv6_no_listener_gets_rst),
		T6(test_ipv6_active_open),
		T6(test_ipv6_packet_too_big),
		T6(test_ipv6_too_big_cc_cubic),
		T6(test_ipv6_too_big_cc_newreno),
		T6(test_listener_family),
		T(test_owner_symmetric),
		T(test_edge_acl_denied_hears_nothing),
		T(test_edge_closed_ports_silent),
		T(test_edge_client_rate_before_cookies),
		T(test_edge_client_connections),
		T(test_max_half_open_gives_cookies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

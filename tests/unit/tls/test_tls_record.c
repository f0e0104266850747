/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tls/tls_record.c and tls_burst.c with real mbufs: a server and a client
 * record layer paired (the client's secrets swapped) so one seals and the
 * other opens; records crafted with the engine directly for every refusal;
 * and OpenSSL's own record layer on the other end for wire compatibility.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <rte_mbuf.h>

#include <tlsterm/counters.h>

#include "eal_fixture.h"
#include "tls_record.h"

#define WIRE_MAX (1u << 21)
#define SEG_MAX 1900u

struct side {
	struct tls_record rec;
	struct tls_burst *b;
	struct tls_counters ctr;
	struct tls_engine *e;
	uint8_t *wire; /* records handed over, back to back */
	size_t wire_len;
	uint8_t *data; /* application data delivered */
	size_t data_len;
	unsigned int data_calls;
	unsigned int closings;
	int closing_alert;
	bool closing_received;
};

static struct tls_engine *engines[2]; /* [0] EVP, [1] ipsec-mb (NULL if the CPU can't) */
static struct side S, C;              /* server (the one under test) and client */
static unsigned int mbufs_at_start;
static uint64_t rng_state = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static unsigned int in_use(void)
{
	return rte_mempool_in_use_count(eal_fixture_pool());
}

/* ------------------------------------------------------------- callbacks */

static void append_chain(uint8_t *buf, size_t *len, struct rte_mbuf *m)
{
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		assert_true(*len + s->data_len <= WIRE_MAX);
		memcpy(buf + *len, rte_pktmbuf_mtod(s, uint8_t *), s->data_len);
		*len += s->data_len;
	}
	assert_int_equal(rte_pktmbuf_pkt_len(m), rte_pktmbuf_pkt_len(m)); /* chain readable */
	rte_pktmbuf_free(m);
}

static void ev_data(void *owner, struct rte_mbuf *m)
{
	struct side *sd = owner;
	uint32_t segs_len = 0;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		segs_len += s->data_len;
	assert_int_equal(segs_len, m->pkt_len);
	/* Nothing may be delivered after the connection failed or the peer closed. */
	assert_false(sd->rec.failed);
	sd->data_calls++;
	append_chain(sd->data, &sd->data_len, m);
}

static void ev_records(void *owner, struct rte_mbuf *m)
{
	struct side *sd = owner;
	uint32_t segs_len = 0;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		segs_len += s->data_len;
	assert_int_equal(segs_len, m->pkt_len);
	append_chain(sd->wire, &sd->wire_len, m);
}

static void ev_closing(void *owner, enum tls_alert alert, bool received)
{
	struct side *sd = owner;
	sd->closings++;
	sd->closing_alert = (int)alert;
	sd->closing_received = received;
}

static const struct tls_record_events events = {
	.data = ev_data,
	.records = ev_records,
	.closing = ev_closing,
};

/* ----------------------------------------------------------------- set-up */

static void side_reset(struct side *sd, struct tls_engine *e, unsigned int max_records)
{
	uint8_t *w = sd->wire, *d = sd->data;
	memset(sd, 0, sizeof(*sd));
	sd->wire = w;
	sd->data = d;
	sd->e = e;
	sd->closing_alert = -1;
	sd->b = tls_burst_create(e, eal_fixture_pool(), &sd->ctr, max_records, 0, SOCKET_ID_ANY);
	assert_non_null(sd->b);
}

static void fill(uint8_t *p, size_t n, uint8_t base)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(base + i * 7);
}

/* Server reads with the client's secret; the client is the mirror image. */
static void pair13(enum tls_aead_alg alg, struct tls_engine *se, struct tls_engine *ce,
		   unsigned int max_records)
{
	uint8_t cs[TLS_SECRET_MAX], ss[TLS_SECRET_MAX];
	fill(cs, sizeof(cs), 0x11);
	fill(ss, sizeof(ss), 0x77);
	side_reset(&S, se, max_records);
	side_reset(&C, ce, max_records);
	assert_int_equal(tls_record_init13(&S.rec, se, alg, cs, ss, 2, &events, &S), 0);
	assert_int_equal(tls_record_init13(&C.rec, ce, alg, ss, cs, 0, &events, &C), 0);
	C.rec.rd.seq = 2; /* the two NewSessionTickets OpenSSL wrote */
}

static void pair12(enum tls_aead_alg alg, struct tls_engine *se, struct tls_engine *ce,
		   unsigned int max_records)
{
	struct tls12_key_block kb, mirror;
	fill(kb.client_key, sizeof(kb.client_key), 0x21);
	fill(kb.server_key, sizeof(kb.server_key), 0x42);
	fill(kb.client_iv, sizeof(kb.client_iv), 0x63);
	fill(kb.server_iv, sizeof(kb.server_iv), 0x84);
	memcpy(mirror.client_key, kb.server_key, sizeof(kb.server_key));
	memcpy(mirror.server_key, kb.client_key, sizeof(kb.client_key));
	memcpy(mirror.client_iv, kb.server_iv, sizeof(kb.server_iv));
	memcpy(mirror.server_iv, kb.client_iv, sizeof(kb.client_iv));
	side_reset(&S, se, max_records);
	side_reset(&C, ce, max_records);
	assert_int_equal(tls_record_init12(&S.rec, se, alg, &kb, &events, &S), 0);
	assert_int_equal(tls_record_init12(&C.rec, ce, alg, &mirror, &events, &C), 0);
}

static void side_fini(struct side *sd)
{
	if (sd->b == NULL)
		return;
	tls_burst_cancel(sd->b, &sd->rec);
	tls_record_fini(&sd->rec, sd->b);
	tls_burst_free(sd->b);
	sd->b = NULL;
}

static int setup(void **state)
{
	(void)state;
	S.b = C.b = NULL;
	mbufs_at_start = in_use();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	side_fini(&S);
	side_fini(&C);
	/* Every test: not one mbuf leaked. */
	assert_int_equal(in_use(), mbufs_at_start);
	return 0;
}

/* --------------------------------------------------------------- helpers */

/* len bytes as a chain of segments of at most seg bytes (seg 0: random 1..SEG_MAX). */
static struct rte_mbuf *chain_of(const uint8_t *p, size_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	size_t off = 0;
	while (off < len) {
		uint32_t n = seg != 0 ? seg : 1 + rnd() % SEG_MAX;
		if (n > SEG_MAX)
			n = SEG_MAX;
		if (n > len - off)
			n = (uint32_t)(len - off);
		struct rte_mbuf *m = rte_pktmbuf_alloc(eal_fixture_pool());
		assert_non_null(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), p + off, n);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
		off += n;
	}
	return head;
}

/* Application data from sd, sealed and handed over into sd->wire. */
static void send_data(struct side *sd, const uint8_t *p, size_t len, uint32_t seg, uint64_t now)
{
	assert_int_equal(tls_record_tx(&sd->rec, sd->b, chain_of(p, len, seg), now), 0);
	tls_burst_run(sd->b);
	assert_int_equal(tls_burst_pending(sd->b), 0);
}

/* Give `to` the bytes in pieces of at most piece bytes (0: random), segments of seg. */
static void feed(struct side *to, const uint8_t *p, size_t len, size_t piece, uint32_t seg,
		 bool run_each)
{
	size_t off = 0;
	while (off < len) {
		size_t n = piece != 0 ? piece : 1 + rnd() % 5000;
		n = RTE_MIN(n, len - off);
		tls_record_rx(&to->rec, to->b, chain_of(p + off, n, seg));
		off += n;
		if (run_each)
			tls_burst_run(to->b);
	}
	tls_burst_run(to->b);
}

/* Move what `from` handed over to `to`, in one piece. */
static void deliver(struct side *from, struct side *to)
{
	feed(to, from->wire, from->wire_len, 1u << 20, SEG_MAX, false);
	from->wire_len = 0;
}

/* The content types and lengths of the records in a wire buffer. */
static unsigned int record_lengths(const uint8_t *w, size_t len, uint16_t *lens, unsigned int max)
{
	unsigned int n = 0;
	size_t off = 0;
	while (off + 5 <= len) {
		uint16_t l = (uint16_t)(w[off + 3] << 8 | w[off + 4]);
		if (n < max)
			lens[n] = l;
		n++;
		off += 5u + l;
	}
	assert_int_equal(off, len);
	return n;
}

static void nonce_of(uint8_t *nonce, const uint8_t *iv, uint64_t seq)
{
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* A 1.3 record from `from`'s write key of inner plaintext `inner` (content, type, padding). */
static size_t craft13(struct side *from, const uint8_t *inner, size_t n, uint8_t *out)
{
	struct tls_aead_op op;
	memset(&op, 0, sizeof(op));
	size_t clen = n + 16;
	out[0] = 23;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(clen >> 8);
	out[4] = (uint8_t)clen;
	memcpy(out + 5, inner, n);
	op.key = &from->rec.wr.key;
	nonce_of(op.nonce, from->rec.wr.iv, from->rec.wr.seq++);
	memcpy(op.aad, out, 5);
	op.aad_len = 5;
	op.seal = true;
	op.n_seg = 1;
	op.seg[0].data = out + 5;
	op.seg[0].len = (uint32_t)n;
	op.tag = out + 5 + n;
	tls_engine_run(from->e, &op, 1);
	assert_int_equal(op.result, 0);
	return 5 + clen;
}

/* A 1.2 record of type from `from`'s write key. */
static size_t craft12(struct side *from, uint8_t type, const uint8_t *plain, size_t n,
		      uint8_t *out)
{
	struct tls_aead_op op;
	memset(&op, 0, sizeof(op));
	bool gcm = from->rec.alg != TLS_AEAD_CHACHA20_POLY1305;
	size_t hl = gcm ? 13 : 5;
	size_t clen = hl - 5 + n + 16;
	uint64_t seq = from->rec.wr.seq++;
	out[0] = type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(clen >> 8);
	out[4] = (uint8_t)clen;
	if (gcm) {
		memcpy(op.nonce, from->rec.wr.iv, 4);
		for (int i = 0; i < 8; i++)
			op.nonce[4 + i] = out[5 + i] = (uint8_t)(seq >> (56 - 8 * i));
	} else {
		nonce_of(op.nonce, from->rec.wr.iv, seq);
	}
	for (int i = 0; i < 8; i++)
		op.aad[i] = (uint8_t)(seq >> (56 - 8 * i));
	op.aad[8] = type;
	op.aad[9] = 3;
	op.aad[10] = 3;
	op.aad[11] = (uint8_t)(n >> 8);
	op.aad[12] = (uint8_t)n;
	op.aad_len = 13;
	memcpy(out + hl, plain, n);
	op.key = &from->rec.wr.key;
	op.seal = true;
	op.n_seg = 1;
	op.seg[0].data = out + hl;
	op.seg[0].len = (uint32_t)n;
	op.tag = out + hl + n;
	tls_engine_run(from->e, &op, 1);
	assert_int_equal(op.result, 0);
	return 5 + clen;
}

/*
 * S refused what it got with alert: told its owner (sent, not received), handed
 * over exactly one record, and that record is the alert the client reads.
 */
static void expect_alert(int alert)
{
	assert_true(S.rec.failed);
	assert_int_equal(S.closings, 1);
	assert_int_equal(S.closing_alert, alert);
	assert_false(S.closing_received);
	assert_int_equal(S.ctr.alerts_sent[alert], 1);
	uint16_t lens[4];
	assert_int_equal(record_lengths(S.wire, S.wire_len, lens, 4), 1);
	deliver(&S, &C);
	assert_int_equal(C.closings, 1);
	assert_int_equal(C.closing_alert, alert);
	assert_true(C.closing_received);
	assert_int_equal(C.ctr.alerts_received[alert], 1);
	/* Nothing more goes in or out. */
	uint8_t x[1] = {'x'};
	struct rte_mbuf *m = chain_of(x, 1, 1);
	assert_int_equal(tls_record_tx(&S.rec, S.b, m, 0), -EPIPE);
	rte_pktmbuf_free(m);
}

static uint8_t big[200000];
static uint8_t wire[40000];

/* ----------------------------------------------------------- round trips */

struct suite {
	uint16_t version;
	enum tls_aead_alg alg;
};

static const struct suite suites[] = {
	{0x0304, TLS_AEAD_AES_128_GCM},
	{0x0304, TLS_AEAD_AES_256_GCM},
	{0x0304, TLS_AEAD_CHACHA20_POLY1305},
	{0x0303, TLS_AEAD_AES_128_GCM},
	{0x0303, TLS_AEAD_AES_256_GCM},
	{0x0303, TLS_AEAD_CHACHA20_POLY1305},
};

static void pair_suite(const struct suite *su, struct tls_engine *se, struct tls_engine *ce,
		       unsigned int max_records)
{
	if (su->version == 0x0304)
		pair13(su->alg, se, ce, max_records);
	else
		pair12(su->alg, se, ce, max_records);
}

static void round_trip(const struct suite *su, struct tls_engine *se, struct tls_engine *ce)
{
	pair_suite(su, se, ce, 64);
	fill(big, 100000, 3);
	/* client → server, resegmented at random */
	send_data(&C, big, 100000, 0, 0);
	feed(&S, C.wire, C.wire_len, 0, 0, true);
	C.wire_len = 0;
	assert_int_equal(S.data_len, 100000);
	assert_memory_equal(S.data, big, 100000);
	/* server → client */
	send_data(&S, big + 5, 70000, 1000, 0);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 70000);
	assert_memory_equal(C.data, big + 5, 70000);
	assert_int_equal(S.ctr.records_opened, C.ctr.records_sealed);
	assert_int_equal(S.ctr.bytes_opened, 100000);
	assert_int_equal(S.ctr.bytes_sealed, 70000);
	assert_int_equal(C.ctr.records_opened, S.ctr.records_sealed);
	assert_true(S.ctr.bursts > 0);
	assert_false(S.rec.failed);
	assert_false(C.rec.failed);
	assert_int_equal(S.closings + C.closings, 0);
	side_fini(&S);
	side_fini(&C);
	assert_int_equal(in_use(), mbufs_at_start);
}

static void test_round_trips_every_suite_and_engine(void **state)
{
	(void)state;
	unsigned int done = 0;
	for (size_t i = 0; i < RTE_DIM(suites); i++)
		for (int se = 0; se < 2; se++)
			for (int ce = 0; ce < 2; ce++) {
				if (engines[se] == NULL || engines[ce] == NULL)
					continue;
				round_trip(&suites[i], engines[se], engines[ce]);
				done++;
			}
	assert_true(done >= RTE_DIM(suites));
}

static void test_one_byte_mbufs_and_many_records_per_mbuf(void **state)
{
	(void)state;
	for (size_t i = 0; i < RTE_DIM(suites); i++) {
		pair_suite(&suites[i], engines[0], engines[0], 64);
		fill(big, 3000, 9);
		/* Three records, one byte per mbuf: each more segments than one op holds. */
		for (int k = 0; k < 3; k++)
			send_data(&C, big + 100 * k, 100, 0, 0);
		size_t wl = C.wire_len;
		feed(&S, C.wire, wl, 1, 1, false);
		assert_int_equal(S.data_len, 300);
		assert_memory_equal(S.data, big, 300);
		/* Many small records in one mbuf, then streams split at every odd place. */
		C.wire_len = 0;
		for (int k = 0; k < 40; k++)
			send_data(&C, big + 300 + 10 * k, 10, 0, 0);
		assert_true(C.wire_len < SEG_MAX);
		feed(&S, C.wire, C.wire_len, C.wire_len, SEG_MAX, false);
		assert_int_equal(S.data_len, 700);
		assert_memory_equal(S.data, big, 700);
		C.wire_len = 0;
		unsigned int sent = 0;
		for (size_t piece = 1; piece < 60; piece += 7) {
			for (int k = 0; k < 40; k++)
				send_data(&C, big + 1000 + sent++, 13, 0, 0);
			feed(&S, C.wire, C.wire_len, piece, (uint32_t)(piece % 3) + 1,
			     (piece & 1) != 0);
			C.wire_len = 0;
		}
		assert_int_equal(S.data_len, 700u + 13u * sent);
		for (unsigned int k = 0; k < sent; k++)
			assert_memory_equal(S.data + 700 + 13 * k, big + 1000 + k, 13);
		assert_false(S.rec.failed);
		side_fini(&S);
		side_fini(&C);
		assert_int_equal(in_use(), mbufs_at_start);
	}
}

/* -------------------------------------------------------------- refusals */

static void test_bad_mac_on_body_tag_and_header(void **state)
{
	(void)state;
	for (size_t i = 0; i < RTE_DIM(suites); i++) {
		for (int where = 0; where < 3; where++) {
			pair_suite(&suites[i], engines[1] ? engines[1] : engines[0], engines[0], 8);
			fill(big, 500, 1);
			send_data(&C, big, 200, 0, 0);
			send_data(&C, big, 200, 0, 0);
			size_t first = 5u + (size_t)(C.wire[3] << 8 | C.wire[4]);
			size_t wl = C.wire_len;
			memcpy(wire, C.wire, wl);
			if (where == 0) {
				wire[first + 20] ^= 1; /* second record's body */
			} else if (where == 1) {
				wire[wl - 1] ^= 0x80; /* its tag */
			} else if (suites[i].version == 0x0303 &&
				   suites[i].alg != TLS_AEAD_CHACHA20_POLY1305) {
				wire[first + 6] ^= 1; /* its explicit nonce */
			} else {
				/* its length, one byte longer: the header is authenticated */
				uint16_t l = (uint16_t)(wire[first + 3] << 8 | wire[first + 4]);
				l++;
				wire[first + 3] = (uint8_t)(l >> 8);
				wire[first + 4] = (uint8_t)l;
				wire[wl++] = 0;
			}
			C.wire_len = 0;
			feed(&S, wire, wl, wl, SEG_MAX, false);
			/* The first record was good and is delivered before the failure. */
			assert_int_equal(S.data_len, 200);
			expect_alert(TLS_ALERT_BAD_RECORD_MAC);
			side_fini(&S);
			side_fini(&C);
		}
	}
}

/* Raw records given to the server; it must answer alert. */
static void refuse13(const uint8_t *rec, size_t len, int alert)
{
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
	feed(&S, rec, len, len, SEG_MAX, false);
	expect_alert(alert);
	assert_int_equal(S.data_len, 0);
	side_fini(&S);
	side_fini(&C);
}

static void test_header_refusals(void **state)
{
	(void)state;
	uint8_t r[32] = {0};
	/* Oversized: refused from the header alone. */
	memcpy(r, "\x17\x03\x03\x41\x01", 5); /* 16641 = 2^14 + 256 + 1 */
	refuse13(r, 5, TLS_ALERT_RECORD_OVERFLOW);
	/* Too short to hold a tag. */
	memcpy(r, "\x17\x03\x03\x00\x0f", 5);
	refuse13(r, 20, TLS_ALERT_BAD_RECORD_MAC);
	/* Wrong legacy version. */
	memcpy(r, "\x17\x03\x01\x00\x11", 5);
	refuse13(r, 22, TLS_ALERT_DECODE_ERROR);
	/* Outer type other than application_data. */
	memcpy(r, "\x16\x03\x03\x00\x11", 5);
	refuse13(r, 22, TLS_ALERT_UNEXPECTED_MESSAGE);
	/* ChangeCipherSpec after the handshake. */
	memcpy(r, "\x14\x03\x03\x00\x01\x01", 6);
	refuse13(r, 6, TLS_ALERT_UNEXPECTED_MESSAGE);
	/* A plaintext alert after the hand-off. */
	memcpy(r, "\x15\x03\x03\x00\x02\x02\x28", 7);
	refuse13(r, 7, TLS_ALERT_UNEXPECTED_MESSAGE);
}

static void test_header_refusals_12(void **state)
{
	(void)state;
	uint8_t r[64] = {0};
	struct {
		const char *hdr;
		size_t len;
		int alert;
	} cases[] = {
		{"\x17\x03\x01\x00\x20", 37, TLS_ALERT_PROTOCOL_VERSION},
		{"\x14\x03\x03\x00\x01", 6, TLS_ALERT_UNEXPECTED_MESSAGE},
		{"\x18\x03\x03\x00\x20", 37, TLS_ALERT_UNEXPECTED_MESSAGE},
		{"\x17\x03\x03\x48\x01", 5, TLS_ALERT_RECORD_OVERFLOW}, /* 2^14 + 2048 + 1 */
		{"\x17\x03\x03\x00\x17", 28, TLS_ALERT_BAD_RECORD_MAC}, /* < 8 + 16 */
	};
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		pair12(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
		memcpy(r, cases[i].hdr, 5);
		feed(&S, r, cases[i].len, 64, SEG_MAX, false);
		expect_alert(cases[i].alert);
		side_fini(&S);
		side_fini(&C);
	}
}

/* Inner plaintexts the client seals and the server refuses after opening. */
static void inner13(const uint8_t *inner, size_t n, int alert)
{
	static uint8_t rec[20000];
	pair13(TLS_AEAD_CHACHA20_POLY1305, engines[0], engines[0], 8);
	size_t len = craft13(&C, inner, n, rec);
	feed(&S, rec, len, 0, 0, false);
	expect_alert(alert);
	assert_int_equal(S.ctr.records_opened, 1);
	side_fini(&S);
	side_fini(&C);
}

static void test_inner_refusals(void **state)
{
	(void)state;
	static uint8_t in[17000];
	memset(in, 0, sizeof(in));
	/* All zeros: no content type. */
	inner13(in, 30, TLS_ALERT_UNEXPECTED_MESSAGE);
	inner13(in, 0, TLS_ALERT_UNEXPECTED_MESSAGE);
	/* An unknown inner type, and ChangeCipherSpec inside. */
	in[0] = 'a';
	in[1] = 99;
	inner13(in, 2, TLS_ALERT_UNEXPECTED_MESSAGE);
	in[1] = 20;
	inner13(in, 2, TLS_ALERT_UNEXPECTED_MESSAGE);
	/* KeyUpdate with a bad value, a bad length, something after it. */
	memcpy(in, "\x18\x00\x00\x01\x02\x16", 6);
	inner13(in, 6, TLS_ALERT_ILLEGAL_PARAMETER);
	memcpy(in, "\x18\x00\x00\x02\x00\x00\x16", 7);
	inner13(in, 7, TLS_ALERT_DECODE_ERROR);
	memcpy(in, "\x18\x00\x00\x01\x00\x18\x00\x00\x01\x00\x16", 11);
	inner13(in, 11, TLS_ALERT_UNEXPECTED_MESSAGE);
	/* A NewSessionTicket from a client; an empty handshake record. */
	memcpy(in, "\x04\x00\x00\x01\x00\x16", 6);
	inner13(in, 6, TLS_ALERT_UNEXPECTED_MESSAGE);
	in[0] = 22;
	inner13(in, 1, TLS_ALERT_UNEXPECTED_MESSAGE);
	/* An alert record that is not two bytes. */
	memcpy(in, "\x02\x28\x00\x15", 4);
	inner13(in, 4, TLS_ALERT_DECODE_ERROR);
	/* Over the limit: 2^14 + 1 bytes of content, and 2^14 with padding beyond 2^14 + 1. */
	memset(in, 'x', sizeof(in));
	in[16385] = 23;
	inner13(in, 16386, TLS_ALERT_RECORD_OVERFLOW);
	in[16384] = 23;
	memset(in + 16385, 0, 10);
	inner13(in, 16395, TLS_ALERT_RECORD_OVERFLOW);
}

static void test_padding_and_empty_records(void **state)
{
	(void)state;
	uint8_t in[600], rec[700];
	pair13(TLS_AEAD_AES_256_GCM, engines[0], engines[0], 8);
	memcpy(in, "hello", 5);
	in[5] = 23;
	memset(in + 6, 0, 500);
	size_t l1 = craft13(&C, in, 506, rec);
	feed(&S, rec, l1, 0, 0, false);
	/* Zero-length application data is allowed and delivers nothing. */
	in[0] = 23;
	l1 = craft13(&C, in, 1, rec);
	feed(&S, rec, l1, 0, 0, false);
	in[0] = 23;
	memset(in + 1, 0, 100);
	l1 = craft13(&C, in, 101, rec);
	feed(&S, rec, l1, 0, 0, false);
	assert_int_equal(S.data_len, 5);
	assert_int_equal(S.data_calls, 1);
	assert_memory_equal(S.data, "hello", 5);
	assert_false(S.rec.failed);
	assert_int_equal(S.ctr.records_opened, 3);
}

static void test_our_limit(void **state)
{
	(void)state;
	uint8_t in[300], rec[400];
	memset(in, 'y', sizeof(in));
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
	S.rec.our_limit = 100;
	in[100] = 23;
	size_t l = craft13(&C, in, 101, rec);
	feed(&S, rec, l, 0, 0, false);
	assert_int_equal(S.data_len, 100);
	in[101] = 23;
	l = craft13(&C, in, 102, rec);
	feed(&S, rec, l, 0, 0, false);
	expect_alert(TLS_ALERT_RECORD_OVERFLOW);
	side_fini(&S);
	side_fini(&C);

	/* 1.2: a ciphertext within 2^14 + 2048 whose plaintext is over 2^14. */
	static uint8_t p[16400], r12[16500];
	pair12(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
	l = craft12(&C, 23, p, 16385, r12);
	feed(&S, r12, l, 0, 0, false);
	expect_alert(TLS_ALERT_RECORD_OVERFLOW);
}

static void test_alerts_received(void **state)
{
	(void)state;
	uint8_t in[8], rec[64];
	/* 1.3: any alert but close_notify and user_canceled is fatal, whatever its level. */
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
	memcpy(in, "\x02\x5a\x15", 3); /* user_canceled: ignored */
	size_t l = craft13(&C, in, 3, rec);
	feed(&S, rec, l, 0, 0, false);
	assert_false(S.rec.failed);
	memcpy(in, "\x01\x28\x15", 3); /* handshake_failure as a "warning" */
	l = craft13(&C, in, 3, rec);
	feed(&S, rec, l, 0, 0, false);
	assert_true(S.rec.failed);
	assert_int_equal(S.closings, 1);
	assert_int_equal(S.closing_alert, TLS_ALERT_HANDSHAKE_FAILURE);
	assert_true(S.closing_received);
	assert_int_equal(S.wire_len, 0); /* no answer to a fatal alert */
	assert_int_equal(S.ctr.alerts_received[TLS_ALERT_USER_CANCELED], 1);
	side_fini(&S);
	side_fini(&C);
	/* 1.2: warnings go on, fatal ends. */
	pair12(TLS_AEAD_CHACHA20_POLY1305, engines[0], engines[0], 8);
	l = craft12(&C, 21, (const uint8_t *)"\x01\x5a", 2, rec);
	feed(&S, rec, l, 0, 0, false);
	assert_false(S.rec.failed);
	l = craft12(&C, 21, (const uint8_t *)"\x02\x50", 2, rec);
	feed(&S, rec, l, 0, 0, false);
	assert_true(S.rec.failed);
	assert_int_equal(S.closing_alert, TLS_ALERT_INTERNAL_ERROR);
	assert_true(S.closing_received);
}

static void test_renegotiation_refused_12(void **state)
{
	(void)state;
	uint8_t rec[128];
	pair12(TLS_AEAD_AES_256_GCM, engines[0], engines[0], 8);
	size_t l = craft12(&C, 22, (const uint8_t *)"\x01\x00\x00\x02\x03\x03", 6, rec);
	l += craft12(&C, 23, (const uint8_t *)"after", 5, rec + l);
	feed(&S, rec, l, 0, 0, false);
	/* A warning, the message dropped, the connection goes on. */
	assert_false(S.rec.failed);
	assert_int_equal(S.closings, 0);
	assert_int_equal(S.ctr.alerts_sent[TLS_ALERT_NO_RENEGOTIATION], 1);
	assert_int_equal(S.data_len, 5);
	deliver(&S, &C);
	assert_int_equal(C.ctr.alerts_received[TLS_ALERT_NO_RENEGOTIATION], 1);
	assert_false(C.rec.failed);
	fill(big, 50, 0);
	send_data(&S, big, 50, 0, 0);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 50);
}

/* ---------------------------------------------------------- close_notify */

static void test_close_notify_both_ways(void **state)
{
	(void)state;
	for (size_t i = 0; i < RTE_DIM(suites); i += 3) {
		pair_suite(&suites[i], engines[0], engines[0], 8);
		fill(big, 1000, 0);
		/* Client data then close_notify, then data that must be ignored, all in one go. */
		send_data(&C, big, 1000, 0, 0);
		assert_int_equal(tls_record_close(&C.rec, C.b), 0);
		tls_burst_run(C.b);
		assert_true(C.rec.we_closed);
		assert_int_equal(C.closings, 1);
		assert_int_equal(C.closing_alert, TLS_ALERT_CLOSE_NOTIFY);
		assert_false(C.closing_received);
		struct rte_mbuf *m = chain_of(big, 10, 0);
		assert_int_equal(tls_record_tx(&C.rec, C.b, m, 0), -EPIPE);
		rte_pktmbuf_free(m);
		assert_int_equal(tls_record_close(&C.rec, C.b), -EPIPE);
		size_t l = C.wire_len;
		if (suites[i].version == 0x0304)
			l += craft13(&C, (const uint8_t *)"late\x17", 5, C.wire + l);
		else
			l += craft12(&C, 23, (const uint8_t *)"late", 4, C.wire + l);
		C.wire_len = l;
		deliver(&C, &S);
		assert_int_equal(S.data_len, 1000);
		assert_true(S.rec.peer_closed);
		assert_false(S.rec.failed);
		assert_int_equal(S.closings, 1);
		assert_int_equal(S.closing_alert, TLS_ALERT_CLOSE_NOTIFY);
		assert_true(S.closing_received);
		/* Half-closed: the server still sends, then closes too. */
		send_data(&S, big, 300, 0, 0);
		assert_int_equal(tls_record_close(&S.rec, S.b), 0);
		tls_burst_run(S.b);
		deliver(&S, &C);
		assert_int_equal(C.data_len, 300);
		assert_true(C.rec.peer_closed);
		assert_int_equal(C.closings, 2);
		assert_true(C.closing_received);
		assert_int_equal(S.ctr.alerts_sent[0], 1);
		assert_int_equal(S.ctr.alerts_received[0], 1);
		side_fini(&S);
		side_fini(&C);
	}
}

/* ------------------------------------------------------------- KeyUpdate */

static void test_key_update_both_ways(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++)
		for (int e = 0; e < 2; e++) {
			if (engines[e] == NULL)
				continue;
			pair_suite(&suites[i], engines[e], engines[e ^ 1] ? engines[e ^ 1] : engines[e],
				   16);
			fill(big, 5000, 4);
			/* The server's KeyUpdate asks for the client's. */
			assert_int_equal(tls_record_key_update(&S.rec, S.b, true), 0);
			send_data(&S, big, 2000, 0, 0);
			assert_int_equal(S.ctr.key_updates_sent, 1);
			assert_int_equal(S.rec.wr.seq, 2); /* two small records with the new key */
			deliver(&S, &C);
			assert_int_equal(C.data_len, 2000);
			assert_int_equal(C.ctr.key_updates_received, 1);
			/* The client answered before sending anything else. */
			assert_int_equal(C.ctr.key_updates_sent, 1);
			uint16_t lens[4];
			assert_int_equal(record_lengths(C.wire, C.wire_len, lens, 4), 1);
			send_data(&C, big, 3000, 0, 0);
			assert_int_equal(record_lengths(C.wire, C.wire_len, lens, 4), 4);
			deliver(&C, &S);
			assert_int_equal(S.data_len, 3000);
			assert_memory_equal(S.data, big, 3000);
			assert_int_equal(S.ctr.key_updates_received, 1);
			/* update_not_requested: the server does not answer. */
			assert_int_equal(S.ctr.key_updates_sent, 1);
			assert_false(S.rec.failed);
			assert_false(C.rec.failed);
			side_fini(&S);
			side_fini(&C);
		}
}

/* KeyUpdates from the client with records behind them, all opened in one burst. */
static void test_key_update_in_one_burst(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++)
		for (int e = 0; e < 2; e++) {
			if (engines[e] == NULL)
				continue;
			pair_suite(&suites[i], engines[e], engines[0], 64);
			fill(big, 20000, 8);
			send_data(&C, big, 3000, 0, 0);
			assert_int_equal(tls_record_key_update(&C.rec, C.b, false), 0);
			tls_burst_run(C.b);
			send_data(&C, big + 3000, 3000, 0, 0);
			assert_int_equal(tls_record_key_update(&C.rec, C.b, true), 0);
			tls_burst_run(C.b);
			send_data(&C, big + 6000, 5000, 0, 0);
			assert_int_equal(C.ctr.key_updates_sent, 2);
			uint64_t bursts = S.ctr.bursts;
			deliver(&C, &S);
			assert_false(S.rec.failed);
			assert_int_equal(S.closings, 0);
			assert_int_equal(S.data_len, 11000);
			assert_memory_equal(S.data, big, 11000);
			assert_int_equal(S.ctr.key_updates_received, 2);
			/* One burst for everything, then the restores and reopenings. */
			assert_true(S.ctr.bursts - bursts > 2);
			assert_int_equal(S.rec.rd.seq, 4); /* 5000 bytes: four small records */
			/* The second one asked: ours goes before any data. */
			assert_int_equal(S.ctr.key_updates_sent, 1);
			send_data(&S, big, 100, 0, 0);
			deliver(&S, &C);
			assert_int_equal(C.data_len, 100);
			assert_int_equal(C.ctr.key_updates_received, 1);
			side_fini(&S);
			side_fini(&C);
		}
}

static void test_key_update_split_across_records(void **state)
{
	(void)state;
	uint8_t rec[200];
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
	size_t l = craft13(&C, (const uint8_t *)"\x18\x00\x16", 3, rec);
	l += craft13(&C, (const uint8_t *)"\x00\x01\x00\x16", 4, rec + l);
	feed(&S, rec, l, 0, 0, false);
	assert_false(S.rec.failed);
	assert_int_equal(S.ctr.key_updates_received, 1);
	assert_int_equal(S.rec.rd.seq, 0);
	side_fini(&S);
	side_fini(&C);
	/* A split message interleaved with application data is refused. */
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
	l = craft13(&C, (const uint8_t *)"\x18\x00\x16", 3, rec);
	l += craft13(&C, (const uint8_t *)"hi\x17", 3, rec + l);
	feed(&S, rec, l, 0, 0, false);
	expect_alert(TLS_ALERT_UNEXPECTED_MESSAGE);
}

/* -------------------------------------------------------- sequence edges */

static void test_automatic_key_update_at_limit(void **state)
{
	(void)state;
	pair13(TLS_AEAD_AES_256_GCM, engines[0], engines[0], 64);
	S.rec.wr.seq = TLS13_WRITE_KEY_LIMIT - 2;
	C.rec.rd.seq = TLS13_WRITE_KEY_LIMIT - 2;
	fill(big, 10000, 5);
	send_data(&S, big, 6000, 0, 0); /* five small records */
	assert_int_equal(S.ctr.key_updates_sent, 1);
	assert_int_equal(S.rec.wr.seq, 3);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 6000);
	assert_memory_equal(C.data, big, 6000);
	assert_int_equal(C.ctr.key_updates_received, 1);
}

static void test_seq_top_12(void **state)
{
	(void)state;
	pair12(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 64);
	S.rec.wr.seq = C.rec.rd.seq = UINT64_MAX - 3;
	fill(big, 10000, 5);
	/* Two records fit below 2^64 - 2; then close_notify takes the last number. */
	assert_int_equal(tls_record_tx(&S.rec, S.b, chain_of(big, 5000, 0), 0), 0);
	tls_burst_run(S.b);
	assert_true(S.rec.we_closed);
	assert_int_equal(S.closings, 1);
	assert_int_equal(S.closing_alert, TLS_ALERT_CLOSE_NOTIFY);
	assert_int_equal(S.rec.wr.seq, UINT64_MAX);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 2 * TLS_SMALL_RECORD);
	assert_true(C.rec.peer_closed);
	/* Reading: a record after 2^64 - 1 would wrap. */
	side_fini(&S);
	side_fini(&C);
	pair12(TLS_AEAD_CHACHA20_POLY1305, engines[0], engines[0], 64);
	S.rec.rd.seq = C.rec.wr.seq = UINT64_MAX - 1;
	uint8_t rec[100];
	size_t l = craft12(&C, 23, (const uint8_t *)"a", 1, rec);
	l += craft12(&C, 23, (const uint8_t *)"b", 1, rec + l);
	feed(&S, rec, l, 0, 0, false);
	assert_int_equal(S.data_len, 1);
	expect_alert(TLS_ALERT_INTERNAL_ERROR);
}

/* ------------------------------------------------------ record sizes */

static void test_small_records_then_full_then_small_after_idle(void **state)
{
	(void)state;
	static uint16_t lens[400];
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 256);
	fill(big, 200000, 2);
	send_data(&S, big, 200000, 1000, 1000);
	unsigned int n = record_lengths(S.wire, S.wire_len, lens, 400);
	uint32_t sent = 0;
	for (unsigned int k = 0; k < n; k++) {
		uint32_t plain = lens[k] - 17u;
		if (sent < 65536)
			assert_true(plain <= TLS_SMALL_RECORD);
		else
			assert_true(plain <= TLS_MAX_PLAINTEXT);
		sent += plain;
	}
	assert_int_equal(lens[0] - 17, TLS_SMALL_RECORD);
	assert_int_equal(lens[n - 2] - 17, TLS_MAX_PLAINTEXT);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 200000);
	assert_memory_equal(C.data, big, 200000);
	/* Half a second later: still warm. */
	send_data(&S, big, 20000, 1000, 500000);
	assert_int_equal(record_lengths(S.wire, S.wire_len, lens, 400), 2);
	assert_int_equal(lens[0] - 17, 16384);
	deliver(&S, &C);
	/* After an idle second: small again. */
	send_data(&S, big, 20000, 1000, 1600000);
	n = record_lengths(S.wire, S.wire_len, lens, 400);
	assert_int_equal(n, (20000 + TLS_SMALL_RECORD - 1) / TLS_SMALL_RECORD);
	assert_int_equal(lens[0] - 17, TLS_SMALL_RECORD);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 240000);
}

static void test_peer_record_size_limit(void **state)
{
	(void)state;
	static uint16_t lens[400];
	for (size_t i = 0; i < RTE_DIM(suites); i += 3) {
		pair_suite(&suites[i], engines[0], engines[0], 256);
		S.rec.peer_limit = 500;
		S.rec.sent_bytes = 1u << 20; /* warm: the limit is what cuts */
		fill(big, 10000, 6);
		send_data(&S, big, 10000, 0, 0);
		unsigned int n = record_lengths(S.wire, S.wire_len, lens, 400);
		assert_int_equal(n, 20);
		deliver(&S, &C);
		assert_int_equal(C.data_len, 10000);
		assert_memory_equal(C.data, big, 10000);
		side_fini(&S);
		side_fini(&C);
	}
}

/* ---------------------------------------------------- burst and mbufs */

/*
 * Expanded keys are lent, not kept: none at the hand-off, one per direction at
 * its first record, given back after two sweeps without use (and expanded
 * again on the next record); with more keys moving data than schedules, an
 * unpinned record's schedule is taken over and every record still opens right.
 */
static void test_key_schedules_lent_and_taken_over(void **state)
{
	(void)state;
	if (engines[1] == NULL)
		skip();
	enum { EXTRA = 2 };
	static struct side X[EXTRA], Y[EXTRA]; /* more servers on S's burst, and their clients */
	uint8_t cs[TLS_SECRET_MAX], ss[TLS_SECRET_MAX], msg[3000];
	unsigned int size;

	fill(msg, sizeof(msg), 9);
	pair13(TLS_AEAD_AES_128_GCM, engines[1], engines[0], 1);
	assert_int_equal(tls_burst_key_schedules(S.b, &size), 0);
	assert_int_equal(size, 3); /* a one-record burst pins two: one more to take over */

	send_data(&S, msg, sizeof(msg), 0, 1);
	deliver(&S, &C);
	assert_int_equal(C.data_len, sizeof(msg));
	assert_memory_equal(C.data, msg, sizeof(msg));
	assert_int_equal(tls_burst_key_schedules(S.b, NULL), 1);
	send_data(&C, msg, 500, 0, 1);
	deliver(&C, &S);
	assert_int_equal(S.data_len, 500);
	assert_memory_equal(S.data, msg, 500);
	assert_int_equal(tls_burst_key_schedules(S.b, NULL), 2);
	assert_int_equal(S.ctr.key_expansions, 2);

	assert_int_equal(tls_burst_sweep_keys(S.b), 0); /* both used since the last sweep */
	assert_int_equal(tls_burst_sweep_keys(S.b), 2);
	assert_int_equal(tls_burst_key_schedules(S.b, NULL), 0);
	assert_int_equal(S.ctr.key_schedules_swept, 2);
	C.data_len = 0;
	send_data(&S, msg, sizeof(msg), 0, 1); /* expanded again from the raw key */
	deliver(&S, &C);
	assert_int_equal(C.data_len, sizeof(msg));
	assert_memory_equal(C.data, msg, sizeof(msg));
	assert_int_equal(S.ctr.key_expansions, 3);

	for (int i = 0; i < EXTRA; i++) {
		fill(cs, sizeof(cs), (uint8_t)(0x30 + i));
		fill(ss, sizeof(ss), (uint8_t)(0x90 + i));
		for (struct side *sd = &X[i]; sd != NULL; sd = sd == &X[i] ? &Y[i] : NULL) {
			if (sd->wire == NULL) {
				sd->wire = malloc(WIRE_MAX);
				sd->data = malloc(WIRE_MAX);
				assert_non_null(sd->wire);
				assert_non_null(sd->data);
			}
		}
		side_reset(&Y[i], engines[0], 1);
		uint8_t *w = X[i].wire, *d = X[i].data;
		memset(&X[i], 0, sizeof(X[i]));
		X[i].wire = w;
		X[i].data = d;
		X[i].e = engines[1];
		X[i].b = S.b; /* shared: their keys compete for S's three schedules */
		assert_int_equal(tls_record_init13(&X[i].rec, engines[1], TLS_AEAD_AES_128_GCM, cs,
						   ss, 0, &events, &X[i]), 0);
		assert_int_equal(tls_record_init13(&Y[i].rec, engines[0], TLS_AEAD_AES_128_GCM, ss,
						   cs, 0, &events, &Y[i]), 0);
	}
	/* S's write key and X's two: the three schedules; then S's read key takes one over. */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < EXTRA; i++) {
			Y[i].data_len = 0;
			send_data(&X[i], msg + round, 1000 + 100 * i, 0, 1);
			deliver(&X[i], &Y[i]);
			assert_int_equal(Y[i].data_len, 1000 + 100 * i);
			assert_memory_equal(Y[i].data, msg + round, 1000 + 100 * i);
		}
		S.data_len = 0;
		send_data(&C, msg + round, 700, 0, 1);
		deliver(&C, &S);
		assert_int_equal(S.data_len, 700);
		assert_memory_equal(S.data, msg + round, 700);
		C.data_len = 0;
		send_data(&S, msg + round, 900, 0, 1);
		deliver(&S, &C);
		assert_int_equal(C.data_len, 900);
		assert_memory_equal(C.data, msg + round, 900);
		assert_true(tls_burst_key_schedules(S.b, NULL) <= 3);
	}
	assert_true(S.ctr.key_schedules_taken_over >= 3);
	assert_int_equal(S.ctr.alerts_sent[TLS_ALERT_INTERNAL_ERROR], 0);
	assert_false(S.rec.failed);
	for (int i = 0; i < EXTRA; i++) {
		assert_false(X[i].rec.failed);
		tls_burst_cancel(S.b, &X[i].rec);
		tls_record_fini(&X[i].rec, S.b);
		side_fini(&Y[i]);
	}
	assert_true(tls_burst_key_schedules(S.b, NULL) <= 2); /* X's went back with them */
}

static void test_burst_smaller_than_the_work(void **state)
{
	(void)state;
	pair13(TLS_AEAD_CHACHA20_POLY1305, engines[0], engines[0], 2);
	fill(big, 50000, 7);
	/* 37 records through a burst of two: the rest waits and goes round after round. */
	send_data(&C, big, 50000, 0, 0);
	assert_true(C.ctr.bursts >= 18);
	deliver(&C, &S);
	assert_int_equal(S.data_len, 50000);
	assert_memory_equal(S.data, big, 50000);
	/* Queued then cancelled: the connection can go at once. */
	assert_int_equal(tls_record_tx(&S.rec, S.b, chain_of(big, 30000, 0), 0), 0);
	assert_int_equal(tls_burst_pending(S.b), 2);
	assert_true(S.rec.out != NULL);
	tls_burst_cancel(S.b, &S.rec);
	assert_int_equal(tls_burst_pending(S.b), 0);
	assert_int_equal(tls_burst_run(S.b), 0);
	assert_int_equal(S.wire_len, 0);
}

/* The echo service: what the server opens, it seals again from inside the data callback. */
static struct side *echo_side;
static void ev_echo(void *owner, struct rte_mbuf *m)
{
	(void)owner;
	assert_int_equal(tls_record_tx(&echo_side->rec, echo_side->b, m, 0), 0);
}

static void test_echo_from_completion(void **state)
{
	(void)state;
	static const struct tls_record_events echo_events = {
		.data = ev_echo, .records = ev_records, .closing = ev_closing};
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 4);
	S.rec.ev = &echo_events;
	echo_side = &S;
	fill(big, 30000, 1);
	send_data(&C, big, 30000, 0, 0);
	deliver(&C, &S);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 30000);
	assert_memory_equal(C.data, big, 30000);
}

static void test_mbuf_exhaustion(void **state)
{
	(void)state;
	static struct rte_mbuf *hoard[4096];
	pair12(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 8);
	fill(big, 5000, 3);
	/* No headroom: the header needs an mbuf of its own. */
	struct rte_mbuf *m = chain_of(big, 1000, 1000);
	memmove(rte_pktmbuf_mtod(m, uint8_t *) - m->data_off, rte_pktmbuf_mtod(m, uint8_t *), 1000);
	m->data_off = 0;
	/* A record spread over 1-byte mbufs must be copied before opening. */
	send_data(&C, big, 300, 0, 0);
	struct rte_mbuf *in = chain_of(C.wire, C.wire_len, 1);
	C.wire_len = 0;
	unsigned int n = 0;
	while ((hoard[n] = rte_pktmbuf_alloc(eal_fixture_pool())) != NULL)
		n++;
	assert_int_equal(tls_record_tx(&S.rec, S.b, m, 0), -ENOBUFS);
	assert_null(S.rec.out);
	assert_int_equal(tls_record_close(&S.rec, S.b), 0); /* waits, queued nothing */
	assert_int_equal(tls_burst_pending(S.b), 0);
	tls_record_rx(&S.rec, S.b, in);
	tls_burst_run(S.b);
	assert_int_equal(S.data_len, 0);
	assert_int_equal(S.wire_len, 0);
	fixture_free(hoard, n);
	/* The caller still has m; the buffered record and the close go now. */
	tls_burst_run(S.b);
	assert_int_equal(S.data_len, 300);
	assert_true(S.rec.we_closed);
	assert_int_equal(tls_record_tx(&S.rec, S.b, m, 0), -EPIPE);
	rte_pktmbuf_free(m);
	deliver(&S, &C);
	assert_true(C.rec.peer_closed);
	side_fini(&S);
	side_fini(&C);

	/* Exhaustion after part of a chain went: the rest waits and is not lost. */
	pair13(TLS_AEAD_AES_128_GCM, engines[0], engines[0], 64);
	m = chain_of(big, 5000, 1000);
	n = 0;
	while ((hoard[n] = rte_pktmbuf_alloc(eal_fixture_pool())) != NULL)
		n++;
	/* Enough for exactly one record that splits a segment and needs a trailer. */
	rte_pktmbuf_free(hoard[--n]);
	rte_pktmbuf_free(hoard[--n]);
	assert_int_equal(tls_record_tx(&S.rec, S.b, m, 0), 0);
	assert_int_equal(tls_burst_pending(S.b), 1);
	assert_true(S.rec.tx_nobufs);
	fixture_free(hoard, n);
	tls_burst_run(S.b);
	deliver(&S, &C);
	assert_int_equal(C.data_len, 5000);
	assert_memory_equal(C.data, big, 5000);
}

/* ------------------------------------------------- OpenSSL interop */

static char keylog[8][256];
static unsigned int keylog_n;

static void keylog_cb(const SSL *ssl, const char *line)
{
	(void)ssl;
	if (keylog_n < RTE_DIM(keylog))
		snprintf(keylog[keylog_n++], sizeof(keylog[0]), "%s", line);
}

static bool keylog_get(const char *label, uint8_t *out, size_t n)
{
	size_t ll = strlen(label);
	for (unsigned int i = 0; i < keylog_n; i++) {
		if (strncmp(keylog[i], label, ll) != 0 || keylog[i][ll] != ' ')
			continue;
		const char *hex = strchr(keylog[i] + ll + 1, ' ') + 1;
		for (size_t k = 0; k < n; k++) {
			unsigned int v;
			sscanf(hex + 2 * k, "%2x", &v);
			out[k] = (uint8_t)v;
		}
		return true;
	}
	return false;
}

static void make_cert(EVP_PKEY **key, X509 **cert)
{
	*key = EVP_EC_gen("P-256");
	assert_non_null(*key);
	*cert = X509_new();
	X509_set_version(*cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(*cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(*cert), 3600);
	X509_set_pubkey(*cert, *key);
	X509_NAME *name = X509_get_subject_name(*cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"test", -1, -1,
				   0);
	X509_set_issuer_name(*cert, name);
	assert_true(X509_sign(*cert, *key, EVP_sha256()) > 0);
}

/* Bytes from one SSL's write BIO into the other's read BIO; how many moved. */
static size_t pipe_bytes(BIO *from, BIO *to, uint8_t *copy, size_t *copy_len)
{
	uint8_t buf[16384];
	size_t moved = 0;
	int n;
	while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
		BIO_write(to, buf, n);
		if (copy != NULL) {
			memcpy(copy + *copy_len, buf, (size_t)n);
			*copy_len += (size_t)n;
		}
		moved += (size_t)n;
	}
	return moved;
}

struct interop {
	SSL_CTX *sctx, *cctx;
	SSL *server, *client;
	BIO *s_in, *s_out, *c_in, *c_out;
	uint64_t server_records; /* written in the call that completed the handshake */
};

static void interop_handshake(struct interop *io, int version, const char *suite)
{
	EVP_PKEY *key;
	X509 *cert;
	make_cert(&key, &cert);
	keylog_n = 0;
	io->sctx = SSL_CTX_new(TLS_server_method());
	io->cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(io->sctx, version);
	SSL_CTX_set_max_proto_version(io->sctx, version);
	SSL_CTX_set_min_proto_version(io->cctx, version);
	SSL_CTX_set_max_proto_version(io->cctx, version);
	if (version == TLS1_3_VERSION) {
		assert_int_equal(SSL_CTX_set_ciphersuites(io->sctx, suite), 1);
		assert_int_equal(SSL_CTX_set_ciphersuites(io->cctx, suite), 1);
	} else {
		assert_int_equal(SSL_CTX_set_cipher_list(io->sctx, suite), 1);
		assert_int_equal(SSL_CTX_set_cipher_list(io->cctx, suite), 1);
	}
	assert_int_equal(SSL_CTX_use_certificate(io->sctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(io->sctx, key), 1);
	SSL_CTX_set_keylog_callback(io->sctx, keylog_cb);
	X509_free(cert);
	EVP_PKEY_free(key);
	io->server = SSL_new(io->sctx);
	io->client = SSL_new(io->cctx);
	io->s_in = BIO_new(BIO_s_mem());
	io->s_out = BIO_new(BIO_s_mem());
	io->c_in = BIO_new(BIO_s_mem());
	io->c_out = BIO_new(BIO_s_mem());
	SSL_set_bio(io->server, io->s_in, io->s_out);
	SSL_set_bio(io->client, io->c_in, io->c_out);
	SSL_set_accept_state(io->server);
	SSL_set_connect_state(io->client);
	bool s_done = false, c_done = false;
	for (int round = 0; round < 20 && !(s_done && c_done); round++) {
		if (!c_done)
			c_done = SSL_do_handshake(io->client) == 1;
		pipe_bytes(io->c_out, io->s_in, NULL, NULL);
		if (!s_done) {
			static uint8_t out[65536];
			size_t out_len = 0;
			s_done = SSL_do_handshake(io->server) == 1;
			pipe_bytes(io->s_out, io->c_in, out, &out_len);
			if (s_done) {
				uint16_t lens[16];
				io->server_records = record_lengths(out, out_len, lens, 16);
			}
		}
	}
	assert_true(s_done && c_done);
}

static void interop_free(struct interop *io)
{
	SSL_free(io->server);
	SSL_free(io->client);
	SSL_CTX_free(io->sctx);
	SSL_CTX_free(io->cctx);
}

static void feed_from_bio(BIO *bio, struct side *to)
{
	static uint8_t buf[1u << 18];
	int n = BIO_read(bio, buf, sizeof(buf));
	if (n > 0)
		feed(to, buf, (size_t)n, 0, 0, true);
}

static void read_client(struct interop *io, uint8_t *out, int want)
{
	BIO_write(io->c_in, S.wire, (int)S.wire_len);
	S.wire_len = 0;
	int got = 0;
	while (got < want) {
		int n = SSL_read(io->client, out + got, want - got);
		assert_true(n > 0);
		got += n;
	}
}

static void interop_run(bool tls13, const char *suite, enum tls_aead_alg alg)
{
	struct interop io;
	memset(&io, 0, sizeof(io));
	interop_handshake(&io, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION, suite);
	for (int e = 0; e < 2; e++) {
		if (engines[e] == NULL)
			continue;
		side_reset(&S, engines[e], 32);
		if (tls13) {
			uint8_t cs[48], ss[48];
			size_t hl = alg == TLS_AEAD_AES_256_GCM ? 48 : 32;
			assert_true(keylog_get("CLIENT_TRAFFIC_SECRET_0", cs, hl));
			assert_true(keylog_get("SERVER_TRAFFIC_SECRET_0", ss, hl));
			assert_int_equal(io.server_records, 2);
			assert_int_equal(tls_record_init13(&S.rec, engines[e], alg, cs, ss,
							   io.server_records, &events, &S),
					 0);
		} else {
			uint8_t master[48], cr[32], sr[32];
			struct tls12_key_block kb;
			SSL_get_client_random(io.server, cr, sizeof(cr));
			SSL_get_server_random(io.server, sr, sizeof(sr));
			assert_true(keylog_get("CLIENT_RANDOM", master, 48));
			enum tls_hash h =
				alg == TLS_AEAD_AES_256_GCM ? TLS_HASH_SHA384 : TLS_HASH_SHA256;
			assert_int_equal(tls12_key_block(alg, h, master, cr, sr, &kb), 0);
			assert_int_equal(tls_record_init12(&S.rec, engines[e], alg, &kb, &events, &S),
					 0);
		}
		/* The OpenSSL client writes, we read. */
		fill(big, 40000, (uint8_t)(9 + e));
		assert_int_equal(SSL_write(io.client, big, 40000), 40000);
		S.data_len = 0;
		feed_from_bio(io.c_out, &S);
		assert_false(S.rec.failed);
		assert_int_equal(S.data_len, 40000);
		assert_memory_equal(S.data, big, 40000);
		/* We write, the OpenSSL client reads. */
		static uint8_t got[40000];
		send_data(&S, big + 1, 30000, 0, 0);
		read_client(&io, got, 30000);
		assert_memory_equal(got, big + 1, 30000);
		if (tls13) {
			/* Its KeyUpdate asks for ours; both keys move on. */
			assert_int_equal(SSL_key_update(io.client, SSL_KEY_UPDATE_REQUESTED), 1);
			assert_int_equal(SSL_write(io.client, "after", 5), 5);
			feed_from_bio(io.c_out, &S);
			assert_int_equal(S.ctr.key_updates_received, 1);
			assert_int_equal(S.ctr.key_updates_sent, 1);
			assert_int_equal(S.data_len, 40005);
			send_data(&S, (const uint8_t *)"reply", 5, 0, 0);
			read_client(&io, got, 5);
			assert_memory_equal(got, "reply", 5);
			/* Ours, unasked: the client reads on with our next key. */
			assert_int_equal(tls_record_key_update(&S.rec, S.b, false), 0);
			send_data(&S, (const uint8_t *)"again", 5, 0, 0);
			read_client(&io, got, 5);
			assert_memory_equal(got, "again", 5);
		}
		/* Our close_notify; then the client's. */
		assert_int_equal(tls_record_close(&S.rec, S.b), 0);
		tls_burst_run(S.b);
		BIO_write(io.c_in, S.wire, (int)S.wire_len);
		S.wire_len = 0;
		int rr = SSL_read(io.client, got, 1);
		assert_true(rr <= 0);
		assert_int_equal(SSL_get_error(io.client, rr), SSL_ERROR_ZERO_RETURN);
		assert_true(SSL_shutdown(io.client) >= 0);
		feed_from_bio(io.c_out, &S);
		assert_true(S.rec.peer_closed);
		assert_false(S.rec.failed);
		side_fini(&S);
		/* The second engine starts from the same keys: a fresh handshake. */
		interop_free(&io);
		memset(&io, 0, sizeof(io));
		interop_handshake(&io, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION, suite);
	}
	interop_free(&io);
	assert_int_equal(in_use(), mbufs_at_start);
}

static void test_interop_openssl_tls13(void **state)
{
	(void)state;
	interop_run(true, "TLS_AES_128_GCM_SHA256", TLS_AEAD_AES_128_GCM);
	interop_run(true, "TLS_AES_256_GCM_SHA384", TLS_AEAD_AES_256_GCM);
	interop_run(true, "TLS_CHACHA20_POLY1305_SHA256", TLS_AEAD_CHACHA20_POLY1305);
}

static void test_interop_openssl_tls12(void **state)
{
	(void)state;
	interop_run(false, "ECDHE-ECDSA-AES128-GCM-SHA256", TLS_AEAD_AES_128_GCM);
	interop_run(false, "ECDHE-ECDSA-AES256-GCM-SHA384", TLS_AEAD_AES_256_GCM);
	interop_run(false, "ECDHE-ECDSA-CHACHA20-POLY1305", TLS_AEAD_CHACHA20_POLY1305);
}

int main(void)
{
	if (eal_fixture_init() != 0) {
		fprintf(stderr, "EAL did not start\n");
		return 1;
	}
	engines[0] = tls_engine_create(TLS_ENGINE_EVP);
	engines[1] = tls_engine_create(TLS_ENGINE_IPSECMB);
	if (engines[0] == NULL)
		return 1;
	if (engines[1] == NULL)
		fprintf(stderr, "ipsec-mb cannot run here: EVP only\n");
	S.wire = malloc(WIRE_MAX);
	S.data = malloc(WIRE_MAX);
	C.wire = malloc(WIRE_MAX);
	C.data = malloc(WIRE_MAX);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trips_every_suite_and_engine, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_byte_mbufs_and_many_records_per_mbuf,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_mac_on_body_tag_and_header, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_header_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_refusals_12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inner_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_padding_and_empty_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_our_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_received, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renegotiation_refused_12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_notify_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_update_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_update_in_one_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_update_split_across_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_automatic_key_update_at_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seq_top_12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_records_then_full_then_small_after_idle,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_record_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_schedules_lent_and_taken_over, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_burst_smaller_than_the_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_from_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbuf_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interop_openssl_tls13, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interop_openssl_tls12, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	tls_engine_free(engines[0]);
	tls_engine_free(engines[1]);
	return failed;
}

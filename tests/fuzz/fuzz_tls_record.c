/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/tls/tls_record.c and tls_burst.c: a server record
 * layer with fixed keys takes the peer's byte stream, arbitrarily segmented.
 *
 * Input: byte 0 picks the mode (bit 0), the suite (bits 1-3, mod 6) and the
 * engine (bit 4); byte 1 the burst size (1..16) and byte 2 the segmentation
 * seed. Then:
 *   raw mode:    the rest is the peer's record stream as it comes off TCP;
 *   sealed mode: commands, so the fuzzer reaches what follows decryption:
 *     [type][len][len bytes] a record the peer seals with its current key
 *                            (1.3: type is the inner type; a well-formed
 *                            KeyUpdate moves the peer's key on, as a real peer),
 *     type 0xf0 + n          the server sends n*97 bytes of application data,
 *     type 0xf1              the server sends a KeyUpdate (update_requested),
 *     type 0xf2              the server sends close_notify,
 *     type 0xf3              mbufs run out until the next command,
 *     type 0xf4              the burst runs.
 * Everything the server hands over is read by a real peer record layer.
 * Invariants (abort otherwise): the server's records always open at the peer;
 * a failed server sends at most one alert and nothing after it; nothing is
 * delivered after the connection failed or the peer closed; no mbuf leaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/counters.h>

#include "fuzz_eal.h"
#include "tls_record.h"

#define POOL_SIZE 8191
#define SEG_MAX 1900u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct side {
	struct tls_record rec;
	struct tls_burst *b;
	struct tls_counters ctr;
	bool dead;             /* failed, or the peer closed: nothing may be delivered */
	unsigned int fatal_out; /* fatal alerts handed over */
	unsigned int closings;
	bool got_fatal;        /* a fatal alert received */
	struct side *peer;     /* where handed-over records go (NULL: nowhere) */
};

static struct rte_mempool *pool;
static struct tls_engine *engines[2];
static struct rte_mbuf *hog[POOL_SIZE];
static unsigned int n_hog;
static uint32_t seg_state;

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_tls_record: %s\n", what);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	check(fuzz_eal_init("fuzz_tls_record", 256, false) >= 0, "rte_eal_init failed");
	pool = rte_pktmbuf_pool_create("fuzz_mbufs", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	check(pool != NULL, "mbuf pool");
	engines[0] = tls_engine_create(TLS_ENGINE_EVP);
	engines[1] = tls_engine_create(TLS_ENGINE_IPSECMB);
	check(engines[0] != NULL, "evp engine");
	return 0;
}

static uint32_t next_seg(void)
{
	seg_state = seg_state * 1103515245u + 12345u;
	uint32_t r = seg_state >> 16;
	/* Mostly small pieces, sometimes whole mbufs. */
	return (r & 3) == 0 ? SEG_MAX : 1 + r % 64;
}

static void unhog(void)
{
	for (unsigned int i = 0; i < n_hog; i++)
		rte_pktmbuf_free(hog[i]);
	n_hog = 0;
}

/* len bytes as a chain of arbitrary segments; NULL when mbufs ran out. */
static struct rte_mbuf *chain_of(const uint8_t *p, size_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	size_t off = 0;
	while (off < len) {
		uint32_t n = next_seg();
		if (n > len - off)
			n = (uint32_t)(len - off);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
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

static void ev_data(void *owner, struct rte_mbuf *m)
{
	struct side *sd = owner;
	check(!sd->dead && !sd->rec.failed, "data delivered after failure or close");
	uint32_t len = 0;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		len += s->data_len;
	check(len == m->pkt_len && len > 0 && len <= sd->rec.our_limit, "bad plaintext chain");
	rte_pktmbuf_free(m);
}

static void ev_records(void *owner, struct rte_mbuf *m)
{
	struct side *sd = owner;
	check(sd->fatal_out == 0, "a record after a fatal alert");
	if (sd->peer == NULL || sd->peer->dead) {
		rte_pktmbuf_free(m);
		return;
	}
	tls_record_rx(&sd->peer->rec, sd->peer->b, m);
}

static void ev_closing(void *owner, enum tls_alert alert, bool received)
{
	struct side *sd = owner;
	sd->closings++;
	if (alert != TLS_ALERT_CLOSE_NOTIFY && !received)
		sd->fatal_out++;
	if (alert != TLS_ALERT_CLOSE_NOTIFY || received)
		sd->dead = true;
	if (alert != TLS_ALERT_CLOSE_NOTIFY && received)
		sd->got_fatal = true;
	check(sd->fatal_out <= 1, "two fatal alerts");
}

static const struct tls_record_events events = {ev_data, ev_records, ev_closing};

static void fill(uint8_t *p, size_t n, uint8_t base)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(base + i * 7);
}

static void nonce_of(uint8_t *nonce, const uint8_t *iv, uint64_t seq)
{
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* A record sealed with the peer's write key: 1.3 inner = content ‖ type. */
static size_t craft(struct side *peer, uint8_t type, const uint8_t *content, size_t n,
		    uint8_t *out)
{
	struct tls_record *r = &peer->rec;
	struct tls_aead_op op;
	memset(&op, 0, sizeof(op));
	bool v13 = r->version == 0x0304;
	bool gcm12 = !v13 && r->alg != TLS_AEAD_CHACHA20_POLY1305;
	size_t hl = gcm12 ? 13 : 5;
	size_t inner = n + (v13 ? 1 : 0);
	size_t clen = hl - 5 + inner + 16;
	uint64_t seq = r->wr.seq++;
	out[0] = v13 ? 23 : type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(clen >> 8);
	out[4] = (uint8_t)clen;
	memcpy(out + hl, content, n);
	if (v13) {
		out[hl + n] = type;
		memcpy(op.aad, out, 5);
		op.aad_len = 5;
		nonce_of(op.nonce, r->wr.iv, seq);
	} else {
		for (int i = 0; i < 8; i++)
			op.aad[i] = (uint8_t)(seq >> (56 - 8 * i));
		op.aad[8] = type;
		op.aad[9] = 3;
		op.aad[10] = 3;
		op.aad[11] = (uint8_t)(n >> 8);
		op.aad[12] = (uint8_t)n;
		op.aad_len = 13;
		if (gcm12) {
			memcpy(op.nonce, r->wr.iv, 4);
			memcpy(op.nonce + 4, op.aad, 8);
			memcpy(out + 5, op.aad, 8);
		} else {
			nonce_of(op.nonce, r->wr.iv, seq);
		}
	}
	op.key = &r->wr.key;
	op.seal = true;
	op.n_seg = 1;
	op.seg[0].data = out + hl;
	op.seg[0].len = (uint32_t)inner;
	op.tag = out + hl + inner;
	tls_engine_run(engines[0], &op, 1);
	check(op.result == 0, "peer seal");
	/* A real peer moves its write key on after its own KeyUpdate. */
	if (v13 && type == 22 && n == 5 && content[0] == 24 && content[1] == 0 && content[2] == 0 &&
	    content[3] == 1 && content[4] <= 1) {
		uint8_t key[TLS_AEAD_KEY_MAX];
		check(tls13_next_secret(r->hash, r->wr.secret) == 0 &&
			      tls13_traffic_key_iv(r->alg, r->wr.secret, key, r->wr.iv) == 0,
		      "peer rekey");
		tls_aead_key_wipe(&r->wr.key);
		check(tls_aead_key_init(engines[0], &r->wr.key, r->alg, key) == 0, "peer key");
		r->wr.seq = 0;
	}
	return 5 + clen;
}

static struct side S, P;
static uint8_t buf[70000];

static void give(const uint8_t *p, size_t len)
{
	if (S.dead || len == 0)
		return;
	struct rte_mbuf *m = chain_of(p, len);
	if (m != NULL)
		tls_record_rx(&S.rec, S.b, m);
}

static void run_all(void)
{
	for (int i = 0; i < 4; i++) {
		tls_burst_run(S.b);
		tls_burst_run(P.b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	static const uint16_t versions[6] = {0x0304, 0x0304, 0x0304, 0x0303, 0x0303, 0x0303};
	static const enum tls_aead_alg algs[6] = {
		TLS_AEAD_AES_128_GCM, TLS_AEAD_AES_256_GCM, TLS_AEAD_CHACHA20_POLY1305,
		TLS_AEAD_AES_128_GCM, TLS_AEAD_AES_256_GCM, TLS_AEAD_CHACHA20_POLY1305};
	bool sealed = data[0] & 1;
	unsigned int su = ((data[0] >> 1) & 7) % 6;
	struct tls_engine *e = engines[(data[0] >> 4) & 1] ? engines[(data[0] >> 4) & 1] : engines[0];
	unsigned int max_records = 1 + data[1] % 16;
	seg_state = data[2];
	data += 3;
	size -= 3;
	unsigned int at_start = rte_mempool_in_use_count(pool);

	memset(&S, 0, sizeof(S));
	memset(&P, 0, sizeof(P));
	S.b = tls_burst_create(e, pool, &S.ctr, max_records, 0, SOCKET_ID_ANY);
	P.b = tls_burst_create(engines[0], pool, &P.ctr, 16, 0, SOCKET_ID_ANY);
	check(S.b != NULL && P.b != NULL, "burst");
	S.peer = &P;
	P.peer = &S; /* the peer's KeyUpdates and alerts reach us, in order */
	if (versions[su] == 0x0304) {
		uint8_t cs[TLS_SECRET_MAX], ss[TLS_SECRET_MAX];
		fill(cs, sizeof(cs), 0x11);
		fill(ss, sizeof(ss), 0x77);
		check(tls_record_init13(&S.rec, e, algs[su], cs, ss, 2, &events, &S) == 0 &&
			      tls_record_init13(&P.rec, engines[0], algs[su], ss, cs, 0, &events, &P) ==
				      0,
		      "init13");
		P.rec.rd.seq = 2;
	} else {
		struct tls12_key_block kb, mirror;
		fill((uint8_t *)&kb, sizeof(kb), 0x21);
		memcpy(mirror.client_key, kb.server_key, sizeof(kb.server_key));
		memcpy(mirror.server_key, kb.client_key, sizeof(kb.client_key));
		memcpy(mirror.client_iv, kb.server_iv, sizeof(kb.server_iv));
		memcpy(mirror.server_iv, kb.client_iv, sizeof(kb.client_iv));
		check(tls_record_init12(&S.rec, e, algs[su], &kb, &events, &S) == 0 &&
			      tls_record_init12(&P.rec, engines[0], algs[su], &mirror, &events, &P) ==
				      0,
		      "init12");
	}

	if (!sealed) {
		size_t off = 0;
		while (off < size) {
			size_t n = 1 + (next_seg() * 37u) % 3000u;
			if (n > size - off)
				n = size - off;
			give(data + off, n);
			off += n;
			if (next_seg() & 1)
				run_all();
		}
	} else {
		size_t off = 0;
		while (off < size) {
			uint8_t t = data[off++];
			if (t >= 0xf0 && t <= 0xf4) {
				unhog();
				uint8_t arg = off < size ? data[off++] : 0;
				if (t == 0xf0) {
					size_t n = 1 + (size_t)arg * 97u;
					fill(buf, n, arg);
					struct rte_mbuf *m = chain_of(buf, n);
					if (m != NULL && tls_record_tx(&S.rec, S.b, m, arg * 100000u) != 0)
						rte_pktmbuf_free(m);
				} else if (t == 0xf1) {
					(void)tls_record_key_update(&S.rec, S.b, true);
				} else if (t == 0xf2) {
					(void)tls_record_close(&S.rec, S.b);
				} else if (t == 0xf3) {
					while (n_hog < POOL_SIZE &&
					       (hog[n_hog] = rte_pktmbuf_alloc(pool)) != NULL)
						n_hog++;
				} else {
					run_all();
				}
				continue;
			}
			if (off + 2 > size)
				break;
			size_t n = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (n > size - off)
				n = size - off;
			if (n > 16500)
				n = 16500;
			/* The peer's own records (its KeyUpdate answer) go first. */
			tls_burst_run(P.b);
			size_t l = craft(&P, t, data + off, n, buf);
			off += n;
			give(buf, l);
		}
	}
	unhog();
	run_all();
	check(tls_burst_pending(S.b) == 0, "work left after the runs");
	/* The peer opened everything we sent: our records are always well-formed. */
	check(!P.rec.failed || P.got_fatal, "the peer could not open our records");
	tls_burst_cancel(S.b, &S.rec);
	tls_burst_cancel(P.b, &P.rec);
	tls_record_fini(&S.rec, S.b);
	tls_record_fini(&P.rec, P.b);
	tls_burst_free(S.b);
	tls_burst_free(P.b);
	check(rte_mempool_in_use_count(pool) == at_start, "mbuf leak");
	return 0;
}

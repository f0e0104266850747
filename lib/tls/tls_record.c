/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS record layer after the hand-off: both directions of one
 * connection's records (RFC 8446 §5 for 1.3; RFC 5246 §6.2.3.3 with RFC 5288
 * and RFC 7905 nonces for 1.2). Records are cut from mbuf chains and opened or
 * sealed in place; the AEAD work waits in the worker's burst (tls_burst.c).
 * Every refusal is the alert it sends.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include <rte_mbuf.h>

#include <tlsterm/counters.h>
#include <tlsterm/net.h>

#include "tls_burst_priv.h"
#include "tls_sched_cache.h"

#define CT_CHANGE_CIPHER_SPEC 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPLICATION_DATA 23
#define HS_KEY_UPDATE 24
#define LEVEL_WARNING 1
#define LEVEL_FATAL 2
#define LEGACY_VERSION 0x0303
#define TLS13_MAX_CIPHERTEXT (TLS_MAX_PLAINTEXT + 256)  /* RFC 8446 §5.2 */
#define TLS12_MAX_CIPHERTEXT (TLS_MAX_PLAINTEXT + 2048) /* RFC 5246 §6.2.3 */
#define EXPLICIT_NONCE 8                                /* RFC 5288 §3 */
#define SMALL_PHASE_BYTES 65536u
#define IDLE_US 1000000u
/* Fresh mbufs one record may need: a copy of a record spread over too many segments. */
#define MAX_ALLOC (TLS_AEAD_SEGS_MAX + 1)

static bool is13(const struct tls_record *r)
{
	return r->version == 0x0304;
}

/* 1.2 AES-GCM carries the nonce's last 8 bytes in each record; ChaCha20 does not. */
static bool has_explicit_nonce(const struct tls_record *r)
{
	return !is13(r) && r->alg != TLS_AEAD_CHACHA20_POLY1305;
}

static unsigned int out_hdr_len(const struct tls_record *r)
{
	return TLS_RECORD_HDR + (has_explicit_nonce(r) ? EXPLICIT_NONCE : 0);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* RFC 8446 §5.3 and RFC 7905 §2: the IV with the sequence number XORed into its end. */
static void nonce_xor(uint8_t *nonce, const uint8_t *iv, uint64_t seq)
{
	memcpy(nonce, iv, TLS_AEAD_NONCE_LEN);
	for (int i = 0; i < 8; i++)
		nonce[TLS_AEAD_NONCE_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* RFC 5246 §6.2.3.3: seq_num + type + version + length. */
static void aad12(struct tls_aead_op *op, uint64_t seq, uint8_t type, uint32_t len)
{
	put_be64(op->aad, seq);
	op->aad[8] = type;
	op->aad[9] = LEGACY_VERSION >> 8;
	op->aad[10] = LEGACY_VERSION & 0xff;
	op->aad[11] = (uint8_t)(len >> 8);
	op->aad[12] = (uint8_t)len;
	op->aad_len = 13;
}

/* ------------------------------------------------------------------ chains */

/* A segment we may write outside its data: ours alone, not a view of someone's buffer. */
static bool seg_writable(const struct rte_mbuf *m)
{
	return RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1;
}

static struct rte_mbuf *chain_last(struct rte_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

/* Append m to the chain *head (whose last segment is *last, or NULL to find it). */
static void chain_append(struct rte_mbuf **head, struct rte_mbuf **last, struct rte_mbuf *m)
{
	if (*head == NULL) {
		*head = m;
	} else {
		struct rte_mbuf *l = (last != NULL && *last != NULL) ? *last : chain_last(*head);
		l->next = m;
		(*head)->nb_segs = (uint16_t)((*head)->nb_segs + m->nb_segs);
		(*head)->pkt_len += m->pkt_len;
	}
	if (last != NULL)
		*last = chain_last(m);
}

/* The segment holding byte off (< pkt_len) and off's place in it. */
static struct rte_mbuf *seg_at(struct rte_mbuf *m, uint32_t off, uint32_t *in_seg)
{
	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	*in_seg = off;
	return m;
}

/* Whether cutting the first len bytes off m (0 < len < pkt_len) splits a segment. */
static bool cut_inside_segment(struct rte_mbuf *m, uint32_t len)
{
	uint32_t off;
	seg_at(m, len, &off);
	return off != 0;
}

/*
 * Cut m after len bytes (0 < len < pkt_len); returns the rest. A segment cut in
 * the middle is shared: spare becomes an indirect view of its second part.
 */
static struct rte_mbuf *chain_split(struct rte_mbuf *m, uint32_t len, struct rte_mbuf *spare)
{
	struct rte_mbuf *seg = m;
	uint32_t off = len;
	uint16_t segs = 1;
	while (off > seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
		segs++;
	}
	struct rte_mbuf *rest;
	uint16_t rest_segs = (uint16_t)(m->nb_segs - segs);
	if (off == seg->data_len) {
		rest = seg->next;
	} else {
		rte_pktmbuf_attach(spare, seg);
		spare->data_off = (uint16_t)(spare->data_off + off);
		spare->data_len = (uint16_t)(seg->data_len - off);
		spare->next = seg->next;
		seg->data_len = (uint16_t)off;
		rest = spare;
		rest_segs++;
	}
	seg->next = NULL;
	rest->nb_segs = rest_segs;
	rest->pkt_len = m->pkt_len - len;
	m->nb_segs = segs;
	m->pkt_len = len;
	return rest;
}

/* Copy the len bytes of src into the n fresh mbufs mb (enough for them) and free src. */
static struct rte_mbuf *chain_copy(struct rte_mbuf *src, uint32_t len, struct rte_mbuf **mb,
				   unsigned int n)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t take = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(mb[i]), len - off);
		uint8_t *dst = (uint8_t *)rte_pktmbuf_append(mb[i], (uint16_t)take);
		const uint8_t *p = rte_pktmbuf_read(src, off, take, dst);
		if (p != dst)
			memcpy(dst, p, take);
		off += take;
		chain_append(&head, NULL, mb[i]);
	}
	rte_pktmbuf_free(src);
	return head;
}

/* Segments of m covering [off, off + len). */
static unsigned int count_segs(struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	if (len == 0)
		return 0;
	uint32_t in;
	struct rte_mbuf *seg = seg_at(m, off, &in);
	unsigned int n = 0;
	while (len > 0) {
		uint32_t take = RTE_MIN(len, (uint32_t)seg->data_len - in);
		if (take > 0)
			n++;
		len -= take;
		in = 0;
		seg = seg->next;
	}
	return n;
}

/* The op's segments: [off, off + len) of m, at most TLS_AEAD_SEGS_MAX (checked before). */
static void fill_segs(struct tls_aead_op *op, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	op->n_seg = 0;
	if (len == 0)
		return;
	uint32_t in;
	struct rte_mbuf *seg = seg_at(m, off, &in);
	while (len > 0) {
		uint32_t take = RTE_MIN(len, (uint32_t)seg->data_len - in);
		if (take > 0) {
			op->seg[op->n_seg].data = rte_pktmbuf_mtod_offset(seg, uint8_t *, in);
			op->seg[op->n_seg].len = take;
			op->n_seg++;
		}
		len -= take;
		in = 0;
		seg = seg->next;
	}
}

/* A pointer to the n bytes at off: in place when contiguous, else copied into buf. */
static uint8_t *bytes_at(struct rte_mbuf *m, uint32_t off, uint32_t n, uint8_t *buf)
{
	uint32_t in;
	struct rte_mbuf *seg = seg_at(m, off, &in);
	if (in + n <= seg->data_len)
		return rte_pktmbuf_mtod_offset(seg, uint8_t *, in);
	rte_pktmbuf_read(m, off, n, buf);
	return buf;
}

/* n bytes from the start of an op's (decrypted) segments. */
static void op_read(const struct tls_aead_op *op, uint32_t n, uint8_t *out)
{
	for (unsigned int i = 0; i < op->n_seg && n > 0; i++) {
		uint32_t take = RTE_MIN(n, op->seg[i].len);
		memcpy(out, op->seg[i].data, take);
		out += take;
		n -= take;
	}
}

/* RFC 8446 §5.4: the content type is the last non-zero byte; -1 when all are zero. */
static int64_t last_nonzero(const struct tls_aead_op *op, uint32_t total)
{
	uint32_t end = total;
	for (int i = op->n_seg - 1; i >= 0; i--) {
		const struct tls_aead_seg *s = &op->seg[i];
		end -= s->len;
		for (int64_t j = (int64_t)s->len - 1; j >= 0; j--)
			if (s->data[j] != 0)
				return (int64_t)end + j;
	}
	return -1;
}

/* -------------------------------------------------------------- key set-up */

static int dir_init13(const struct tls_engine *e, enum tls_aead_alg alg, struct tls_dir *d)
{
	uint8_t key[TLS_AEAD_KEY_MAX];
	int rc = -1;
	if (tls13_traffic_key_iv(alg, d->secret, key, d->iv) != 0)
		goto wipe;
	if (tls_aead_key_init(e, &d->key, alg, key) != 0)
		goto wipe;
	rc = 0;
wipe:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/*
 * k is about to be used by an op of r (which has something queued, so its keys
 * stay put): expanded into a schedule from the cache if it has none. Cannot
 * fail with the cache sized as tls_burst_create does; if it did, the engine
 * would refuse the op (not ready) and the record would fail.
 */
static void key_use(struct tls_burst *b, struct tls_record *r, struct tls_aead_key *k)
{
	if (k->sched != NULL)
		tls_sched_touch(b->sc, k);
	else if (k->needs_sched)
		(void)tls_sched_take(b->sc, b->e, r, k);
}

/* RFC 8446 §7.2: the next generation of a direction's traffic secret, key and IV. */
static int dir_update13(struct tls_burst *b, const struct tls_record *r, struct tls_dir *d)
{
	tls_sched_give_back(b->sc, &d->key);
	if (tls13_next_secret(r->hash, d->secret) != 0)
		return -1;
	tls_aead_key_wipe(&d->key);
	d->seq = 0;
	return dir_init13(b->e, r->alg, d);
}

static void dir_wipe(struct tls_dir *d)
{
	tls_aead_key_wipe(&d->key);
	OPENSSL_cleanse(d, sizeof(*d));
}

static void record_defaults(struct tls_record *r, enum tls_aead_alg alg,
			    const struct tls_record_events *ev, void *owner)
{
	memset(r, 0, sizeof(*r));
	r->alg = (uint8_t)alg;
	r->peer_limit = TLS_MAX_PLAINTEXT;
	r->our_limit = TLS_MAX_PLAINTEXT;
	r->ev = ev;
	r->owner = owner;
}

int tls_record_init13(struct tls_record *r, const struct tls_engine *e, enum tls_aead_alg alg,
		      const uint8_t *read_secret, const uint8_t *write_secret, uint64_t write_seq,
		      const struct tls_record_events *ev, void *owner)
{
	record_defaults(r, alg, ev, owner);
	r->version = 0x0304;
	r->hash = (uint8_t)tls13_suite_hash(alg);
	unsigned int hl = tls_hash_len(r->hash);
	memcpy(r->rd.secret, read_secret, hl);
	memcpy(r->wr.secret, write_secret, hl);
	r->wr.seq = write_seq;
	if (dir_init13(e, alg, &r->rd) != 0 || dir_init13(e, alg, &r->wr) != 0) {
		dir_wipe(&r->rd);
		dir_wipe(&r->wr);
		return -1;
	}
	return 0;
}

int tls_record_init12(struct tls_record *r, const struct tls_engine *e, enum tls_aead_alg alg,
		      const struct tls12_key_block *kb, const struct tls_record_events *ev,
		      void *owner)
{
	record_defaults(r, alg, ev, owner);
	r->version = 0x0303;
	r->hash = TLS_HASH_SHA256; /* unused after the hand-off: 1.2 has no KeyUpdate */
	/* We are the server: we read what the client wrote. */
	memcpy(r->rd.iv, kb->client_iv, TLS_AEAD_NONCE_LEN);
	memcpy(r->wr.iv, kb->server_iv, TLS_AEAD_NONCE_LEN);
	r->rd.seq = 1; /* each side's Finished was record 0 */
	r->wr.seq = 1;
	if (tls_aead_key_init(e, &r->rd.key, alg, kb->client_key) != 0 ||
	    tls_aead_key_init(e, &r->wr.key, alg, kb->server_key) != 0) {
		dir_wipe(&r->rd);
		dir_wipe(&r->wr);
		return -1;
	}
	return 0;
}

void tls_record_fini(struct tls_record *r, struct tls_burst *b)
{
	if (b != NULL) {
		tls_sched_give_back(b->sc, &r->rd.key);
		tls_sched_give_back(b->sc, &r->wr.key);
	}
	rte_pktmbuf_free(r->in);
	rte_pktmbuf_free(r->out);
	r->in = r->out = r->out_last = NULL;
	r->in_len = r->out_len = 0;
	dir_wipe(&r->rd);
	dir_wipe(&r->wr);
}

/* ----------------------------------------------------------------- sealing */

/*
 * Fill the header (and 1.2's explicit nonce) at the front of wire and the op
 * for a record of plain_len bytes of type whose body starts at out_hdr_len and
 * whose tag follows it contiguously.
 */
static void seal_prepare(struct tls_record *r, struct tls_burst *b, int idx,
			 struct rte_mbuf *wire, uint8_t type, uint32_t plain_len)
{
	struct tls_aead_op *op = &b->ops[idx];
	struct tls_slot *s = &b->slots[idx];
	uint32_t hl = out_hdr_len(r);
	uint32_t inner = plain_len + (is13(r) ? 1 : 0);
	uint32_t clen = hl - TLS_RECORD_HDR + inner + TLS_AEAD_TAG_LEN;
	uint8_t *h = rte_pktmbuf_mtod(wire, uint8_t *);

	s->seq = r->wr.seq++;
	s->m = wire;
	s->len = plain_len;
	h[0] = is13(r) ? CT_APPLICATION_DATA : type;
	h[1] = LEGACY_VERSION >> 8;
	h[2] = LEGACY_VERSION & 0xff;
	h[3] = (uint8_t)(clen >> 8);
	h[4] = (uint8_t)clen;
	key_use(b, r, &r->wr.key);
	op->key = &r->wr.key;
	op->seal = true;
	if (has_explicit_nonce(r)) {
		/* RFC 5288 §3: salt from the key block, then our sequence number, sent in clear. */
		put_be64(h + TLS_RECORD_HDR, s->seq);
		memcpy(op->nonce, r->wr.iv, 4);
		put_be64(op->nonce + 4, s->seq);
	} else {
		nonce_xor(op->nonce, r->wr.iv, s->seq);
	}
	if (is13(r)) {
		memcpy(op->aad, h, TLS_RECORD_HDR);
		op->aad_len = TLS_RECORD_HDR;
		*bytes_at(wire, hl + plain_len, 1, s->tag) = type;
	} else {
		aad12(op, s->seq, type, plain_len);
	}
	fill_segs(op, wire, hl, inner);
	op->tag = bytes_at(wire, hl + inner, TLS_AEAD_TAG_LEN, s->tag);
}

/* An alert or handshake message as one record in one fresh mbuf. */
static int queue_control(struct tls_record *r, struct tls_burst *b, enum tls_slot_kind kind,
			 uint8_t type, const uint8_t *content, uint32_t len)
{
	if (b->count == b->cap)
		return -EAGAIN;
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->mp);
	if (m == NULL)
		return -ENOBUFS;
	uint32_t hl = out_hdr_len(r);
	uint32_t total = hl + len + (is13(r) ? 1 : 0) + TLS_AEAD_TAG_LEN;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)total);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	int idx = burst_reserve(b, r);
	memcpy(p + hl, content, len);
	seal_prepare(r, b, idx, m, type, len);
	b->slots[idx].kind = (uint8_t)kind;
	return idx;
}

static int queue_alert(struct tls_record *r, struct tls_burst *b, uint8_t level, uint8_t desc)
{
	uint8_t a[2] = {level, desc};
	int idx = queue_control(r, b, SLOT_ALERT, CT_ALERT, a, sizeof(a));
	if (idx < 0)
		return idx;
	b->slots[idx].level = level;
	b->slots[idx].alert = desc;
	return 0;
}

/* RFC 8446 §4.6.3; the new write key is installed when this record has been sealed. */
static int queue_key_update(struct tls_record *r, struct tls_burst *b)
{
	uint8_t request = r->ku_request ? 1 : 0;
	uint8_t msg[5] = {HS_KEY_UPDATE, 0, 0, 1, request};
	int idx = queue_control(r, b, SLOT_KEY_UPDATE, CT_HANDSHAKE, msg, sizeof(msg));
	if (idx < 0)
		return idx;
	b->slots[idx].alert = request;
	r->ku_in_flight = true;
	r->key_update_due = false;
	r->ku_request = false;
	return 0;
}

static uint32_t record_size(const struct tls_record *r)
{
	uint32_t limit = RTE_MIN(r->peer_limit, (uint16_t)TLS_MAX_PLAINTEXT);
	if (r->sent_bytes < SMALL_PHASE_BYTES)
		limit = RTE_MIN(limit, (uint32_t)TLS_SMALL_RECORD);
	return RTE_MAX(limit, 1u);
}

/* Cut one record off r->out and queue it; -EAGAIN (burst full) or -ENOBUFS leave out as is. */
static int queue_data(struct tls_record *r, struct tls_burst *b)
{
	uint32_t hl = out_hdr_len(r);
	uint32_t tl = (is13(r) ? 1 : 0) + TLS_AEAD_TAG_LEN;
	uint32_t limit = record_size(r);
	/* At most SEGS_MAX - 1 plaintext segments: the content type may need one more. */
	uint32_t len = 0;
	unsigned int segs = 0;
	struct rte_mbuf *last = r->out;
	for (struct rte_mbuf *seg = r->out; seg != NULL && segs < TLS_AEAD_SEGS_MAX - 1 &&
					    len < limit;
	     seg = seg->next) {
		if (seg->data_len == 0)
			continue;
		len += seg->data_len;
		segs++;
		last = seg;
	}
	len = RTE_MIN(len, limit);
	bool split = len < r->out_len && cut_inside_segment(r->out, len);
	bool head_room = seg_writable(r->out) && rte_pktmbuf_headroom(r->out) >= hl;
	bool tail_room = !split && seg_writable(last) && rte_pktmbuf_tailroom(last) >= tl;
	unsigned int n = (split ? 1 : 0) + (head_room ? 0 : 1) + (tail_room ? 0 : 1);
	struct rte_mbuf *mb[3];

	if (b->count == b->cap)
		return -EAGAIN;
	if (n > 0 && rte_pktmbuf_alloc_bulk(b->mp, mb, n) != 0)
		return -ENOBUFS;
	unsigned int k = 0;
	int idx = burst_reserve(b, r);
	struct rte_mbuf *rec = r->out;
	if (len < r->out_len) {
		bool split_last = split && last == r->out_last;
		r->out = chain_split(rec, len, split ? mb[k++] : NULL);
		if (split_last)
			r->out_last = r->out;
	} else {
		r->out = r->out_last = NULL;
	}
	r->out_len -= len;
	if (tail_room) {
		rte_pktmbuf_append(rec, (uint16_t)tl);
	} else {
		struct rte_mbuf *t = mb[k++];
		rte_pktmbuf_append(t, (uint16_t)tl);
		chain_append(&rec, NULL, t);
	}
	if (head_room) {
		rte_pktmbuf_prepend(rec, (uint16_t)hl);
	} else {
		struct rte_mbuf *h = mb[k++];
		rte_pktmbuf_append(h, (uint16_t)hl);
		chain_append(&h, NULL, rec);
		rec = h;
	}
	seal_prepare(r, b, idx, rec, CT_APPLICATION_DATA, len);
	b->slots[idx].kind = SLOT_SEAL;
	r->sent_bytes += len;
	return 0;
}

/* Queue what r has to send, in the order the protocol wants it. Never calls back. */
static void tx_pump(struct tls_record *r, struct tls_burst *b)
{
	int rc = 0;
	for (;;) {
		if (r->alert_due) {
			uint8_t level = r->alert == TLS_ALERT_CLOSE_NOTIFY ? LEVEL_WARNING : LEVEL_FATAL;
			rc = queue_alert(r, b, level, r->alert);
			if (rc == 0)
				r->alert_due = false;
			break;
		}
		if (r->failed || r->we_closed || r->ku_in_flight)
			break;
		if (r->warn_due) {
			rc = queue_alert(r, b, LEVEL_WARNING, TLS_ALERT_NO_RENEGOTIATION);
			if (rc != 0)
				break;
			r->warn_due = false;
		}
		/* RFC 8446 §5.5: a fresh write key long before the AEAD's limit. */
		if (is13(r) && r->wr.seq >= TLS13_WRITE_KEY_LIMIT)
			r->key_update_due = true;
		if (r->key_update_due) {
			rc = queue_key_update(r, b);
			break; /* more once it is sealed and the new key is in */
		}
		if (r->out != NULL) {
			/* RFC 5246 §6.1: a 1.2 sequence number never wraps; close before. */
			if (!is13(r) && r->wr.seq >= UINT64_MAX - 1) {
				rte_pktmbuf_free(r->out);
				r->out = r->out_last = NULL;
				r->out_len = 0;
				r->close_due = true;
				continue;
			}
			rc = queue_data(r, b);
			r->tx_nobufs = rc == -ENOBUFS;
			if (rc != 0)
				break;
			continue;
		}
		if (r->close_due) {
			rc = queue_alert(r, b, LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY);
			if (rc == 0) {
				r->close_due = false;
				r->we_closed = true;
			}
		}
		break;
	}
	if (rc != 0)
		burst_wait(b, r);
}

/* ----------------------------------------------------------------- opening */

static void stop_input(struct tls_record *r)
{
	r->rx_stopped = true;
	rte_pktmbuf_free(r->in);
	r->in = NULL;
	r->in_len = 0;
	r->hs_have = 0;
}

/* The alert for a header that cannot start a record we take, or -1. */
static int header_alert(const struct tls_record *r, uint8_t type, uint16_t version, uint16_t len)
{
	if (is13(r)) {
		/* RFC 8446 §5: after the handshake only protected records; no CCS (§5, §D.4). */
		if (type != CT_APPLICATION_DATA)
			return TLS_ALERT_UNEXPECTED_MESSAGE;
		if (version != LEGACY_VERSION)
			return TLS_ALERT_DECODE_ERROR;
		if (len > TLS13_MAX_CIPHERTEXT)
			return TLS_ALERT_RECORD_OVERFLOW;
		/* No room for a tag: it cannot be deciphered (§5.2). */
		if (len < TLS_AEAD_TAG_LEN)
			return TLS_ALERT_BAD_RECORD_MAC;
		return -1;
	}
	if (type != CT_ALERT && type != CT_HANDSHAKE && type != CT_APPLICATION_DATA)
		return TLS_ALERT_UNEXPECTED_MESSAGE;
	if (version != LEGACY_VERSION)
		return TLS_ALERT_PROTOCOL_VERSION;
	if (len > TLS12_MAX_CIPHERTEXT)
		return TLS_ALERT_RECORD_OVERFLOW;
	if (len < (has_explicit_nonce(r) ? EXPLICIT_NONCE : 0) + TLS_AEAD_TAG_LEN)
		return TLS_ALERT_BAD_RECORD_MAC;
	return -1;
}

/* A record refused before decryption: its alert goes in queue order, input ends here. */
static int refuse(struct tls_record *r, struct tls_burst *b, uint8_t alert)
{
	int idx = burst_reserve(b, r);
	if (idx < 0)
		return -EAGAIN;
	b->slots[idx].kind = SLOT_ERROR;
	b->slots[idx].alert = alert;
	stop_input(r);
	return 0;
}

/* Cut the record of ciphertext length len off r->in and queue its opening. */
static int queue_open(struct tls_record *r, struct tls_burst *b, const uint8_t *hdr, uint16_t len)
{
	uint32_t total = TLS_RECORD_HDR + (uint32_t)len;
	uint32_t body_off = TLS_RECORD_HDR + (has_explicit_nonce(r) ? EXPLICIT_NONCE : 0);
	uint32_t body_len = total - body_off - TLS_AEAD_TAG_LEN;
	bool split = total < r->in_len && cut_inside_segment(r->in, total);
	unsigned int n_copy = 0;
	if (count_segs(r->in, body_off, body_len) > TLS_AEAD_SEGS_MAX) {
		/* Too scattered for one op: copy it into as few mbufs as the pool allows. */
		uint32_t room = rte_pktmbuf_data_room_size(b->mp) - RTE_PKTMBUF_HEADROOM;
		n_copy = (total + room - 1) / room;
		if (n_copy + 1 > MAX_ALLOC)
			return refuse(r, b, TLS_ALERT_INTERNAL_ERROR);
	}
	unsigned int n = (split ? 1 : 0) + n_copy;
	struct rte_mbuf *mb[MAX_ALLOC];

	if (b->count == b->cap)
		return -EAGAIN;
	if (n > 0 && rte_pktmbuf_alloc_bulk(b->mp, mb, n) != 0)
		return -ENOBUFS;
	uint8_t type = hdr[0];
	uint8_t aad[TLS_RECORD_HDR];
	memcpy(aad, hdr, TLS_RECORD_HDR); /* hdr may point into the mbuf we cut */
	int idx = burst_reserve(b, r);
	struct tls_aead_op *op = &b->ops[idx];
	struct tls_slot *s = &b->slots[idx];
	struct rte_mbuf *rec = r->in;
	if (total < r->in_len)
		r->in = chain_split(rec, total, split ? mb[0] : NULL);
	else
		r->in = NULL;
	r->in_len -= total;
	if (n_copy > 0)
		rec = chain_copy(rec, total, mb + (split ? 1 : 0), n_copy);

	s->kind = SLOT_OPEN;
	s->m = rec;
	s->seq = r->rd.seq++;
	s->len = body_len;
	s->body_off = (uint16_t)body_off;
	s->hdr_type = type;
	key_use(b, r, &r->rd.key);
	op->key = &r->rd.key;
	op->seal = false;
	if (has_explicit_nonce(r)) {
		memcpy(op->nonce, r->rd.iv, 4);
		memcpy(op->nonce + 4, bytes_at(rec, TLS_RECORD_HDR, EXPLICIT_NONCE, s->tag),
		       EXPLICIT_NONCE);
	} else {
		nonce_xor(op->nonce, r->rd.iv, s->seq);
	}
	if (is13(r)) {
		memcpy(op->aad, aad, TLS_RECORD_HDR);
		op->aad_len = TLS_RECORD_HDR;
	} else {
		aad12(op, s->seq, type, body_len);
	}
	fill_segs(op, rec, body_off, body_len);
	op->tag = bytes_at(rec, body_off + body_len, TLS_AEAD_TAG_LEN, s->tag);
	return 0;
}

/* Cut whole records off r->in and queue them until input runs out or must wait. */
static void rx_parse(struct tls_record *r, struct tls_burst *b)
{
	int rc = 0;
	while (!r->rx_stopped && r->in_len >= TLS_RECORD_HDR) {
		uint8_t buf[TLS_RECORD_HDR];
		const uint8_t *h = rte_pktmbuf_read(r->in, 0, TLS_RECORD_HDR, buf);
		uint16_t version = (uint16_t)(h[1] << 8 | h[2]);
		uint16_t len = (uint16_t)(h[3] << 8 | h[4]);
		int alert = header_alert(r, h[0], version, len);
		if (alert < 0 && r->in_len < TLS_RECORD_HDR + (uint32_t)len)
			break; /* the rest of the record is still on its way */
		/* A sequence number never wraps (RFC 8446 §5.3, RFC 5246 §6.1). */
		if (alert < 0 && r->rd.seq == UINT64_MAX)
			alert = TLS_ALERT_INTERNAL_ERROR;
		if (alert >= 0)
			rc = refuse(r, b, (uint8_t)alert);
		else
			rc = queue_open(r, b, h, len);
		if (rc != 0)
			break;
	}
	if (rc != 0)
		burst_wait(b, r);
}

void record_pump(struct tls_record *r, struct tls_burst *b)
{
	if (r->in != NULL && !r->rx_stopped)
		rx_parse(r, b);
	tx_pump(r, b);
}

void tls_record_rx(struct tls_record *r, struct tls_burst *b, struct rte_mbuf *m)
{
	if (m == NULL)
		return;
	if (r->rx_stopped || r->failed || m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	r->in_len += m->pkt_len;
	chain_append(&r->in, NULL, m);
	rx_parse(r, b);
}

int tls_record_tx(struct tls_record *r, struct tls_burst *b, struct rte_mbuf *m, uint64_t now_us)
{
	if (r->failed || r->we_closed || r->close_due || r->alert_due)
		return -EPIPE;
	if (r->out != NULL && r->tx_nobufs)
		return -ENOBUFS;
	if (m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	/* Small records again after an idle second, as TCP restarts its window. */
	if (now_us >= r->last_send_us + IDLE_US)
		r->sent_bytes = 0;
	r->last_send_us = now_us;
	bool fresh = r->out == NULL;
	uint32_t len = m->pkt_len;
	r->out_len += len;
	chain_append(&r->out, &r->out_last, m);
	tx_pump(r, b);
	if (fresh && r->tx_nobufs && r->out == m && r->out_len == len) {
		/* Not a byte of m queued: the caller keeps it. */
		r->out = r->out_last = NULL;
		r->out_len = 0;
		r->tx_nobufs = false;
		return -ENOBUFS;
	}
	return 0;
}

int tls_record_close(struct tls_record *r, struct tls_burst *b)
{
	if (r->failed || r->we_closed || r->close_due || r->alert_due)
		return -EPIPE;
	r->close_due = true;
	tx_pump(r, b);
	return 0;
}

int tls_record_key_update(struct tls_record *r, struct tls_burst *b, bool request_peer)
{
	if (!is13(r))
		return -EINVAL;
	if (r->failed || r->we_closed || r->close_due || r->alert_due)
		return -EPIPE;
	r->key_update_due = true;
	r->ku_request |= request_peer;
	tx_pump(r, b);
	return 0;
}

/* ------------------------------------------------------ completion, failure */

void record_slot_drop(struct tls_burst *b, unsigned int idx)
{
	struct tls_slot *s = &b->slots[idx];
	struct tls_record *r = s->r;
	rte_pktmbuf_free(s->m);
	if (s->kind == SLOT_SEAL || s->kind == SLOT_ALERT || s->kind == SLOT_KEY_UPDATE) {
		/*
		 * Never handed over, so its sequence number was not used on the wire;
		 * all of r's records go together, so taking the lowest back leaves no gap.
		 */
		if (s->seq < r->wr.seq)
			r->wr.seq = s->seq;
		if (s->kind == SLOT_KEY_UPDATE)
			r->ku_in_flight = false;
	}
	s->m = NULL;
	s->r = NULL;
	r->queued--;
}

static void drop_queued(struct tls_burst *b, struct tls_record *r, bool opens_only)
{
	for (unsigned int k = 0; k < b->count && r->queued > 0; k++) {
		unsigned int idx = burst_index(b, k);
		struct tls_slot *s = &b->slots[idx];
		if (s->r == r && (!opens_only || s->kind == SLOT_OPEN || s->kind == SLOT_ERROR))
			record_slot_drop(b, idx);
	}
}

static void drop_backlog(struct tls_record *r)
{
	stop_input(r);
	rte_pktmbuf_free(r->out);
	r->out = r->out_last = NULL;
	r->out_len = 0;
	r->close_due = r->warn_due = r->key_update_due = false;
}

/* We end the connection with alert: nothing queued after this point goes anywhere. */
static void fail(struct tls_burst *b, struct tls_record *r, uint8_t alert)
{
	drop_queued(b, r, false);
	drop_backlog(r);
	r->failed = true;
	if (r->we_closed) {
		/* Nothing may follow our close_notify (RFC 8446 §6.1): end without a word. */
		r->ev->closing(r->owner, (enum tls_alert)alert, false);
		return;
	}
	r->alert = alert;
	r->alert_due = true;
	tx_pump(r, b);
}

int tls_record_alert(struct tls_record *r, struct tls_burst *b, enum tls_alert alert)
{
	if (r->failed || r->we_closed || r->alert_due)
		return -EPIPE;
	fail(b, r, (uint8_t)alert);
	return 0;
}

static void alert_received(struct tls_burst *b, struct tls_record *r, uint8_t level, uint8_t desc)
{
	b->ctr->alerts_received[desc]++;
	if (desc == TLS_ALERT_CLOSE_NOTIFY) {
		/* RFC 8446 §6.1: data after close_notify is ignored; we may still send. */
		r->peer_closed = true;
		drop_queued(b, r, true);
		stop_input(r);
		r->ev->closing(r->owner, TLS_ALERT_CLOSE_NOTIFY, true);
		return;
	}
	/* 1.3 §6: only user_canceled is not an error; 1.2 §7.2: warnings are not fatal. */
	if (is13(r) ? desc == TLS_ALERT_USER_CANCELED : level == LEVEL_WARNING)
		return;
	drop_queued(b, r, false);
	drop_backlog(r);
	r->failed = true;
	r->ev->closing(r->owner, (enum tls_alert)desc, true);
}

/* RFC 8446 §4.6.3: the peer's next records use its next key. */
static void key_update_received(struct tls_burst *b, struct tls_record *r, uint8_t request)
{
	/*
	 * r's records behind this one in the burst went through the engine with
	 * the old key and hold garbage. AES-GCM and ChaCha20 XOR a key stream:
	 * sealing again with the same key and nonce gives the ciphertext back.
	 */
	for (unsigned int k = 0; k < b->count; k++) {
		unsigned int idx = burst_index(b, k);
		struct tls_slot *s = &b->slots[idx];
		struct tls_aead_op *op = &b->ops[idx];
		if (s->r != r || s->kind != SLOT_OPEN || !s->ran)
			continue;
		uint8_t *tag = op->tag;
		op->seal = true;
		op->tag = b->scratch_tag;
		tls_engine_run(b->e, op, 1);
		b->ctr->bursts++;
		op->seal = false;
		op->tag = tag;
	}
	if (dir_update13(b, r, &r->rd) != 0) {
		fail(b, r, TLS_ALERT_INTERNAL_ERROR);
		return;
	}
	if (r->queued > 0)
		key_use(b, r, &r->rd.key); /* for the records behind, run again below */
	b->ctr->key_updates_received++;
	for (unsigned int k = 0; k < b->count; k++) {
		unsigned int idx = burst_index(b, k);
		struct tls_slot *s = &b->slots[idx];
		struct tls_aead_op *op = &b->ops[idx];
		if (s->r != r || s->kind != SLOT_OPEN)
			continue;
		s->seq = r->rd.seq++;
		nonce_xor(op->nonce, r->rd.iv, s->seq);
		if (s->ran) {
			tls_engine_run(b->e, op, 1);
			b->ctr->bursts++;
		}
	}
	if (request) {
		/* Ours goes before any more application data (§4.6.3). */
		r->key_update_due = true;
		tx_pump(r, b);
	}
}

/* RFC 8446 §4.6, §5.1: after the handshake only KeyUpdate, whole, ending its record. */
static uint8_t handshake13(struct tls_burst *b, struct tls_record *r,
			   const struct tls_aead_op *op, uint32_t len)
{
	uint8_t msg[5];
	if (len == 0)
		return TLS_ALERT_UNEXPECTED_MESSAGE; /* §5.1: no empty handshake fragments */
	uint32_t take = RTE_MIN(len, (uint32_t)(sizeof(msg) - r->hs_have));
	memcpy(msg, r->hs_buf, r->hs_have);
	op_read(op, take, msg + r->hs_have);
	uint32_t have = r->hs_have + take;
	/* NewSessionTicket and CertificateRequest only come from servers; we never asked for more. */
	if (msg[0] != HS_KEY_UPDATE)
		return TLS_ALERT_UNEXPECTED_MESSAGE;
	if (have >= 4 && (msg[1] != 0 || msg[2] != 0 || msg[3] != 1))
		return TLS_ALERT_DECODE_ERROR;
	if (have < sizeof(msg)) {
		memcpy(r->hs_buf, msg, have);
		r->hs_have = (uint8_t)have;
		return 0;
	}
	/* A key change must end its record (§5.1); so nothing may follow it. */
	if (len > take)
		return TLS_ALERT_UNEXPECTED_MESSAGE;
	if (msg[4] > 1)
		return TLS_ALERT_ILLEGAL_PARAMETER;
	r->hs_have = 0;
	key_update_received(b, r, msg[4]);
	return 0;
}

static void complete_open(struct tls_burst *b, struct tls_record *r, const struct tls_slot *s,
			  const struct tls_aead_op *op, struct rte_mbuf *m)
{
	uint8_t alert;
	uint32_t len = s->len;
	uint8_t type = s->hdr_type;

	if (op->result != 0) {
		alert = op->result == -EBADMSG ? TLS_ALERT_BAD_RECORD_MAC : TLS_ALERT_INTERNAL_ERROR;
		goto refuse;
	}
	b->ctr->records_opened++;
	if (is13(r)) {
		/* RFC 8449 §4: the limit counts the whole TLSInnerPlaintext but its type byte. */
		if (len > (uint32_t)r->our_limit + 1) {
			alert = TLS_ALERT_RECORD_OVERFLOW;
			goto refuse;
		}
		int64_t pos = last_nonzero(op, len);
		if (pos < 0) {
			alert = TLS_ALERT_UNEXPECTED_MESSAGE;
			goto refuse;
		}
		uint8_t t[1];
		len = (uint32_t)pos;
		type = *bytes_at(m, s->body_off + len, 1, t);
		/* §5.1: a handshake message may not be interleaved with other records. */
		if (r->hs_have > 0 && type != CT_HANDSHAKE) {
			alert = TLS_ALERT_UNEXPECTED_MESSAGE;
			goto refuse;
		}
	} else if (len > r->our_limit) {
		alert = TLS_ALERT_RECORD_OVERFLOW;
		goto refuse;
	}
	switch (type) {
	case CT_APPLICATION_DATA:
		b->ctr->bytes_opened += len; /* application bytes only, as bytes_sealed */
		if (len == 0) {
			rte_pktmbuf_free(m); /* allowed, and nothing to deliver */
			return;
		}
		m = net_chain_cut_front(m, s->body_off);
		net_chain_keep(m, len);
		r->ev->data(r->owner, m);
		return;
	case CT_ALERT: {
		/* One alert per record, never fragmented (RFC 8446 §5.1). */
		if (len != 2) {
			alert = TLS_ALERT_DECODE_ERROR;
			goto refuse;
		}
		uint8_t a[2];
		op_read(op, 2, a);
		rte_pktmbuf_free(m);
		alert_received(b, r, a[0], a[1]);
		return;
	}
	case CT_HANDSHAKE:
		if (is13(r)) {
			alert = handshake13(b, r, op, len);
			if (alert != 0)
				goto refuse;
			rte_pktmbuf_free(m);
			return;
		}
		/*
		 * 1.2 renegotiation: refused with a warning (RFC 5246 §7.2.2,
		 * RFC 5746 §4.4); the client may carry on or close. The message is dropped.
		 */
		rte_pktmbuf_free(m);
		r->warn_due = true;
		tx_pump(r, b);
		return;
	default:
		alert = TLS_ALERT_UNEXPECTED_MESSAGE;
		goto refuse;
	}
refuse:
	rte_pktmbuf_free(m);
	fail(b, r, alert);
}

void record_complete(struct tls_burst *b, unsigned int idx)
{
	struct tls_slot *s = &b->slots[idx];
	const struct tls_aead_op *op = &b->ops[idx];
	struct tls_record *r = s->r;
	struct rte_mbuf *m = s->m;
	const struct tls_record_events *ev = r->ev;
	void *owner = r->owner;

	/* Dead before any callback: a cancel from inside one must not see it. */
	s->r = NULL;
	s->m = NULL;
	r->queued--;
	switch ((enum tls_slot_kind)s->kind) {
	case SLOT_ERROR:
		fail(b, r, s->alert);
		return;
	case SLOT_OPEN:
		complete_open(b, r, s, op, m);
		return;
	case SLOT_SEAL:
		if (op->result != 0) {
			rte_pktmbuf_free(m);
			fail(b, r, TLS_ALERT_INTERNAL_ERROR);
			return;
		}
		b->ctr->records_sealed++;
		b->ctr->bytes_sealed += s->len;
		ev->records(owner, m);
		return;
	case SLOT_KEY_UPDATE:
		if (op->result != 0 || dir_update13(b, r, &r->wr) != 0) {
			rte_pktmbuf_free(m);
			r->ku_in_flight = false;
			fail(b, r, TLS_ALERT_INTERNAL_ERROR);
			return;
		}
		r->ku_in_flight = false;
		b->ctr->records_sealed++;
		b->ctr->key_updates_sent++;
		if (r->out != NULL || r->close_due || r->key_update_due || r->warn_due)
			burst_wait(b, r);
		ev->records(owner, m);
		return;
	case SLOT_ALERT:
		if (op->result != 0) {
			rte_pktmbuf_free(m);
			m = NULL;
		} else {
			b->ctr->records_sealed++;
			b->ctr->alerts_sent[s->alert]++;
			ev->records(owner, m);
		}
		if (s->level == LEVEL_FATAL || s->alert == TLS_ALERT_CLOSE_NOTIFY)
			ev->closing(owner, (enum tls_alert)s->alert, false);
		return;
	}
}

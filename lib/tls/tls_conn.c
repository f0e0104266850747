/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One TLS connection over the TCP byte stream: the handshake in OpenSSL, then
 * the hand-off to our record layer, with the app (the proxy or a built-in
 * service, struct tls_app_ops) on the plaintext. TCP actions that could free
 * the connection (abort) never run inside a burst's completions: they wait
 * for the post pass.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tls_conn.h"

#define RX_BATCH_MAX (64u * 1024) /* ciphertext taken from TCP per connection per burst */

static struct tls_conn *conn_of(struct tcp_conn *c)
{
	return tcp_upper(c);
}

/*
 * A handshake holds its generation (its SSL_CTX, SNI and ALPN tables) until it
 * ends. Only this worker writes the count, so a plain load and a store do; the
 * release store orders this worker's last use of the contexts before the
 * control thread can see zero and free them (x86: an ordinary mov).
 */
static void gen_hold(struct tls_conn *tc, struct tls_gen *g)
{
	tc->gen = g;
	__atomic_store_n(&g->handshakes, g->handshakes + 1, __ATOMIC_RELAXED);
}

static void gen_release(struct tls_conn *tc)
{
	struct tls_gen *g = tc->gen;
	tc->gen = NULL;
	__atomic_store_n(&g->handshakes, g->handshakes - 1, __ATOMIC_RELEASE);
}

static void post(struct tls_worker *tw, struct tls_conn *tc)
{
	if (!tc->in_post) {
		tc->in_post = true;
		TAILQ_INSERT_TAIL(&tw->post, tc, post_link);
	}
}

/* Leave the handshake or the record layer behind; only TCP's closed() is still to come. */
static void detach(struct tls_worker *tw, struct tls_conn *tc)
{
	if (tc->app != NULL) {
		void *app = tc->app;
		tc->app = NULL; /* the app may not call back into tc from closed() */
		tc->lsn->ops->closed(app);
	}
	if (tc->state == TLS_CONN_HANDSHAKE) {
		TAILQ_REMOVE(&tw->handshaking, tc, hs_link);
		tw->n_handshaking--;
		tls_hs_free(&tc->u.hs);
		gen_release(tc);
	} else if (tc->state == TLS_CONN_OPEN) {
		tls_burst_cancel(tw->burst, &tc->u.rec);
		tls_record_fini(&tc->u.rec, tw->burst);
	}
	tc->state = TLS_CONN_CLOSED;
	if (tc->in_post) {
		TAILQ_REMOVE(&tw->post, tc, post_link);
		tc->in_post = false;
	}
}

/* Give the TLS state back as soon as both FINs are out: TIME_WAIT needs none of it. */
static bool release_if_done(struct tls_worker *tw, struct tls_conn *tc)
{
	/* (Records still in the burst may be the peer's close_notify: let them land first.) */
	if (!tc->fin_sent || tc->out != NULL || tc->rx_queued || !tcp_peer_done(tc->tcp))
		return false;
	detach(tw, tc);
	tcp_set_upper(tc->tcp, NULL);
	tw->n_conns--;
	rte_mempool_put(tw->conn_pool, tc);
	return true;
}

/* Reset the connection (TCP reaps it and calls closed() later). */
static void kill(struct tls_worker *tw, struct tls_conn *tc)
{
	detach(tw, tc);
	tcp_abort(tc->tcp);
}

static uint64_t now_us(const struct tls_worker *tw)
{
	return tw->net->now / (tw->net->tsc_hz / 1000000 ?: 1);
}

/* Copy bytes into a fresh chain from the worker's pool; NULL when mbufs ran out. */
static struct rte_mbuf *chain_from_bytes(struct rte_mempool *mp, const uint8_t *p, size_t len)
{
	struct rte_mbuf *head = NULL;
	while (len > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			goto fail;
		uint16_t n = (uint16_t)RTE_MIN(len, (size_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, n), p, n);
		p += n;
		len -= n;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			goto fail;
		}
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

/* Protected bytes toward the client: straight to TCP, or queued behind what waits. */
/* m after what waits in out; flush_out hands it all to TCP in one tcp_send. */
static void queue_wire(struct tls_conn *tc, struct rte_mbuf *m)
{
	tc->out_bytes += rte_pktmbuf_pkt_len(m);
	if (tc->out == NULL)
		tc->out = m;
	else if (rte_pktmbuf_chain(tc->out, m) != 0) {
		rte_pktmbuf_free(m); /* a chain of 65535 segments: the peer stopped reading long ago */
		tc->doomed = true;
	}
}

static void send_wire(struct tls_conn *tc, struct rte_mbuf *m)
{
	if (tc->out == NULL && tcp_send(tc->tcp, m) == 0)
		return;
	queue_wire(tc, m);
}

static void flush_out(struct tls_conn *tc)
{
	if (tc->out != NULL && tcp_send_space(tc->tcp) >= tc->out_bytes &&
	    tcp_send(tc->tcp, tc->out) == 0) {
		tc->out = NULL;
		tc->out_bytes = 0;
	}
	if (tc->out == NULL && tc->fin_after_flush && !tc->fin_sent) {
		tc->fin_sent = true;
		tcp_shutdown_write(tc->tcp);
	}
}

/* ---- record layer events (inside tls_burst_run) ---- */

static void ev_data(void *owner, struct rte_mbuf *plain)
{
	struct tls_conn *tc = owner;
	post(tc->lsn->tw, tc);
	if (tc->app == NULL || tc->doomed) {
		rte_pktmbuf_free(plain);
		return;
	}
	tc->lsn->ops->data(tc->app, plain);
}

static void tell_peer_done(struct tls_conn *tc)
{
	if (tc->app_told_done || tc->app == NULL)
		return;
	tc->app_told_done = true;
	tc->lsn->ops->peer_done(tc->app);
}

static void ev_records(void *owner, struct rte_mbuf *wire)
{
	struct tls_conn *tc = owner;
	post(tc->lsn->tw, tc);
	/*
	 * Gathered, not sent: the records a connection completes in one burst go to TCP in
	 * one tcp_send at the post-burst pass (flush_out). TCP sends a short segment where
	 * the data it was given ends (no Nagle), so a record at a time put an answer and the
	 * close_notify after it in two segments, and ended each record of a run in a runt.
	 */
	queue_wire(tc, wire);
}

static void ev_closing(void *owner, enum tls_alert alert, bool received)
{
	struct tls_conn *tc = owner;
	post(tc->lsn->tw, tc);
	if (received && alert == TLS_ALERT_CLOSE_NOTIFY) {
		/*
		 * RFC 8446 §6.1: the peer is done writing; we may still send (a
		 * backend's answer, say) and close_notify when the app says so.
		 */
		tell_peer_done(tc);
		return;
	}
	/* Our close_notify or a fatal alert went out, or the peer's fatal alert came in. */
	tc->fin_after_flush = true;
}

static const struct tls_record_events record_events = {
	.data = ev_data,
	.records = ev_records,
	.closing = ev_closing,
};

/* ---- input ---- */

static void discard_input(struct tls_conn *tc)
{
	struct rte_mbuf *m;
	while ((m = tcp_recv(tc->tcp, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
}

/* Ciphertext from TCP into the record layer, bounded by what we could send back. */
static void pump_records(struct tls_conn *tc)
{
	struct tls_worker *tw = tc->lsn->tw;
	struct tls_record *r = &tc->u.rec;
	if (r->failed || r->peer_closed) {
		discard_input(tc); /* nothing more is read, but TCP must see EOF */
		return;
	}
	if (tc->rx_queued || tc->doomed || tc->paused)
		return;
	struct rte_mbuf *m = tcp_recv(tc->tcp, RX_BATCH_MAX);
	if (m != NULL) {
		tc->rx_queued = true;
		post(tw, tc);
		tls_record_rx(r, tw->burst, m);
		return;
	}
	if (tcp_peer_done(tc->tcp))
		tell_peer_done(tc); /* FIN without close_notify: a truncation (RFC 8446 §6.1) */
}

static void fail_handshake(struct tls_worker *tw, struct tls_conn *tc)
{
	tw->ctr->handshakes_failed++;
	int alert = tls_hs_alert_sent(&tc->u.hs);
	if (alert >= 0)
		tw->ctr->alerts_sent[alert & 0xff]++;
	detach(tw, tc);
	tc->fin_after_flush = true;
	flush_out(tc);
}

static void hand_off(struct tls_worker *tw, struct tls_conn *tc, struct tls_hs_result *res)
{
	const uint8_t *left;
	size_t left_len = tls_hs_leftover(&tc->u.hs, &left);
	struct rte_mbuf *early = left_len ? chain_from_bytes(tw->net->pool, left, left_len) : NULL;
	bool lost = left_len > 0 && early == NULL;
	uint16_t peer_limit = res->peer_plaintext_limit;
	struct tls_session_info info = {
		.version = res->version,
		.cipher_id = res->cipher_id,
		.resumed = res->resumed,
	};
	memcpy(info.version_name, res->version_name, sizeof(info.version_name));
	memcpy(info.cipher, res->cipher, sizeof(info.cipher));
	memcpy(info.sig_alg, res->sig_alg, sizeof(info.sig_alg));
	memcpy(info.key_alg, res->key_alg, sizeof(info.key_alg));
	memcpy(info.sni, res->sni, sizeof(info.sni));
	memcpy(info.alpn, res->alpn, sizeof(info.alpn));
	TAILQ_REMOVE(&tw->handshaking, tc, hs_link);
	tw->n_handshaking--;
	tls_hs_free(&tc->u.hs);
	gen_release(tc); /* the SSL object is gone: the connection needs no context any more */
	int rc;
	if (res->version == 0x0304)
		rc = tls_record_init13(&tc->u.rec, tw->engine, res->alg, res->client_secret,
				       res->server_secret, res->write_seq, &record_events, tc);
	else
		rc = tls_record_init12(&tc->u.rec, tw->engine, res->alg, &res->kb, &record_events,
				       tc);
	OPENSSL_cleanse(res, sizeof(*res));
	if (rc != 0 || lost) {
		rte_pktmbuf_free(early);
		if (rc == 0)
			tls_record_fini(&tc->u.rec, tw->burst);
		tw->ctr->handshakes_failed++;
		tc->state = TLS_CONN_CLOSED;
		tcp_abort(tc->tcp);
		return;
	}
	tc->state = TLS_CONN_OPEN;
	tc->u.rec.peer_limit = peer_limit;
	tc->app = tc->lsn->ops->open(tc->lsn->arg, tc, &info);
	if (tc->app == NULL) {
		rte_pktmbuf_free(early);
		tls_conn_close(tc); /* the app cannot take it (no backend): close cleanly */
		return;
	}
	if (early != NULL) {
		tc->rx_queued = true;
		post(tw, tc);
		tls_record_rx(&tc->u.rec, tw->burst, early);
	}
}

static void handshake_input(struct tls_worker *tw, struct tls_conn *tc)
{
	struct rte_mbuf *m;
	while ((m = tcp_recv(tc->tcp, UINT32_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			if (tls_hs_input(&tc->u.hs, rte_pktmbuf_mtod(s, void *), s->data_len) != 0) {
				rte_pktmbuf_free(m);
				fail_handshake(tw, tc);
				return;
			}
		}
		rte_pktmbuf_free(m);
	}
	struct tls_hs_result res;
	uint64_t t0 = rte_rdtsc();
	enum tls_hs_status st = tls_hs_step(&tc->u.hs, &res);
	tw->ctr->handshake_cycles += rte_rdtsc() - t0;
	const uint8_t *out;
	size_t out_len = tls_hs_output(&tc->u.hs, &out);
	if (out_len > 0) {
		struct rte_mbuf *w = chain_from_bytes(tw->net->pool, out, out_len);
		if (w == NULL) {
			st = TLS_HS_FAILED; /* a flight we cannot send: the client would wait forever */
		} else {
			tls_hs_consume(&tc->u.hs, out_len);
			send_wire(tc, w);
		}
	}
	switch (st) {
	case TLS_HS_MORE:
		if (tcp_peer_done(tc->tcp))
			fail_handshake(tw, tc); /* the client gave up mid-handshake */
		break;
	case TLS_HS_FAILED:
		fail_handshake(tw, tc);
		break;
	case TLS_HS_DONE:
		if (res.version == 0x0304)
			tw->ctr->handshakes_tls13++;
		else
			tw->ctr->handshakes_tls12++;
		if (res.resumed)
			tw->ctr->handshakes_resumed++;
		hand_off(tw, tc, &res);
		break;
	}
}

/* ---- TCP upper ops ---- */

static void tls_established(struct tcp_conn *c)
{
	struct tls_listener *lsn = tcp_upper(c);
	struct tls_worker *tw = lsn->tw;
	struct tls_conn *tc = NULL;
	tcp_set_upper(c, NULL);
	/* A cap on OpenSSL state: slow or stalled handshakes cannot take the whole worker. */
	if (tw->n_handshaking >= tw->max_handshaking) {
		tw->net->ctr->edge.handshakes_refused++;
		tcp_abort(c);
		return;
	}
	if (rte_mempool_get(tw->conn_pool, (void **)&tc) != 0) {
		tw->ctr->handshakes_failed++;
		tcp_abort(c);
		return;
	}
	memset(tc, 0, offsetof(struct tls_conn, u));
	tc->tcp = c;
	tc->lsn = lsn;
	tc->state = TLS_CONN_HANDSHAKE;
	tc->hs_start = tw->net->now;
	/* A new connection takes the current generation; live ones keep theirs (DESIGN.md). */
	struct tls_gen *g = rcu_dereference(tw->gen);
	if (tls_hs_start(&tc->u.hs, g->lc[lsn - tw->listeners].ctx[0]) != 0) {
		rte_mempool_put(tw->conn_pool, tc);
		tw->ctr->handshakes_failed++;
		tcp_abort(c);
		return;
	}
	gen_hold(tc, g);
	TAILQ_INSERT_TAIL(&tw->handshaking, tc, hs_link);
	tw->n_handshaking++;
	tw->n_conns++;
	tw->ctr->handshakes_started++;
	tcp_set_upper(c, tc);
}

static void tls_readable(struct tcp_conn *c)
{
	struct tls_conn *tc = conn_of(c);
	if (tc == NULL)
		return;
	struct tls_worker *tw = tc->lsn->tw;
	switch (tc->state) {
	case TLS_CONN_HANDSHAKE:
		handshake_input(tw, tc);
		break;
	case TLS_CONN_OPEN:
		pump_records(tc);
		release_if_done(tw, tc); /* the peer's FIN after ours */
		break;
	default:
		discard_input(tc); /* after a failed handshake nothing more is read */
		release_if_done(tw, tc);
		break;
	}
}

static void tls_writable(struct tcp_conn *c)
{
	struct tls_conn *tc = conn_of(c);
	if (tc == NULL)
		return;
	flush_out(tc);
	if (tc->app != NULL && tls_conn_send_space(tc) > 0)
		tc->lsn->ops->writable(tc->app);
	if (tc->state == TLS_CONN_OPEN)
		pump_records(tc);
}

static void tls_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)why;
	struct tls_conn *tc = conn_of(c);
	if (tc == NULL)
		return;
	struct tls_worker *tw = tc->lsn->tw;
	if (tc->state == TLS_CONN_HANDSHAKE)
		tw->ctr->handshakes_failed++;
	detach(tw, tc);
	rte_pktmbuf_free(tc->out);
	tcp_set_upper(c, NULL);
	tw->n_conns--;
	rte_mempool_put(tw->conn_pool, tc);
}

const struct tcp_upper_ops tls_tcp_ops = {
	.established = tls_established,
	.readable = tls_readable,
	.writable = tls_writable,
	.closed = tls_closed,
};

unsigned int tls_conn_post_burst(struct tls_worker *tw)
{
	unsigned int n = 0;
	struct tls_conn_list now = TAILQ_HEAD_INITIALIZER(now);
	TAILQ_CONCAT(&now, &tw->post, post_link); /* what pump_records posts is for the next burst */
	struct tls_conn *tc;
	while ((tc = TAILQ_FIRST(&now)) != NULL) {
		TAILQ_REMOVE(&now, tc, post_link);
		tc->in_post = false;
		tc->rx_queued = false;
		tc->tx_busy = false;
		n++;
		if (tc->doomed) {
			kill(tw, tc);
			continue;
		}
		flush_out(tc);
		if (tc->app != NULL && tls_conn_send_space(tc) > 0)
			tc->lsn->ops->writable(tc->app); /* may send: records for the next burst */
		if (tc->state == TLS_CONN_OPEN && !tc->doomed)
			pump_records(tc); /* may post tc again: that is for the next burst */
		release_if_done(tw, tc);
	}
	return n;
}

unsigned int tls_conn_expire_handshakes(struct tls_worker *tw)
{
	unsigned int n = 0;
	struct tls_conn *tc;
	while ((tc = TAILQ_FIRST(&tw->handshaking)) != NULL &&
	       tw->net->now - tc->hs_start > tw->hs_timeout_tsc) {
		tw->ctr->handshake_timeouts++;
		kill(tw, tc);
		n++;
	}
	return n;
}

/* ---- the app's side ---- */

uint32_t tls_conn_send_space(const struct tls_conn *tc)
{
	if (tc->state != TLS_CONN_OPEN || tc->u.rec.we_closed || tc->u.rec.failed || tc->tx_busy ||
	    tc->u.rec.out_len > 0)
		return 0;
	uint32_t space = tcp_send_space(tc->tcp);
	space = space > tc->out_bytes ? space - tc->out_bytes : 0;
	/* Leave room for record headers and tags: at worst 22 bytes per small record. */
	uint32_t overhead = space / 32 + 64;
	return space > overhead ? space - overhead : 0;
}

int tls_conn_send(struct tls_conn *tc, struct rte_mbuf *m)
{
	if (tc->state != TLS_CONN_OPEN || tc->u.rec.we_closed || tc->u.rec.failed || tc->doomed)
		return -EPIPE;
	struct tls_worker *tw = tc->lsn->tw;
	int rc = tls_record_tx(&tc->u.rec, tw->burst, m, now_us(tw));
	if (rc == 0) {
		tc->tx_busy = true; /* until the burst has turned it into records */
		post(tw, tc);
	}
	return rc;
}

void tls_conn_pause(struct tls_conn *tc, bool paused)
{
	if (tc->paused == paused)
		return;
	tc->paused = paused;
	if (!paused && tc->state == TLS_CONN_OPEN)
		post(tc->lsn->tw, tc); /* read again after this burst */
}

void tls_conn_close(struct tls_conn *tc)
{
	struct tls_worker *tw = tc->lsn->tw;
	if (tc->state == TLS_CONN_OPEN && !tc->u.rec.we_closed && !tc->u.rec.failed) {
		if (tls_record_close(&tc->u.rec, tw->burst) != 0)
			tc->fin_after_flush = true;
	} else {
		tc->fin_after_flush = true;
	}
	post(tw, tc);
}

void tls_conn_abort(struct tls_conn *tc)
{
	tc->doomed = true;
	post(tc->lsn->tw, tc);
}

struct tcp_conn *tls_conn_tcp(const struct tls_conn *tc)
{
	return tc->tcp;
}

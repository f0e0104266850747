/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A redirect_https listener: read one HTTP/1.x request head, answer it with
 * a redirect to https (or the error lib/edge's parser chose), send FIN, and
 * forget the connection; TCP finishes the close. Nothing is forwarded.
 *
 * State lives only until the answer: a slot from the worker's redirect pool
 * and a place in a FIFO ordered by accept time, so the slow-sender timeout
 * looks at the oldest entries only.
 */
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <tlsterm/tcp.h>

#include "proxy_priv.h"

/* Copy len bytes into a chain of mbufs from the worker's pool; NULL when it runs dry. */
static struct rte_mbuf *chain_of(struct rte_mempool *mp, const char *p, size_t len)
{
	struct rte_mbuf *head = NULL;
	while (len > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			goto fail;
		size_t n = RTE_MIN(len, (size_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), p, n);
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		p += n;
		len -= n;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

/* Drop the state; the connection now belongs to TCP alone (the callbacks see NULL). */
static void release(struct redirect_conn *rc)
{
	struct proxy_worker *pw = rc->pl->pw;
	TAILQ_REMOVE(&pw->redirects, rc, link);
	tcp_set_upper(rc->c, NULL);
	rte_mempool_put(pw->redirect_pool, rc);
}

/* Send the response and our FIN; a response that can't go out is a reset instead. */
static void answer(struct redirect_conn *rc, const char *text, size_t len)
{
	struct proxy_worker *pw = rc->pl->pw;
	struct tcp_conn *c = rc->c;
	release(rc);
	struct rte_mbuf *m = len > 0 && tcp_send_space(c) >= len ? chain_of(pw->net->pool, text, len)
								  : NULL;
	if (m == NULL || tcp_send(c, m) != 0) {
		rte_pktmbuf_free(m);
		pw->edge_ctr->redirect_send_failed++;
		tcp_abort(c);
		return;
	}
	tcp_shutdown_write(c); /* RFC 9112 9.6: Connection: close, then close */
}

static void drain(struct tcp_conn *c)
{
	struct rte_mbuf *m;
	while ((m = tcp_recv(c, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m); /* after the answer: a body or more requests, unread */
}

static void redirect_established(struct tcp_conn *c)
{
	struct proxy_listener *pl = tcp_upper(c);
	struct proxy_worker *pw = pl->pw;
	struct redirect_conn *rc;
	pw->edge_ctr->redirect_connections++;
	tcp_set_upper(c, NULL);
	if (rte_mempool_get(pw->redirect_pool, (void **)&rc) != 0) {
		pw->edge_ctr->redirect_no_state++;
		tcp_abort(c);
		return;
	}
	rc->pl = pl;
	rc->c = c;
	rc->start = pw->net->now;
	http_redirect_init(&rc->req);
	TAILQ_INSERT_TAIL(&pw->redirects, rc, link);
	tcp_set_upper(c, rc);
}

static void redirect_readable(struct tcp_conn *c)
{
	struct redirect_conn *rc = tcp_upper(c);
	if (rc == NULL) {
		drain(c);
		return;
	}
	struct rte_mbuf *m;
	while (rc->req.outcome == REDIRECT_PENDING && (m = tcp_recv(c, UINT32_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL && rc->req.outcome == REDIRECT_PENDING;
		     s = s->next)
			http_redirect_feed(&rc->req, rte_pktmbuf_mtod(s, const uint8_t *),
					   rte_pktmbuf_data_len(s));
		rte_pktmbuf_free(m);
	}
	struct proxy_worker *pw = rc->pl->pw;
	if (rc->req.outcome != REDIRECT_PENDING) {
		/* on the worker's stack: HTTP_REDIRECT_RESPONSE_MAX is under 9 KiB */
		char out[HTTP_REDIRECT_RESPONSE_MAX];
		const struct config_listener *l = rc->pl->cfg;
		size_t n = http_redirect_response(&rc->req, l->redirect_code, l->redirect_port, out,
						  sizeof(out));
		pw->edge_ctr->redirect_outcomes[rc->req.outcome]++;
		answer(rc, out, n);
		drain(c);
	} else if (tcp_peer_done(c)) {
		pw->edge_ctr->redirect_incomplete++;
		release(rc);
		tcp_shutdown_write(c);
	}
}

static void redirect_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)why;
	struct redirect_conn *rc = tcp_upper(c);
	if (rc == NULL)
		return;
	rc->pl->pw->edge_ctr->redirect_incomplete++; /* reset or timed out before a request */
	release(rc);
}

const struct tcp_upper_ops redirect_ops = {
	.established = redirect_established,
	.readable = redirect_readable,
	.closed = redirect_closed,
};

unsigned int redirect_poll(struct proxy_worker *pw)
{
	struct redirect_conn *rc;
	unsigned int n = 0;
	if (pw->redirect_pool == NULL)
		return 0;
	uint64_t limit = (uint64_t)rcu_dereference(pw->gen)->cfg->limits.redirect_timeout_ms *
			 (pw->net->tsc_hz / 1000);
	while ((rc = TAILQ_FIRST(&pw->redirects)) != NULL && pw->net->now - rc->start > limit) {
		char out[128];
		pw->edge_ctr->redirect_timeouts++;
		answer(rc, out, http_redirect_timeout_response(out, sizeof(out)));
		n++;
	}
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in services for listeners without a real backend: echo (RFC 862)
 * and discard (RFC 863), over plain TCP or TLS. For diagnostics, tests and
 * benchmarks. Each connection has a small record on the worker's list so
 * limits.idle_timeout_ms closes it when no byte moves, as it does a proxy
 * session: a client that connects and says nothing holds nothing for long.
 */
#include <rte_mempool.h>

#include <tlsterm/services.h>

#include "proxy_priv.h"

static struct service_conn *service_start(struct proxy_listener *pl, struct tls_conn *tc,
					  struct tcp_conn *c)
{
	struct proxy_worker *pw = pl->pw;
	struct service_conn *sv;
	if (rte_mempool_get(pw->svc_pool, (void **)&sv) != 0)
		return NULL;
	*sv = (struct service_conn){.pl = pl, .tc = tc, .c = c, .last_active = pw->net->now};
	TAILQ_INSERT_TAIL(&pw->services, sv, link);
	return sv;
}

static void service_end(struct service_conn *sv)
{
	struct proxy_worker *pw = sv->pl->pw;
	TAILQ_REMOVE(&pw->services, sv, link);
	rte_pktmbuf_free(sv->pending);
	rte_mempool_put(pw->svc_pool, sv);
}

static void touch(struct service_conn *sv)
{
	sv->last_active = sv->pl->pw->net->now;
}

/* ---- plain TCP ---- */

static void tcp_service_established(struct tcp_conn *c)
{
	struct service_conn *sv = service_start(tcp_upper(c), NULL, c);
	tcp_set_upper(c, sv);
	if (sv == NULL)
		tcp_abort(c); /* no record, no idle timeout: refuse rather than hold it unbounded */
}

/* Echo only as much as the send side can take: a peer that doesn't read slows its own writes. */
static void echo_pump(struct tcp_conn *c)
{
	struct service_conn *sv = tcp_upper(c);
	if (sv == NULL)
		return;
	for (;;) {
		uint32_t space = tcp_send_space(c);
		struct rte_mbuf *m = tcp_recv(c, space);
		if (m == NULL)
			break;
		touch(sv);
		if (tcp_send(c, m) != 0) {
			rte_pktmbuf_free(m);
			tcp_abort(c);
			return;
		}
	}
	if (tcp_peer_done(c) && !sv->closed) {
		sv->closed = true;
		tcp_shutdown_write(c); /* half-close carried across */
	}
}

static void discard_pump(struct tcp_conn *c)
{
	struct service_conn *sv = tcp_upper(c);
	if (sv == NULL)
		return;
	struct rte_mbuf *m;
	while ((m = tcp_recv(c, UINT32_MAX)) != NULL) {
		touch(sv);
		rte_pktmbuf_free(m);
	}
	if (tcp_peer_done(c) && !sv->closed) {
		sv->closed = true;
		tcp_shutdown_write(c);
	}
}

static void tcp_service_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)why;
	struct service_conn *sv = tcp_upper(c);
	if (sv != NULL)
		service_end(sv);
}

const struct tcp_upper_ops service_echo_ops = {
	.established = tcp_service_established,
	.readable = echo_pump,
	.writable = echo_pump,
	.closed = tcp_service_closed,
};

const struct tcp_upper_ops service_discard_ops = {
	.established = tcp_service_established,
	.readable = discard_pump,
	.closed = tcp_service_closed,
};

const struct tcp_upper_ops *service_find(const char *name)
{
	if (strcmp(name, "echo") == 0)
		return &service_echo_ops;
	if (strcmp(name, "discard") == 0)
		return &service_discard_ops;
	return NULL;
}

/* ---- the same services over TLS (struct tls_app_ops) ---- */

#define TLS_ECHO_PENDING_MAX (64u * 1024)

static void *tls_service_open(void *arg, struct tls_conn *tc, const struct tls_session_info *info)
{
	(void)info;
	return service_start(arg, tc, NULL);
}

/* Echo what waits, as far as the send side takes it; close_notify once all is back. */
static void tls_echo_flush(struct service_conn *sv)
{
	if (sv->pending != NULL && tls_conn_send_space(sv->tc) >= sv->pending_bytes &&
	    tls_conn_send(sv->tc, sv->pending) == 0) {
		sv->pending = NULL;
		sv->pending_bytes = 0;
		tls_conn_pause(sv->tc, false);
	}
	if (sv->pending == NULL && sv->peer_done && !sv->closed) {
		sv->closed = true;
		tls_conn_close(sv->tc); /* half-close carried across */
	}
}

static void tls_service_data(void *app, struct rte_mbuf *plain)
{
	struct service_conn *sv = app;
	touch(sv);
	if (sv->pl->discard) {
		rte_pktmbuf_free(plain);
		return;
	}
	uint32_t len = rte_pktmbuf_pkt_len(plain);
	if (sv->pending == NULL && tls_conn_send_space(sv->tc) >= len &&
	    tls_conn_send(sv->tc, plain) == 0)
		return;
	if (sv->pending == NULL)
		sv->pending = plain;
	else if (rte_pktmbuf_chain(sv->pending, plain) != 0) {
		rte_pktmbuf_free(plain);
		tls_conn_abort(sv->tc);
		return;
	}
	sv->pending_bytes += len;
	if (sv->pending_bytes >= TLS_ECHO_PENDING_MAX)
		tls_conn_pause(sv->tc, true); /* a client that doesn't read slows its own writes */
}

static void tls_service_writable(void *app)
{
	tls_echo_flush(app);
}

static void tls_service_peer_done(void *app)
{
	struct service_conn *sv = app;
	sv->peer_done = true;
	tls_echo_flush(sv);
}

static void tls_service_closed(void *app)
{
	service_end(app);
}

const struct tls_app_ops service_tls_ops = {
	.open = tls_service_open,
	.data = tls_service_data,
	.writable = tls_service_writable,
	.peer_done = tls_service_peer_done,
	.closed = tls_service_closed,
};

/* ---- idle timeout ---- */

unsigned int services_scan_idle(struct proxy_worker *pw, uint64_t now, uint64_t idle)
{
	unsigned int n = 0;
	struct service_conn *sv;
	TAILQ_FOREACH(sv, &pw->services, link) {
		/* closed comes only after the peer's FIN: both sides are done, TCP's timers finish. */
		if (sv->aborted || sv->closed || now - sv->last_active <= idle)
			continue;
		sv->aborted = true; /* closed() takes it off the list at the reap */
		pw->ctr->idle_timeouts++;
		if (sv->tc != NULL)
			tls_conn_abort(sv->tc);
		else
			tcp_abort(sv->c);
		n++;
	}
	return n;
}

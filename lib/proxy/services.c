/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in services for listeners without a real backend: echo (RFC 862)
 * and discard (RFC 863), over plain TCP or TLS. For diagnostics, tests and
 * benchmarks.
 */
#include <rte_mempool.h>

#include <tlsterm/services.h>

#include "proxy_priv.h"

/* Echo only as much as the send side can take: a peer that doesn't read slows its own writes. */
static void echo_pump(struct tcp_conn *c)
{
	for (;;) {
		uint32_t space = tcp_send_space(c);
		struct rte_mbuf *m = tcp_recv(c, space);
		if (m == NULL)
			break;
		if (tcp_send(c, m) != 0) {
			rte_pktmbuf_free(m);
			tcp_abort(c);
			return;
		}
	}
	if (tcp_peer_done(c))
		tcp_shutdown_write(c); /* half-close carried across */
}

static void discard_pump(struct tcp_conn *c)
{
	struct rte_mbuf *m;
	while ((m = tcp_recv(c, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	if (tcp_peer_done(c))
		tcp_shutdown_write(c);
}

const struct tcp_upper_ops service_echo_ops = {
	.readable = echo_pump,
	.writable = echo_pump,
};

const struct tcp_upper_ops service_discard_ops = {
	.readable = discard_pump,
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
	struct proxy_listener *pl = arg;
	struct tls_service *sv;
	if (rte_mempool_get(pl->pw->svc_pool, (void **)&sv) != 0)
		return NULL;
	*sv = (struct tls_service){.pl = pl, .tc = tc};
	return sv;
}

/* Echo what waits, as far as the send side takes it; close_notify once all is back. */
static void tls_echo_flush(struct tls_service *sv)
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
	struct tls_service *sv = app;
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
	struct tls_service *sv = app;
	sv->peer_done = true;
	tls_echo_flush(sv);
}

static void tls_service_closed(void *app)
{
	struct tls_service *sv = app;
	rte_pktmbuf_free(sv->pending);
	rte_mempool_put(sv->pl->pw->svc_pool, sv);
}

const struct tls_app_ops service_tls_ops = {
	.open = tls_service_open,
	.data = tls_service_data,
	.writable = tls_service_writable,
	.peer_done = tls_service_peer_done,
	.closed = tls_service_closed,
};

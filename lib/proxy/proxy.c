/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A proxy session: the client's connection (TLS or plain TCP) spliced to a
 * backend connection opened from the same worker. Bytes move as mbuf chains
 * with no copy; each direction holds at most one small queue, and a full one
 * stops reading on the other side (TCP's window then closes toward that peer).
 * Half-closes cross over; a reset on one side resets the other.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "proxy_priv.h"

#define UP_QUEUE_MAX (64u * 1024) /* client bytes held while the backend is slow or connecting */
#define SCAN_PERIOD_MS 100

static void sess_touch(struct proxy_sess *s)
{
	s->last_active = s->pl->pw->net->now;
}

static uint32_t client_send_space(const struct proxy_sess *s)
{
	if (s->client_gone || s->down_shut)
		return 0;
	return s->tls != NULL ? tls_conn_send_space(s->tls) : tcp_send_space(s->client);
}

static int client_send(struct proxy_sess *s, struct rte_mbuf *m)
{
	return s->tls != NULL ? tls_conn_send(s->tls, m) : tcp_send(s->client, m);
}

static void client_pause(struct proxy_sess *s, bool paused)
{
	s->paused = paused;
	if (s->tls != NULL && !s->client_gone)
		tls_conn_pause(s->tls, paused);
}

static void client_close(struct proxy_sess *s)
{
	if (s->down_shut || s->client_gone)
		return;
	s->down_shut = true;
	if (s->tls != NULL)
		tls_conn_close(s->tls);
	else
		tcp_shutdown_write(s->client);
}

static void client_abort(struct proxy_sess *s)
{
	if (s->client_gone)
		return;
	if (s->tls != NULL)
		tls_conn_abort(s->tls);
	else
		tcp_abort(s->client);
}

static void access_log_push(struct proxy_worker *pw, const struct proxy_sess *s)
{
	struct access_record r = {
		.start_tsc = s->start,
		.end_tsc = pw->net->now,
		.bytes_up = s->bytes_up,
		.bytes_down = s->bytes_down,
		.server_addr = s->server_addr,
		.server_port = s->server_port,
		.listen_port = (uint16_t)s->pl->cfg->port,
		.tls_version = s->tls_version,
		.end = s->end,
		.resumed = s->resumed,
	};
	r.client_addr = s->client_addr;
	r.client_port = s->client_port;
	memcpy(r.backend, s->pool->cfg->name, sizeof(r.backend) - 1);
	memcpy(r.sni, s->sni, sizeof(r.sni));
	memcpy(r.alpn, s->alpn, sizeof(r.alpn));
	memcpy(r.cipher, s->cipher, sizeof(r.cipher));
	if (rte_ring_sp_enqueue_elem(pw->access, &r, sizeof(r)) != 0)
		pw->ctr->access_log_dropped++;
}

static void sess_free_if_done(struct proxy_sess *s)
{
	if (!s->client_gone || s->backend != NULL)
		return;
	struct proxy_worker *pw = s->pl->pw;
	if (pw->access != NULL)
		access_log_push(pw, s);
	rte_pktmbuf_free(s->up);
	rte_pktmbuf_free(s->pp_header); /* never connected */
	pw->ctr->bytes_up += s->bytes_up;
	pw->ctr->bytes_down += s->bytes_down;
	TAILQ_REMOVE(&pw->sessions, s, link);
	pw->n_sessions--;
	proxy_gen_release(s->gen);
	rte_mempool_put(pw->sess_pool, s);
}

/*
 * Both directions of the backend connection are finished: let it go (its
 * TIME_WAIT is TCP's business), so the session can end with the client.
 */
static void backend_release(struct proxy_sess *s)
{
	if (s->backend == NULL || !s->up_shut || !s->backend_done)
		return;
	tcp_set_upper(s->backend, NULL);
	s->backend = NULL;
	if (s->connected)
		s->pool->servers[s->server].active--;
	s->connected = false;
}

/* The same for a plain TCP client: both FINs are out. */
static void client_release(struct proxy_sess *s)
{
	if (s->tls != NULL || s->client_gone || !s->client_done || !s->down_shut)
		return;
	tcp_set_upper(s->client, NULL);
	s->client_gone = true;
}

/* ---- toward the backend ---- */

static void queue_up(struct proxy_sess *s, struct rte_mbuf *m);

/*
 * A plain TCP client's bytes, as far as the up queue has room. (A TLS client
 * pushes its plaintext through tls_app_ops.data instead.)
 */
static void pull_tcp_client(struct proxy_sess *s)
{
	if (s->tls != NULL || s->client_gone || s->client_done)
		return;
	while (s->up_bytes < UP_QUEUE_MAX) {
		uint32_t room = UP_QUEUE_MAX - s->up_bytes;
		if (s->connected && s->up == NULL)
			room = RTE_MAX(room, tcp_send_space(s->backend));
		struct rte_mbuf *m = tcp_recv(s->client, room);
		if (m == NULL)
			break;
		queue_up(s, m);
	}
	if (tcp_peer_done(s->client))
		s->client_done = true;
}

/* Queued client bytes to the backend; then the FIN once the client is done. */
static void flush_up(struct proxy_sess *s)
{
	if (!s->connected || s->backend == NULL)
		return;
	if (s->up != NULL && tcp_send_space(s->backend) >= s->up_bytes &&
	    tcp_send(s->backend, s->up) == 0) {
		s->up = NULL;
		s->up_bytes = 0;
	}
	if (s->up == NULL && s->paused && !s->client_gone)
		client_pause(s, false);
	/*
	 * The queue drained: read the client again. Its data may have sat in TCP's
	 * buffer with the window closed, and a closed window brings no new segment
	 * (so no readable()) to wake us.
	 */
	if (s->up == NULL && s->tls == NULL) {
		pull_tcp_client(s);
		if (s->up != NULL && tcp_send_space(s->backend) >= s->up_bytes &&
		    tcp_send(s->backend, s->up) == 0) {
			s->up = NULL;
			s->up_bytes = 0;
		}
	}
	if (s->up == NULL && s->client_done && !s->up_shut) {
		s->up_shut = true;
		tcp_shutdown_write(s->backend);
		backend_release(s);
		client_release(s);
		sess_free_if_done(s);
	}
}

static void queue_up(struct proxy_sess *s, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	s->bytes_up += len;
	sess_touch(s);
	if (s->up == NULL && s->connected && tcp_send_space(s->backend) >= len &&
	    tcp_send(s->backend, m) == 0)
		return;
	if (s->up == NULL)
		s->up = m;
	else if (rte_pktmbuf_chain(s->up, m) != 0) {
		rte_pktmbuf_free(m); /* over 65535 segments: cannot happen below UP_QUEUE_MAX */
		client_abort(s);
		return;
	}
	s->up_bytes += len;
	if (s->up_bytes >= UP_QUEUE_MAX && !s->paused)
		client_pause(s, true);
}

/* Backend bytes to the client, as much as the client side takes now. */
static void pump_down(struct proxy_sess *s)
{
	if (s->backend == NULL || !s->connected || s->client_gone)
		return;
	for (;;) {
		uint32_t space = client_send_space(s);
		struct rte_mbuf *m = space > 0 ? tcp_recv(s->backend, space) : NULL;
		if (m == NULL)
			break;
		uint32_t len = rte_pktmbuf_pkt_len(m);
		if (client_send(s, m) != 0) {
			rte_pktmbuf_free(m);
			client_abort(s); /* no mbufs: bytes would be lost, so the stream ends */
			return;
		}
		s->bytes_down += len;
		sess_touch(s);
		if (s->tls != NULL)
			break; /* TLS takes one batch per burst: more at its writable() */
	}
	if (tcp_peer_done(s->backend) && !s->backend_done) {
		s->backend_done = true;
		client_close(s); /* the backend's FIN, carried across */
		backend_release(s);
		client_release(s);
		sess_free_if_done(s);
	}
}

static const struct tcp_upper_ops backend_ops;

/* Send the PROXY header (if any) first, then whatever the client sent meanwhile. */
static void backend_established(struct tcp_conn *c)
{
	struct proxy_sess *s = tcp_upper(c);
	if (s == NULL)
		return;
	s->connected = true;
	s->pool->servers[s->server].active++;
	sess_touch(s);
	if (s->pp_header != NULL) {
		struct rte_mbuf *h = s->pp_header;
		s->pp_header = NULL;
		if (tcp_send(c, h) != 0) {
			rte_pktmbuf_free(h);
			tcp_abort(c);
			return;
		}
	}
	flush_up(s);
	pump_down(s);
}

static void backend_readable(struct tcp_conn *c)
{
	struct proxy_sess *s = tcp_upper(c);
	if (s != NULL)
		pump_down(s);
}

static void backend_writable(struct tcp_conn *c)
{
	struct proxy_sess *s = tcp_upper(c);
	if (s != NULL)
		flush_up(s);
}

static bool connect_next(struct proxy_sess *s);

static void backend_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct proxy_sess *s = tcp_upper(c);
	if (s == NULL)
		return;
	struct proxy_worker *pw = s->pl->pw;
	s->backend = NULL;
	if (!s->connected) {
		/* Refused, reset or timed out before established: the next server, if any. */
		pw->ctr->connect_failures++;
		if (!s->client_gone && s->retries_left > 0) {
			s->retries_left--;
			pw->ctr->retries++;
			if (connect_next(s))
				return;
		}
		if (!s->client_gone) {
			pw->ctr->no_server++;
			s->end = ACCESS_END_NO_SERVER;
			client_close(s);
		}
		sess_free_if_done(s);
		return;
	}
	s->connected = false;
	s->pool->servers[s->server].active--;
	if (why != TCP_CLOSE_NORMAL && !(s->backend_done && s->up_shut) && !s->client_gone) {
		pw->ctr->aborts++;
		if (s->end == ACCESS_END_DONE)
			s->end = ACCESS_END_BACKEND_ABORT;
		client_abort(s);
	}
	sess_free_if_done(s);
}

static const struct tcp_upper_ops backend_ops = {
	.established = backend_established,
	.readable = backend_readable,
	.writable = backend_writable,
	.closed = backend_closed,
};

int proxy_port_for(const struct net_ctx *net, const struct ip_addr *a)
{
	int gw = -1;
	if (a->family == 6) {
		for (unsigned int i = 0; i < net->n_ports; i++) {
			if (net_ipv6_on_link(&net->ports[i], a->bytes))
				return (int)i;
			if (gw < 0 && net->ports[i].has_ipv6 && net_ipv6_has_router(net, i))
				gw = (int)i;
		}
		return gw;
	}
	uint32_t addr;
	memcpy(&addr, a->bytes, 4);
	for (unsigned int i = 0; i < net->n_ports; i++) {
		const struct net_port *p = &net->ports[i];
		if (!p->has_ipv4)
			continue;
		if ((addr & p->netmask) == (p->ipv4 & p->netmask))
			return (int)i;
		if (gw < 0 && p->has_gateway)
			gw = (int)i;
	}
	return gw;
}

int proxy_server_port(const struct net_ctx *net, const struct config_server *sv)
{
	if (sv->port_index >= 0)
		return (unsigned int)sv->port_index < net->n_ports ? sv->port_index : -1;
	return proxy_port_for(net, &sv->addr);
}

/* Open a connection to the next server the pool gives; false when none can be tried. */
static bool connect_next(struct proxy_sess *s)
{
	struct proxy_worker *pw = s->pl->pw;
	struct pool *pool = s->pool;
	struct ip_addr laddr, raddr;
	uint16_t lport, rport;
	tcp_conn_endpoints(s->client, &laddr, &lport, &raddr, &rport);
	/* source_hash's key: the IPv4 address as it always was, or the IPv6 one folded */
	uint32_t key = 0;
	for (unsigned int w = 0; w < (raddr.family == 6 ? 4u : 1u); w++) {
		uint32_t word;
		memcpy(&word, raddr.bytes + 4 * w, 4);
		key ^= word;
	}
	for (;;) {
		int i = pool_pick(pool, key, s->tried);
		if (i < 0)
			return false;
		s->tried |= 1u << i;
		const struct config_server *sv = &pool->cfg->servers[i];
		int pi = proxy_server_port(pw->net, sv);
		if (pi < 0)
			continue;
		struct tcp_conn *b = tcp_connect(pw->tcp, (unsigned int)pi, &sv->addr,
						 rte_cpu_to_be_16(sv->port), &backend_ops, s);
		if (b == NULL)
			continue; /* no connection slot or source port now: try another server */
		s->server_addr = sv->addr;
		s->server_port = sv->port;
		pw->ctr->connects++;
		s->backend = b;
		s->server = i;
		s->connect_start = pw->net->now;
		return true;
	}
}

/*
 * The PROXY header, if the listener sends one, in an mbuf of its own until the
 * backend connects (not in the session: most of a session's life it is sent).
 * 0, or -1 when no mbuf was free.
 */
static int build_header(struct proxy_sess *s, const struct tls_session_info *info)
{
	enum config_proxy_protocol pp = s->gen->cfg->listeners[s->pl->index].proxy_protocol;
	if (pp == CONFIG_PROXY_OFF)
		return 0;
	struct pp_info pi = {.tls = info != NULL};
	struct ip_addr laddr, raddr;
	tcp_conn_endpoints(s->client, &laddr, &pi.dst_port, &raddr, &pi.src_port);
	pi.family = raddr.family == 6 ? AF_INET6 : AF_INET;
	memcpy(pi.src_addr, raddr.bytes, 16);
	memcpy(pi.dst_addr, laddr.bytes, 16);
	if (info != NULL) {
		pi.alpn = info->alpn;
		pi.authority = info->sni;
		pi.tls_version = info->version_name;
		pi.cipher = info->cipher;
		pi.sig_alg = info->sig_alg;
		pi.key_alg = info->key_alg;
	}
	uint8_t buf[PP_HEADER_MAX / 4]; /* v1 fits; v2 with TLVs up to 256 bytes */
	int n = pp == CONFIG_PROXY_V1 ? pp_v1_write(&pi, (char *)buf, sizeof(buf))
				      : pp_v2_write(&pi, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	struct rte_mbuf *h = rte_pktmbuf_alloc(s->pl->pw->net->pool);
	char *p = h != NULL ? rte_pktmbuf_append(h, (uint16_t)n) : NULL;
	if (p == NULL) {
		rte_pktmbuf_free(h);
		return -1;
	}
	memcpy(p, buf, (size_t)n);
	s->pp_header = h;
	return 0;
}

static struct proxy_sess *sess_new(struct proxy_listener *pl, struct tcp_conn *client,
				   struct tls_conn *tls, const struct tls_session_info *info)
{
	struct proxy_worker *pw = pl->pw;
	struct proxy_sess *s;
	if (rte_mempool_get(pw->sess_pool, (void **)&s) != 0)
		return NULL;
	memset(s, 0, sizeof(*s));
	/* A new session takes the current generation and keeps it to the end (DESIGN.md). */
	struct proxy_gen *g = rcu_dereference(pw->gen);
	proxy_gen_hold(g);
	s->gen = g;
	s->pool = &g->pools[g->cfg->listeners[pl->index].backend_index];
	s->pl = pl;
	s->client = client;
	s->tls = tls;
	s->server = -1;
	s->retries_left = (uint8_t)s->pool->cfg->retries;
	s->start = s->last_active = pw->net->now;
	struct ip_addr laddr;
	uint16_t lport;
	tcp_conn_endpoints(client, &laddr, &lport, &s->client_addr, &s->client_port);
	if (info != NULL) {
		s->tls_version = info->version;
		s->resumed = info->resumed;
		/* Cut to fit the log record: a name longer than this is logged cut short. */
		snprintf(s->sni, sizeof(s->sni), "%.63s", info->sni);
		snprintf(s->alpn, sizeof(s->alpn), "%.23s", info->alpn);
		snprintf(s->cipher, sizeof(s->cipher), "%.47s", info->cipher);
	}
	if (build_header(s, info) != 0) {
		proxy_gen_release(g);
		rte_mempool_put(pw->sess_pool, s);
		return NULL; /* no mbuf: closed like a client no server takes */
	}
	TAILQ_INSERT_TAIL(&pw->sessions, s, link);
	pw->n_sessions++;
	pw->ctr->sessions++;
	if (!connect_next(s)) {
		pw->ctr->no_server++;
		s->end = ACCESS_END_NO_SERVER;
		if (pw->access != NULL)
			access_log_push(pw, s);
		rte_pktmbuf_free(s->pp_header);
		TAILQ_REMOVE(&pw->sessions, s, link);
		pw->n_sessions--;
		proxy_gen_release(g);
		rte_mempool_put(pw->sess_pool, s);
		return NULL;
	}
	return s;
}

/* The client side is gone: reset the backend unless both directions finished. */
static void client_gone(struct proxy_sess *s, bool clean)
{
	s->client_gone = true;
	s->tls = NULL;
	if (s->backend != NULL && !(clean && s->up_shut && s->backend_done)) {
		if (s->end == ACCESS_END_DONE)
			s->end = ACCESS_END_CLIENT_ABORT;
		s->pl->pw->ctr->aborts += s->connected;
		struct tcp_conn *b = s->backend;
		tcp_abort(b); /* closed() comes at the reap and frees s */
	}
	sess_free_if_done(s);
}

/* ---- the client over TLS ---- */

static void *tls_open(void *arg, struct tls_conn *tc, const struct tls_session_info *info)
{
	struct proxy_listener *pl = arg;
	return sess_new(pl, tls_conn_tcp(tc), tc, info); /* NULL: no server, closed cleanly */
}

static void tls_data(void *app, struct rte_mbuf *plain)
{
	queue_up(app, plain);
}

static void tls_writable(void *app)
{
	pump_down(app);
}

static void tls_peer_done(void *app)
{
	struct proxy_sess *s = app;
	s->client_done = true;
	flush_up(s);
}

static void tls_closed(void *app)
{
	struct proxy_sess *s = app;
	client_gone(s, s->down_shut && s->client_done);
}

const struct tls_app_ops proxy_tls_client_ops = {
	.open = tls_open,
	.data = tls_data,
	.writable = tls_writable,
	.peer_done = tls_peer_done,
	.closed = tls_closed,
};

/* ---- the client over plain TCP (L4) ---- */

static void tcp_client_established(struct tcp_conn *c)
{
	struct proxy_listener *pl = tcp_upper(c);
	tcp_set_upper(c, NULL);
	struct proxy_sess *s = sess_new(pl, c, NULL, NULL);
	if (s == NULL) {
		tcp_shutdown_write(c); /* no server: a clean close */
		return;
	}
	tcp_set_upper(c, s);
}

static void tcp_client_readable(struct tcp_conn *c)
{
	struct proxy_sess *s = tcp_upper(c);
	if (s == NULL) {
		struct rte_mbuf *m;
		while ((m = tcp_recv(c, UINT32_MAX)) != NULL)
			rte_pktmbuf_free(m); /* a client we could not serve */
		return;
	}
	pull_tcp_client(s);
	flush_up(s);
}

static void tcp_client_writable(struct tcp_conn *c)
{
	struct proxy_sess *s = tcp_upper(c);
	if (s != NULL)
		pump_down(s);
}

static void tcp_client_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct proxy_sess *s = tcp_upper(c);
	if (s != NULL)
		client_gone(s, why == TCP_CLOSE_NORMAL);
}

const struct tcp_upper_ops proxy_tcp_client_ops = {
	.established = tcp_client_established,
	.readable = tcp_client_readable,
	.writable = tcp_client_writable,
	.closed = tcp_client_closed,
};

/* ---- timeouts ---- */

unsigned int proxy_scan_timeouts(struct proxy_worker *pw)
{
	uint64_t now = pw->net->now;
	if (now < pw->next_scan)
		return 0;
	uint64_t ms = pw->net->tsc_hz / 1000;
	pw->next_scan = now + SCAN_PERIOD_MS * ms;
	/* The current generation's: a reload changes it for every session, old ones too. */
	uint64_t idle = (uint64_t)rcu_dereference(pw->gen)->cfg->limits.idle_timeout_ms * ms;
	unsigned int n = services_scan_idle(pw, now, idle);
	struct proxy_sess *s, *next;
	for (s = TAILQ_FIRST(&pw->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (s->backend != NULL && !s->connected &&
		    now - s->connect_start > (uint64_t)s->pool->cfg->connect_timeout_ms * ms) {
			pw->ctr->connect_timeouts++;
			tcp_abort(s->backend); /* closed() at the reap tries the next server */
			n++;
		} else if (!s->client_gone && now - s->last_active > idle) {
			pw->ctr->idle_timeouts++;
			s->end = ACCESS_END_IDLE;
			client_abort(s);
			if (s->backend != NULL)
				tcp_abort(s->backend);
			n++;
		}
	}
	return n;
}

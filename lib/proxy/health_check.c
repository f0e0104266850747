/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "health.h"
#include "health_check.h"
#include "proxy_priv.h"

#define RESPONSE_PEEK 16 /* "HTTP/1.1 200" is all we read */

struct check {
	struct health_checks *hc;
	unsigned int backend, server;
	struct tcp_conn *conn; /* the check under way, or NULL */
	uint64_t started;      /* TSC */
	uint64_t next;         /* TSC: the next check */
	unsigned int good, bad; /* in a row */
	bool sent;             /* HTTP: the request is out */
	char response[RESPONSE_PEEK + 1];
	unsigned int response_len;
};

struct health_checks {
	struct proxy_worker *pw;      /* worker 0, once it runs them */
	const struct config *cfg;     /* the generation's */
	struct proxy_health *health;  /* the generation's */
	uint64_t next_poll; /* TSC: looked at every few milliseconds, not every iteration */
	unsigned int n;
	struct check checks[CONFIG_MAX_BACKENDS * CONFIG_MAX_SERVERS];
};

static const struct config_backend *backend_of(const struct check *k)
{
	return &k->hc->cfg->backends[k->backend];
}

static void verdict(struct check *k, bool ok)
{
	struct proxy_worker *pw = k->hc->pw;
	const struct config_health *h = &backend_of(k)->health;
	struct proxy_health *health = k->hc->health;
	bool up = health_is_up(health, k->backend, k->server);
	if (ok) {
		k->bad = 0;
		if (++k->good >= h->rise && !up)
			health_set(health, k->backend, k->server, true);
	} else {
		k->good = 0;
		if (++k->bad >= h->fall && up)
			health_set(health, k->backend, k->server, false);
	}
	if (k->conn != NULL) {
		struct tcp_conn *c = k->conn;
		k->conn = NULL;
		tcp_set_upper(c, NULL);
		tcp_abort(c); /* a check leaves no TIME_WAIT behind */
	}
	k->next = pw->net->now + (uint64_t)h->interval_ms * (pw->net->tsc_hz / 1000);
}

static void send_request(struct check *k)
{
	const struct config_backend *b = backend_of(k);
	const struct config_server *sv = &b->servers[k->server];
	char host[64];
	const char *h = b->health.host;
	if (h[0] == '\0') {
		h = ip_addr_port_str(&sv->addr, sv->port, host, sizeof(host));
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(k->hc->pw->net->pool);
	if (m == NULL) {
		verdict(k, false);
		return;
	}
	char *p = rte_pktmbuf_mtod(m, char *);
	int n = snprintf(p, rte_pktmbuf_tailroom(m),
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tlsterm-health\r\n"
			 "Connection: close\r\n\r\n",
			 b->health.path, h);
	if (n <= 0 || (uint32_t)n >= rte_pktmbuf_tailroom(m) ||
	    rte_pktmbuf_append(m, (uint16_t)n) == NULL || tcp_send(k->conn, m) != 0) {
		rte_pktmbuf_free(m);
		verdict(k, false);
		return;
	}
	k->sent = true;
}

static void check_established(struct tcp_conn *c)
{
	struct check *k = tcp_upper(c);
	if (k == NULL)
		return;
	if (backend_of(k)->health.type == CONFIG_HEALTH_TCP)
		verdict(k, true);
	else
		send_request(k);
}

/* "HTTP/1.x NNN": 2xx and 3xx are good. */
static void check_readable(struct tcp_conn *c)
{
	struct check *k = tcp_upper(c);
	if (k == NULL)
		return;
	struct rte_mbuf *m;
	while ((m = tcp_recv(c, UINT32_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL && k->response_len < RESPONSE_PEEK; s = s->next) {
			unsigned int n = RTE_MIN((unsigned int)s->data_len,
						 RESPONSE_PEEK - k->response_len);
			memcpy(k->response + k->response_len, rte_pktmbuf_mtod(s, char *), n);
			k->response_len += n;
		}
		rte_pktmbuf_free(m);
	}
	k->response[k->response_len] = '\0';
	if (k->response_len >= 12) {
		bool ok = strncmp(k->response, "HTTP/1.", 7) == 0 && k->response[8] == ' ' &&
			  (k->response[9] == '2' || k->response[9] == '3');
		verdict(k, ok);
	} else if (tcp_peer_done(c)) {
		verdict(k, false);
	}
}

static void check_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)why;
	struct check *k = tcp_upper(c);
	if (k == NULL)
		return;
	k->conn = NULL; /* refused or reset before a verdict */
	verdict(k, false);
}

static const struct tcp_upper_ops check_ops = {
	.established = check_established,
	.readable = check_readable,
	.closed = check_closed,
};

static void start(struct check *k)
{
	struct proxy_worker *pw = k->hc->pw;
	const struct config_server *sv = &backend_of(k)->servers[k->server];
	int pi = proxy_server_port(pw->net, sv);
	k->sent = false;
	k->response_len = 0;
	k->started = pw->net->now;
	k->conn = pi < 0 ? NULL
			 : tcp_connect(pw->tcp, (unsigned int)pi, &sv->addr, rte_cpu_to_be_16(sv->port),
				       &check_ops, k);
	if (k->conn == NULL)
		verdict(k, false);
}

struct health_checks *health_checks_create(const struct config *cfg, struct proxy_health *health)
{
	struct health_checks *hc = rte_zmalloc("health_checks", sizeof(*hc), RTE_CACHE_LINE_SIZE);
	if (hc == NULL)
		return NULL;
	hc->cfg = cfg;
	hc->health = health;
	/* next = 0: every server is checked at the first poll */
	for (unsigned int b = 0; b < cfg->n_backends; b++) {
		for (unsigned int s = 0; s < cfg->backends[b].n_servers; s++) {
			struct check *k = &hc->checks[hc->n++];
			*k = (struct check){.hc = hc, .backend = b, .server = s};
		}
	}
	return hc;
}

void health_checks_start(struct health_checks *hc, struct proxy_worker *pw)
{
	hc->pw = pw;
}

void health_checks_abort(struct health_checks *hc)
{
	for (unsigned int i = 0; i < hc->n; i++) {
		struct tcp_conn *c = hc->checks[i].conn;
		if (c != NULL) {
			hc->checks[i].conn = NULL;
			tcp_set_upper(c, NULL);
			tcp_abort(c); /* a check leaves no TIME_WAIT behind */
		}
	}
}

void health_checks_detach(struct health_checks *hc)
{
	for (unsigned int i = 0; i < hc->n; i++)
		if (hc->checks[i].conn != NULL)
			tcp_set_upper(hc->checks[i].conn, NULL);
}

void health_checks_free(struct health_checks *hc)
{
	rte_free(hc);
}

unsigned int health_checks_poll(struct health_checks *hc)
{
	struct proxy_worker *pw = hc->pw;
	uint64_t now = pw->net->now, ms = pw->net->tsc_hz / 1000;
	unsigned int work = 0;
	if (now < hc->next_poll)
		return 0;
	hc->next_poll = now + 5 * ms;
	for (unsigned int i = 0; i < hc->n; i++) {
		struct check *k = &hc->checks[i];
		if (k->conn != NULL) {
			if (now - k->started > (uint64_t)backend_of(k)->health.timeout_ms * ms) {
				verdict(k, false);
				work++;
			}
		} else if (now >= k->next) {
			start(k);
			work++;
		}
	}
	return work;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker's proxy layer: its listeners, pools, sessions and (worker 0) health checks. */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <tlsterm/log.h>
#include <tlsterm/services.h>

#include "health.h"
#include "health_check.h"
#include "proxy_priv.h"

struct proxy_health *proxy_health_create(const struct config *cfg)
{
	struct proxy_health *h = rte_zmalloc("proxy_health", sizeof(*h), RTE_CACHE_LINE_SIZE);
	if (h == NULL)
		return NULL;
	/* Up until a check says otherwise: traffic flows from the first second. */
	for (unsigned int b = 0; b < cfg->n_backends; b++)
		for (unsigned int s = 0; s < cfg->backends[b].n_servers; s++)
			health_set(h, b, s, true);
	return h;
}

bool proxy_health_up(const struct proxy_health *h, unsigned int b, unsigned int s)
{
	return health_is_up(h, b, s);
}

void proxy_health_free(struct proxy_health *h)
{
	rte_free(h);
}

/*
 * A server that is in both configurations (same backend name, same address
 * and port) keeps its verdict; a new one starts up, as at start-up.
 */
void proxy_health_carry(struct proxy_health *to, const struct config *to_cfg,
			const struct proxy_health *from, const struct config *from_cfg)
{
	for (unsigned int b = 0; b < to_cfg->n_backends; b++) {
		const struct config_backend *nb = &to_cfg->backends[b];
		for (unsigned int ob = 0; ob < from_cfg->n_backends; ob++) {
			const struct config_backend *o = &from_cfg->backends[ob];
			if (strcmp(o->name, nb->name) != 0)
				continue;
			for (unsigned int s = 0; s < nb->n_servers; s++)
				for (unsigned int os = 0; os < o->n_servers; os++)
					if (memcmp(&o->servers[os].addr, &nb->servers[s].addr,
						   sizeof(struct ip_addr)) == 0 &&
					    o->servers[os].port == nb->servers[s].port &&
					    o->servers[os].port_index ==
						    nb->servers[s].port_index)
						health_set(to, b, s, health_is_up(from, ob, os));
		}
	}
}

struct proxy_gen *proxy_gen_create(const struct config *cfg, uint64_t id,
				   struct proxy_health *health, bool checks)
{
	struct proxy_gen *g = rte_zmalloc("proxy_gen", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (g == NULL)
		return NULL;
	g->id = id;
	g->cfg = cfg;
	g->health = health;
	for (unsigned int b = 0; b < cfg->n_backends; b++)
		pool_init(&g->pools[b], &cfg->backends[b], b, health);
	if (checks && cfg->n_backends > 0) {
		g->checks = health_checks_create(cfg, health);
		if (g->checks == NULL) {
			rte_free(g);
			return NULL;
		}
	}
	return g;
}

void proxy_gen_free(struct proxy_gen *g)
{
	if (g == NULL)
		return;
	health_checks_free(g->checks);
	rte_free(g);
}

uint64_t proxy_gen_holds(const struct proxy_gen *g)
{
	return __atomic_load_n(&g->holds, __ATOMIC_ACQUIRE);
}

struct proxy_gen *proxy_worker_publish(struct proxy_worker *pw, struct proxy_gen *g)
{
	return rcu_xchg_pointer(&pw->gen, g);
}

static int listen_one(struct proxy_worker *pw, unsigned int i, char *err, size_t errlen)
{
	const struct config_listener *l = &pw->cfg->listeners[i];
	struct proxy_listener *pl = &pw->listeners[i];
	*pl = (struct proxy_listener){.pw = pw, .cfg = l, .index = i};
	int rc;
	if (l->redirect_https) {
		rc = tcp_listen(pw->tcp, (uint16_t)l->port, &redirect_ops, pl);
	} else if (l->backend_index >= 0) {
		pl->pooled = true;
		rc = l->tls.enabled ? tls_worker_listen(pw->tls, pw->tcp, i, &proxy_tls_client_ops, pl)
				    : tcp_listen(pw->tcp, (uint16_t)l->port, &proxy_tcp_client_ops, pl);
	} else {
		pl->discard = strcmp(l->backend, "discard") == 0;
		if (l->tls.enabled) {
			rc = tls_worker_listen(pw->tls, pw->tcp, i, &service_tls_ops, pl);
		} else {
			const struct tcp_upper_ops *ops = service_find(l->backend);
			rc = ops != NULL ? tcp_listen(pw->tcp, (uint16_t)l->port, ops, pl) : -1;
		}
	}
	if (rc == 0 && l->family != CONFIG_FAMILY_ANY)
		rc = tcp_listen_family(pw->tcp, (uint16_t)l->port,
				       l->family == CONFIG_FAMILY_IPV6 ? 6 : 4);
	if (rc != 0)
		snprintf(err, errlen, "listener %u: cannot listen (%d)", l->port, rc);
	return rc;
}

struct proxy_worker *proxy_worker_create(const struct config *cfg, struct net_ctx *net,
					 struct tcp_stack *tcp, struct tls_worker *tls,
					 struct proxy_gen *gen, char *err, size_t errlen)
{
	int socket = (int)rte_socket_id();
	struct proxy_worker *pw = rte_zmalloc_socket("proxy_worker", sizeof(*pw),
						     RTE_CACHE_LINE_SIZE, socket);
	if (pw == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pw->cfg = cfg;
	pw->net = net;
	pw->tcp = tcp;
	pw->tls = tls;
	pw->gen = gen;
	pw->ctr = &net->ctr->proxy;
	pw->edge_ctr = &net->ctr->edge;
	TAILQ_INIT(&pw->sessions);
	TAILQ_INIT(&pw->redirects);
	TAILQ_INIT(&pw->services);
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int n = cfg->tcp.max_connections;
	snprintf(name, sizeof(name), "psess_%u", net->worker_id);
	pw->sess_pool = rte_mempool_create(name, n, sizeof(struct proxy_sess), 0, 0, NULL, NULL,
					   NULL, NULL, socket, NET_STATE_POOL_FLAGS);
	snprintf(name, sizeof(name), "psvc_%u", net->worker_id);
	pw->svc_pool = rte_mempool_create(name, n, sizeof(struct service_conn), 0, 0, NULL, NULL,
					  NULL, NULL, socket, NET_STATE_POOL_FLAGS);
	bool redirects = false;
	for (unsigned int i = 0; i < cfg->n_listeners; i++)
		redirects |= cfg->listeners[i].redirect_https;
	if (redirects) {
		/* a slot holds a whole request line (8 KiB): its own, smaller bound */
		snprintf(name, sizeof(name), "predir_%u", net->worker_id);
		pw->redirect_pool = rte_mempool_create(name, cfg->limits.redirect_connections,
						       sizeof(struct redirect_conn), 0, 0, NULL,
						       NULL, NULL, NULL, socket,
						       NET_STATE_POOL_FLAGS);
	}
	if (pw->sess_pool == NULL || pw->svc_pool == NULL ||
	    (redirects && pw->redirect_pool == NULL)) {
		snprintf(err, errlen, "cannot create the session pools: %s",
			 rte_strerror(rte_errno));
		pw->gen = NULL; /* the caller's still */
		proxy_worker_free(pw);
		return NULL;
	}
	pw->n_listeners = cfg->n_listeners;
	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		if (listen_one(pw, i, err, errlen) != 0) {
			pw->gen = NULL;
			proxy_worker_free(pw);
			return NULL;
		}
	}
	if (cfg->access_log.file[0] != '\0') {
		snprintf(name, sizeof(name), "access_%u", net->worker_id);
		pw->access = rte_ring_create_elem(name, sizeof(struct access_record), 4096, socket,
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (pw->access == NULL) {
			snprintf(err, errlen, "cannot create the access log ring: %s",
				 rte_strerror(rte_errno));
			pw->gen = NULL;
			proxy_worker_free(pw);
			return NULL;
		}
	}
	return pw;
}

void proxy_worker_free(struct proxy_worker *pw)
{
	if (pw == NULL)
		return;
	if (pw->checks_gen != NULL) {
		health_checks_detach(pw->checks_gen->checks);
		proxy_gen_release(pw->checks_gen);
	}
	proxy_gen_free(pw->gen); /* the worker has stopped: nobody reads it */
	rte_mempool_free(pw->sess_pool);
	rte_mempool_free(pw->svc_pool);
	rte_mempool_free(pw->redirect_pool);
	rte_ring_free(pw->access);
	rte_free(pw);
}

void proxy_worker_stop(struct proxy_worker *pw)
{
	if (pw->checks_gen != NULL)
		health_checks_abort(pw->checks_gen->checks);
}

unsigned int proxy_worker_poll(struct proxy_worker *pw)
{
	unsigned int work = proxy_scan_timeouts(pw);
	work += redirect_poll(pw);
	/*
	 * Worker 0 runs the current generation's health checks. It holds that
	 * generation while it does (their connections point into it), and lets the
	 * old one go when a reload brings new ones; only the worker touches them.
	 */
	struct proxy_gen *g = rcu_dereference(pw->gen);
	if (g->id != pw->polled_gen) { /* by id: an old generation's memory may be reused */
		pw->polled_gen = g->id;
		if (pw->checks_gen != NULL) {
			health_checks_abort(pw->checks_gen->checks);
			proxy_gen_release(pw->checks_gen);
			pw->checks_gen = NULL;
		}
		if (g->checks != NULL) { /* worker 0, and the generation has backends */
			proxy_gen_hold(g);
			health_checks_start(g->checks, pw);
			pw->checks_gen = g;
		}
	}
	if (pw->checks_gen != NULL)
		work += health_checks_poll(pw->checks_gen->checks);
	return work;
}

struct rte_ring *proxy_worker_access_ring(const struct proxy_worker *pw)
{
	return pw->access;
}

unsigned int proxy_worker_sessions(const struct proxy_worker *pw)
{
	return pw->n_sessions;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker's TLS state: listener contexts, the crypto engine, the record burst. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include <tlsterm/log.h>
#include <tlsterm/tls.h>

#include "tls_conn.h"

#define BURST_RECORDS 256
#define MIN_KEY_SCHEDULES 1024u /* crypto.key_schedules' floor; over 2 * BURST_RECORDS */

static struct tls_engine *pick_engine(const struct config *cfg)
{
	if (strcmp(cfg->crypto.engine, "evp") == 0)
		return tls_engine_create(TLS_ENGINE_EVP);
	struct tls_engine *e = tls_engine_create(TLS_ENGINE_IPSECMB);
	if (e == NULL) {
		log_warn("tls: ipsec-mb cannot run on this CPU; using OpenSSL EVP for records");
		e = tls_engine_create(TLS_ENGINE_EVP);
	}
	return e;
}

unsigned int tls_default_key_schedules(unsigned int max_connections)
{
	return RTE_MAX(max_connections / 2, MIN_KEY_SCHEDULES);
}

struct tls_gen *tls_gen_create(const struct config *cfg, struct tls_ocsp_set *ocsp,
			       struct tls_counters *ctr, uint64_t id, uint64_t tsc_hz, char *err,
			       size_t errlen)
{
	struct tls_gen *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->id = id;
	g->cfg = cfg;
	g->hs_timeout_tsc = tsc_hz * cfg->limits.handshake_timeout_ms / 1000;
	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		const struct config_listener *l = &cfg->listeners[i];
		if (!l->tls.enabled)
			continue;
		char why[CONFIG_ERR_LEN];
		if (tls_listener_ctx_init(&g->lc[i], &l->tls, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "listener %u: %s", l->port, why);
			tls_gen_free(g);
			return NULL;
		}
		if (tls_listener_ctx_staple(&g->lc[i], ocsp, ctr) != 0) {
			snprintf(err, errlen, "listener %u: cannot set up OCSP stapling", l->port);
			tls_gen_free(g);
			return NULL;
		}
	}
	return g;
}

void tls_gen_free(struct tls_gen *g)
{
	if (g == NULL)
		return;
	for (unsigned int i = 0; i < CONFIG_MAX_LISTENERS; i++)
		if (g->lc[i].cfg != NULL)
			tls_listener_ctx_fini(&g->lc[i]);
	free(g);
}

uint64_t tls_gen_handshakes(const struct tls_gen *g)
{
	return __atomic_load_n(&g->handshakes, __ATOMIC_ACQUIRE);
}

struct tls_gen *tls_worker_publish(struct tls_worker *tw, struct tls_gen *g)
{
	return rcu_xchg_pointer(&tw->gen, g);
}

struct tls_worker *tls_worker_create(const struct config *cfg, struct net_ctx *net,
				     struct tls_gen *gen, char *err, size_t errlen)
{
	int socket = (int)rte_socket_id();
	struct tls_worker *tw = rte_zmalloc_socket("tls_worker", sizeof(*tw), RTE_CACHE_LINE_SIZE,
						   socket);
	if (tw == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tw->cfg = cfg;
	tw->net = net;
	tw->ctr = &net->ctr->tls;
	TAILQ_INIT(&tw->handshaking);
	TAILQ_INIT(&tw->post);
	tw->gen = gen;
	tw->hs_timeout_tsc = gen->hs_timeout_tsc;
	tw->max_handshaking = cfg->edge.max_handshaking ? cfg->edge.max_handshaking : UINT32_MAX;
	/* listeners[] is indexed like cfg->listeners; plain TCP ones stay empty. */
	unsigned int n_tls = 0;
	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		const struct config_listener *l = &cfg->listeners[i];
		tw->n_listeners = i + 1;
		if (!l->tls.enabled)
			continue;
		struct tls_listener *lsn = &tw->listeners[i];
		lsn->cfg = l;
		lsn->tw = tw;
		n_tls++;
	}
	if (n_tls == 0)
		return tw; /* nothing to terminate: no engine, no pools */
	tw->engine = pick_engine(cfg);
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "tlsconn_%u", net->worker_id);
	tw->conn_pool = rte_mempool_create(name, cfg->tcp.max_connections, sizeof(struct tls_conn),
					   0, 0, NULL, NULL, NULL, NULL, socket,
					   NET_STATE_POOL_FLAGS);
	unsigned int scheds = cfg->crypto.key_schedules;
	if (scheds == 0)
		scheds = tls_default_key_schedules(cfg->tcp.max_connections);
	if (tw->engine != NULL)
		tw->burst = tls_burst_create(tw->engine, net->pool, tw->ctr, BURST_RECORDS, scheds,
					     socket);
	if (tw->engine == NULL || tw->conn_pool == NULL || tw->burst == NULL) {
		snprintf(err, errlen, "cannot create the TLS engine, burst or connection pool");
		tw->gen = NULL; /* the caller's still */
		tls_worker_free(tw);
		return NULL;
	}
	log_info("worker %u: TLS records on %s", net->worker_id, tls_engine_name(tw->engine));
	return tw;
}

void tls_worker_free(struct tls_worker *tw)
{
	if (tw == NULL)
		return;
	tls_gen_free(tw->gen); /* the workers are stopped: nobody reads it */
	if (tw->burst != NULL)
		tls_burst_free(tw->burst);
	if (tw->engine != NULL)
		tls_engine_free(tw->engine);
	rte_mempool_free(tw->conn_pool);
	rte_free(tw);
}

int tls_worker_listen(struct tls_worker *tw, struct tcp_stack *tcp, unsigned int index,
		      const struct tls_app_ops *ops, void *arg)
{
	if (index >= tw->n_listeners || tw->listeners[index].cfg == NULL)
		return -EINVAL;
	struct tls_listener *lsn = &tw->listeners[index];
	lsn->ops = ops;
	lsn->arg = arg;
	return tcp_listen(tcp, (uint16_t)lsn->cfg->port, &tls_tcp_ops, lsn);
}

unsigned int tls_worker_poll(struct tls_worker *tw)
{
	if (tw->burst == NULL)
		return 0;
	/* A reload may change the timeout: the handshakes in the FIFO are judged by the current one. */
	tw->hs_timeout_tsc = rcu_dereference(tw->gen)->hs_timeout_tsc;
	unsigned int work = tls_burst_run(tw->burst);
	if (tw->net->now >= tw->next_key_sweep) {
		tls_burst_sweep_keys(tw->burst);
		tw->next_key_sweep = tw->net->now + tw->net->tsc_hz;
		work++; /* the worker's own time, like the timer scans */
	}
	work += tls_conn_post_burst(tw);
	if (!TAILQ_EMPTY(&tw->handshaking))
		work += tls_conn_expire_handshakes(tw);
	return work;
}

unsigned int tls_worker_conn_count(const struct tls_worker *tw)
{
	return tw->n_conns;
}

unsigned int tls_worker_key_schedules(const struct tls_worker *tw, unsigned int *size)
{
	if (tw->burst == NULL) {
		if (size != NULL)
			*size = 0;
		return 0;
	}
	return tls_burst_key_schedules(tw->burst, size);
}

const char *tls_worker_engine(const struct tls_worker *tw)
{
	return tw->engine != NULL ? tls_engine_name(tw->engine) : "none";
}

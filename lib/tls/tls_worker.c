/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker's TLS state: listener contexts, the crypto engine, the record burst. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include <tlsterm/log.h>
#include <tlsterm/tls.h>

#include "tls_conn.h"

#define BURST_RECORDS 256

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

struct tls_worker *tls_worker_create(const struct config *cfg, struct tls_ocsp_set *ocsp,
				     struct net_ctx *net, char *err, size_t errlen)
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
	tw->hs_timeout_tsc = net->tsc_hz * cfg->limits.handshake_timeout_ms / 1000;
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
		char why[CONFIG_ERR_LEN];
		if (tls_listener_ctx_init(&lsn->lc, &l->tls, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "listener %u: %s", l->port, why);
			tls_worker_free(tw);
			return NULL;
		}
		if (tls_listener_ctx_staple(&lsn->lc, ocsp, tw->ctr) != 0) {
			snprintf(err, errlen, "listener %u: cannot set up OCSP stapling", l->port);
			tls_worker_free(tw);
			return NULL;
		}
		n_tls++;
	}
	if (n_tls == 0)
		return tw; /* nothing to terminate: no engine, no pools */
	tw->engine = pick_engine(cfg);
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "tlsconn_%u", net->worker_id);
	tw->conn_pool = rte_mempool_create(name, cfg->tcp.max_connections, sizeof(struct tls_conn),
					   0, 0, NULL, NULL, NULL, NULL, socket,
					   RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET |
					   RTE_MEMPOOL_F_NO_IOVA_CONTIG); /* never DMA'd */
	if (tw->engine != NULL)
		tw->burst = tls_burst_create(tw->engine, net->pool, tw->ctr, BURST_RECORDS, socket);
	if (tw->engine == NULL || tw->conn_pool == NULL || tw->burst == NULL) {
		snprintf(err, errlen, "cannot create the TLS engine, burst or connection pool");
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
	for (unsigned int i = 0; i < tw->n_listeners; i++)
		if (tw->listeners[i].cfg != NULL)
			tls_listener_ctx_fini(&tw->listeners[i].lc);
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
	unsigned int work = tls_burst_run(tw->burst);
	work += tls_conn_post_burst(tw);
	if (!TAILQ_EMPTY(&tw->handshaking))
		work += tls_conn_expire_handshakes(tw);
	return work;
}

unsigned int tls_worker_conn_count(const struct tls_worker *tw)
{
	return tw->n_conns;
}

const char *tls_worker_engine(const struct tls_worker *tw)
{
	return tw->engine != NULL ? tls_engine_name(tw->engine) : "none";
}

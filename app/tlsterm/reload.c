/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live reload. Everything slow happens here, on the control thread, before
 * anything is published: a reload that fails at any step frees what it built
 * and leaves the running generation exactly as it was.
 *
 * Freeing an old generation needs two things. synchronize_rcu() after the
 * switch: no worker can still be about to take the old pointers for a new
 * handshake or session. And every worker's counts for it at zero: handshakes
 * that started on it run on its SSL_CTXs, SNI and ALPN tables until they end
 * (established TLS connections need none of it: the SSL object is gone at
 * the hand-off); proxy sessions keep its pool, server and PROXY setting to
 * their end; worker 0 holds it while it runs its health checks. The counts
 * are per worker and written by their worker only, so the packet path pays
 * no atomic instruction; the control tick reads them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include <tlsterm/log.h>
#include <tlsterm/proxy.h>
#include <tlsterm/tls.h>
#include <tlsterm/worker.h>

#include "reload.h"

static void generation_free(struct reload *r, struct generation *g)
{
	if (g == NULL)
		return;
	for (unsigned int w = 0; w < r->n_workers; w++) {
		tls_gen_free(g->tls[w]);
		proxy_gen_free(g->proxy[w]);
	}
	proxy_health_free(g->health);
	tls_ocsp_set_free(g->ocsp); /* no worker reads it: the generation is out of use */
	if (g->cfg != r->start_cfg)
		config_free(g->cfg);
	free(g);
}

/*
 * Every worker's share of cfg; NULL with err set (file paths in it) on failure.
 * prev: the generation it follows, whose health verdicts carry over.
 */
static struct generation *generation_build(struct reload *r, struct config *cfg, uint64_t id,
					   const struct generation *prev, char *err, size_t errlen)
{
	struct generation *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		snprintf(err, errlen, "%s: out of memory", cfg->path);
		return NULL;
	}
	g->id = id;
	g->cfg = cfg;
	g->health = proxy_health_create(cfg);
	if (g->health == NULL)
		goto no_memory;
	if (prev != NULL)
		proxy_health_carry(g->health, cfg, prev->health, prev->cfg);
	char why[CONFIG_ERR_LEN];
	g->ocsp = tls_ocsp_set_create(cfg, why, sizeof(why)); /* the ocsp: files, read again */
	if (g->ocsp == NULL) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	for (unsigned int w = 0; w < r->n_workers; w++) {
		g->tls[w] = tls_gen_create(cfg, g->ocsp, r->tls_ctr[w], id, r->tsc_hz, why,
					   sizeof(why));
		if (g->tls[w] == NULL) {
			snprintf(err, errlen, "%s: %s", cfg->path, why);
			goto fail;
		}
		g->proxy[w] = proxy_gen_create(cfg, id, g->health, w == 0);
		if (g->proxy[w] == NULL)
			goto no_memory;
	}
	return g;
no_memory:
	snprintf(err, errlen, "%s: out of memory", cfg->path);
fail:
	g->cfg = NULL; /* the caller's on failure */
	generation_free(r, g);
	return NULL;
}

int reload_init(struct reload *r, struct config *cfg, struct worker *const *workers,
		unsigned int n_workers, uint64_t tsc_hz, char *err, size_t errlen)
{
	*r = (struct reload){ .start_cfg = cfg, .n_workers = n_workers, .tsc_hz = tsc_hz };
	for (unsigned int w = 0; w < n_workers; w++)
		r->tls_ctr[w] = &workers[w]->ctr.tls;
	r->current = generation_build(r, cfg, 1, NULL, err, errlen);
	return r->current != NULL ? 0 : -1;
}

struct tls_gen *reload_first_tls(const struct reload *r, unsigned int w)
{
	return r->current->tls[w];
}

struct proxy_gen *reload_first_proxy(const struct reload *r, unsigned int w)
{
	return r->current->proxy[w];
}

void reload_tls_handed_over(struct reload *r, unsigned int w)
{
	r->tls_handed_over[w] = true;
}

void reload_proxy_handed_over(struct reload *r, unsigned int w)
{
	r->proxy_handed_over[w] = true;
}

/* {"error":"..."}: the message as a JSON string. */
static void reply_error(char *reply, size_t len, const char *msg)
{
	size_t n = (size_t)snprintf(reply, len, "{\"error\":\"");
	for (const char *p = msg; *p != '\0' && n + 8 < len; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			n += (size_t)snprintf(reply + n, len - n, "\\%c", c);
		else if (c < 0x20)
			n += (size_t)snprintf(reply + n, len - n, "\\u%04x", c);
		else
			reply[n++] = (char)c;
	}
	snprintf(reply + n, len - n, "\"}\n");
}

static unsigned int fail(struct reload *r, enum reload_result res, unsigned int status,
			 const char *trigger, const char *msg, char *reply, size_t len)
{
	r->results[res]++;
	log_err("%s: reload %s, configuration unchanged: %s", trigger,
		res == RELOAD_REFUSED ? "refused" : "failed", msg);
	reply_error(reply, len, msg);
	return status;
}

unsigned int reload_run(struct reload *r, struct worker *const *workers, const char *trigger,
			char *reply, size_t len)
{
	char err[CONFIG_ERR_LEN + 320]; /* the config path, then a message */

	if (r->n_retired == RELOAD_MAX_RETIRED) {
		snprintf(err, sizeof(err), "%u older generations still have handshakes running; "
			 "try again in a moment", r->n_retired);
		return fail(r, RELOAD_FAILED, 503, trigger, err, reply, len);
	}
	struct config *cfg = config_load(r->start_cfg->path, err, sizeof(err));
	if (cfg == NULL)
		return fail(r, RELOAD_FAILED, 400, trigger, err, reply, len);
	/* Restart-only fields never change, so generation 1's are everyone's. */
	if (config_reload_check(r->start_cfg, cfg, err, sizeof(err)) != 0) {
		config_free(cfg);
		return fail(r, RELOAD_REFUSED, 409, trigger, err, reply, len);
	}
	struct generation *g = generation_build(r, cfg, r->current->id + 1, r->current, err,
						sizeof(err));
	if (g == NULL) {
		config_free(cfg);
		return fail(r, RELOAD_FAILED, 422, trigger, err, reply, len);
	}
	struct tls_ticket_keys *keys;
	char why[CONFIG_ERR_LEN];
	if (tls_tickets_prepare(cfg, &keys, why, sizeof(why)) != 0) {
		snprintf(err, sizeof(err), "%s: tickets.key_file: %s", cfg->path, why);
		generation_free(r, g);
		return fail(r, RELOAD_FAILED, 422, trigger, err, reply, len);
	}

	/* Everything is built and checked: from here on nothing can fail. */
	for (unsigned int w = 0; w < r->n_workers; w++) {
		struct tls_gen *old = tls_worker_publish(workers[w]->tls, g->tls[w]);
		struct proxy_gen *old_proxy = proxy_worker_publish(workers[w]->proxy, g->proxy[w]);
		if (old != r->current->tls[w] || old_proxy != r->current->proxy[w])
			log_err("reload: worker %u had an unexpected generation", w);
	}
	tls_tickets_commit(cfg, keys); /* synchronize_rcu() inside when keys changed */
	log_set_level(cfg->log.level);
	r->retired[r->n_retired++] = r->current;
	r->current = g;
	/* No worker can take the old generation for a new handshake after this. */
	synchronize_rcu();
	r->results[RELOAD_OK]++;
	for (unsigned int i = 0; i < cfg->n_warnings; i++)
		log_warn("%s", cfg->warnings[i]);
	log_info("%s: reloaded %s: generation %" PRIu64 " serves new connections", trigger,
		 cfg->path, g->id);
	snprintf(reply, len, "{\"reloaded\":true,\"generation\":%" PRIu64 "}\n", g->id);
	return 200;
}

/* Handshakes, sessions and health checks still on g, every worker. */
static uint64_t holds_on(const struct reload *r, const struct generation *g)
{
	uint64_t n = 0;
	for (unsigned int w = 0; w < r->n_workers; w++)
		n += tls_gen_handshakes(g->tls[w]) + proxy_gen_holds(g->proxy[w]);
	return n;
}

void reload_reap(struct reload *r)
{
	for (unsigned int i = 0; i < r->n_retired;) {
		struct generation *g = r->retired[i];
		if (holds_on(r, g) != 0) {
			i++;
			continue;
		}
		log_info("reload: generation %" PRIu64 " freed (no handshake or session uses it)",
			 g->id);
		generation_free(r, g);
		r->retired[i] = r->retired[--r->n_retired];
	}
}

void reload_fini(struct reload *r)
{
	for (unsigned int i = 0; i < r->n_retired; i++) {
		uint64_t n = holds_on(r, r->retired[i]);
		if (n != 0)
			log_err("reload: generation %" PRIu64 " still counts %" PRIu64
				" handshakes and sessions at exit", r->retired[i]->id, n);
	}
	reload_reap(r); /* the workers and their connections are gone: every count is final */
	for (unsigned int i = 0; i < r->n_retired; i++)
		log_err("reload: generation %" PRIu64 " not freed", r->retired[i]->id);
	if (r->current != NULL) {
		for (unsigned int w = 0; w < r->n_workers; w++) {
			/* tls_worker_free() and proxy_worker_free() freed these */
			if (r->current->id > 1 || r->tls_handed_over[w])
				r->current->tls[w] = NULL;
			if (r->current->id > 1 || r->proxy_handed_over[w])
				r->current->proxy[w] = NULL;
		}
		generation_free(r, r->current);
		r->current = NULL;
	}
}

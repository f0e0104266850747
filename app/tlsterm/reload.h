/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live reload on the control thread (POST /reload, SIGHUP): read the config
 * file, certificates, keys and the ticket key file again, check that nothing
 * restart-only changed, build everything new, and only then publish it to
 * the workers as the next generation. Older generations are kept until no
 * handshake uses them.
 */
#ifndef TLSTERM_RELOAD_H
#define TLSTERM_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tlsterm/config.h>
#include <tlsterm/net.h>

struct proxy_gen;
struct proxy_health;
struct worker;
struct tls_gen;
struct tls_ocsp_set;
struct tls_counters;

/* Older generations waiting for their last handshake; a reload beyond this waits. */
#define RELOAD_MAX_RETIRED 8

enum reload_result { RELOAD_OK, RELOAD_FAILED, RELOAD_REFUSED, RELOAD__COUNT };

/* What one configuration file made: its config and every worker's share of it. */
struct generation {
	uint64_t id;
	struct config *cfg;
	struct tls_ocsp_set *ocsp;   /* its OCSP responses, refreshed while it is current */
	struct proxy_health *health; /* its backend servers' verdicts, shared by the workers */
	struct tls_gen *tls[NET_MAX_WORKERS];
	struct proxy_gen *proxy[NET_MAX_WORKERS];
};

struct reload {
	struct config *start_cfg; /* generation 1's: the workers keep its restart-only fields */
	unsigned int n_workers;
	struct tls_counters *tls_ctr[NET_MAX_WORKERS]; /* each worker's: its staples count there */
	uint64_t tsc_hz;
	struct generation *current;
	struct generation *retired[RELOAD_MAX_RETIRED];
	unsigned int n_retired;
	uint64_t results[RELOAD__COUNT]; /* reloads by outcome, for the metrics */
	/* generation 1's shares that tls_worker_create / proxy_worker_create took */
	bool tls_handed_over[NET_MAX_WORKERS];
	bool proxy_handed_over[NET_MAX_WORKERS];
};

/* Generation 1 from cfg (which stays the caller's) for the workers (created, not
 * started). 0, or -1 with err set. */
int reload_init(struct reload *r, struct config *cfg, struct worker *const *workers,
		unsigned int n_workers, uint64_t tsc_hz, char *err, size_t errlen);
/* Worker w's shares of generation 1, for tls_worker_create and proxy_worker_create. */
struct tls_gen *reload_first_tls(const struct reload *r, unsigned int w);
struct proxy_gen *reload_first_proxy(const struct reload *r, unsigned int w);
/* The worker took them: it frees them (or the generation they are replaced by). */
void reload_tls_handed_over(struct reload *r, unsigned int w);
void reload_proxy_handed_over(struct reload *r, unsigned int w);

/*
 * Reload now (trigger names who asked, for the log). Returns the HTTP status
 * (200, 400 bad config, 409 restart-only change, 422 certificates or keys that
 * would not load, 503 too many old generations still in use) and writes a
 * one-line JSON body into reply.
 */
unsigned int reload_run(struct reload *r, struct worker *const *workers, const char *trigger,
			char *reply, size_t len);

/* Free the retired generations no handshake uses any more (every control tick). */
void reload_reap(struct reload *r);

/*
 * At exit, after the workers stopped and their connections are gone (the
 * workers freed the current generation's TLS share): free the rest.
 */
void reload_fini(struct reload *r);

#endif

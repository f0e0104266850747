/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin HTTP API on a kernel socket: GET /metrics (Prometheus text),
 * GET /stats (JSON), GET /healthz, POST /reload. libmicrohttpd runs with no
 * thread of its own: everything here runs on the control thread, inside
 * admin_poll().
 */
#ifndef TLSTERM_ADMIN_H
#define TLSTERM_ADMIN_H

#include <stddef.h>

#include <tlsterm/config.h>
#include <tlsterm/metrics.h>

#define ADMIN_MAX_CONNECTIONS 16
#define ADMIN_CONNECTION_TIMEOUT_S 10
#define ADMIN_BODY_MAX 1024 /* no endpoint takes a body; a small one is read and ignored */
#define ADMIN_REPLY_LEN (2 * CONFIG_ERR_LEN) /* a reload's error, JSON-escaped */

struct admin;

/* What the application does for the API; called on the control thread. */
struct admin_ops {
	/* Fill in for one scrape; what in points to must live until the next call. */
	void (*collect)(void *arg, struct metrics_input *in);
	/*
	 * POST /reload: returns the HTTP status and writes a JSON body into reply.
	 * NULL: the API answers 501 (not implemented).
	 */
	unsigned int (*reload)(void *arg, char *reply, size_t len);
	void *arg;
};

/*
 * Listen on cfg's address (port 0: any free one, see admin_port). NULL on
 * failure, with the reason in err.
 */
struct admin *admin_start(const struct config_admin *cfg, const struct admin_ops *ops, char *err,
			  size_t errlen);

/* The bound port (host order). */
unsigned int admin_port(const struct admin *a);

/*
 * Serve what is ready, waiting up to max_wait_ms for requests (less if a
 * connection times out sooner). Returns early when a signal arrives.
 */
void admin_poll(struct admin *a, unsigned int max_wait_ms);

/* Close the socket and every connection; NULL is fine. */
void admin_stop(struct admin *a);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks of every backend server, run by worker 0 over its own
 * TCP stack: a connect (type tcp) or an HTTP/1.1 GET answered 2xx/3xx (type
 * http), every interval_ms; rise good checks in a row bring a server up, fall
 * bad ones take it down. The verdict goes to the shared struct proxy_health.
 */
#ifndef TLSTERM_PROXY_HEALTH_CHECK_H
#define TLSTERM_PROXY_HEALTH_CHECK_H

struct config;
struct health_checks;
struct proxy_health;
struct proxy_worker;

/* Control thread: checks of every server of cfg, verdicts into health. NULL: out of memory. */
struct health_checks *health_checks_create(const struct config *cfg, struct proxy_health *health);
/* Worker 0 from here on runs them (over its TCP stack). */
void health_checks_start(struct health_checks *hc, struct proxy_worker *pw);
/* Worker 0, leaving them for a newer generation's: checks under way are reset. */
void health_checks_abort(struct health_checks *hc);
/* At exit (the TCP stack goes next): checks under way forget them. */
void health_checks_detach(struct health_checks *hc);
void health_checks_free(struct health_checks *hc);
unsigned int health_checks_poll(struct health_checks *hc);

#endif

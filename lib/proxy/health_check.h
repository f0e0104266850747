/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks of every backend server, run by worker 0 over its own
 * TCP stack: a connect (type tcp) or an HTTP/1.1 GET answered 2xx/3xx (type
 * http), every interval_ms; rise good checks in a row bring a server up, fall
 * bad ones take it down. The verdict goes to the shared struct proxy_health.
 */
#ifndef TLSTERM_PROXY_HEALTH_CHECK_H
#define TLSTERM_PROXY_HEALTH_CHECK_H

struct proxy_worker;

int health_checks_start(struct proxy_worker *pw, char *err, size_t errlen);
void health_checks_stop(struct proxy_worker *pw);
unsigned int health_checks_poll(struct proxy_worker *pw);

#endif

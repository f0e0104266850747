/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The layer users run tlsterm for: every listener's connections go to a
 * built-in service (echo, discard) or through a backend pool to real servers,
 * over TLS or plain TCP (L4), with the PROXY protocol when configured.
 */
#ifndef TLSTERM_PROXY_H
#define TLSTERM_PROXY_H

#include <tlsterm/config.h>
#include <tlsterm/net.h>
#include <tlsterm/tcp.h>
#include <tlsterm/tls.h>

struct proxy_worker;

/* Backend server health, shared by all workers (one writer: worker 0's checks). */
struct proxy_health;
struct proxy_health *proxy_health_create(const struct config *cfg);
void proxy_health_free(struct proxy_health *h);
/* Whether server s of backend b passes its health checks (any thread). */
bool proxy_health_up(const struct proxy_health *h, unsigned int b, unsigned int s);

/*
 * Per worker: listeners on tcp (and tls for TLS listeners), sessions, backend
 * pools. Worker 0 also runs the health checks. NULL on error with err set.
 */
struct proxy_worker *proxy_worker_create(const struct config *cfg, struct net_ctx *net,
					 struct tcp_stack *tcp, struct tls_worker *tls,
					 struct proxy_health *health, char *err, size_t errlen);
void proxy_worker_free(struct proxy_worker *pw);

/*
 * Control thread: the timeouts the worker applies from its next scan on
 * (limits.idle_timeout_ms, redirect_timeout_ms). limits must stay valid
 * until a synchronize_rcu() after it is replaced.
 */
void proxy_worker_publish_limits(struct proxy_worker *pw, const struct config_limits *limits);

/* Once per loop iteration: connect and idle timeouts, health checks. Returns work done. */
unsigned int proxy_worker_poll(struct proxy_worker *pw);

/*
 * The access log's ring of finished sessions (struct access_record elements;
 * single producer: the worker, single consumer: the control thread), or NULL
 * when access_log is off.
 */
struct rte_ring *proxy_worker_access_ring(const struct proxy_worker *pw);

/* Sessions alive on this worker. */
unsigned int proxy_worker_sessions(const struct proxy_worker *pw);

#endif

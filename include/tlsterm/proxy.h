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
/* Control thread: servers of to_cfg also in from_cfg (same backend name, address, port)
 * take their verdict from from. */
void proxy_health_carry(struct proxy_health *to, const struct config *to_cfg,
			const struct proxy_health *from, const struct config *from_cfg);

/*
 * One worker's proxy share of a configuration generation: its backend pools
 * (over cfg's backends, verdicts from health), the PROXY setting and the
 * timeouts; with checks (worker 0's), the health checks of every server.
 * Built on the control thread; cfg and health must outlive it. NULL: no memory.
 */
struct proxy_gen;
struct proxy_gen *proxy_gen_create(const struct config *cfg, uint64_t id,
				   struct proxy_health *health, bool checks);
void proxy_gen_free(struct proxy_gen *g);
/* Sessions (and worker 0's checks) still on g (control thread; g no longer published). */
uint64_t proxy_gen_holds(const struct proxy_gen *g);

/*
 * Per worker: listeners on tcp (and tls for TLS listeners) from cfg (whose
 * restart-only fields it keeps using), sessions, and gen, the first
 * generation (taken on success only). NULL on error with err set.
 */
struct proxy_worker *proxy_worker_create(const struct config *cfg, struct net_ctx *net,
					 struct tcp_stack *tcp, struct tls_worker *tls,
					 struct proxy_gen *gen, char *err, size_t errlen);
/* Frees the current generation too: call after the worker has stopped. */
void proxy_worker_free(struct proxy_worker *pw);

/*
 * Control thread: make g the generation new sessions take (and whose checks
 * worker 0 runs); returns the one it replaces, in use until synchronize_rcu()
 * has passed and proxy_gen_holds() of it is 0.
 */
struct proxy_gen *proxy_worker_publish(struct proxy_worker *pw, struct proxy_gen *g);

/* Once per loop iteration: connect and idle timeouts, health checks. Returns work done. */
unsigned int proxy_worker_poll(struct proxy_worker *pw);
/*
 * The worker leaves its loop: health checks under way are reset (tlsterm's own
 * connections, not clients'), so what stays open at stop is what clients left.
 */
void proxy_worker_stop(struct proxy_worker *pw);

/*
 * The access log's ring of finished sessions (struct access_record elements;
 * single producer: the worker, single consumer: the control thread), or NULL
 * when access_log is off.
 */
struct rte_ring *proxy_worker_access_ring(const struct proxy_worker *pw);

/* Sessions alive on this worker. */
unsigned int proxy_worker_sessions(const struct proxy_worker *pw);

#endif

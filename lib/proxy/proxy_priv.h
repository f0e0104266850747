/* SPDX-License-Identifier: BSD-3-Clause */
/* The proxy layer's per-worker state (private to lib/proxy). */
#ifndef TLSTERM_PROXY_PRIV_H
#define TLSTERM_PROXY_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <urcu-qsbr.h>

#include <tlsterm/access_log.h>
#include <tlsterm/config.h>
#include <tlsterm/counters.h>
#include <tlsterm/proxy.h>

#include "http_redirect.h"
#include "pool.h"
#include "proxy_protocol.h"

struct proxy_worker;
struct health_checks;

/*
 * One worker's share of one configuration generation: what a reload may
 * change for the proxy. The control thread builds it and publishes it with
 * RCU; a session takes the current one when it starts and keeps it (its pool,
 * the server it talks to, the PROXY setting) until it ends, so a reload never
 * moves or drops a session.
 */
struct proxy_gen {
	uint64_t id;
	const struct config *cfg;     /* the generation's: pools[].cfg point into it */
	struct proxy_health *health;  /* the generation's verdicts, shared by all workers */
	struct pool pools[CONFIG_MAX_BACKENDS];
	struct health_checks *checks; /* worker 0's generation only: the checks it runs */
	/*
	 * Sessions that started on it, plus one while worker 0 runs its checks.
	 * Written by the owning worker only (no atomics on the packet path); the
	 * control thread reads it after a grace period, when it can only go down.
	 */
	uint64_t holds;
};

/* What one listener does on this worker (restart-only: its port, kind and the service). */
struct proxy_listener {
	struct proxy_worker *pw;
	const struct config_listener *cfg; /* generation 1's: only restart-only fields are read */
	unsigned int index;                /* in config.listeners */
	bool pooled;       /* proxies to a backend pool (which one is the generation's) */
	bool discard;      /* built-in: discard, else echo */
};

/* One client connection and its backend connection. */
struct proxy_sess {
	struct proxy_listener *pl;
	struct proxy_gen *gen;     /* the generation it started on */
	struct pool *pool;         /* its pool in that generation */
	struct tls_conn *tls;      /* the client over TLS, or NULL */
	struct tcp_conn *client;   /* the client's TCP connection (under tls when TLS) */
	struct tcp_conn *backend;  /* NULL until a connect is under way */
	int server;                /* index in the pool, -1 none */
	uint32_t tried;            /* servers already tried, as a bit mask */
	uint8_t retries_left;
	bool connected;            /* backend established */
	bool client_gone;          /* the client side's closed() came */
	bool client_done;          /* the client sent all it will send */
	bool backend_done;         /* the backend sent all it will send */
	bool up_shut;              /* FIN sent to the backend */
	bool down_shut;            /* close_notify/FIN sent to the client */
	bool paused;               /* client reading paused: the up queue is full */
	uint8_t end;               /* enum access_end: how it ended, for the access log */
	bool resumed;
	uint16_t tls_version;      /* 0 for a plain TCP client */
	struct ip_addr client_addr;
	uint16_t client_port;
	struct ip_addr server_addr; /* the last server tried; family 0: none */
	uint16_t server_port;
	char sni[64];              /* for the access log */
	char alpn[24];
	char cipher[48];
	uint32_t up_bytes;         /* in up (here: fills the hole after cipher) */
	struct rte_mbuf *pp_header; /* the PROXY header waiting for the connect, or NULL */
	struct rte_mbuf *up;       /* client bytes waiting for the backend */
	uint64_t bytes_up, bytes_down;
	uint64_t start;            /* TSC */
	uint64_t connect_start;    /* TSC */
	uint64_t last_active;      /* TSC */
	TAILQ_ENTRY(proxy_sess) link;
};

TAILQ_HEAD(proxy_sess_list, proxy_sess);

/* A redirect_https client that has not been answered yet (lib/proxy/redirect.c). */
struct redirect_conn {
	struct proxy_listener *pl;
	struct tcp_conn *c;
	uint64_t start; /* TSC at accept: the FIFO is in this order */
	TAILQ_ENTRY(redirect_conn) link;
	struct http_redirect_req req;
};

TAILQ_HEAD(redirect_list, redirect_conn);

/* A built-in service's state for one connection (echo or discard, TLS or plain TCP). */
struct service_conn {
	struct proxy_listener *pl;
	struct tls_conn *tc;      /* over TLS, or NULL */
	struct tcp_conn *c;       /* plain TCP, or NULL */
	struct rte_mbuf *pending; /* TLS echo: what the send side could not take yet */
	uint32_t pending_bytes;
	bool peer_done;
	bool closed;              /* our FIN (or close_notify) is queued */
	bool aborted;             /* idle: reset, waiting for closed() */
	uint64_t last_active;     /* TSC of the last byte in */
	TAILQ_ENTRY(service_conn) link;
};

TAILQ_HEAD(service_list, service_conn);

struct proxy_worker {
	const struct config *cfg;
	struct net_ctx *net;
	struct tcp_stack *tcp;
	struct tls_worker *tls;
	struct proxy_health *health;
	struct proxy_counters *ctr;
	struct rte_mempool *sess_pool;
	struct rte_mempool *svc_pool;
	struct rte_mempool *redirect_pool; /* NULL when no listener redirects */
	struct redirect_list redirects;    /* oldest first: the timeout looks at the head only */
	struct edge_counters *edge_ctr;
	struct proxy_gen *gen;  /* RCU: the current generation, taken by new sessions */
	uint64_t polled_gen;    /* id of the generation the last poll saw */
	struct proxy_gen *checks_gen; /* worker 0: the generation whose checks it runs (held) */
	struct proxy_sess_list sessions;
	struct service_list services; /* built-in service connections, for the idle timeout */
	unsigned int n_sessions;
	uint64_t next_scan;     /* TSC: connect and idle timeouts */
	unsigned int n_listeners;
	struct proxy_listener listeners[CONFIG_MAX_LISTENERS];
	struct rte_ring *access;      /* finished sessions for the control thread, or NULL */
};

extern const struct tcp_upper_ops proxy_tcp_client_ops;
extern const struct tls_app_ops proxy_tls_client_ops;
extern const struct tls_app_ops service_tls_ops;
extern const struct tcp_upper_ops redirect_ops;

/* Requests not whole within limits.redirect_timeout_ms get a 408 and a FIN. */
unsigned int redirect_poll(struct proxy_worker *pw);

/* Built-in service connections silent for longer than idle (TSC) are reset; returns how many. */
unsigned int services_scan_idle(struct proxy_worker *pw, uint64_t now, uint64_t idle);

/* Hold and let go of a generation: written by the owning worker only (see proxy_gen). */
static inline void proxy_gen_hold(struct proxy_gen *g)
{
	__atomic_store_n(&g->holds, g->holds + 1, __ATOMIC_RELAXED);
}

static inline void proxy_gen_release(struct proxy_gen *g)
{
	/* release: this worker's last use of g comes before the control thread sees the count */
	__atomic_store_n(&g->holds, g->holds - 1, __ATOMIC_RELEASE);
}

/* Connect and idle timeouts over this worker's sessions. */
unsigned int proxy_scan_timeouts(struct proxy_worker *pw);

/* The port whose subnet holds addr (network order), else the first with a gateway; -1. */
int proxy_port_for(const struct net_ctx *net, const struct ip_addr *a);
/* The port a server is reached through: its zone's (a link-local one), else by its address. */
int proxy_server_port(const struct net_ctx *net, const struct config_server *sv);

#endif

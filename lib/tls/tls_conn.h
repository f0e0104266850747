/* SPDX-License-Identifier: BSD-3-Clause */
/* A TLS connection on a worker, and the worker's TLS state (private to lib/tls). */
#ifndef TLSTERM_TLS_CONN_H
#define TLSTERM_TLS_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>
#include <tlsterm/net.h>
#include <tlsterm/tcp.h>
#include <tlsterm/tls.h>

#include "tls_ctx.h"
#include "tls_handshake.h"
#include "tls_record.h"

struct tls_worker;

/*
 * One worker's share of one configuration generation: what a reload may
 * change for TLS. The control thread builds it (SSL_CTX creation and file
 * reads belong there), publishes it with rcu_assign_pointer and frees it once
 * a grace period has passed AND no handshake uses it any more. Only the
 * handshake needs it: at the hand-off the SSL object is freed and the
 * connection keeps keys, so `handshakes` counts handshakes, not connections.
 */
struct tls_gen {
	uint64_t id;
	const struct config *cfg;   /* the generation's; lc[].cfg points into it */
	uint64_t hs_timeout_tsc;
	/*
	 * Handshakes started on this generation and not yet ended. Written by the
	 * owning worker only (no read-modify-write shared with anyone: no atomics
	 * on the packet path); the control thread reads it with an acquire load.
	 * After the grace period that follows unpublishing, it can only go down.
	 */
	uint64_t handshakes;
	struct tls_listener_ctx lc[CONFIG_MAX_LISTENERS]; /* indexed like cfg->listeners */
};

/* What stays across generations: the listening port and the layer above. */
struct tls_listener {
	const struct config_listener *cfg; /* restart-only fields only (the port) */
	const struct tls_app_ops *ops; /* the layer above */
	void *arg;
	struct tls_worker *tw;
};

enum tls_conn_state {
	TLS_CONN_HANDSHAKE,
	TLS_CONN_OPEN,
	TLS_CONN_CLOSED, /* handshake failed, or the record layer failed: only waiting for TCP */
};

struct tls_conn {
	struct tcp_conn *tcp;
	struct tls_listener *lsn;
	struct tls_gen *gen;    /* TLS_CONN_HANDSHAKE only: the contexts it runs on */
	uint8_t state;          /* enum tls_conn_state */
	bool rx_queued;         /* records of ours are in this iteration's burst */
	bool fin_after_flush;   /* half-close TCP once `out` is sent */
	bool fin_sent;
	bool doomed;            /* abort at the next chance outside the burst */
	bool in_post;
	bool paused;            /* the app takes no more data for now */
	bool tx_busy;           /* plaintext went to the record layer in this burst */
	bool app_told_done;     /* peer_done() was called */
	void *app;              /* the app's state, from open() */
	struct rte_mbuf *out;   /* protected bytes waiting for TCP send space */
	uint32_t out_bytes;
	uint64_t hs_start;      /* TSC */
	TAILQ_ENTRY(tls_conn) hs_link;   /* handshaking, oldest first */
	TAILQ_ENTRY(tls_conn) post_link; /* needs attention after the burst */
	union {
		struct tls_hs hs;       /* TLS_CONN_HANDSHAKE */
		struct tls_record rec;  /* TLS_CONN_OPEN */
	} u;
};

TAILQ_HEAD(tls_conn_list, tls_conn);

struct tls_worker {
	const struct config *cfg;
	struct net_ctx *net;
	struct tls_counters *ctr;
	struct tls_engine *engine;
	struct tls_burst *burst;
	struct rte_mempool *conn_pool;
	unsigned int n_listeners;
	struct tls_listener listeners[CONFIG_MAX_LISTENERS];
	struct tls_conn_list handshaking;
	struct tls_conn_list post;
	struct tls_gen *gen;    /* RCU: the current generation, taken by new handshakes */
	uint64_t hs_timeout_tsc; /* the current generation's, read once per poll */
	uint64_t next_key_sweep; /* TSC: idle connections' key schedules go back then */
	unsigned int n_handshaking;   /* on the handshaking list */
	unsigned int max_handshaking; /* edge.max_handshaking: more are reset at once */
	unsigned int n_conns;
};

extern const struct tcp_upper_ops tls_tcp_ops;

/* After the burst: half-closes, aborts and more input for the connections that asked. */
unsigned int tls_conn_post_burst(struct tls_worker *tw);

/* Abort handshakes older than the timeout. */
unsigned int tls_conn_expire_handshakes(struct tls_worker *tw);

#endif

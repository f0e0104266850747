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

struct tls_listener {
	struct tls_listener_ctx lc;
	const struct config_listener *cfg;
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
	uint64_t hs_timeout_tsc;
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

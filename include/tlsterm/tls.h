/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS termination for a worker: handshakes in OpenSSL over memory BIOs, then
 * tlsterm's own record layer (lib/tls/tls_record.h) once they complete.
 */
#ifndef TLSTERM_TLS_H
#define TLSTERM_TLS_H

#include <stdint.h>

#include <tlsterm/config.h>
#include <tlsterm/net.h>
#include <tlsterm/tcp.h>

struct tls_worker;

/*
 * Per worker: OpenSSL contexts for every TLS listener (built from the config,
 * certificates loaded), the crypto engine and the record burst. NULL on error
 * with a message in err.
 */
struct tls_worker *tls_worker_create(const struct config *cfg, struct net_ctx *net,
				     char *err, size_t errlen);
void tls_worker_free(struct tls_worker *tw);

/* Start TLS listeners of cfg on the worker's TCP stack (those with tls.enabled). */
int tls_worker_listen(struct tls_worker *tw, struct tcp_stack *tcp);

/*
 * Once per loop iteration: run the gathered record crypto, deliver its
 * results, and close handshakes that ran out of time. Returns work done.
 */
unsigned int tls_worker_poll(struct tls_worker *tw);

/* TLS connections of this worker (handshaking or established). */
unsigned int tls_worker_conn_count(const struct tls_worker *tw);

/* The record engine in use ("ipsec-mb" or "evp"). */
const char *tls_worker_engine(const struct tls_worker *tw);

/*
 * Session-ticket keys, owned by the control thread: generated (or read from
 * cfg->tickets.key_file) at start, rotated with tls_tickets_rotate(). Workers
 * read them through RCU. Returns 0 or -1 with err set.
 */
int tls_tickets_init(const struct config *cfg, char *err, size_t errlen);
/* A new encryption key; the previous ones stay for decryption. Control thread only. */
void tls_tickets_rotate(void);
void tls_tickets_fini(void);

#endif

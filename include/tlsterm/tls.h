/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS termination for a worker: handshakes in OpenSSL over memory BIOs, then
 * tlsterm's own record layer (lib/tls/tls_record.h) once they complete.
 */
#ifndef TLSTERM_TLS_H
#define TLSTERM_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <tlsterm/config.h>
#include <tlsterm/net.h>
#include <tlsterm/tcp.h>

struct tls_worker;
struct tls_ocsp_set;

/*
 * One worker's TLS share of a configuration generation: the OpenSSL contexts
 * of every TLS listener (certificates and keys read from disk, SNI table,
 * ALPN, versions, suites) and the handshake timeout. Built on the control
 * thread from cfg, which must outlive it. ocsp (may be NULL; must outlive the
 * generation) gives the responses to staple, counted in ctr (the worker's).
 * NULL on error with err set.
 */
struct tls_gen;
struct tls_gen *tls_gen_create(const struct config *cfg, struct tls_ocsp_set *ocsp,
			       struct tls_counters *ctr, uint64_t id, uint64_t tsc_hz, char *err,
			       size_t errlen);
void tls_gen_free(struct tls_gen *g);
/* Handshakes still running on g (control thread; g no longer published). */
uint64_t tls_gen_handshakes(const struct tls_gen *g);

/*
 * Per worker: the crypto engine, the record burst, the listeners of cfg (whose
 * restart-only fields it keeps using) and gen, its first generation (taken on
 * success only). NULL on error with a message in err.
 */
struct tls_worker *tls_worker_create(const struct config *cfg, struct net_ctx *net,
				     struct tls_gen *gen, char *err, size_t errlen);
/* Frees the current generation too: call after the worker has stopped. */
void tls_worker_free(struct tls_worker *tw);

/*
 * Control thread: make g the generation new handshakes take; returns the one
 * it replaces, still in use until synchronize_rcu() has passed and
 * tls_gen_handshakes() of it is 0.
 */
struct tls_gen *tls_worker_publish(struct tls_worker *tw, struct tls_gen *g);

struct tls_conn;

/* What the handshake chose, for the layer above (PROXY v2 TLVs, the access log). */
struct tls_session_info {
	uint16_t version;   /* 0x0304 or 0x0303 */
	uint16_t cipher_id; /* IANA number */
	bool resumed;
	char version_name[8]; /* "TLSv1.3" */
	char cipher[48];      /* OpenSSL's standard (RFC) name */
	char sig_alg[24];     /* the signature we made, e.g. "ECDSA-SHA256", "RSA-PSS-SHA256" */
	char key_alg[16];     /* our certificate's key, e.g. "EC256", "RSA2048" */
	char sni[256];
	char alpn[256];
};

/*
 * The layer above a TLS listener (the proxy, or a built-in service). Calls
 * come from the worker; data() and peer_done() may come from inside the
 * record burst, where the app may send, pause and close but not free the
 * connection: tls_conn_abort() is carried out after the burst.
 */
struct tls_app_ops {
	/* Handshake done: return the app's state for the connection, or NULL to close it. */
	void *(*open)(void *arg, struct tls_conn *tc, const struct tls_session_info *info);
	void (*data)(void *app, struct rte_mbuf *plain); /* in order; the app owns the chain */
	void (*writable)(void *app);                     /* tls_conn_send_space() grew */
	void (*peer_done)(void *app);                    /* close_notify or FIN: no more data */
	void (*closed)(void *app);                       /* gone; tc is invalid from here */
};

/* Serve cfg->listeners[index] (which has tls.enabled) on tcp with ops. */
int tls_worker_listen(struct tls_worker *tw, struct tcp_stack *tcp, unsigned int index,
		      const struct tls_app_ops *ops, void *arg);

/* Plaintext the connection takes now without queueing beyond TCP's send buffer. */
uint32_t tls_conn_send_space(const struct tls_conn *tc);
/* Queue plaintext: 0 (m taken), or -ENOBUFS / -EPIPE (m not taken). */
int tls_conn_send(struct tls_conn *tc, struct rte_mbuf *m);
/* Stop or resume taking the peer's data (the app's own buffer is full). */
void tls_conn_pause(struct tls_conn *tc, bool paused);
/* close_notify after what is queued, then FIN. */
void tls_conn_close(struct tls_conn *tc);
/* Reset (after the burst when called from inside it). */
void tls_conn_abort(struct tls_conn *tc);
/* The TCP connection underneath (addresses for PROXY headers and logs). */
struct tcp_conn *tls_conn_tcp(const struct tls_conn *tc);

/*
 * Once per loop iteration: run the gathered record crypto, deliver its
 * results, and close handshakes that ran out of time. Returns work done.
 */
unsigned int tls_worker_poll(struct tls_worker *tw);

/* TLS connections of this worker (handshaking or established). */
unsigned int tls_worker_conn_count(const struct tls_worker *tw);

/* crypto.key_schedules when unset: max_connections / 2, at least 1024. */
unsigned int tls_default_key_schedules(unsigned int max_connections);

/* Key schedules lent to this worker's connections now; *size gets its cache's size. */
unsigned int tls_worker_key_schedules(const struct tls_worker *tw, unsigned int *size);

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

/*
 * OCSP responses to staple, owned by the control thread: one per certificate
 * entry with an ocsp: file, read and checked now (NULL with err on any fault).
 * Workers read them through RCU.
 */
struct tls_ocsp_set *tls_ocsp_set_create(const struct config *cfg, char *err, size_t errlen);
/*
 * Re-read the files that changed since they were read (inode, size, mtime) and
 * publish what checks out; a file that does not keeps the response before it
 * (stapled until it expires) with a warning, and a valid "revoked" stops the
 * stapling. Counted in ctr's ocsp_refresh_ok/failed. Control thread only.
 */
void tls_ocsp_set_refresh(struct tls_ocsp_set *set, struct tls_counters *ctr);
/* Once no worker can read it any more (they stopped, or after synchronize_rcu()). */
void tls_ocsp_set_free(struct tls_ocsp_set *set);

/*
 * Reload, in two steps so that a failed reload changes nothing: prepare reads
 * cfg->tickets.key_file again (or makes a fresh key when a key file is given
 * up) into *out without publishing; *out stays NULL when the keys are to stay
 * as they are (generated keys, no file before or now). 0, or -1 with err set.
 * commit publishes what prepare made (NULL: nothing to do); discard drops it.
 */
struct tls_ticket_keys;
int tls_tickets_prepare(const struct config *cfg, struct tls_ticket_keys **out, char *err,
			size_t errlen);
void tls_tickets_commit(const struct config *cfg, struct tls_ticket_keys *k);
void tls_tickets_discard(struct tls_ticket_keys *k);

#endif

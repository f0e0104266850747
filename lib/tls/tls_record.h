/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlsterm's own TLS record layer, after the hand-off from OpenSSL: TLS 1.3
 * (RFC 8446 §5) and TLS 1.2 AEAD records (RFC 5246 §6.2.3.3, RFC 5288,
 * RFC 7905). Records are opened and sealed in place in mbuf chains; the AEAD
 * work of all connections of a worker is gathered in one burst and run once
 * per loop iteration (tls_burst_run), then completions run in queue order.
 */
#ifndef TLSTERM_TLS_RECORD_H
#define TLSTERM_TLS_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "tls_aead.h"
#include "tls_keys.h"

#define TLS_RECORD_HDR 5
#define TLS_MAX_PLAINTEXT 16384
#define TLS_SMALL_RECORD 1369 /* fits one 1460-byte MSS with header, type and tag */

/* Alert descriptions (RFC 8446 §6). */
enum tls_alert {
	TLS_ALERT_CLOSE_NOTIFY = 0,
	TLS_ALERT_UNEXPECTED_MESSAGE = 10,
	TLS_ALERT_BAD_RECORD_MAC = 20,
	TLS_ALERT_RECORD_OVERFLOW = 22,
	TLS_ALERT_HANDSHAKE_FAILURE = 40,
	TLS_ALERT_ILLEGAL_PARAMETER = 47,
	TLS_ALERT_DECODE_ERROR = 50,
	TLS_ALERT_PROTOCOL_VERSION = 70,
	TLS_ALERT_INTERNAL_ERROR = 80,
	TLS_ALERT_USER_CANCELED = 90,
	TLS_ALERT_NO_RENEGOTIATION = 100,
	TLS_ALERT_UNRECOGNIZED_NAME = 112,
	TLS_ALERT_NO_APPLICATION_PROTOCOL = 120,
};

/* One direction's protection state. */
struct tls_dir {
	struct tls_aead_key key;
	uint8_t iv[TLS_AEAD_NONCE_LEN]; /* 1.3: the per-record nonce base; 1.2: salt (GCM) or IV */
	uint64_t seq;
	uint8_t secret[TLS_SECRET_MAX]; /* 1.3: current traffic secret, for KeyUpdate */
};

/* What a connection's record layer tells the layer above. */
struct tls_record_events {
	/* Application data, in order; the callee owns the chain. */
	void (*data)(void *owner, struct rte_mbuf *plain);
	/* Protected records ready for TCP, in order; the callee owns the chain. */
	void (*records)(void *owner, struct rte_mbuf *wire);
	/*
	 * The connection must end: the peer's close_notify (alert 0, after all its
	 * data), a fatal alert received (received = true), or one we sent
	 * (received = false, already handed over through records()). Also our
	 * own close_notify once handed over (CLOSE_NOTIFY, false): half-close TCP;
	 * the peer may still send until its close_notify. Callbacks run last for
	 * their record: the owner may tls_burst_cancel and free r inside them.
	 */
	void (*closing)(void *owner, enum tls_alert alert, bool received);
};

/* A worker's gathered AEAD work. */
struct tls_burst;

/* Per connection, from the hand-off on. */
struct tls_record {
	uint16_t version;  /* 0x0304 or 0x0303 */
	uint8_t alg;       /* enum tls_aead_alg */
	uint8_t hash;      /* enum tls_hash */
	struct tls_dir rd, wr;
	uint16_t peer_limit;   /* largest plaintext the peer takes (RFC 8449), <= 16384 */
	uint16_t our_limit;    /* largest plaintext we take, <= 16384 */
	struct rte_mbuf *in;   /* received bytes not yet a whole record */
	uint32_t in_len;
	uint64_t sent_bytes;   /* plaintext sent: small records while the connection is new */
	uint64_t last_send_us; /* ... and again after an idle second */
	bool failed;           /* an alert was sent or received: nothing more in or out */
	bool peer_closed;      /* close_notify received */
	bool we_closed;        /* close_notify sent */
	bool key_update_due;   /* our KeyUpdate must go out before more data (peer asked, or limit) */
	const struct tls_record_events *ev;
	void *owner;

	/* Private to the record layer and the burst from here on. */
	struct rte_mbuf *out;  /* plaintext not yet cut into records (burst full, no mbufs) */
	struct rte_mbuf *out_last;
	uint32_t out_len;
	struct tls_record *wait_next, *wait_prev; /* the burst's list of records with work left */
	uint16_t queued;       /* records of ours in the burst */
	uint8_t hs_buf[4];     /* 1.3: the start of a handshake message split across records */
	uint8_t hs_have;
	uint8_t alert;         /* the alert to send when alert_due */
	bool alert_due;        /* a fatal alert (or close_notify) waits for a burst slot */
	bool warn_due;         /* 1.2: a no_renegotiation warning waits */
	bool close_due;        /* close_notify after the plaintext still in out */
	bool ku_request;       /* our KeyUpdate asks for the peer's (update_requested) */
	bool ku_in_flight;     /* our KeyUpdate is queued: the new write key comes at completion */
	bool rx_stopped;       /* no more input: peer closed, a bad record found, or failed */
	bool waiting;          /* on the burst's list */
	bool tx_nobufs;        /* out is stuck on mbufs */
};

/* 1.3: our KeyUpdate goes out once this many records used one write key (RFC 8446 §5.5). */
#define TLS13_WRITE_KEY_LIMIT (UINT64_C(1) << 24)

/*
 * TLS 1.3 hand-off. read_secret/write_secret are the client's and server's
 * application traffic secrets (we are the server: we read with the client's);
 * write_seq is the number of records OpenSSL already wrote with write_secret
 * (its NewSessionTickets). 0, or -1 when a key cannot be made.
 */
int tls_record_init13(struct tls_record *r, const struct tls_engine *e, enum tls_aead_alg alg,
		      const uint8_t *read_secret, const uint8_t *write_secret, uint64_t write_seq,
		      const struct tls_record_events *ev, void *owner);

/* TLS 1.2 hand-off from the key block; both sequence numbers start at 1. */
int tls_record_init12(struct tls_record *r, const struct tls_engine *e, enum tls_aead_alg alg,
		      const struct tls12_key_block *kb, const struct tls_record_events *ev,
		      void *owner);

/*
 * Wipe keys, give their schedules back to b's cache, free buffered input. The
 * record must have nothing queued (tls_burst_cancel). b may be NULL only for a
 * record that never went through a burst.
 */
void tls_record_fini(struct tls_record *r, struct tls_burst *b);


struct tls_counters;
/*
 * mp gives header/trailer mbufs; ctr is the worker's (records, bytes, alerts,
 * bursts, key schedules). key_schedules: how many expanded keys the records
 * may hold at once (tls_sched_cache.h; at least 2 * max_records + 1).
 */
struct tls_burst *tls_burst_create(struct tls_engine *e, struct rte_mempool *mp,
				   struct tls_counters *ctr, unsigned int max_records,
				   unsigned int key_schedules, int socket);
void tls_burst_free(struct tls_burst *b);

/* Once a second: keys unused since the last call give their schedules back. How many did. */
unsigned int tls_burst_sweep_keys(struct tls_burst *b);

/* Key schedules lent out now; *size (if not NULL) gets the cache's size. */
unsigned int tls_burst_key_schedules(const struct tls_burst *b, unsigned int *size);

/* Records waiting for tls_burst_run. */
unsigned int tls_burst_pending(const struct tls_burst *b);

/*
 * Bytes from TCP (the record layer owns m). Whole records are queued for
 * opening; a partial record waits for more. Errors found before decryption
 * (bad header, oversized record) queue the right alert and mark the record
 * failed; the events say so at tls_burst_run.
 */
void tls_record_rx(struct tls_record *r, struct tls_burst *b, struct rte_mbuf *m);

/*
 * Plaintext to send (the record layer owns m): cut into records of at most
 * peer_limit bytes (TLS_SMALL_RECORD while new or after an idle second) and
 * queued for sealing. When the burst is full the rest waits in r->out and goes
 * out at the next tls_burst_run. -ENOBUFS when mbufs ran out before anything
 * of m was queued: m is NOT taken (the caller keeps it and retries later, as
 * with tcp_send). -EPIPE after a failure or close: m is not taken.
 * m's bytes are encrypted in place: they must not be shared with anyone else.
 */
int tls_record_tx(struct tls_record *r, struct tls_burst *b, struct rte_mbuf *m, uint64_t now_us);

/*
 * Queue close_notify after the data given so far (then the layer above
 * half-closes TCP). closing(CLOSE_NOTIFY, false) says when it was handed over
 * through records(). -EPIPE when already closed or failed.
 */
int tls_record_close(struct tls_record *r, struct tls_burst *b);

/* Queue a fatal alert; the record fails. */
int tls_record_alert(struct tls_record *r, struct tls_burst *b, enum tls_alert alert);

/* Queue our KeyUpdate (RFC 8446 §4.6.3); request_peer asks the peer for one too. 1.3 only. */
int tls_record_key_update(struct tls_record *r, struct tls_burst *b, bool request_peer);

/* Drop every queued record of r (it is going away). */
void tls_burst_cancel(struct tls_burst *b, struct tls_record *r);

/*
 * Run the engine once over everything queued, then the completions in queue
 * order. Work queued by completions runs in a further round within this call.
 * Returns the number of records processed.
 */
unsigned int tls_burst_run(struct tls_burst *b);

#endif

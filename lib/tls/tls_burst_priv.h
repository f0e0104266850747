/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/tls: the burst's ring of queued records (tls_burst.c) and
 * the record layer's side of it (tls_record.c). Every slot is one record of
 * one connection; slots complete in queue order, so a connection's records
 * keep theirs.
 */
#ifndef TLSTERM_TLS_BURST_PRIV_H
#define TLSTERM_TLS_BURST_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "tls_record.h"

enum tls_slot_kind {
	SLOT_OPEN,       /* a received record */
	SLOT_SEAL,       /* application data to send */
	SLOT_ALERT,      /* an alert to send (close_notify, fatal, or a 1.2 warning) */
	SLOT_KEY_UPDATE, /* our KeyUpdate */
	SLOT_ERROR,      /* a received record was refused before decryption: no engine work */
};

struct tls_slot {
	struct tls_record *r; /* NULL once completed or cancelled */
	struct rte_mbuf *m;   /* the record (open) or the wire chain (seal) */
	uint64_t seq;
	uint32_t len;         /* open: body length (ciphertext without tag); seal: plaintext */
	uint16_t body_off;    /* open: where the ciphertext starts in m */
	uint8_t kind;         /* enum tls_slot_kind */
	uint8_t alert;        /* ALERT/ERROR: description; KEY_UPDATE: request_update */
	uint8_t level;        /* ALERT: 1 warning, 2 fatal */
	uint8_t hdr_type;     /* open: the outer content type */
	bool ran;             /* went through the engine in this round */
	uint8_t tag[TLS_AEAD_TAG_LEN]; /* open: a tag split over mbufs, copied here */
};

struct tls_burst {
	struct tls_engine *e;
	struct rte_mempool *mp;
	struct tls_counters *ctr;
	struct tls_sched_cache *sc; /* key schedules for the engine, NULL when it needs none */
	unsigned int cap;
	unsigned int head;  /* oldest queued slot */
	unsigned int count; /* queued slots, completed ones not yet passed included */
	bool running;
	struct tls_record *wait_first; /* records with input or output left over */
	struct tls_record *wait_last;
	uint8_t scratch_tag[TLS_AEAD_TAG_LEN];
	struct tls_aead_op *ops; /* cap of each, same index */
	struct tls_slot *slots;
};

/* A free slot at the tail (its op zeroed but for the segments), or -1 when full. */
int burst_reserve(struct tls_burst *b, struct tls_record *r);
/* Give back the slot just reserved (nothing was queued after it). */
void burst_unreserve(struct tls_burst *b, int idx);
/* Put r on the list of records to pump again before the next round. */
void burst_wait(struct tls_burst *b, struct tls_record *r);
void burst_unwait(struct tls_burst *b, struct tls_record *r);
/* The slot at ring position k after the head (0 = head). */
static inline unsigned int burst_index(const struct tls_burst *b, unsigned int k)
{
	return (b->head + k) % b->cap;
}

/* tls_record.c: what the burst calls. */
/* Queue whatever r has waiting (input records, alerts, KeyUpdate, plaintext). No callbacks. */
void record_pump(struct tls_record *r, struct tls_burst *b);
/* Slot idx went through the engine (or is an ERROR slot): finish it; callbacks run last. */
void record_complete(struct tls_burst *b, unsigned int idx);
/* Free a cancelled slot's mbufs and fix r's state (sequence numbers of unsent records). */
void record_slot_drop(struct tls_burst *b, unsigned int idx);

#endif

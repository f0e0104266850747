/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD crypto for the record layer, behind one small interface with two
 * engines: ipsec-mb (default; one burst per worker loop iteration) and
 * OpenSSL EVP (reference, and the fallback on CPUs without AES-NI/AVX2).
 * One engine per worker; keys are expanded for the engine that will use them,
 * into schedules held apart from the keys.
 */
#ifndef TLSTERM_TLS_AEAD_H
#define TLSTERM_TLS_AEAD_H

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

enum tls_aead_alg {
	TLS_AEAD_AES_128_GCM,
	TLS_AEAD_AES_256_GCM,
	TLS_AEAD_CHACHA20_POLY1305,
};

enum tls_engine_kind {
	TLS_ENGINE_IPSECMB,
	TLS_ENGINE_EVP,
};

#define TLS_AEAD_TAG_LEN 16
#define TLS_AEAD_NONCE_LEN 12
#define TLS_AEAD_KEY_MAX 32
#define TLS_AEAD_AAD_MAX 13   /* TLS 1.2: seq(8) type(1) version(2) length(2); 1.3: 5 */
#define TLS_AEAD_SEGS_MAX 20  /* a 16 KiB record over 1 KiB-ish mbufs, with room */
/* Room for the largest expansion: ipsec-mb 1.3's struct gcm_key_data is 1008 bytes. */
#define TLS_AEAD_SCHED_BYTES 1024

/*
 * An engine's expansion of one key (ipsec-mb's gcm_key_data: round keys and
 * GHASH powers). Kept apart from the key, so that a connection holds one only
 * while it moves data (tls_sched_cache.h): 1 KiB per direction is most of an
 * idle connection otherwise.
 */
struct tls_aead_sched {
	alignas(64) uint8_t bytes[TLS_AEAD_SCHED_BYTES];
};

/* Key length in bytes for alg (16 or 32). */
unsigned int tls_aead_key_len(enum tls_aead_alg alg);

/*
 * A key for one engine. Ops may use it once tls_aead_key_ready(): engines that
 * work from the raw key (EVP, ChaCha20-Poly1305) at once, ipsec-mb's AES-GCM
 * once expanded into a schedule (tls_aead_key_expand).
 */
struct tls_aead_key {
	uint8_t alg;      /* enum tls_aead_alg */
	uint8_t engine;   /* enum tls_engine_kind it is for */
	bool needs_sched; /* the engine runs it from an expansion only */
	uint32_t epoch;   /* the schedule cache's epoch when the expansion was last used */
	uint8_t raw[TLS_AEAD_KEY_MAX];
	struct tls_aead_sched *sched; /* the expansion, or NULL */
};

static inline bool tls_aead_key_ready(const struct tls_aead_key *k)
{
	return k->sched != NULL || !k->needs_sched;
}

/* A piece of the record's body, encrypted or decrypted in place. */
struct tls_aead_seg {
	uint8_t *data;
	uint32_t len;
};

/* One record's worth of work. */
struct tls_aead_op {
	const struct tls_aead_key *key;
	uint8_t nonce[TLS_AEAD_NONCE_LEN];
	uint8_t aad[TLS_AEAD_AAD_MAX];
	uint8_t aad_len;
	bool seal;             /* true: encrypt and write tag; false: decrypt and check tag */
	uint8_t n_seg;
	struct tls_aead_seg seg[TLS_AEAD_SEGS_MAX];
	uint8_t *tag;          /* TLS_AEAD_TAG_LEN bytes; contiguous */
	int result;            /* set by the engine: 0, or -EBADMSG when the tag is wrong */
};

struct tls_engine;

/* NULL when the engine cannot run on this CPU (e.g. ipsec-mb without AES-NI). */
struct tls_engine *tls_engine_create(enum tls_engine_kind kind);
void tls_engine_free(struct tls_engine *e);
enum tls_engine_kind tls_engine_kind(const struct tls_engine *e);
const char *tls_engine_name(const struct tls_engine *e); /* "ipsec-mb", "evp" */

/* Set k to key (tls_aead_key_len(alg) bytes) for engine e, not yet expanded. 0 or -EINVAL. */
int tls_aead_key_init(const struct tls_engine *e, struct tls_aead_key *k, enum tls_aead_alg alg,
		      const uint8_t *key);
/* Expand k into s, which k then uses until tls_aead_key_detach. 0 or -EINVAL. */
int tls_aead_key_expand(const struct tls_engine *e, struct tls_aead_key *k,
			struct tls_aead_sched *s);
/* Wipe k's expansion and let go of it: the schedule it had, or NULL. */
struct tls_aead_sched *tls_aead_key_detach(struct tls_aead_key *k);
/* Wipe a key (raw, and the expansion if attached) when a connection ends or rekeys. */
void tls_aead_key_wipe(struct tls_aead_key *k);

/*
 * Run n operations; every op's result is set when this returns. Ops of any
 * connections and algorithms may be mixed; on decrypt failure the segments hold
 * garbage (the caller closes the connection, or restores them — see below).
 */
void tls_engine_run(struct tls_engine *e, struct tls_aead_op *ops, unsigned int n);

#endif

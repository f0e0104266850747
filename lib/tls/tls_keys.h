/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key schedule pieces the record layer needs after the hand-off from OpenSSL:
 * TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1) for key, iv and "traffic upd";
 * the TLS 1.2 key block (RFC 5246 §6.3) with the TLS PRF.
 */
#ifndef TLSTERM_TLS_KEYS_H
#define TLSTERM_TLS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "tls_aead.h"

#define TLS_SECRET_MAX 48 /* SHA-384 */

enum tls_hash {
	TLS_HASH_SHA256,
	TLS_HASH_SHA384,
};

unsigned int tls_hash_len(enum tls_hash h); /* 32 or 48 */

/* The hash of a TLS 1.3 suite: SHA-384 for AES-256-GCM, else SHA-256. */
enum tls_hash tls13_suite_hash(enum tls_aead_alg alg);

/* HKDF-Expand-Label(secret, label, context, out_len); label without "tls13 ". 0 or -1. */
int tls13_expand_label(enum tls_hash h, const uint8_t *secret, const char *label,
		       const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

/* key = Expand-Label(secret, "key", "", key_len); iv = Expand-Label(secret, "iv", "", 12). */
int tls13_traffic_key_iv(enum tls_aead_alg alg, const uint8_t *secret, uint8_t *key,
			 uint8_t iv[TLS_AEAD_NONCE_LEN]);

/* secret = Expand-Label(secret, "traffic upd", "", hash_len), in place (RFC 8446 §7.2). */
int tls13_next_secret(enum tls_hash h, uint8_t *secret);

/*
 * TLS 1.2 AEAD key block (RFC 5246 §6.3; RFC 5288, RFC 7905): PRF(master,
 * "key expansion", server_random + client_random) cut into client key,
 * server key, client IV, server IV. The IV is the 4-byte implicit salt for
 * AES-GCM and 12 bytes for ChaCha20-Poly1305 (the unused tail is zero).
 */
struct tls12_key_block {
	uint8_t client_key[TLS_AEAD_KEY_MAX];
	uint8_t server_key[TLS_AEAD_KEY_MAX];
	uint8_t client_iv[TLS_AEAD_NONCE_LEN];
	uint8_t server_iv[TLS_AEAD_NONCE_LEN];
};
int tls12_key_block(enum tls_aead_alg alg, enum tls_hash prf_hash, const uint8_t master[48],
		    const uint8_t client_random[32], const uint8_t server_random[32],
		    struct tls12_key_block *out);

#endif

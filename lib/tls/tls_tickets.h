/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLSTERM_TLS_TICKETS_H
#define TLSTERM_TLS_TICKETS_H

#include <stdint.h>

#include <openssl/ssl.h>

#define TLS_TICKET_KEY_LEN 80
#define TLS_TICKET_KEYS_MAX 8
#define TLS_TICKET_ROTATED_KEEP 2 /* the current key and the one before it */

struct tls_ticket_key {
	uint8_t name[16];
	uint8_t hmac[32];
	uint8_t aes[32];
};

struct tls_ticket_keys {
	EVP_CIPHER *aes_cbc; /* fetched once per set: EVP_aes_256_cbc() is fetched at every init */
	unsigned int n;
	struct tls_ticket_key key[TLS_TICKET_KEYS_MAX];
};

/* For SSL_CTX_set_tlsext_ticket_key_evp_cb. */
int tls_ticket_key_cb(SSL *ssl, unsigned char name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
		      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc);

#endif

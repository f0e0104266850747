/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake driver: OpenSSL over memory BIOs for one connection, up to the
 * hand-off. What the record layer needs comes out of tls_hs_result; the SSL
 * object is freed at once.
 */
#ifndef TLSTERM_TLS_HANDSHAKE_H
#define TLSTERM_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "tls_aead.h"
#include "tls_keys.h"

struct tls_hs {
	SSL *ssl;
	BIO *rbio, *wbio;
	uint8_t client_secret[TLS_SECRET_MAX]; /* CLIENT_TRAFFIC_SECRET_0 from the keylog */
	uint8_t server_secret[TLS_SECRET_MAX]; /* SERVER_TRAFFIC_SECRET_0 */
	uint8_t secret_len;
	uint8_t have_secrets; /* bit 0 client, bit 1 server */
	int alert_sent;       /* the last alert OpenSSL wrote, or -1 */
	uint16_t peer_record_limit; /* the client's record_size_limit (RFC 8449), 0 if none */
};

/* What the hand-off gives the record layer and the layer above. */
struct tls_hs_result {
	uint16_t version; /* 0x0304 or 0x0303 */
	enum tls_aead_alg alg;
	enum tls_hash hash;
	uint64_t write_seq; /* 1.3: records OpenSSL wrote with the server's application secret */
	uint8_t client_secret[TLS_SECRET_MAX];
	uint8_t server_secret[TLS_SECRET_MAX];
	struct tls12_key_block kb;
	bool resumed;
	uint16_t peer_plaintext_limit; /* largest plaintext per record the client takes */
	uint16_t cipher_id; /* IANA number */
	char cipher[48];    /* standard (RFC) name */
	char version_name[8];
	char sig_alg[24];   /* the signature we made, "ECDSA-SHA256" */
	char key_alg[16];   /* our certificate's key, "EC256" */
	char alpn[256];
	char sni[256];
};

enum tls_hs_status {
	TLS_HS_MORE,   /* needs more bytes from the peer */
	TLS_HS_DONE,   /* result filled; the SSL object is gone */
	TLS_HS_FAILED, /* an alert may be waiting in the output; close after sending it */
};

/* Begin a server handshake on ctx. 0 or -1. */
int tls_hs_start(struct tls_hs *hs, SSL_CTX *ctx);
void tls_hs_free(struct tls_hs *hs);

/* Feed peer bytes (copied). 0 or -1 (out of memory). */
int tls_hs_input(struct tls_hs *hs, const void *data, size_t len);

/*
 * Run the handshake as far as the input allows. Output to send is left in the
 * write BIO (tls_hs_output). On TLS_HS_DONE, *res is filled and any bytes the
 * peer sent after its Finished wait in the read BIO (tls_hs_leftover).
 */
enum tls_hs_status tls_hs_step(struct tls_hs *hs, struct tls_hs_result *res);

/* Bytes waiting to be sent: pointer and length, valid until tls_hs_consume. */
size_t tls_hs_output(struct tls_hs *hs, const uint8_t **data);
void tls_hs_consume(struct tls_hs *hs, size_t len);

/* Peer bytes OpenSSL did not read (application records after the Finished). */
size_t tls_hs_leftover(struct tls_hs *hs, const uint8_t **data);

/* The last alert OpenSSL sent, or -1. */
int tls_hs_alert_sent(const struct tls_hs *hs);

/* OpenSSL's keylog callback (SSL_CTX_set_keylog_callback): captures the secrets. */
void tls_hs_keylog(const SSL *ssl, const char *line);

/* Offer and honour record_size_limit (RFC 8449), which OpenSSL 3.0 does not know. */
int tls_hs_add_record_size_limit(SSL_CTX *ctx);

/* Map an IANA suite number to our AEAD and hash; -1 for a suite we don't run. */
int tls_suite_params(uint16_t id, enum tls_aead_alg *alg, enum tls_hash *hash);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "tls_handshake.h"
#include "tls_record.h"

int tls_suite_params(uint16_t id, enum tls_aead_alg *alg, enum tls_hash *hash)
{
	switch (id) {
	case 0x1301: /* TLS_AES_128_GCM_SHA256 */
	case 0xC02B: /* ECDHE-ECDSA-AES128-GCM-SHA256 */
	case 0xC02F: /* ECDHE-RSA-AES128-GCM-SHA256 */
		*alg = TLS_AEAD_AES_128_GCM;
		*hash = TLS_HASH_SHA256;
		return 0;
	case 0x1302: /* TLS_AES_256_GCM_SHA384 */
	case 0xC02C: /* ECDHE-ECDSA-AES256-GCM-SHA384 */
	case 0xC030: /* ECDHE-RSA-AES256-GCM-SHA384 */
		*alg = TLS_AEAD_AES_256_GCM;
		*hash = TLS_HASH_SHA384;
		return 0;
	case 0x1303: /* TLS_CHACHA20_POLY1305_SHA256 */
	case 0xCCA9: /* ECDHE-ECDSA-CHACHA20-POLY1305 */
	case 0xCCA8: /* ECDHE-RSA-CHACHA20-POLY1305 */
		*alg = TLS_AEAD_CHACHA20_POLY1305;
		*hash = TLS_HASH_SHA256;
		return 0;
	default:
		return -1;
	}
}

static int hex_to_bytes(const char *hex, size_t hex_len, uint8_t *out, size_t max)
{
	if (hex_len % 2 != 0 || hex_len / 2 > max)
		return -1;
	for (size_t i = 0; i < hex_len / 2; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(hex_len / 2);
}

/* "LABEL <client_random hex> <secret hex>": keep the two application traffic secrets. */
void tls_hs_keylog(const SSL *ssl, const char *line)
{
	struct tls_hs *hs = SSL_get_app_data(ssl);
	if (hs == NULL)
		return;
	uint8_t *dst;
	uint8_t bit;
	static const char client[] = "CLIENT_TRAFFIC_SECRET_0 ";
	static const char server[] = "SERVER_TRAFFIC_SECRET_0 ";
	if (strncmp(line, client, sizeof(client) - 1) == 0) {
		dst = hs->client_secret;
		bit = 1;
	} else if (strncmp(line, server, sizeof(server) - 1) == 0) {
		dst = hs->server_secret;
		bit = 2;
	} else {
		return;
	}
	const char *sp = strrchr(line, ' ');
	if (sp == NULL)
		return;
	int n = hex_to_bytes(sp + 1, strlen(sp + 1), dst, TLS_SECRET_MAX);
	if (n <= 0)
		return;
	hs->secret_len = (uint8_t)n;
	hs->have_secrets |= bit;
}

#define EXT_RECORD_SIZE_LIMIT 28

static int rsl_parse(SSL *ssl, unsigned int ext_type, unsigned int context,
		     const unsigned char *in, size_t inlen, X509 *x, size_t chainidx, int *al,
		     void *arg)
{
	(void)ext_type, (void)context, (void)x, (void)chainidx, (void)arg;
	struct tls_hs *hs = SSL_get_app_data(ssl);
	if (inlen != 2) {
		*al = SSL_AD_DECODE_ERROR;
		return 0;
	}
	uint16_t limit = (uint16_t)(in[0] << 8 | in[1]);
	if (limit < 64) { /* RFC 8449 §4 */
		*al = SSL_AD_ILLEGAL_PARAMETER;
		return 0;
	}
	if (hs != NULL)
		hs->peer_record_limit = limit;
	return 1;
}

/* Ours: a full record (TLS 1.3 counts the content type byte, hence 2^14 + 1). */
static int rsl_add(SSL *ssl, unsigned int ext_type, unsigned int context,
		   const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx, int *al,
		   void *arg)
{
	(void)ext_type, (void)x, (void)chainidx, (void)al, (void)arg, (void)ssl;
	static const unsigned char v13[2] = {0x40, 0x01}, v12[2] = {0x40, 0x00};
	*out = (context & SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) ? v13 : v12;
	*outlen = 2;
	return 1;
}

int tls_hs_add_record_size_limit(SSL_CTX *ctx)
{
	return SSL_CTX_add_custom_ext(ctx, EXT_RECORD_SIZE_LIMIT,
				      SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_2_SERVER_HELLO |
					      SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS,
				      rsl_add, NULL, NULL, rsl_parse, NULL) == 1
		       ? 0
		       : -1;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct tls_hs *hs = SSL_get_app_data(ssl);
	if (hs != NULL && (where & SSL_CB_WRITE_ALERT))
		hs->alert_sent = ret & 0xff;
}

int tls_hs_start(struct tls_hs *hs, SSL_CTX *ctx)
{
	memset(hs, 0, sizeof(*hs));
	hs->alert_sent = -1;
	hs->ssl = SSL_new(ctx);
	hs->rbio = BIO_new(BIO_s_mem());
	hs->wbio = BIO_new(BIO_s_mem());
	if (hs->ssl == NULL || hs->rbio == NULL || hs->wbio == NULL) {
		BIO_free(hs->rbio);
		BIO_free(hs->wbio);
		SSL_free(hs->ssl);
		hs->ssl = NULL;
		ERR_clear_error();
		return -1;
	}
	BIO_set_mem_eof_return(hs->rbio, -1); /* empty means "wait", not end of stream */
	SSL_set_bio(hs->ssl, hs->rbio, hs->wbio); /* the SSL owns both now */
	SSL_set_app_data(hs->ssl, hs);
	SSL_set_info_callback(hs->ssl, info_cb);
	SSL_set_accept_state(hs->ssl);
	return 0;
}

void tls_hs_free(struct tls_hs *hs)
{
	if (hs->ssl != NULL)
		SSL_free(hs->ssl); /* frees the BIOs */
	OPENSSL_cleanse(hs, sizeof(*hs));
	hs->ssl = NULL;
	hs->alert_sent = -1;
}

int tls_hs_input(struct tls_hs *hs, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	return BIO_write(hs->rbio, data, (int)len) == (int)len ? 0 : -1;
}

size_t tls_hs_output(struct tls_hs *hs, const uint8_t **data)
{
	char *p = NULL;
	long n = hs->wbio ? BIO_get_mem_data(hs->wbio, &p) : 0;
	*data = (const uint8_t *)p;
	return n > 0 ? (size_t)n : 0;
}

void tls_hs_consume(struct tls_hs *hs, size_t len)
{
	uint8_t sink[1024];
	while (len > 0) {
		int n = BIO_read(hs->wbio, sink, (int)(len < sizeof(sink) ? len : sizeof(sink)));
		if (n <= 0)
			break;
		len -= (size_t)n;
	}
}

size_t tls_hs_leftover(struct tls_hs *hs, const uint8_t **data)
{
	char *p = NULL;
	long n = hs->rbio ? BIO_get_mem_data(hs->rbio, &p) : 0;
	*data = (const uint8_t *)p;
	return n > 0 ? (size_t)n : 0;
}

int tls_hs_alert_sent(const struct tls_hs *hs)
{
	return hs->alert_sent;
}

/* Whole records of type 23 in out[from, len): what was written with application keys. */
static uint64_t app_records(const uint8_t *out, size_t from, size_t len)
{
	uint64_t n = 0;
	while (from + TLS_RECORD_HDR <= len) {
		size_t rlen = (size_t)out[from + 3] << 8 | out[from + 4];
		if (out[from] == 23)
			n++;
		from += TLS_RECORD_HDR + rlen;
	}
	return n;
}

/* Names for PROXY v2's SSL sub-TLVs and the access log, in HAProxy's spelling. */
static void describe(SSL *ssl, const SSL_CIPHER *cipher, struct tls_hs_result *res)
{
	snprintf(res->cipher, sizeof(res->cipher), "%s", SSL_CIPHER_standard_name(cipher));
	snprintf(res->version_name, sizeof(res->version_name), "%s", SSL_get_version(ssl));
	int type = NID_undef, md = NID_undef;
	if (SSL_get_signature_type_nid(ssl, &type) == 1 && SSL_get_signature_nid(ssl, &md) == 1) {
		const char *t = type == EVP_PKEY_EC ? "ECDSA" : type == EVP_PKEY_RSA_PSS ? "RSA-PSS"
			       : type == EVP_PKEY_RSA   ? "RSA" : OBJ_nid2sn(type);
		snprintf(res->sig_alg, sizeof(res->sig_alg), "%s-%s", t, OBJ_nid2sn(md));
	}
	EVP_PKEY *key = SSL_get_privatekey(ssl);
	if (key != NULL)
		snprintf(res->key_alg, sizeof(res->key_alg), "%s%d",
			 EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "EC" : "RSA",
			 EVP_PKEY_get_bits(key));
}

static enum tls_hs_status hand_off(struct tls_hs *hs, struct tls_hs_result *res, size_t out_before)
{
	SSL *ssl = hs->ssl;
	memset(res, 0, sizeof(*res));
	res->version = (uint16_t)SSL_version(ssl);
	const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
	if (cipher == NULL)
		return TLS_HS_FAILED;
	res->cipher_id = SSL_CIPHER_get_protocol_id(cipher);
	if (tls_suite_params(res->cipher_id, &res->alg, &res->hash) != 0)
		return TLS_HS_FAILED;
	res->resumed = SSL_session_reused(ssl) == 1;
	res->peer_plaintext_limit = TLS_MAX_PLAINTEXT;
	if (hs->peer_record_limit != 0) {
		/* RFC 8449 §4: in TLS 1.3 the limit counts the inner content type byte. */
		unsigned int lim = hs->peer_record_limit - (res->version == TLS1_3_VERSION ? 1u : 0u);
		if (lim < res->peer_plaintext_limit)
			res->peer_plaintext_limit = (uint16_t)lim;
	}
	const unsigned char *alpn = NULL;
	unsigned int alpn_len = 0;
	SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
	if (alpn_len > 0 && alpn_len < sizeof(res->alpn))
		memcpy(res->alpn, alpn, alpn_len);
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (sni != NULL)
		snprintf(res->sni, sizeof(res->sni), "%s", sni);
	describe(ssl, cipher, res);

	if (res->version == TLS1_3_VERSION) {
		if (hs->have_secrets != 3 || hs->secret_len != tls_hash_len(res->hash))
			return TLS_HS_FAILED;
		memcpy(res->client_secret, hs->client_secret, hs->secret_len);
		memcpy(res->server_secret, hs->server_secret, hs->secret_len);
		const uint8_t *out;
		size_t len = tls_hs_output(hs, &out);
		res->write_seq = app_records(out, out_before, len);
	} else if (res->version == TLS1_2_VERSION) {
		uint8_t master[48], cr[32], sr[32];
		SSL_SESSION *sess = SSL_get_session(ssl);
		if (sess == NULL || SSL_SESSION_get_master_key(sess, master, sizeof(master)) != 48 ||
		    SSL_get_client_random(ssl, cr, sizeof(cr)) != 32 ||
		    SSL_get_server_random(ssl, sr, sizeof(sr)) != 32)
			return TLS_HS_FAILED;
		int rc = tls12_key_block(res->alg, res->hash, master, cr, sr, &res->kb);
		OPENSSL_cleanse(master, sizeof(master));
		if (rc != 0)
			return TLS_HS_FAILED;
	} else {
		return TLS_HS_FAILED;
	}
	return TLS_HS_DONE;
}

enum tls_hs_status tls_hs_step(struct tls_hs *hs, struct tls_hs_result *res)
{
	const uint8_t *out;
	size_t out_before = tls_hs_output(hs, &out);
	int rc = SSL_do_handshake(hs->ssl);
	if (rc == 1)
		return hand_off(hs, res, out_before);
	int e = SSL_get_error(hs->ssl, rc);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return TLS_HS_MORE;
	if (hs->alert_sent < 0 && tls_hs_output(hs, &out) == 0) {
		/*
		 * OpenSSL gives up silently on bytes that are not TLS at all (an HTTP
		 * request, say). RFC 8446 §5.1: an unknown record type is
		 * unexpected_message; say so in a plaintext alert before closing.
		 */
		static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, TLS_ALERT_UNEXPECTED_MESSAGE};
		if (BIO_write(hs->wbio, alert, sizeof(alert)) == (int)sizeof(alert))
			hs->alert_sent = TLS_ALERT_UNEXPECTED_MESSAGE;
	}
	return TLS_HS_FAILED;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key schedule after the hand-off: TLS 1.3 HKDF-Expand-Label (RFC 8446
 * §7.1) and the TLS 1.2 key block (RFC 5246 §6.3), both with OpenSSL's KDFs.
 * The KDF implementations are fetched once per process (pthread_once) and
 * never change after that; each derivation has its own EVP_KDF_CTX.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "tls_keys.h"

#define TLS13_LABEL_PREFIX "tls13 "
#define HKDF_LABEL_MAX (2 + 1 + 255 + 1 + 255)

static EVP_KDF *kdf_hkdf;
static EVP_KDF *kdf_tls1_prf;
static pthread_once_t kdf_once = PTHREAD_ONCE_INIT;

static void kdf_fetch(void)
{
	kdf_hkdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
	kdf_tls1_prf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
}

static int kdf_ready(void)
{
	if (pthread_once(&kdf_once, kdf_fetch) != 0)
		return -1;
	return kdf_hkdf != NULL && kdf_tls1_prf != NULL ? 0 : -1;
}

unsigned int tls_hash_len(enum tls_hash h)
{
	return h == TLS_HASH_SHA384 ? 48 : 32;
}

static const char *hash_name(enum tls_hash h)
{
	return h == TLS_HASH_SHA384 ? "SHA384" : "SHA256";
}

enum tls_hash tls13_suite_hash(enum tls_aead_alg alg)
{
	return alg == TLS_AEAD_AES_256_GCM ? TLS_HASH_SHA384 : TLS_HASH_SHA256;
}

int tls13_expand_label(enum tls_hash h, const uint8_t *secret, const char *label,
		       const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	size_t label_len = strlen(label);
	size_t full_label_len = sizeof(TLS13_LABEL_PREFIX) - 1 + label_len;
	uint8_t info[HKDF_LABEL_MAX];
	size_t n = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];
	EVP_KDF_CTX *kctx;
	int rc = -1;

	/* struct HkdfLabel: uint16 length, opaque label<7..255>, opaque context<0..255>. */
	if (out_len > UINT16_MAX || full_label_len > 255 || context_len > 255 ||
	    (context_len > 0 && context == NULL) || kdf_ready() != 0)
		return -1;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)full_label_len;
	memcpy(info + n, TLS13_LABEL_PREFIX, sizeof(TLS13_LABEL_PREFIX) - 1);
	n += sizeof(TLS13_LABEL_PREFIX) - 1;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)context_len;
	if (context_len > 0)
		memcpy(info + n, context, context_len);
	n += context_len;

	kctx = EVP_KDF_CTX_new(kdf_hkdf);
	if (kctx == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)hash_name(h), 0);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret,
						      tls_hash_len(h));
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n);
	params[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, out_len, params) == 1)
		rc = 0;
	EVP_KDF_CTX_free(kctx); /* it wipes its copy of the secret */
	return rc;
}

int tls13_traffic_key_iv(enum tls_aead_alg alg, const uint8_t *secret, uint8_t *key,
			 uint8_t iv[TLS_AEAD_NONCE_LEN])
{
	enum tls_hash h = tls13_suite_hash(alg);
	unsigned int key_len = tls_aead_key_len(alg);

	if (key_len == 0)
		return -1;
	if (tls13_expand_label(h, secret, "key", NULL, 0, key, key_len) != 0 ||
	    tls13_expand_label(h, secret, "iv", NULL, 0, iv, TLS_AEAD_NONCE_LEN) != 0) {
		OPENSSL_cleanse(key, key_len);
		return -1;
	}
	return 0;
}

int tls13_next_secret(enum tls_hash h, uint8_t *secret)
{
	uint8_t next[TLS_SECRET_MAX];
	unsigned int len = tls_hash_len(h);
	int rc;

	/* Not derived in place: the KDF reads the old secret while it writes. */
	rc = tls13_expand_label(h, secret, "traffic upd", NULL, 0, next, len);
	if (rc == 0)
		memcpy(secret, next, len);
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}

/* RFC 5288 §3 (AES-GCM: 4-byte implicit salt), RFC 7905 §2 (ChaCha20-Poly1305: 12-byte IV). */
static unsigned int tls12_iv_len(enum tls_aead_alg alg)
{
	return alg == TLS_AEAD_CHACHA20_POLY1305 ? 12 : 4;
}

int tls12_key_block(enum tls_aead_alg alg, enum tls_hash prf_hash, const uint8_t master[48],
		    const uint8_t client_random[32], const uint8_t server_random[32],
		    struct tls12_key_block *out)
{
	static const char label[] = "key expansion";
	unsigned int key_len = tls_aead_key_len(alg);
	unsigned int iv_len = tls12_iv_len(alg);
	uint8_t block[2 * TLS_AEAD_KEY_MAX + 2 * TLS_AEAD_NONCE_LEN];
	size_t block_len = 2 * (size_t)key_len + 2 * (size_t)iv_len;
	OSSL_PARAM params[6];
	EVP_KDF_CTX *kctx;
	uint8_t *p = block;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (key_len == 0 || kdf_ready() != 0)
		return -1;
	kctx = EVP_KDF_CTX_new(kdf_tls1_prf);
	if (kctx == NULL)
		return -1;
	/* PRF(master, "key expansion", server_random + client_random): seeds concatenate. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)hash_name(prf_hash), 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, 48);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label,
						      sizeof(label) - 1);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)server_random,
						      32);
	params[4] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)client_random,
						      32);
	params[5] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, block, block_len, params) != 1)
		goto wipe;
	/* RFC 5246 §6.3 order, without MAC keys for AEAD suites. */
	memcpy(out->client_key, p, key_len);
	p += key_len;
	memcpy(out->server_key, p, key_len);
	p += key_len;
	memcpy(out->client_iv, p, iv_len);
	p += iv_len;
	memcpy(out->server_iv, p, iv_len);
	rc = 0;
wipe:
	EVP_KDF_CTX_free(kctx);
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
}

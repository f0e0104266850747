/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key schedule after the hand-off: TLS 1.3 HKDF-Expand-Label (RFC 8446
 * §7.1) and the TLS 1.2 key block (RFC 5246 §6.3).
 *
 * Both are HMAC written out over EVP digests fetched once per process
 * (pthread_once; they never change after that). OpenSSL 3.0's KDFs fetch the
 * digest by name, allocate a MAC and a digest context and parse parameters at
 * every derivation: about 2k cycles per HKDF-Expand where the hashing itself
 * is a few hundred (benchmarks/results/handshake-2026-11-27.md). Each
 * derivation has its own EVP_MD_CTX; OpenSSL wipes its state when it is freed.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tls_keys.h"

#define TLS13_LABEL_PREFIX "tls13 "
#define HKDF_LABEL_MAX (2 + 1 + 255 + 1 + 255)
#define HMAC_BLOCK_MAX 128 /* SHA-384 */

static EVP_MD *md_sha256;
static EVP_MD *md_sha384;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
}

static const EVP_MD *hash_md(enum tls_hash h)
{
	if (pthread_once(&md_once, md_fetch) != 0)
		return NULL;
	return h == TLS_HASH_SHA384 ? md_sha384 : md_sha256;
}

/*
 * HMAC (RFC 2104) of m1 | m2 under a key no longer than the hash's block (ours
 * are secrets of at most 48 bytes), into out (the hash's length).
 */
static int hmac(EVP_MD_CTX *c, const EVP_MD *md, const uint8_t *key, size_t key_len,
		const uint8_t *m1, size_t l1, const uint8_t *m2, size_t l2, uint8_t *out)
{
	uint8_t pad[HMAC_BLOCK_MAX];
	uint8_t inner[EVP_MAX_MD_SIZE];
	int bs = EVP_MD_get_block_size(md);
	unsigned int len = 0;
	int ok;

	if (bs <= 0 || bs > HMAC_BLOCK_MAX || key_len > (size_t)bs)
		return -1;
	memset(pad, 0x36, (size_t)bs);
	for (size_t i = 0; i < key_len; i++)
		pad[i] ^= key[i];
	ok = EVP_DigestInit_ex2(c, md, NULL) == 1 && EVP_DigestUpdate(c, pad, (size_t)bs) == 1 &&
	     EVP_DigestUpdate(c, m1, l1) == 1 && (l2 == 0 || EVP_DigestUpdate(c, m2, l2) == 1) &&
	     EVP_DigestFinal_ex(c, inner, &len) == 1;
	for (int i = 0; i < bs; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	ok = ok && EVP_DigestInit_ex2(c, md, NULL) == 1 &&
	     EVP_DigestUpdate(c, pad, (size_t)bs) == 1 && EVP_DigestUpdate(c, inner, len) == 1 &&
	     EVP_DigestFinal_ex(c, out, &len) == 1;
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	return ok ? 0 : -1;
}

unsigned int tls_hash_len(enum tls_hash h)
{
	return h == TLS_HASH_SHA384 ? 48 : 32;
}

enum tls_hash tls13_suite_hash(enum tls_aead_alg alg)
{
	return alg == TLS_AEAD_AES_256_GCM ? TLS_HASH_SHA384 : TLS_HASH_SHA256;
}

/* HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i), out = T(1) | T(2) ... */
static int hkdf_expand(EVP_MD_CTX *c, const EVP_MD *md, const uint8_t *prk, size_t prk_len,
		       const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t t[EVP_MAX_MD_SIZE + HKDF_LABEL_MAX + 1];
	size_t hash_len = (size_t)EVP_MD_get_size(md);
	size_t prev = 0;
	int rc = 0;

	if (hash_len == 0 || hash_len > EVP_MAX_MD_SIZE || info_len > HKDF_LABEL_MAX ||
	    out_len > 255 * hash_len)
		return -1;
	for (uint8_t i = 1; out_len > 0 && rc == 0; i++) {
		uint8_t block[EVP_MAX_MD_SIZE];
		size_t n = out_len < hash_len ? out_len : hash_len;

		memcpy(t + prev, info, info_len);
		t[prev + info_len] = i;
		rc = hmac(c, md, prk, prk_len, t, prev + info_len + 1, NULL, 0, block);
		memcpy(out, block, n);
		memcpy(t, block, hash_len); /* T(i) leads the next block's input */
		OPENSSL_cleanse(block, sizeof(block));
		prev = hash_len;
		out += n;
		out_len -= n;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

static int expand_label(EVP_MD_CTX *c, enum tls_hash h, const uint8_t *secret, const char *label,
			const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	size_t label_len = strlen(label);
	size_t full_label_len = sizeof(TLS13_LABEL_PREFIX) - 1 + label_len;
	const EVP_MD *md = hash_md(h);
	uint8_t info[HKDF_LABEL_MAX];
	size_t n = 0;

	/* struct HkdfLabel: uint16 length, opaque label<7..255>, opaque context<0..255>. */
	if (out_len > UINT16_MAX || full_label_len > 255 || context_len > 255 ||
	    (context_len > 0 && context == NULL) || md == NULL)
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
	return hkdf_expand(c, md, secret, tls_hash_len(h), info, n, out, out_len);
}

int tls13_expand_label(enum tls_hash h, const uint8_t *secret, const char *label,
		       const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int rc = -1;

	if (c == NULL)
		return -1;
	rc = expand_label(c, h, secret, label, context, context_len, out, out_len);
	EVP_MD_CTX_free(c); /* wipes the digest state */
	return rc;
}

int tls13_traffic_key_iv(enum tls_aead_alg alg, const uint8_t *secret, uint8_t *key,
			 uint8_t iv[TLS_AEAD_NONCE_LEN])
{
	enum tls_hash h = tls13_suite_hash(alg);
	unsigned int key_len = tls_aead_key_len(alg);

	EVP_MD_CTX *c;
	int rc;

	if (key_len == 0 || (c = EVP_MD_CTX_new()) == NULL)
		return -1;
	rc = expand_label(c, h, secret, "key", NULL, 0, key, key_len) == 0 &&
			     expand_label(c, h, secret, "iv", NULL, 0, iv, TLS_AEAD_NONCE_LEN) == 0
		     ? 0
		     : -1;
	EVP_MD_CTX_free(c);
	if (rc != 0)
		OPENSSL_cleanse(key, key_len);
	return rc;
}

int tls13_next_secret(enum tls_hash h, uint8_t *secret)
{
	uint8_t next[TLS_SECRET_MAX];
	unsigned int len = tls_hash_len(h);
	int rc;

	/* Not derived in place: the old secret is the HMAC key while the new one is written. */
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

/* P_hash (RFC 5246 §5): A(i) = HMAC(secret, A(i-1)), out = HMAC(secret, A(1) | seed) | ... */
static int p_hash(EVP_MD_CTX *c, const EVP_MD *md, const uint8_t *secret, size_t secret_len,
		  const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	uint8_t a[EVP_MAX_MD_SIZE], block[EVP_MAX_MD_SIZE];
	size_t hash_len = (size_t)EVP_MD_get_size(md);
	int rc = hash_len > 0 && hash_len <= EVP_MAX_MD_SIZE ? 0 : -1;

	/* A(1) = HMAC(secret, seed) */
	if (rc == 0)
		rc = hmac(c, md, secret, secret_len, seed, seed_len, NULL, 0, a);
	while (rc == 0 && out_len > 0) {
		size_t n = out_len < hash_len ? out_len : hash_len;

		rc = hmac(c, md, secret, secret_len, a, hash_len, seed, seed_len, block);
		if (rc == 0 && out_len > n)
			rc = hmac(c, md, secret, secret_len, a, hash_len, NULL, 0, a);
		memcpy(out, block, n);
		out += n;
		out_len -= n;
	}
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
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
	uint8_t seed[sizeof(label) - 1 + 32 + 32];
	const EVP_MD *md = hash_md(prf_hash);
	EVP_MD_CTX *c;
	uint8_t *p = block;
	int rc;

	memset(out, 0, sizeof(*out));
	if (key_len == 0 || md == NULL || (c = EVP_MD_CTX_new()) == NULL)
		return -1;
	/* PRF(master, "key expansion", server_random + client_random) */
	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, server_random, 32);
	memcpy(seed + sizeof(label) - 1 + 32, client_random, 32);
	rc = p_hash(c, md, master, 48, seed, sizeof(seed), block, block_len);
	EVP_MD_CTX_free(c);
	if (rc == 0) {
		/* RFC 5246 §6.3 order, without MAC keys for AEAD suites. */
		memcpy(out->client_key, p, key_len);
		p += key_len;
		memcpy(out->server_key, p, key_len);
		p += key_len;
		memcpy(out->client_iv, p, iv_len);
		p += iv_len;
		memcpy(out->server_iv, p, iv_len);
	}
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
}

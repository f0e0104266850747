/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tls/tls_keys.c against RFC 8448 §3 (TLS 1.3 traffic keys) and against
 * independent computations written here with HMAC only: HKDF-Expand for
 * "traffic upd", and P_hash (RFC 5246 §5) for the TLS 1.2 key block, itself
 * checked first against the TLS working group's published PRF vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tls_keys.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] != '\0' && s[1] != '\0') {
		unsigned int b;

		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &b), 1);
		out[n++] = (uint8_t)b;
		s += 2;
	}
	return n;
}

static void assert_hex(const uint8_t *got, size_t len, const char *want_hex)
{
	uint8_t want[256];

	assert_int_equal(unhex(want_hex, want, sizeof(want)), len);
	assert_memory_equal(got, want, len);
}

/* RFC 8448 §3: a traffic secret and the key and iv derived from it (AES-128-GCM-SHA256). */
struct rfc8448_traffic {
	const char *what, *secret, *key, *iv;
};

static const struct rfc8448_traffic rfc8448_s3[] = {
	{"server handshake", "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
	 "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"},
	{"client handshake", "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
	 "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f"},
	{"server application", "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
	 "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984"},
	{"client application", "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
	 "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9"},
};

static void test_rfc8448_traffic_key_iv(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc8448_s3) / sizeof(rfc8448_s3[0]); i++) {
		const struct rfc8448_traffic *t = &rfc8448_s3[i];
		uint8_t secret[32], key[32], iv[TLS_AEAD_NONCE_LEN];

		print_message("RFC 8448 §3 %s traffic key/iv\n", t->what);
		assert_int_equal(unhex(t->secret, secret, sizeof(secret)), 32);
		memset(key, 0xaa, sizeof(key));
		assert_int_equal(tls13_traffic_key_iv(TLS_AEAD_AES_128_GCM, secret, key, iv), 0);
		assert_hex(key, 16, t->key);
		assert_hex(iv, 12, t->iv);
		assert_int_equal(key[16], 0xaa); /* exactly key_len bytes written */
	}
}

/* A label with a context: RFC 8448 §3 "derive secret for handshake" = Expand-Label(early,
 * "derived", SHA-256(""), 32). */
static void test_rfc8448_expand_label_with_context(void **state)
{
	uint8_t early[32], empty_hash[32], out[32];
	unsigned int hl = 0;

	(void)state;
	unhex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a", early, 32);
	assert_int_equal(EVP_Digest("", 0, empty_hash, &hl, EVP_sha256(), NULL), 1);
	assert_int_equal(tls13_expand_label(TLS_HASH_SHA256, early, "derived", empty_hash, 32, out,
					    32), 0);
	assert_hex(out, 32, "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
}

/*
 * HKDF-Expand (RFC 5869 §2.3) for one block, T(1) = HMAC(PRK, info | 0x01), with the
 * HkdfLabel built by hand: enough for outputs up to the hash length.
 */
static void ref_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
			     const char *label, uint8_t *out, size_t out_len)
{
	uint8_t info[300], block[EVP_MAX_MD_SIZE];
	char full[256];
	unsigned int bl = 0;
	size_t n = 0;
	int fl = snprintf(full, sizeof(full), "tls13 %s", label);

	assert_true(out_len <= (size_t)EVP_MD_get_size(md));
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)fl;
	memcpy(info + n, full, (size_t)fl);
	n += (size_t)fl;
	info[n++] = 0; /* empty context */
	info[n++] = 1; /* HKDF block counter */
	assert_non_null(HMAC(md, secret, (int)secret_len, info, n, block, &bl));
	memcpy(out, block, out_len);
}

static void test_traffic_update(void **state)
{
	static const struct {
		enum tls_hash h;
		const EVP_MD *(*md)(void);
	} cases[] = {{TLS_HASH_SHA256, EVP_sha256}, {TLS_HASH_SHA384, EVP_sha384}};

	(void)state;
	for (size_t c = 0; c < 2; c++) {
		unsigned int len = tls_hash_len(cases[c].h);
		uint8_t secret[TLS_SECRET_MAX], want[TLS_SECRET_MAX];

		/* RFC 8448's server application secret, stretched for SHA-384 by repetition. */
		unhex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643", secret,
		      32);
		memcpy(secret + 32, secret, 16);
		/* Three generations: each is "traffic upd" of the previous (RFC 8446 §7.2). */
		for (int gen = 0; gen < 3; gen++) {
			ref_expand_label(cases[c].md(), secret, len, "traffic upd", want, len);
			assert_memory_not_equal(want, secret, len);
			assert_int_equal(tls13_next_secret(cases[c].h, secret), 0);
			assert_memory_equal(secret, want, len);
		}
	}
}

static void test_hash_of_suite(void **state)
{
	(void)state;
	assert_int_equal(tls13_suite_hash(TLS_AEAD_AES_128_GCM), TLS_HASH_SHA256);
	assert_int_equal(tls13_suite_hash(TLS_AEAD_AES_256_GCM), TLS_HASH_SHA384);
	assert_int_equal(tls13_suite_hash(TLS_AEAD_CHACHA20_POLY1305), TLS_HASH_SHA256);
	assert_int_equal(tls_hash_len(TLS_HASH_SHA256), 32);
	assert_int_equal(tls_hash_len(TLS_HASH_SHA384), 48);
}

static void test_aes256_sha384_key_iv(void **state)
{
	uint8_t secret[48], key[32], iv[12], want[48];

	(void)state;
	for (int i = 0; i < 48; i++)
		secret[i] = (uint8_t)(3 * i + 1);
	assert_int_equal(tls13_traffic_key_iv(TLS_AEAD_AES_256_GCM, secret, key, iv), 0);
	ref_expand_label(EVP_sha384(), secret, 48, "key", want, 32);
	assert_memory_equal(key, want, 32);
	ref_expand_label(EVP_sha384(), secret, 48, "iv", want, 12);
	assert_memory_equal(iv, want, 12);
}

static void test_expand_label_rejects_oversize(void **state)
{
	char label[260];
	uint8_t secret[32] = {0}, out[32], ctx[256] = {0};

	(void)state;
	memset(label, 'x', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	/* "tls13 " + 250 bytes = 256 > 255 */
	label[250] = '\0';
	assert_int_equal(tls13_expand_label(TLS_HASH_SHA256, secret, label, NULL, 0, out, 32), -1);
	label[249] = '\0'; /* 255: the largest legal label */
	assert_int_equal(tls13_expand_label(TLS_HASH_SHA256, secret, label, NULL, 0, out, 32), 0);
	assert_int_equal(tls13_expand_label(TLS_HASH_SHA256, secret, "key", ctx, 256, out, 32), -1);
}

/* P_hash(secret, seed) of RFC 5246 §5, written out with HMAC. */
static void ref_p_hash(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
		       const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	uint8_t a[EVP_MAX_MD_SIZE], buf[EVP_MAX_MD_SIZE + 512], block[EVP_MAX_MD_SIZE];
	unsigned int al = 0, bl = 0;
	size_t hl = (size_t)EVP_MD_get_size(md), done = 0;

	assert_true(seed_len <= 512);
	/* A(1) = HMAC(secret, seed) */
	assert_non_null(HMAC(md, secret, (int)secret_len, seed, seed_len, a, &al));
	while (done < out_len) {
		size_t take = out_len - done < hl ? out_len - done : hl;

		memcpy(buf, a, hl);
		memcpy(buf + hl, seed, seed_len);
		assert_non_null(HMAC(md, secret, (int)secret_len, buf, hl + seed_len, block, &bl));
		memcpy(out + done, block, take);
		done += take;
		assert_non_null(HMAC(md, secret, (int)secret_len, a, hl, a, &al));
	}
}

/* The reference P_hash reproduces the TLS WG's published TLS 1.2 PRF vectors. */
static void test_reference_prf_published_vectors(void **state)
{
	uint8_t secret[16], seed[64], out[148];
	size_t n;

	(void)state;
	unhex("9bbe436ba940f017b17652849a71db35", secret, 16);
	memcpy(seed, "test label", 10);
	unhex("a0ba9f936cda311827a6f796ffd5198c", seed + 10, 16);
	ref_p_hash(EVP_sha256(), secret, 16, seed, 26, out, 100);
	assert_hex(out, 100,
		   "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
		   "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
		   "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
		   "87347b66");
	unhex("b80b733d6ceefcdc71566ea48e5567df", secret, 16);
	n = unhex("cd665cf6a8447dd6ff8b27555edb7465", seed + 10, 16);
	assert_int_equal(n, 16);
	ref_p_hash(EVP_sha384(), secret, 16, seed, 26, out, 148);
	assert_hex(out, 148,
		   "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
		   "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
		   "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
		   "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
		   "91c8f3a26854308d5eaa3be85e0990703d73e56f");
}

static void check_key_block(enum tls_aead_alg alg, enum tls_hash h, unsigned int key_len,
			    unsigned int iv_len)
{
	const EVP_MD *md = h == TLS_HASH_SHA384 ? EVP_sha384() : EVP_sha256();
	uint8_t master[48], cr[32], sr[32], seed[13 + 64], want[2 * 32 + 2 * 12];
	uint8_t zero[TLS_AEAD_KEY_MAX] = {0};
	struct tls12_key_block kb;
	const uint8_t *p = want;

	for (int i = 0; i < 48; i++)
		master[i] = (uint8_t)(0x30 + i);
	for (int i = 0; i < 32; i++) {
		cr[i] = (uint8_t)(0xc0 ^ i);
		sr[i] = (uint8_t)(0x50 + 7 * i);
	}
	/* seed = "key expansion" + server_random + client_random (RFC 5246 §6.3) */
	memcpy(seed, "key expansion", 13);
	memcpy(seed + 13, sr, 32);
	memcpy(seed + 45, cr, 32);
	ref_p_hash(md, master, 48, seed, sizeof(seed), want, 2 * key_len + 2 * iv_len);

	memset(&kb, 0xee, sizeof(kb));
	assert_int_equal(tls12_key_block(alg, h, master, cr, sr, &kb), 0);
	assert_memory_equal(kb.client_key, p, key_len);
	p += key_len;
	assert_memory_equal(kb.server_key, p, key_len);
	p += key_len;
	assert_memory_equal(kb.client_iv, p, iv_len);
	p += iv_len;
	assert_memory_equal(kb.server_iv, p, iv_len);
	/* the unused tails are zero */
	if (key_len < TLS_AEAD_KEY_MAX) {
		assert_memory_equal(kb.client_key + key_len, zero, TLS_AEAD_KEY_MAX - key_len);
		assert_memory_equal(kb.server_key + key_len, zero, TLS_AEAD_KEY_MAX - key_len);
	}
	if (iv_len < TLS_AEAD_NONCE_LEN) {
		assert_memory_equal(kb.client_iv + iv_len, zero, TLS_AEAD_NONCE_LEN - iv_len);
		assert_memory_equal(kb.server_iv + iv_len, zero, TLS_AEAD_NONCE_LEN - iv_len);
	}
}

static void test_tls12_key_block(void **state)
{
	(void)state;
	/* RFC 5288: AES-GCM has a 4-byte implicit salt; RFC 7905: ChaCha20-Poly1305 12 bytes. */
	check_key_block(TLS_AEAD_AES_128_GCM, TLS_HASH_SHA256, 16, 4);
	check_key_block(TLS_AEAD_AES_256_GCM, TLS_HASH_SHA384, 32, 4);
	check_key_block(TLS_AEAD_CHACHA20_POLY1305, TLS_HASH_SHA256, 32, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8448_traffic_key_iv),
		cmocka_unit_test(test_rfc8448_expand_label_with_context),
		cmocka_unit_test(test_traffic_update),
		cmocka_unit_test(test_hash_of_suite),
		cmocka_unit_test(test_aes256_sha384_key_iv),
		cmocka_unit_test(test_expand_label_rejects_oversize),
		cmocka_unit_test(test_reference_prf_published_vectors),
		cmocka_unit_test(test_tls12_key_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

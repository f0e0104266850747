/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp/syncookie.c: SipHash-2-4 against the paper's reference vectors,
 * cookie round trips over many tuples, every tampered input refused, the age
 * window and secret rotation, the MSS table, and the timestamp option bits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "syncookie.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* An IPv4 tuple (12 zero bytes after each address) or an IPv6 one. */
static void rnd_tuple(struct syncookie_tuple *t, bool ipv6)
{
	memset(t, 0, sizeof(*t));
	rnd_bytes(t->local_addr, ipv6 ? 16 : 4);
	rnd_bytes(t->remote_addr, ipv6 ? 16 : 4);
	t->local_port = (uint16_t)rnd();
	t->remote_port = (uint16_t)rnd();
}

static uint64_t le64(const uint8_t b[8])
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/*
 * Reference vectors of the SipHash paper (and its vectors.h): key 00..0f,
 * message 00 01 .. (i-1) for i = 0..63; the output as its eight bytes.
 */
static void test_siphash_vectors(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		uint8_t out[8];
	} vectors[] = {
		{0, {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}},
		{1, {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74}},
		{2, {0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d}},
		{3, {0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85}},
		{7, {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab}},
		{8, {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}},
		{15, {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1}}, /* the paper's Appendix A */
		{16, {0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f}},
		{63, {0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95}},
	};
	uint8_t key[16], msg[64];
	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (unsigned int i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (unsigned int i = 0; i < ARRAY_LEN(vectors); i++) {
		uint64_t got = siphash24(key, msg, vectors[i].len);
		if (got != le64(vectors[i].out))
			fail_msg("length %zu: got %016llx want %016llx", vectors[i].len,
				 (unsigned long long)got, (unsigned long long)le64(vectors[i].out));
	}
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
}

/* Cookies come back with the MSS they were made with, now and a minute later, v4 and v6. */
static void test_round_trip(void **state)
{
	(void)state;
	uint8_t secret[SYNCOOKIE_SECRET_LEN];
	for (unsigned int i = 0; i < 20000; i++) {
		if (i % 100 == 0)
			rnd_bytes(secret, sizeof(secret));
		struct syncookie_tuple t;
		rnd_tuple(&t, (i & 1) != 0);
		uint32_t isn = rnd();
		uint32_t minute = (i & 2) != 0 ? rnd() : UINT32_MAX - (rnd() & 3);
		unsigned int idx = rnd() % SYNCOOKIE_MSS_COUNT;
		uint16_t mss = syncookie_mss_table[idx];
		uint32_t cookie = syncookie_encode(secret, &t, isn, minute, mss);
		assert_int_equal(syncookie_check(cookie, &t, isn, minute, secret, NULL), mss);
		assert_int_equal(syncookie_check(cookie, &t, isn, minute + 1, secret, NULL), mss);
		/* Still good as the previous secret after a rotation. */
		uint8_t next[SYNCOOKIE_SECRET_LEN];
		rnd_bytes(next, sizeof(next));
		assert_int_equal(syncookie_check(cookie, &t, isn, minute + 1, next, secret), mss);
	}
}

static void assert_invalid(uint32_t cookie, const struct syncookie_tuple *t, uint32_t isn,
			   uint32_t now, const uint8_t *secret, const char *what)
{
	int r = syncookie_check(cookie, t, isn, now, secret, NULL);
	if (r != SYNCOOKIE_ERR_INVALID)
		fail_msg("%s: got %d, want SYNCOOKIE_ERR_INVALID", what, r);
}

/* Changing any input the cookie covers makes it worthless. */
static void test_tampering(void **state)
{
	(void)state;
	uint8_t secret[SYNCOOKIE_SECRET_LEN];
	rnd_bytes(secret, sizeof(secret));
	for (unsigned int i = 0; i < 200; i++) {
		struct syncookie_tuple t;
		rnd_tuple(&t, (i & 1) != 0);
		uint32_t isn = rnd(), minute = rnd();
		uint32_t cookie = syncookie_encode(secret, &t, isn, minute, 1460);
		assert_int_equal(syncookie_check(cookie, &t, isn, minute, secret, NULL), 1460);

		struct syncookie_tuple bad = t;
		bad.local_port ^= 1;
		assert_invalid(cookie, &bad, isn, minute, secret, "local port");
		bad = t;
		bad.remote_port = (uint16_t)(bad.remote_port + 1);
		assert_invalid(cookie, &bad, isn, minute, secret, "remote port");
		bad = t;
		uint16_t swap = bad.local_port;
		bad.local_port = bad.remote_port;
		bad.remote_port = swap;
		if (bad.local_port != t.local_port)
			assert_invalid(cookie, &bad, isn, minute, secret, "ports swapped");
		for (unsigned int b = 0; b < 16; b++) {
			bad = t;
			bad.local_addr[b] ^= (uint8_t)(1u << (b % 8));
			assert_invalid(cookie, &bad, isn, minute, secret, "local address");
			bad = t;
			bad.remote_addr[b] ^= 0x80;
			assert_invalid(cookie, &bad, isn, minute, secret, "remote address");
		}
		assert_invalid(cookie, &t, isn + 1, minute, secret, "client ISN + 1");
		assert_invalid(cookie, &t, isn - 1, minute, secret, "client ISN - 1");
		for (unsigned int b = 0; b < 32; b++)
			assert_invalid(cookie ^ (1u << b), &t, isn, minute, secret, "cookie bit");
		uint8_t wrong[SYNCOOKIE_SECRET_LEN];
		memcpy(wrong, secret, sizeof(wrong));
		wrong[i % SYNCOOKIE_SECRET_LEN] ^= 0x01;
		assert_invalid(cookie, &t, isn, minute, wrong, "wrong secret");
		/* A SipHash key taken from the other half of the secret doesn't do either. */
		uint8_t halves[SYNCOOKIE_SECRET_LEN];
		memcpy(halves, secret + 16, 16);
		memcpy(halves + 16, secret, 16);
		assert_invalid(cookie, &t, isn, minute, halves, "secret halves swapped");
	}
}

/* Accepted at ages 0 and 1; "expired" at 2 and 3; anything else (or the future) invalid. */
static void test_age(void **state)
{
	(void)state;
	uint8_t secret[SYNCOOKIE_SECRET_LEN];
	rnd_bytes(secret, sizeof(secret));
	for (unsigned int i = 0; i < 500; i++) {
		struct syncookie_tuple t;
		rnd_tuple(&t, (i & 1) != 0);
		uint32_t isn = rnd();
		uint32_t minute = (i % 8 == 0) ? UINT32_MAX - (i & 3) : rnd();
		uint32_t cookie = syncookie_encode(secret, &t, isn, minute, 1220);
		assert_int_equal(syncookie_check(cookie, &t, isn, minute, secret, NULL), 1220);
		assert_int_equal(syncookie_check(cookie, &t, isn, minute + 1, secret, NULL), 1220);
		assert_int_equal(syncookie_check(cookie, &t, isn, minute + 2, secret, NULL),
				 SYNCOOKIE_ERR_EXPIRED);
		assert_int_equal(syncookie_check(cookie, &t, isn, minute + 3, secret, NULL),
				 SYNCOOKIE_ERR_EXPIRED);
		for (uint32_t later = 4; later < 12; later++)
			assert_true(syncookie_check(cookie, &t, isn, minute + later, secret, NULL) <
				    0);
		assert_true(syncookie_check(cookie, &t, isn, minute + 1000, secret, NULL) < 0);
		/* Minted "in the future" of the checker's clock. */
		for (uint32_t early = 1; early < 6; early++)
			assert_int_equal(
				syncookie_check(cookie, &t, isn, minute - early, secret, NULL),
				SYNCOOKIE_ERR_INVALID);
	}
}

/* Rotation: the previous secret still verifies; without it, or once two rotations old, not. */
static void test_secret_rotation(void **state)
{
	(void)state;
	uint8_t s0[SYNCOOKIE_SECRET_LEN], s1[SYNCOOKIE_SECRET_LEN], s2[SYNCOOKIE_SECRET_LEN];
	rnd_bytes(s0, sizeof(s0));
	rnd_bytes(s1, sizeof(s1));
	rnd_bytes(s2, sizeof(s2));
	for (unsigned int i = 0; i < 200; i++) {
		struct syncookie_tuple t;
		rnd_tuple(&t, (i & 1) != 0);
		uint32_t isn = rnd(), minute = rnd();
		uint32_t old = syncookie_encode(s0, &t, isn, minute, 8960);
		uint32_t cur = syncookie_encode(s1, &t, isn, minute, 8960);
		assert_int_not_equal(old, cur);
		assert_int_equal(syncookie_check(old, &t, isn, minute, s1, s0), 8960);
		assert_int_equal(syncookie_check(cur, &t, isn, minute, s1, s0), 8960);
		assert_int_equal(syncookie_check(old, &t, isn, minute, s1, NULL),
				 SYNCOOKIE_ERR_INVALID);
		assert_int_equal(syncookie_check(old, &t, isn, minute, s2, s1),
				 SYNCOOKIE_ERR_INVALID);
		assert_int_equal(syncookie_check(old, &t, isn, minute + 2, s1, s0),
				 SYNCOOKIE_ERR_EXPIRED);
	}
}

/* Each table entry comes back exactly; other values come back rounded down to one. */
static void test_mss_table(void **state)
{
	(void)state;
	uint8_t secret[SYNCOOKIE_SECRET_LEN];
	rnd_bytes(secret, sizeof(secret));
	struct syncookie_tuple t;
	rnd_tuple(&t, false);
	for (unsigned int i = 0; i < SYNCOOKIE_MSS_COUNT; i++) {
		uint16_t mss = syncookie_mss_table[i];
		assert_int_equal(syncookie_mss_index(mss), i);
		if (i > 0)
			assert_true(syncookie_mss_table[i - 1] < mss);
		uint32_t cookie = syncookie_encode(secret, &t, 42, 7, mss);
		assert_int_equal(syncookie_check(cookie, &t, 42, 8, secret, NULL), mss);
	}
	static const struct {
		uint16_t mss;
		uint16_t want;
	} cases[] = {{0, 536},	   {100, 536},	 {536, 536},   {1000, 536},  {1219, 536},
		     {1220, 1220}, {1439, 1220}, {1440, 1440}, {1459, 1440}, {1460, 1460},
		     {1500, 1460}, {8959, 1460}, {8960, 8960}, {9000, 8960}, {65535, 8960}};
	for (unsigned int i = 0; i < ARRAY_LEN(cases); i++) {
		uint32_t cookie = syncookie_encode(secret, &t, 99, 1000, cases[i].mss);
		int got = syncookie_check(cookie, &t, 99, 1000, secret, NULL);
		if (got != cases[i].want)
			fail_msg("MSS %u: got %d, want %u", cases[i].mss, got, cases[i].want);
	}
}

/* Every MSS index and every age, so no bit field leaks into another. */
static void test_fields_independent(void **state)
{
	(void)state;
	uint8_t secret[SYNCOOKIE_SECRET_LEN];
	rnd_bytes(secret, sizeof(secret));
	for (unsigned int i = 0; i < 2000; i++) {
		struct syncookie_tuple t;
		rnd_tuple(&t, (i & 1) != 0);
		uint32_t isn = rnd();
		uint32_t minute = rnd();
		uint16_t mss = syncookie_mss_table[i % SYNCOOKIE_MSS_COUNT];
		uint32_t cookie = syncookie_encode(secret, &t, isn, minute, mss);
		uint32_t age = i / SYNCOOKIE_MSS_COUNT % 4;
		int want = age < SYNCOOKIE_MAX_AGE ? mss : SYNCOOKIE_ERR_EXPIRED;
		int got = syncookie_check(cookie, &t, isn, minute + age, secret, NULL);
		assert_int_equal(got, want);
	}
}

/* The options folded into the SYN-ACK's TSval come back from the echoed TSecr. */
static void test_ts_bits(void **state)
{
	(void)state;
	uint32_t nows[64] = {0, 1, 5, 15, 16, 31, 32, 63, 64, 65, 127, 128, 0x12345678, UINT32_MAX};
	for (unsigned int i = 14; i < ARRAY_LEN(nows); i++)
		nows[i] = rnd();
	for (unsigned int n = 0; n < ARRAY_LEN(nows); n++) {
		for (unsigned int ws = 0; ws <= 20; ws++) {
			for (int sack = 0; sack <= 1; sack++) {
				uint32_t ts = syncookie_ts_encode(nows[n], ws, sack != 0);
				/* Never ahead of the clock, and at most 63 behind. */
				assert_true(nows[n] - ts < 64);
				unsigned int got_ws = 99;
				bool got_sack = !sack;
				assert_true(syncookie_ts_decode(ts, &got_ws, &got_sack));
				assert_int_equal(got_ws, ws < 15 ? ws : 15);
				assert_int_equal(got_sack, sack != 0);
			}
		}
	}
	/* The exact bits: shift 7 with SACK is 0x17 in the low six bits. */
	assert_int_equal(syncookie_ts_encode(0x1000, 7, true), 0x1000 - 64 + 0x17);
	assert_int_equal(syncookie_ts_encode(0x103f, 7, true), 0x1017);
	assert_int_equal(syncookie_ts_encode(0x1017, 7, true), 0x1017);
	assert_int_equal(syncookie_ts_encode(0x1006, 15, false), 0x1000 - 64 + 0x0f);
	assert_int_equal(syncookie_ts_encode(0x1016, 15, false), 0x100f);

	/* ECN is never offered, so an echo with its bit set isn't ours. */
	unsigned int ws;
	bool sack;
	assert_false(syncookie_ts_decode(0x20, &ws, &sack));
	assert_false(syncookie_ts_decode(0xabcdef37, &ws, &sack));
	assert_true(syncookie_ts_decode(0xabcdef1f, &ws, &sack));
	assert_int_equal(ws, 15);
	assert_true(sack);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_secret_rotation),
		cmocka_unit_test(test_mss_table),
		cmocka_unit_test(test_fields_independent),
		cmocka_unit_test(test_ts_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

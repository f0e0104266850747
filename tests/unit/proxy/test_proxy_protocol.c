/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/proxy/proxy_protocol.c: byte-exact v1 and v2 headers worked
 * out by hand from HAProxy's "The PROXY protocol", every too-small buffer
 * (exactly sized heap buffers, so ASan sees any overrun), the limits of the
 * 16-bit length fields, and random inputs read back by a decoder written here
 * from the spec alone.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proxy_protocol.h"

#define V1_MAX 107 /* the spec's bound on a v1 line, CRLF included */
#define CANARY 0xa5

static unsigned int be16_at(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static struct pp_info v4_info(void)
{
	struct pp_info pi = {
		.family = AF_INET,
		.src_addr = { 192, 0, 2, 1 },
		.dst_addr = { 198, 51, 100, 7 },
		.src_port = 56324,
		.dst_port = 443,
	};
	return pi;
}

/* 2001:db8::1 -> 2001:db8::1:0:0:1 */
static struct pp_info v6_info(void)
{
	struct pp_info pi = {
		.family = AF_INET6,
		.src_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 },
		.dst_addr = { 0x20, 0x01, 0x0d, 0xb8, [9] = 0x01, [15] = 0x01 },
		.src_port = 1,
		.dst_port = 8443,
	};
	return pi;
}

static void with_all_tlvs(struct pp_info *pi)
{
	pi->tls = true;
	pi->alpn = "h2";
	pi->authority = "example.com";
	pi->tls_version = "TLSv1.3";
	pi->cipher = "TLS_AES_128_GCM_SHA256";
	pi->sig_alg = "ECDSA-SHA256";
	pi->key_alg = "EC256";
}

static void expect_v1(const struct pp_info *pi, const char *want)
{
	char buf[256];
	int n;

	memset(buf, CANARY, sizeof(buf));
	n = pp_v1_write(pi, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	assert_int_equal((uint8_t)buf[n], CANARY); /* no NUL: the caller sends exactly n bytes */
	assert_true(n <= V1_MAX);
}

static void expect_v2(const struct pp_info *pi, const uint8_t *want, size_t want_len)
{
	uint8_t buf[512];
	int n;

	memset(buf, CANARY, sizeof(buf));
	n = pp_v2_write(pi, buf, sizeof(buf));
	assert_int_equal(n, want_len);
	assert_memory_equal(buf, want, want_len);
	assert_int_equal(buf[n], CANARY);
}

static void test_v1_ipv4(void **state)
{
	(void)state;
	struct pp_info pi = v4_info();

	expect_v1(&pi, "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
	/* TLV fields have no v1 form */
	with_all_tlvs(&pi);
	expect_v1(&pi, "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
}

static void test_v1_ports_at_the_ends(void **state)
{
	(void)state;
	struct pp_info pi = {
		.family = AF_INET,
		.src_addr = { 0, 0, 0, 0 },
		.dst_addr = { 255, 255, 255, 255 },
		.src_port = 0,
		.dst_port = 65535,
	};

	expect_v1(&pi, "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n");
	pi.src_port = 10;
	pi.dst_port = 100;
	expect_v1(&pi, "PROXY TCP4 0.0.0.0 255.255.255.255 10 100\r\n");
}

static void test_v1_ipv6(void **state)
{
	(void)state;
	struct pp_info pi = v6_info();

	expect_v1(&pi, "PROXY TCP6 2001:db8::1 2001:db8::1:0:0:1 1 8443\r\n");

	/* RFC 5952: the longest run of zeros is the one shortened, in lower case */
	uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };
	uint8_t two_runs[16] = { 0x20, 0x01, 0x0d, 0xb8, [7] = 0x01, [14] = 0xab, [15] = 0xcd };
	memcpy(pi.src_addr, mapped, 16);
	memcpy(pi.dst_addr, two_runs, 16);
	expect_v1(&pi, "PROXY TCP6 ::ffff:192.0.2.1 2001:db8:0:1::abcd 1 8443\r\n");

	/* the longest TCP6 line still fits the spec's 107 bytes */
	memset(pi.src_addr, 0xff, 16);
	memset(pi.dst_addr, 0xff, 16);
	pi.src_port = 65535;
	pi.dst_port = 65535;
	expect_v1(&pi, "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n");
}

static const uint8_t sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

static void test_v2_ipv4_no_tlvs(void **state)
{
	(void)state;
	struct pp_info pi = v4_info();
	uint8_t want[28];

	memcpy(want, sig, 12);
	const uint8_t rest[] = {
		0x21, 0x11, 0x00, 0x0c,   /* v2 PROXY, TCP over IPv4, 12 bytes follow */
		192, 0, 2, 1,             /* source */
		198, 51, 100, 7,          /* destination */
		0xdc, 0x04, 0x01, 0xbb,   /* 56324, 443 */
	};
	memcpy(want + 12, rest, sizeof(rest));
	expect_v2(&pi, want, sizeof(want));

	/* empty strings are left out like NULL; SSL sub-TLVs without tls are not sent */
	pi.alpn = "";
	pi.authority = "";
	pi.cipher = "TLS_AES_128_GCM_SHA256";
	expect_v2(&pi, want, sizeof(want));
}

static void test_v2_ipv4_all_tlvs(void **state)
{
	(void)state;
	struct pp_info pi = v4_info();
	uint8_t want[16 + 97];
	size_t n = 0;

	with_all_tlvs(&pi);
	memcpy(want, sig, 12);
	n = 12;
	/*
	 * 12 address bytes + ALPN 3+2 + AUTHORITY 3+11 + SSL 3+63 = 97 (0x61); the SSL value is
	 * client 1 + verify 4 + VERSION 3+7 + CIPHER 3+22 + SIG_ALG 3+12 + KEY_ALG 3+5 = 63 (0x3f).
	 */
	const uint8_t head[] = {
		0x21, 0x11, 0x00, 0x61,
		192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0x01, 0xbb,
		0x01, 0x00, 0x02, 'h', '2',
		0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
		0x20, 0x00, 0x3f,
		0x01,                     /* PP2_CLIENT_SSL */
		0x00, 0x00, 0x00, 0x00,   /* verify */
		0x21, 0x00, 0x07, 'T', 'L', 'S', 'v', '1', '.', '3',
		0x23, 0x00, 0x16,
	};
	memcpy(want + n, head, sizeof(head));
	n += sizeof(head);
	memcpy(want + n, "TLS_AES_128_GCM_SHA256", 22);
	n += 22;
	const uint8_t tail[] = {
		0x24, 0x00, 0x0c, 'E', 'C', 'D', 'S', 'A', '-', 'S', 'H', 'A', '2', '5', '6',
		0x25, 0x00, 0x05, 'E', 'C', '2', '5', '6',
	};
	memcpy(want + n, tail, sizeof(tail));
	n += sizeof(tail);
	assert_int_equal(n, sizeof(want));
	expect_v2(&pi, want, sizeof(want));
}

static void test_v2_ssl_without_sub_tlvs(void **state)
{
	(void)state;
	struct pp_info pi = v4_info();
	uint8_t want[16 + 12 + 8];

	pi.tls = true;
	memcpy(want, sig, 12);
	const uint8_t rest[] = {
		0x21, 0x11, 0x00, 0x14,
		192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0x01, 0xbb,
		0x20, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
	};
	memcpy(want + 12, rest, sizeof(rest));
	expect_v2(&pi, want, sizeof(want));
}

static void test_v2_ipv6(void **state)
{
	(void)state;
	struct pp_info pi = v6_info();
	uint8_t want[16 + 36 + 5];

	pi.alpn = "h2";
	memcpy(want, sig, 12);
	const uint8_t rest[] = {
		0x21, 0x21, 0x00, 0x29,   /* TCP over IPv6, 36 + 5 bytes follow */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0x01,
		0x00, 0x01, 0x20, 0xfb,   /* 1, 8443 */
		0x01, 0x00, 0x02, 'h', '2',
	};
	memcpy(want + 12, rest, sizeof(rest));
	expect_v2(&pi, want, sizeof(want));
}

static void test_invalid_input(void **state)
{
	(void)state;
	struct pp_info pi = v4_info();
	uint8_t buf[256];

	memset(buf, CANARY, sizeof(buf));
	pi.family = AF_UNIX;
	assert_int_equal(pp_v1_write(&pi, (char *)buf, sizeof(buf)), -1);
	assert_int_equal(pp_v2_write(&pi, buf, sizeof(buf)), -1);
	pi.family = 0;
	assert_int_equal(pp_v1_write(&pi, (char *)buf, sizeof(buf)), -1);
	assert_int_equal(pp_v2_write(&pi, buf, sizeof(buf)), -1);
	assert_int_equal(pp_v1_write(NULL, (char *)buf, sizeof(buf)), -1);
	assert_int_equal(pp_v2_write(NULL, buf, sizeof(buf)), -1);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], CANARY);
	pi = v4_info();
	assert_int_equal(pp_v1_write(&pi, NULL, 0), -1);
	assert_int_equal(pp_v2_write(&pi, NULL, 0), -1);
}

/* Strings at and just over the 16-bit length fields. */
static char big[65536 + 1];
static uint8_t huge_buf[16 + 12 + 3 + 65535 + 64];

static const char *big_string(size_t len)
{
	memset(big, 'a', len);
	big[len] = '\0';
	return big;
}

static void test_v2_length_limits(void **state)
{
	(void)state;
	struct pp_info pi = v4_info();
	int n;

	pi.alpn = big_string(65536); /* one over what a TLV length says */
	assert_int_equal(pp_v2_write(&pi, huge_buf, sizeof(huge_buf)), -1);
	pi.alpn = NULL;
	pi.authority = big_string(65536);
	assert_int_equal(pp_v2_write(&pi, huge_buf, sizeof(huge_buf)), -1);
	/* the most a TLV holds, but the header's own length is then over */
	pi.authority = big_string(65535);
	assert_int_equal(pp_v2_write(&pi, huge_buf, sizeof(huge_buf)), -1);

	/* the longest payload: 12 address bytes + 3 + 65520 = 65535 */
	pi.authority = big_string(65520);
	n = pp_v2_write(&pi, huge_buf, sizeof(huge_buf));
	assert_int_equal(n, 16 + 65535);
	assert_int_equal(huge_buf[14], 0xff);
	assert_int_equal(huge_buf[15], 0xff);
	assert_int_equal(huge_buf[28], 0x02);
	assert_int_equal(huge_buf[29], 0xff);
	assert_int_equal(huge_buf[30], 0xf0);
	assert_int_equal(huge_buf[n - 1], 'a');
	/* fits the field but not the buffer */
	assert_int_equal(pp_v2_write(&pi, huge_buf, (size_t)n - 1), -1);
	pi.authority = big_string(65521);
	assert_int_equal(pp_v2_write(&pi, huge_buf, sizeof(huge_buf)), -1);

	/* the SSL value (5 bytes + sub-TLVs) over 16 bits */
	pi.authority = NULL;
	pi.tls = true;
	pi.cipher = big_string(65528);
	assert_int_equal(pp_v2_write(&pi, huge_buf, sizeof(huge_buf)), -1);
	/* without tls the sub-TLV strings are not sent, so their length doesn't matter */
	pi.tls = false;
	pi.cipher = big_string(65536);
	assert_int_equal(pp_v2_write(&pi, huge_buf, sizeof(huge_buf)), 28);
	/* the largest SSL TLV: 12 + 3 + 5 + 3 + 65512 = 65535 */
	pi.tls = true;
	pi.cipher = big_string(65512);
	assert_int_equal(pp_v2_write(&pi, huge_buf, sizeof(huge_buf)), 16 + 65535);
	assert_int_equal(huge_buf[28], 0x20);
	assert_int_equal(be16_at(huge_buf + 29), 65520);
	assert_int_equal(huge_buf[36], 0x23);
	assert_int_equal(be16_at(huge_buf + 37), 65512);
}

/*
 * Every length below the header's: -1 and not one byte written; the exact length: the header.
 * Each buffer is a heap block of exactly len bytes, so an overrun is an ASan report.
 */
static void every_short_buffer(const struct pp_info *pi, bool v2)
{
	uint8_t full[512];
	int want = v2 ? pp_v2_write(pi, full, sizeof(full))
		      : pp_v1_write(pi, (char *)full, sizeof(full));

	assert_true(want > 0);
	for (size_t len = 0; len <= (size_t)want; len++) {
		uint8_t *buf = malloc(len == 0 ? 1 : len);
		int n;

		assert_non_null(buf);
		memset(buf, CANARY, len);
		n = v2 ? pp_v2_write(pi, buf, len) : pp_v1_write(pi, (char *)buf, len);
		if (len < (size_t)want) {
			assert_int_equal(n, -1);
			for (size_t i = 0; i < len; i++)
				assert_int_equal(buf[i], CANARY);
		} else {
			assert_int_equal(n, want);
			assert_memory_equal(buf, full, len);
		}
		free(buf);
	}
}

static void test_short_buffers(void **state)
{
	(void)state;
	struct pp_info v4 = v4_info();
	struct pp_info v6 = v6_info();

	every_short_buffer(&v4, false);
	every_short_buffer(&v6, false);
	every_short_buffer(&v4, true);
	every_short_buffer(&v6, true);
	with_all_tlvs(&v4);
	with_all_tlvs(&v6);
	every_short_buffer(&v4, true);
	every_short_buffer(&v6, true);
}

/* ---- an independent reader, from the spec's text ---- */

struct field {
	bool seen;
	const uint8_t *value;
	size_t len;
};

struct decoded {
	int family;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	struct field alpn, authority, ssl, version, cipher, sig_alg, key_alg;
	uint8_t client;
	uint32_t verify;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* TLVs in [p, end): each one inside the range, each type at most once, only the known ones. */
static bool read_tlvs(const uint8_t *p, const uint8_t *end, struct decoded *d, bool sub)
{
	while (p < end) {
		struct field *f;
		size_t len;

		if (end - p < 3)
			return false;
		len = be16(p + 1);
		if ((size_t)(end - p - 3) < len)
			return false;
		switch (p[0] | (sub ? 0x100 : 0)) {
		case 0x01: f = &d->alpn; break;
		case 0x02: f = &d->authority; break;
		case 0x20: f = &d->ssl; break;
		case 0x121: f = &d->version; break;
		case 0x123: f = &d->cipher; break;
		case 0x124: f = &d->sig_alg; break;
		case 0x125: f = &d->key_alg; break;
		default: return false;
		}
		if (f->seen)
			return false;
		f->seen = true;
		f->value = p + 3;
		f->len = len;
		p += 3 + len;
	}
	return true;
}

static bool decode_v2(const uint8_t *h, size_t n, struct decoded *d)
{
	size_t alen;
	const uint8_t *end;

	memset(d, 0, sizeof(*d));
	if (n < 16 || memcmp(h, sig, 12) != 0 || h[12] != 0x21 || be16(h + 14) != n - 16)
		return false;
	if (h[13] == 0x11) {
		d->family = AF_INET;
		alen = 4;
	} else if (h[13] == 0x21) {
		d->family = AF_INET6;
		alen = 16;
	} else {
		return false;
	}
	if (n - 16 < 2 * alen + 4)
		return false;
	memcpy(d->src, h + 16, alen);
	memcpy(d->dst, h + 16 + alen, alen);
	d->sport = be16(h + 16 + 2 * alen);
	d->dport = be16(h + 18 + 2 * alen);
	end = h + n;
	if (!read_tlvs(h + 20 + 2 * alen, end, d, false))
		return false;
	if (d->ssl.seen) {
		const uint8_t *v = d->ssl.value;

		if (d->ssl.len < 5)
			return false;
		d->client = v[0];
		d->verify = (uint32_t)be16(v + 1) << 16 | be16(v + 3);
		if (!read_tlvs(v + 5, v + d->ssl.len, d, true))
			return false;
	}
	return true;
}

static void expect_field(const struct field *f, const char *want)
{
	if (want == NULL || want[0] == '\0') {
		assert_false(f->seen);
		return;
	}
	assert_true(f->seen);
	assert_int_equal(f->len, strlen(want));
	assert_memory_equal(f->value, want, f->len);
}

/* v1: "PROXY TCPx src dst sport dport\r\n", read back with inet_pton and strtoul. */
static void expect_v1_round_trip(const struct pp_info *pi, const char *line, int n)
{
	char copy[V1_MAX + 1];
	char *words[6], *save = NULL;
	uint8_t addr[16];
	size_t alen = pi->family == AF_INET ? 4 : 16;

	assert_true(n > 2 && n <= V1_MAX);
	assert_memory_equal(line + n - 2, "\r\n", 2);
	memcpy(copy, line, (size_t)n - 2);
	copy[n - 2] = '\0';
	for (int i = 0; i < 6; i++) {
		words[i] = strtok_r(i == 0 ? copy : NULL, " ", &save);
		assert_non_null(words[i]);
	}
	assert_null(strtok_r(NULL, " ", &save));
	assert_string_equal(words[0], "PROXY");
	assert_string_equal(words[1], pi->family == AF_INET ? "TCP4" : "TCP6");
	assert_int_equal(inet_pton(pi->family, words[2], addr), 1);
	assert_memory_equal(addr, pi->src_addr, alen);
	assert_int_equal(inet_pton(pi->family, words[3], addr), 1);
	assert_memory_equal(addr, pi->dst_addr, alen);
	assert_int_equal(strtoul(words[4], NULL, 10), pi->src_port);
	assert_int_equal(strtoul(words[5], NULL, 10), pi->dst_port);
	/* no leading zeros */
	assert_true(words[4][0] != '0' || words[4][1] == '\0');
	assert_true(words[5][0] != '0' || words[5][1] == '\0');
}

/* xorshift64: a fixed seed, so a failure repeats */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* NULL, empty, or 1..300 bytes of anything but NUL. */
static const char *random_string(uint64_t *s, char *space, size_t cap)
{
	size_t len;

	switch (rng_next(s) % 4) {
	case 0: return NULL;
	case 1: return "";
	default: break;
	}
	len = 1 + rng_next(s) % (cap - 1);
	for (size_t i = 0; i < len; i++)
		space[i] = (char)(1 + rng_next(s) % 255);
	space[len] = '\0';
	return space;
}

static void test_random_round_trip(void **state)
{
	(void)state;
	uint64_t s = 0x9e3779b97f4a7c15u;
	static char strings[6][301];
	uint8_t buf[16 + 36 + 6 * (3 + 300) + 5];
	char line[256];

	for (int iter = 0; iter < 5000; iter++) {
		struct pp_info pi = { 0 };
		struct decoded d;
		size_t alen;
		int n;

		pi.family = rng_next(&s) % 2 ? AF_INET : AF_INET6;
		alen = pi.family == AF_INET ? 4 : 16;
		for (size_t i = 0; i < alen; i++) {
			pi.src_addr[i] = (uint8_t)rng_next(&s);
			/* runs of zeros, so the "::" forms come up */
			pi.dst_addr[i] = rng_next(&s) % 3 ? 0 : (uint8_t)rng_next(&s);
		}
		pi.src_port = (uint16_t)rng_next(&s);
		pi.dst_port = (uint16_t)(rng_next(&s) % 3 == 0 ? rng_next(&s) % 100 : rng_next(&s));
		pi.tls = rng_next(&s) % 2;
		pi.alpn = random_string(&s, strings[0], sizeof(strings[0]));
		pi.authority = random_string(&s, strings[1], sizeof(strings[1]));
		pi.tls_version = random_string(&s, strings[2], sizeof(strings[2]));
		pi.cipher = random_string(&s, strings[3], sizeof(strings[3]));
		pi.sig_alg = random_string(&s, strings[4], sizeof(strings[4]));
		pi.key_alg = random_string(&s, strings[5], sizeof(strings[5]));

		n = pp_v2_write(&pi, buf, sizeof(buf));
		assert_true(n > 0);
		if (!decode_v2(buf, (size_t)n, &d))
			fail_msg("iteration %d: the v2 header does not decode", iter);
		assert_int_equal(d.family, pi.family);
		assert_memory_equal(d.src, pi.src_addr, alen);
		assert_memory_equal(d.dst, pi.dst_addr, alen);
		assert_int_equal(d.sport, pi.src_port);
		assert_int_equal(d.dport, pi.dst_port);
		expect_field(&d.alpn, pi.alpn);
		expect_field(&d.authority, pi.authority);
		assert_int_equal(d.ssl.seen, pi.tls);
		if (pi.tls) {
			assert_int_equal(d.client, 0x01);
			assert_int_equal(d.verify, 0);
			expect_field(&d.version, pi.tls_version);
			expect_field(&d.cipher, pi.cipher);
			expect_field(&d.sig_alg, pi.sig_alg);
			expect_field(&d.key_alg, pi.key_alg);
		}

		n = pp_v1_write(&pi, line, sizeof(line));
		expect_v1_round_trip(&pi, line, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_ipv4),
		cmocka_unit_test(test_v1_ports_at_the_ends),
		cmocka_unit_test(test_v1_ipv6),
		cmocka_unit_test(test_v2_ipv4_no_tlvs),
		cmocka_unit_test(test_v2_ipv4_all_tlvs),
		cmocka_unit_test(test_v2_ssl_without_sub_tlvs),
		cmocka_unit_test(test_v2_ipv6),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_v2_length_limits),
		cmocka_unit_test(test_short_buffers),
		cmocka_unit_test(test_random_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

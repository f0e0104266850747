/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp/tcp_options.c: parsing real option blobs, every malformed class,
 * bounds (inputs live in buffers of exactly their length, so AddressSanitizer
 * sees any read past the end), Linux's SYN layout byte for byte, SACK block
 * capacity, and writer -> parser round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_options.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Parse from a heap copy of exactly len bytes (NULL for none): any overread is caught. */
static int parse_exact(const uint8_t *bytes, size_t len, bool syn, struct tcp_opts *out)
{
	uint8_t *copy = NULL;
	if (len > 0) {
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, bytes, len);
	}
	int r = tcp_options_parse(copy, len, syn, out);
	free(copy);
	return r;
}

static void assert_opts_equal(const struct tcp_opts *a, const struct tcp_opts *b)
{
	assert_int_equal(a->mss_present, b->mss_present);
	if (a->mss_present)
		assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->wscale_present, b->wscale_present);
	if (a->wscale_present)
		assert_int_equal(a->wscale, b->wscale);
	assert_int_equal(a->sack_permitted, b->sack_permitted);
	assert_int_equal(a->ts_present, b->ts_present);
	if (a->ts_present) {
		assert_int_equal(a->tsval, b->tsval);
		assert_int_equal(a->tsecr, b->tsecr);
	}
	assert_int_equal(a->n_sack, b->n_sack);
	for (unsigned int i = 0; i < a->n_sack; i++) {
		assert_int_equal(a->sack[i].left, b->sack[i].left);
		assert_int_equal(a->sack[i].right, b->sack[i].right);
	}
}

/* Linux 6.1 SYN: MSS 1460, SACK-permitted, TS 123456789/0, NOP, WS 7. */
static const uint8_t linux_syn[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x07, 0x5b,
				    0xcd, 0x15, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

static void test_empty(void **state)
{
	(void)state;
	struct tcp_opts o;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(tcp_options_parse(NULL, 0, true, &o), 0);
	struct tcp_opts zero;
	memset(&zero, 0, sizeof(zero));
	assert_opts_equal(&o, &zero);
	assert_false(o.mss_present || o.wscale_present || o.sack_permitted || o.ts_present);
}

static void test_linux_syn(void **state)
{
	(void)state;
	struct tcp_opts o;
	assert_int_equal(parse_exact(linux_syn, sizeof(linux_syn), true, &o), 0);
	assert_true(o.mss_present);
	assert_int_equal(o.mss, 1460);
	assert_true(o.sack_permitted);
	assert_true(o.ts_present);
	assert_int_equal(o.tsval, 123456789);
	assert_int_equal(o.tsecr, 0);
	assert_true(o.wscale_present);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.n_sack, 0);
}

/* Windows 10 (MSS, NOP WS, NOP NOP SACKOK) and macOS (..., TS, SACKOK, EOL EOL). */
static void test_other_stacks_syn(void **state)
{
	(void)state;
	static const uint8_t windows[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08,
					  0x01, 0x01, 0x04, 0x02};
	static const uint8_t macos[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x06,
					0x01, 0x01, 0x08, 0x0a, 0xde, 0xad, 0xbe, 0xef,
					0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00};
	struct tcp_opts o;
	assert_int_equal(parse_exact(windows, sizeof(windows), true, &o), 0);
	assert_true(o.mss_present && o.wscale_present && o.sack_permitted && !o.ts_present);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 8);

	assert_int_equal(parse_exact(macos, sizeof(macos), true, &o), 0);
	assert_true(o.mss_present && o.wscale_present && o.sack_permitted && o.ts_present);
	assert_int_equal(o.wscale, 6);
	assert_int_equal(o.tsval, 0xdeadbeef);
	assert_int_equal(o.tsecr, 0);
}

/* An ACK with NOP NOP TS NOP NOP SACK(3 blocks): 40 bytes, the most a segment carries. */
static void test_ack_ts_sack(void **state)
{
	(void)state;
	static const uint8_t ack[] = {
		0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0x01,
		0x01, 0x01, 0x05, 0x1a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
		0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44,
		0x55, 0x66, 0x77, 0x88};
	struct tcp_opts o;
	assert_int_equal(sizeof(ack), TCP_OPTIONS_MAX);
	assert_int_equal(parse_exact(ack, sizeof(ack), false, &o), 0);
	assert_true(o.ts_present);
	assert_int_equal(o.tsval, 0x1000);
	assert_int_equal(o.tsecr, 0x80000001u);
	assert_int_equal(o.n_sack, 3);
	assert_int_equal(o.sack[0].left, 1000);
	assert_int_equal(o.sack[0].right, 2000);
	assert_int_equal(o.sack[1].left, 0xffffff00u); /* wraps: the codec doesn't judge edges */
	assert_int_equal(o.sack[1].right, 0x100);
	assert_int_equal(o.sack[2].left, 0x11223344u);
	assert_int_equal(o.sack[2].right, 0x55667788u);
	assert_false(o.mss_present || o.wscale_present || o.sack_permitted);
}

static void test_sack_block_counts(void **state)
{
	(void)state;
	for (unsigned int n = 1; n <= TCP_SACK_BLOCKS_MAX; n++) {
		uint8_t b[TCP_OPTIONS_MAX];
		size_t len = 0;
		b[len++] = TCP_OPT_SACK;
		b[len++] = (uint8_t)(2 + 8 * n);
		for (unsigned int i = 0; i < 2 * n; i++) {
			uint32_t v = 0x01020304u * (i + 1);
			b[len++] = (uint8_t)(v >> 24);
			b[len++] = (uint8_t)(v >> 16);
			b[len++] = (uint8_t)(v >> 8);
			b[len++] = (uint8_t)v;
		}
		struct tcp_opts o;
		assert_int_equal(parse_exact(b, len, false, &o), 0);
		assert_int_equal(o.n_sack, n);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(o.sack[i].left, 0x01020304u * (2 * i + 1));
			assert_int_equal(o.sack[i].right, 0x01020304u * (2 * i + 2));
		}
	}
}

static void test_nop_and_eol(void **state)
{
	(void)state;
	struct tcp_opts o;
	static const uint8_t nops[] = {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};
	assert_int_equal(parse_exact(nops, sizeof(nops), true, &o), 0);
	assert_false(o.mss_present || o.ts_present);

	/* EOL ends the list: what follows is padding, even if it looks malformed. */
	static const uint8_t eol[] = {0x02, 0x04, 0x02, 0x18, 0x00, 0x02, 0x00, 0x08, 0x01};
	assert_int_equal(parse_exact(eol, sizeof(eol), true, &o), 0);
	assert_true(o.mss_present);
	assert_int_equal(o.mss, 536);
	static const uint8_t eol_first[] = {0x00, 0x02, 0x04, 0x05, 0xb4};
	assert_int_equal(parse_exact(eol_first, sizeof(eol_first), true, &o), 0);
	assert_false(o.mss_present);
}

static void test_unknown_kinds_skipped(void **state)
{
	(void)state;
	/* TFO cookie (34), MPTCP (30), experimental (254), a bare kind 99 of length 2, then WS. */
	static const uint8_t b[] = {0x22, 0x0a, 1,    2,    3,    4,    5,    6,    7,    8,
				    0x1e, 0x04, 0x00, 0x81, 0xfe, 0x04, 0xf9, 0x89, 0x63, 0x02,
				    0x01, 0x03, 0x03, 0x0e};
	struct tcp_opts o;
	assert_int_equal(parse_exact(b, sizeof(b), true, &o), 0);
	assert_true(o.wscale_present);
	assert_int_equal(o.wscale, 14);
	assert_false(o.mss_present || o.sack_permitted || o.ts_present);
}

/* MSS, window scale and SACK-permitted count only on a SYN; SACK blocks only without one. */
static void test_syn_rules(void **state)
{
	(void)state;
	struct tcp_opts o;
	assert_int_equal(parse_exact(linux_syn, sizeof(linux_syn), false, &o), 0);
	assert_false(o.mss_present || o.wscale_present || o.sack_permitted);
	assert_true(o.ts_present); /* timestamps ride on every segment */
	assert_int_equal(o.tsval, 123456789);

	static const uint8_t sack[] = {0x01, 0x01, 0x05, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2};
	assert_int_equal(parse_exact(sack, sizeof(sack), true, &o), 0);
	assert_int_equal(o.n_sack, 0);
	assert_int_equal(parse_exact(sack, sizeof(sack), false, &o), 0);
	assert_int_equal(o.n_sack, 1);
}

/* RFC 7323 §2.3: a shift above 14 is used as 14. */
static void test_wscale_clamped(void **state)
{
	(void)state;
	static const uint8_t shifts[] = {0, 1, 13, 14, 15, 16, 100, 255};
	for (unsigned int i = 0; i < ARRAY_LEN(shifts); i++) {
		uint8_t b[] = {0x03, 0x03, shifts[i]};
		struct tcp_opts o;
		assert_int_equal(parse_exact(b, sizeof(b), true, &o), 0);
		assert_true(o.wscale_present);
		assert_int_equal(o.wscale, shifts[i] > 14 ? 14 : shifts[i]);
	}
}

static void test_duplicates_last_wins(void **state)
{
	(void)state;
	static const uint8_t b[] = {0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x02, 0x18};
	struct tcp_opts o;
	assert_int_equal(parse_exact(b, sizeof(b), true, &o), 0);
	assert_int_equal(o.mss, 536);
}

struct bad_case {
	const char *what;
	uint8_t bytes[TCP_OPTIONS_MAX];
	size_t len;
	int err;
};

static const struct bad_case bad_cases[] = {
	{"kind without length", {0x02}, 1, TCP_OPT_ERR_TRUNCATED},
	{"unknown kind without length", {0x01, 0xfe}, 2, TCP_OPT_ERR_TRUNCATED},
	{"MSS length 0", {0x02, 0x00, 0x05, 0xb4}, 4, TCP_OPT_ERR_LEN_SHORT},
	{"MSS length 1", {0x02, 0x01, 0x05, 0xb4}, 4, TCP_OPT_ERR_LEN_SHORT},
	{"TS length 0", {0x08, 0x00}, 2, TCP_OPT_ERR_LEN_SHORT},
	{"SACK length 1", {0x05, 0x01}, 2, TCP_OPT_ERR_LEN_SHORT},
	{"unknown length 0", {0x22, 0x00, 0x01, 0x01}, 4, TCP_OPT_ERR_LEN_SHORT},
	{"unknown length 1", {0x01, 0x63, 0x01}, 3, TCP_OPT_ERR_LEN_SHORT},
	{"MSS past end", {0x02, 0x04, 0x05}, 3, TCP_OPT_ERR_TRUNCATED},
	{"TS past end", {0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0}, 11, TCP_OPT_ERR_TRUNCATED},
	{"unknown past end", {0x22, 0x10, 1, 2, 3, 4}, 6, TCP_OPT_ERR_TRUNCATED},
	{"length 255", {0x1e, 0xff, 0, 0}, 4, TCP_OPT_ERR_TRUNCATED},
	{"SACK of 5 blocks", {0x05, 0x2a, 0}, 40, TCP_OPT_ERR_TRUNCATED},
	{"MSS length 3", {0x02, 0x03, 0x05}, 3, TCP_OPT_ERR_MSS_LEN},
	{"MSS length 5", {0x02, 0x05, 0x05, 0xb4, 0x00, 0x00, 0x00, 0x00}, 8, TCP_OPT_ERR_MSS_LEN},
	{"MSS length 2", {0x02, 0x02, 0x01, 0x01}, 4, TCP_OPT_ERR_MSS_LEN},
	{"WS length 2", {0x03, 0x02, 0x01, 0x01}, 4, TCP_OPT_ERR_WSCALE_LEN},
	{"WS length 4", {0x03, 0x04, 0x07, 0x00}, 4, TCP_OPT_ERR_WSCALE_LEN},
	{"SACKOK length 3", {0x04, 0x03, 0x00, 0x01}, 4, TCP_OPT_ERR_SACK_PERM_LEN},
	{"SACKOK length 4", {0x04, 0x04, 0x00, 0x00}, 4, TCP_OPT_ERR_SACK_PERM_LEN},
	{"TS length 8", {0x08, 0x08, 0, 0, 0, 1, 0, 0}, 8, TCP_OPT_ERR_TIMESTAMP_LEN},
	{"TS length 12", {0x08, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 12, TCP_OPT_ERR_TIMESTAMP_LEN},
	{"SACK length 2", {0x05, 0x02, 0x01, 0x01}, 4, TCP_OPT_ERR_SACK_LEN},
	{"SACK length 9", {0x05, 0x09, 0, 0, 0, 1, 0, 0, 2}, 9, TCP_OPT_ERR_SACK_LEN},
	{"SACK length 11", {0x05, 0x0b, 0, 0, 0, 1, 0, 0, 0, 2, 0}, 11, TCP_OPT_ERR_SACK_LEN},
	{"SACK length 36", {0x05, 0x24, 0}, 36, TCP_OPT_ERR_SACK_LEN},
	{"bad after good",
	 {0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2, 0x05, 0x03, 0x00},
	 15,
	 TCP_OPT_ERR_SACK_LEN},
	{"too long", {0x01}, TCP_OPTIONS_MAX + 1, TCP_OPT_ERR_TOO_LONG},
};

/* Every malformed class is refused, with its own value, with and without SYN. */
static void test_malformed(void **state)
{
	(void)state;
	uint8_t big[TCP_OPTIONS_MAX + 1];
	for (unsigned int i = 0; i < ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		const uint8_t *bytes = c->bytes;
		if (c->len > sizeof(c->bytes)) {
			memset(big, TCP_OPT_NOP, sizeof(big));
			bytes = big;
		}
		for (int syn = 0; syn <= 1; syn++) {
			struct tcp_opts o;
			int r = parse_exact(bytes, c->len, syn != 0, &o);
			if (r != c->err)
				fail_msg("%s (syn %d): got %d %s, want %d %s", c->what, syn, r,
					 tcp_opt_error_name(r), c->err, tcp_opt_error_name(c->err));
		}
	}
}

/* Every prefix of a valid list: fine at option boundaries, truncated inside an option. */
static void test_every_prefix(void **state)
{
	(void)state;
	static const size_t boundaries[] = {0, 4, 6, 16, 17, 20};
	for (size_t len = 0; len <= sizeof(linux_syn); len++) {
		bool at_boundary = false;
		for (unsigned int i = 0; i < ARRAY_LEN(boundaries); i++)
			at_boundary |= boundaries[i] == len;
		struct tcp_opts o;
		int r = parse_exact(linux_syn, len, true, &o);
		assert_int_equal(r, at_boundary ? 0 : TCP_OPT_ERR_TRUNCATED);
	}
}

/* Options at an odd address parse the same (values are assembled byte by byte). */
static void test_unaligned(void **state)
{
	(void)state;
	uint8_t buf[sizeof(linux_syn) + 3];
	struct tcp_opts aligned, odd;
	assert_int_equal(parse_exact(linux_syn, sizeof(linux_syn), true, &aligned), 0);
	for (size_t shift = 1; shift <= 3; shift++) {
		memcpy(buf + shift, linux_syn, sizeof(linux_syn));
		assert_int_equal(tcp_options_parse(buf + shift, sizeof(linux_syn), true, &odd), 0);
		assert_opts_equal(&aligned, &odd);
	}
}

static void test_error_names(void **state)
{
	(void)state;
	static const int errs[] = {0,
				   TCP_OPT_ERR_TOO_LONG,
				   TCP_OPT_ERR_LEN_SHORT,
				   TCP_OPT_ERR_TRUNCATED,
				   TCP_OPT_ERR_MSS_LEN,
				   TCP_OPT_ERR_WSCALE_LEN,
				   TCP_OPT_ERR_SACK_PERM_LEN,
				   TCP_OPT_ERR_TIMESTAMP_LEN,
				   TCP_OPT_ERR_SACK_LEN};
	for (unsigned int i = 0; i < ARRAY_LEN(errs); i++) {
		assert_true(errs[i] <= 0);
		assert_string_not_equal(tcp_opt_error_name(errs[i]), "unknown");
		for (unsigned int j = 0; j < i; j++) {
			assert_int_not_equal(errs[i], errs[j]);
			assert_string_not_equal(tcp_opt_error_name(errs[i]),
						tcp_opt_error_name(errs[j]));
		}
	}
	assert_string_equal(tcp_opt_error_name(-100), "unknown");
}

/* What tcp_options_write_syn() must produce, byte for byte (Linux tcp_options_write()). */
static void check_syn_bytes(const struct tcp_syn_opts *in, const uint8_t *want, size_t want_len)
{
	uint8_t buf[TCP_OPTIONS_MAX + 8];
	memset(buf, 0xee, sizeof(buf));
	size_t n = tcp_options_write_syn(buf, TCP_OPTIONS_MAX, in);
	assert_int_equal(n, want_len);
	assert_int_equal(n % 4, 0);
	if (want_len > 0)
		assert_memory_equal(buf, want, want_len);
	for (size_t i = n; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void test_write_syn_linux_layout(void **state)
{
	(void)state;
	struct tcp_syn_opts in = {.mss_present = true,
				  .mss = 1460,
				  .sack_permitted = true,
				  .ts_present = true,
				  .tsval = 123456789,
				  .tsecr = 0,
				  .wscale_present = true,
				  .wscale = 7};
	check_syn_bytes(&in, linux_syn, sizeof(linux_syn));

	/* Without SACK-permitted its two bytes become NOP NOP. */
	in.sack_permitted = false;
	static const uint8_t no_sack[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x08,
					  0x0a, 0x07, 0x5b, 0xcd, 0x15, 0x00, 0x00,
					  0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
	check_syn_bytes(&in, no_sack, sizeof(no_sack));

	/* Without timestamps: MSS, NOP NOP SACKOK, NOP WS. */
	in.sack_permitted = true;
	in.ts_present = false;
	static const uint8_t no_ts[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01,
					0x04, 0x02, 0x01, 0x03, 0x03, 0x07};
	check_syn_bytes(&in, no_ts, sizeof(no_ts));

	/* A SYN-ACK echoing the peer's TSval, window scale above 14 sent as 14. */
	struct tcp_syn_opts synack = {.mss_present = true,
				      .mss = 8960,
				      .sack_permitted = true,
				      .ts_present = true,
				      .tsval = 0x01020304,
				      .tsecr = 0xa0b0c0d0,
				      .wscale_present = true,
				      .wscale = 15};
	static const uint8_t synack_bytes[] = {0x02, 0x04, 0x23, 0x00, 0x04, 0x02, 0x08,
					       0x0a, 0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0,
					       0xc0, 0xd0, 0x01, 0x03, 0x03, 0x0e};
	check_syn_bytes(&synack, synack_bytes, sizeof(synack_bytes));
}

static void test_write_syn_subsets(void **state)
{
	(void)state;
	struct tcp_syn_opts none = {0};
	check_syn_bytes(&none, NULL, 0);

	struct tcp_syn_opts mss = {.mss_present = true, .mss = 536};
	static const uint8_t mss_bytes[] = {0x02, 0x04, 0x02, 0x18};
	check_syn_bytes(&mss, mss_bytes, sizeof(mss_bytes));

	struct tcp_syn_opts ws = {.wscale_present = true, .wscale = 0};
	static const uint8_t ws_bytes[] = {0x01, 0x03, 0x03, 0x00};
	check_syn_bytes(&ws, ws_bytes, sizeof(ws_bytes));

	struct tcp_syn_opts sack = {.sack_permitted = true};
	static const uint8_t sack_bytes[] = {0x01, 0x01, 0x04, 0x02};
	check_syn_bytes(&sack, sack_bytes, sizeof(sack_bytes));

	struct tcp_syn_opts ts = {.ts_present = true, .tsval = 1, .tsecr = 2};
	static const uint8_t ts_bytes[] = {0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2};
	check_syn_bytes(&ts, ts_bytes, sizeof(ts_bytes));
}

/* Too small a buffer: nothing written, nothing past cap touched. */
static void test_write_syn_cap(void **state)
{
	(void)state;
	struct tcp_syn_opts all = {.mss_present = true,
				   .mss = 1460,
				   .sack_permitted = true,
				   .ts_present = true,
				   .wscale_present = true,
				   .wscale = 7};
	uint8_t buf[TCP_OPTIONS_MAX];
	for (size_t cap = 0; cap < 20; cap++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(tcp_options_write_syn(buf, cap, &all), 0);
		for (size_t i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xee);
	}
	assert_int_equal(tcp_options_write_syn(buf, 20, &all), 20);
	struct tcp_syn_opts none = {0};
	assert_int_equal(tcp_options_write_syn(NULL, 0, &none), 0);
}

static const struct tcp_sack_block five_blocks[] = {
	{1000, 2000}, {3000, 4000}, {5000, 6000}, {7000, 8000}, {9000, 10000}};

static void test_write_ts_only(void **state)
{
	(void)state;
	uint8_t buf[TCP_OPTIONS_MAX];
	static const uint8_t want[] = {0x01, 0x01, 0x08, 0x0a, 0xfe, 0xdc,
				       0xba, 0x98, 0x00, 0x00, 0x00, 0x07};
	assert_int_equal(tcp_options_write(buf, sizeof(buf), true, 0xfedcba98, 7, NULL, 0), 12);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tcp_options_write(buf, sizeof(buf), false, 1, 2, NULL, 0), 0);
	assert_int_equal(tcp_options_write(buf, sizeof(buf), false, 1, 2, five_blocks, 0), 0);
}

/* Three blocks fit beside timestamps (40 bytes), four without (36). */
static void test_write_sack_capacity(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct tcp_opts o;

	for (unsigned int n = 0; n <= 5; n++) {
		for (unsigned int t = 0; t <= 1; t++) {
			bool ts = t != 0;
			unsigned int fit = ts ? 3 : 4;
			unsigned int want_blocks = n < fit ? n : fit;
			size_t want_len = ts ? 12u : 0u;
			if (want_blocks > 0)
				want_len += 4 + 8 * want_blocks;
			memset(buf, 0xee, sizeof(buf));
			size_t len = tcp_options_write(buf, sizeof(buf), ts, 7, 8, five_blocks, n);
			assert_int_equal(len, want_len);
			assert_int_equal(len % 4, 0);
			assert_true(len <= TCP_OPTIONS_MAX);
			for (size_t i = len; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 0xee);
			assert_int_equal(parse_exact(buf, len, false, &o), 0);
			assert_int_equal(o.ts_present, ts);
			assert_int_equal(o.n_sack, want_blocks);
			for (unsigned int i = 0; i < want_blocks; i++) {
				assert_int_equal(o.sack[i].left, five_blocks[i].left);
				assert_int_equal(o.sack[i].right, five_blocks[i].right);
			}
		}
	}

	/* The exact bytes of TS + 3 blocks. */
	static const uint8_t want[] = {
		0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x4d, 0x00, 0x00, 0x00, 0x58,
		0x01, 0x01, 0x05, 0x1a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
		0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00, 0x0f, 0xa0, 0x00, 0x00, 0x13, 0x88,
		0x00, 0x00, 0x17, 0x70};
	assert_int_equal(tcp_options_write(buf, sizeof(buf), true, 77, 88, five_blocks, 5), 40);
	assert_memory_equal(buf, want, sizeof(want));
}

/* A smaller cap trims SACK blocks; timestamps that don't fit write nothing. */
static void test_write_cap(void **state)
{
	(void)state;
	uint8_t buf[TCP_OPTIONS_MAX];
	static const struct {
		size_t cap;
		bool ts;
		size_t want;
	} cases[] = {
		{0, true, 0},   {11, true, 0},  {12, true, 12}, {23, true, 12}, {24, true, 24},
		{32, true, 32}, {39, true, 32}, {0, false, 0},  {11, false, 0}, {12, false, 12},
		{20, false, 20}, {35, false, 28}, {36, false, 36}, {40, false, 36},
	};
	for (unsigned int i = 0; i < ARRAY_LEN(cases); i++) {
		memset(buf, 0xee, sizeof(buf));
		size_t n = tcp_options_write(buf, cases[i].cap, cases[i].ts, 1, 2, five_blocks, 5);
		if (n != cases[i].want)
			fail_msg("cap %zu ts %d: wrote %zu, want %zu", cases[i].cap, cases[i].ts, n,
				 cases[i].want);
		for (size_t j = cases[i].cap; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0xee);
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Random SYN option sets survive writer -> parser unchanged (bar the shift clamp). */
static void test_round_trip_syn(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 20000; i++) {
		uint32_t r = rnd();
		struct tcp_syn_opts in = {.mss_present = (r & 1) != 0,
					  .wscale_present = (r & 2) != 0,
					  .sack_permitted = (r & 4) != 0,
					  .ts_present = (r & 8) != 0,
					  .mss = (uint16_t)rnd(),
					  .wscale = (uint8_t)(r >> 8) % 20,
					  .tsval = rnd(),
					  .tsecr = rnd()};
		uint8_t buf[TCP_OPTIONS_MAX];
		size_t len = tcp_options_write_syn(buf, sizeof(buf), &in);
		assert_int_equal(len % 4, 0);
		assert_true(len <= 20);
		struct tcp_opts o;
		assert_int_equal(parse_exact(buf, len, true, &o), 0);
		assert_int_equal(o.mss_present, in.mss_present);
		if (in.mss_present)
			assert_int_equal(o.mss, in.mss);
		assert_int_equal(o.wscale_present, in.wscale_present);
		if (in.wscale_present)
			assert_int_equal(o.wscale, in.wscale > 14 ? 14 : in.wscale);
		assert_int_equal(o.sack_permitted, in.sack_permitted);
		assert_int_equal(o.ts_present, in.ts_present);
		if (in.ts_present) {
			assert_int_equal(o.tsval, in.tsval);
			assert_int_equal(o.tsecr, in.tsecr);
		}
		assert_int_equal(o.n_sack, 0);
	}
}

static void test_round_trip_ack(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 20000; i++) {
		uint32_t r = rnd();
		bool ts = (r & 1) != 0;
		unsigned int n = (r >> 1) % 6;
		struct tcp_sack_block blocks[5];
		for (unsigned int b = 0; b < n; b++) {
			blocks[b].left = rnd();
			blocks[b].right = rnd();
		}
		uint32_t tsval = rnd(), tsecr = rnd();
		uint8_t buf[TCP_OPTIONS_MAX];
		size_t len = tcp_options_write(buf, sizeof(buf), ts, tsval, tsecr, blocks, n);
		assert_int_equal(len % 4, 0);
		struct tcp_opts o;
		assert_int_equal(parse_exact(buf, len, false, &o), 0);
		assert_int_equal(o.ts_present, ts);
		if (ts) {
			assert_int_equal(o.tsval, tsval);
			assert_int_equal(o.tsecr, tsecr);
		}
		unsigned int fit = ts ? 3 : 4;
		assert_int_equal(o.n_sack, n < fit ? n : fit);
		for (unsigned int b = 0; b < o.n_sack; b++) {
			assert_int_equal(o.sack[b].left, blocks[b].left);
			assert_int_equal(o.sack[b].right, blocks[b].right);
		}
		assert_false(o.mss_present || o.wscale_present || o.sack_permitted);
	}
}

/* Random bytes: the parser answers something for every input without reading past it. */
static void test_random_bytes(void **state)
{
	(void)state;
	uint8_t b[TCP_OPTIONS_MAX];
	unsigned int ok = 0;
	for (unsigned int i = 0; i < 50000; i++) {
		size_t len = rnd() % (TCP_OPTIONS_MAX + 1);
		for (size_t j = 0; j < len; j++) {
			uint32_t r = rnd();
			/* Mostly known kinds and small lengths, so some inputs parse. */
			b[j] = (r & 0x300) != 0 ? (uint8_t)(r % 11) : (uint8_t)r;
		}
		struct tcp_opts o;
		int r = parse_exact(b, len, (i & 1) != 0, &o);
		assert_true(r <= 0 && r >= TCP_OPT_ERR_SACK_LEN);
		ok += r == 0;
		if (r == 0)
			assert_true(o.n_sack <= TCP_SACK_BLOCKS_MAX && o.wscale <= TCP_WSCALE_MAX);
	}
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_linux_syn),
		cmocka_unit_test(test_other_stacks_syn),
		cmocka_unit_test(test_ack_ts_sack),
		cmocka_unit_test(test_sack_block_counts),
		cmocka_unit_test(test_nop_and_eol),
		cmocka_unit_test(test_unknown_kinds_skipped),
		cmocka_unit_test(test_syn_rules),
		cmocka_unit_test(test_wscale_clamped),
		cmocka_unit_test(test_duplicates_last_wins),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_write_syn_linux_layout),
		cmocka_unit_test(test_write_syn_subsets),
		cmocka_unit_test(test_write_syn_cap),
		cmocka_unit_test(test_write_ts_only),
		cmocka_unit_test(test_write_sack_capacity),
		cmocka_unit_test(test_write_cap),
		cmocka_unit_test(test_round_trip_syn),
		cmocka_unit_test(test_round_trip_ack),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

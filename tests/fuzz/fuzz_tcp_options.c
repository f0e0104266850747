/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/tcp/tcp_options.c.
 *
 * Input: one flags byte, then the option bytes as they follow a TCP header.
 *   bit 0     the segment is a SYN
 *   bits 1-7  a buffer size (mod 41) for a second, size-limited write
 *
 * The options are parsed from a heap copy of exactly their length (so
 * AddressSanitizer sees any overread). When they parse, what was parsed is
 * written again (the SYN or the non-SYN writer) and parsed again, and both
 * parses must agree field by field; writing the second parse must give the
 * same bytes. The size-limited write must stay inside its buffer and write
 * either nothing or options that parse to a prefix of the same fields.
 * Anything else is abort().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_tcp_options: %s\n", what);
		abort();
	}
}

static bool same_ts(const struct tcp_opts *a, const struct tcp_opts *b)
{
	return a->ts_present == b->ts_present &&
	       (!a->ts_present || (a->tsval == b->tsval && a->tsecr == b->tsecr));
}

static bool same_sack_prefix(const struct tcp_opts *a, const struct tcp_opts *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a->sack[i].left != b->sack[i].left || a->sack[i].right != b->sack[i].right)
			return false;
	return true;
}

static bool same_opts(const struct tcp_opts *a, const struct tcp_opts *b)
{
	return a->mss_present == b->mss_present && (!a->mss_present || a->mss == b->mss) &&
	       a->wscale_present == b->wscale_present &&
	       (!a->wscale_present || a->wscale == b->wscale) &&
	       a->sack_permitted == b->sack_permitted && same_ts(a, b) && a->n_sack == b->n_sack &&
	       same_sack_prefix(a, b, a->n_sack);
}

/* Write o as a segment of the given kind would carry it; returns the length. */
static size_t rewrite(uint8_t *buf, size_t cap, bool syn, const struct tcp_opts *o)
{
	if (syn) {
		struct tcp_syn_opts s = {.mss_present = o->mss_present,
					 .wscale_present = o->wscale_present,
					 .sack_permitted = o->sack_permitted,
					 .ts_present = o->ts_present,
					 .mss = o->mss,
					 .wscale = o->wscale,
					 .tsval = o->tsval,
					 .tsecr = o->tsecr};
		return tcp_options_write_syn(buf, cap, &s);
	}
	return tcp_options_write(buf, cap, o->ts_present, o->tsval, o->tsecr, o->sack, o->n_sack);
}

static int parse_copy(const uint8_t *bytes, size_t len, bool syn, struct tcp_opts *out)
{
	uint8_t *copy = NULL;
	if (len > 0) {
		copy = malloc(len);
		check(copy != NULL, "malloc");
		memcpy(copy, bytes, len);
	}
	int r = tcp_options_parse(copy, len, syn, out);
	free(copy);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool syn = (data[0] & 1) != 0;
	size_t small_cap = (size_t)(data[0] >> 1) % (TCP_OPTIONS_MAX + 1);

	struct tcp_opts first;
	int r = parse_copy(data + 1, size - 1, syn, &first);
	check(r <= 0 && r >= TCP_OPT_ERR_SACK_LEN, "parse result out of range");
	if (r != 0)
		return 0;
	check(size - 1 <= TCP_OPTIONS_MAX, "accepted more than 40 bytes");
	check(!first.wscale_present || first.wscale <= TCP_WSCALE_MAX, "shift above 14");
	check(first.n_sack <= TCP_SACK_BLOCKS_MAX, "too many SACK blocks");
	if (syn)
		check(first.n_sack == 0, "SACK blocks kept on a SYN");
	else
		check(!first.mss_present && !first.wscale_present && !first.sack_permitted,
		      "SYN-only option kept without SYN");

	/* Everything one segment can carry fits again in 40 bytes. */
	uint8_t buf[TCP_OPTIONS_MAX];
	size_t len = rewrite(buf, sizeof(buf), syn, &first);
	check(len % 4 == 0 && len <= TCP_OPTIONS_MAX, "written length");
	struct tcp_opts second;
	check(parse_copy(buf, len, syn, &second) == 0, "own output does not parse");
	check(same_opts(&first, &second), "fields changed through write and parse");
	uint8_t again[TCP_OPTIONS_MAX];
	check(rewrite(again, sizeof(again), syn, &second) == len && memcmp(buf, again, len) == 0,
	      "writing is not stable");

	/* A smaller buffer: nothing outside it touched; a whole SYN set or none of it. */
	uint8_t *small = small_cap > 0 ? malloc(small_cap) : NULL;
	check(small_cap == 0 || small != NULL, "malloc");
	size_t slen = rewrite(small, small_cap, syn, &first);
	check(slen <= small_cap && slen % 4 == 0, "small write length");
	struct tcp_opts third;
	check(parse_copy(small, slen, syn, &third) == 0, "small output does not parse");
	if (syn) {
		check(slen == (small_cap >= len ? len : 0), "SYN options cut");
		check(slen == 0 || same_opts(&first, &third), "SYN fields changed (small)");
	} else if (first.ts_present && small_cap < 12) {
		check(slen == 0, "timestamps that do not fit written");
	} else {
		check(same_ts(&first, &third), "timestamps changed (small)");
		check(third.n_sack <= first.n_sack, "SACK blocks added (small)");
		check(same_sack_prefix(&first, &third, third.n_sack), "SACK changed (small)");
	}
	free(small);
	return 0;
}

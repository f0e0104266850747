/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/tcp: the TCP option codec (RFC 9293 §3.2), both directions.
 * MSS (RFC 9293 §3.7.1, RFC 6691), window scale and timestamps (RFC 7323),
 * SACK-permitted and SACK (RFC 2018). Plain C, no DPDK: it works on bytes.
 */
#ifndef TLSTERM_TCP_OPTIONS_H
#define TLSTERM_TCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Option kinds (RFC 9293 §3.2 and the IANA registry). */
enum tcp_opt_kind {
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,
	TCP_OPT_WSCALE = 3,
	TCP_OPT_SACK_PERMITTED = 4,
	TCP_OPT_SACK = 5,
	TCP_OPT_TIMESTAMP = 8,
};

/* Fixed option lengths, kind and length bytes included. */
enum tcp_opt_len {
	TCP_OPT_LEN_MSS = 4,
	TCP_OPT_LEN_WSCALE = 3,
	TCP_OPT_LEN_SACK_PERMITTED = 2,
	TCP_OPT_LEN_TIMESTAMP = 10,
	TCP_OPT_LEN_SACK_BLOCK = 8, /* a SACK option is 2 + 8 * blocks */
};

#define TCP_OPTIONS_MAX 40    /* data offset 15 words minus the 20-byte header */
#define TCP_SACK_BLOCKS_MAX 4 /* 2 + 4 * 8 = 34 bytes; a fifth never fits */
#define TCP_WSCALE_MAX 14     /* RFC 7323 §2.3 */

/*
 * Why tcp_options_parse() rejected a segment: distinct values, so the caller
 * maps each to its own drop reason. A malformed option drops the segment.
 */
enum tcp_opt_error {
	TCP_OPT_ERR_TOO_LONG = -1,       /* more than TCP_OPTIONS_MAX bytes of options */
	TCP_OPT_ERR_LEN_SHORT = -2,      /* length byte 0 or 1 on a multi-byte kind */
	TCP_OPT_ERR_TRUNCATED = -3,      /* length byte missing, or option runs past the end */
	TCP_OPT_ERR_MSS_LEN = -4,        /* MSS length != 4 */
	TCP_OPT_ERR_WSCALE_LEN = -5,     /* window scale length != 3 */
	TCP_OPT_ERR_SACK_PERM_LEN = -6,  /* SACK-permitted length != 2 */
	TCP_OPT_ERR_TIMESTAMP_LEN = -7,  /* timestamps length != 10 */
	TCP_OPT_ERR_SACK_LEN = -8,       /* SACK length not 2 + 8n, n in 1..4 */
};

/* A SACK block (RFC 2018 §3): sequence numbers in host order, right edge exclusive. */
struct tcp_sack_block {
	uint32_t left;
	uint32_t right;
};

/*
 * What a segment's options said. Fields a segment may not carry are left
 * clear: MSS, window scale and SACK-permitted are read only from a SYN, SACK
 * blocks only from a segment without SYN. If an option appears twice, the
 * last one counts. Values are as received (an MSS of 0 is reported as 0; the
 * caller clamps), except the window shift, which is already clamped to 14.
 */
struct tcp_opts {
	bool mss_present;
	bool wscale_present;
	bool sack_permitted;
	bool ts_present;
	uint16_t mss;
	uint8_t wscale;
	uint8_t n_sack;
	uint32_t tsval;
	uint32_t tsecr;
	struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
};

/* The options of a SYN or SYN-ACK we send. */
struct tcp_syn_opts {
	bool mss_present;
	bool wscale_present;
	bool sack_permitted;
	bool ts_present;
	uint16_t mss;
	uint8_t wscale; /* values above 14 are sent as 14 */
	uint32_t tsval;
	uint32_t tsecr;
};

/*
 * Parse the len bytes of options after the fixed 20-byte header
 * (len = data_offset * 4 - 20). opt may be NULL when len is 0. Reads no byte
 * at or past opt + len. Returns 0 with *out filled, or a negative
 * enum tcp_opt_error with *out unspecified.
 */
int tcp_options_parse(const uint8_t *opt, size_t len, bool syn, struct tcp_opts *out);

/*
 * Write the options of a SYN or SYN-ACK as Linux lays them out: MSS, then
 * SACK-permitted folded into the timestamp option's padding, then NOP +
 * window scale (20 bytes with all four). Returns the bytes written, a
 * multiple of 4, or 0 (nothing written) if they don't fit in cap;
 * cap >= TCP_OPTIONS_MAX always suffices.
 */
size_t tcp_options_write_syn(uint8_t *buf, size_t cap, const struct tcp_syn_opts *o);

/*
 * Write the options of a segment without SYN: NOP NOP timestamps (12 bytes)
 * if ts, then NOP NOP SACK with as many of the n_blocks blocks as fit in
 * min(cap, 40) bytes (3 with timestamps, 4 without; the first ones are
 * kept, RFC 2018 §4 puts the most recent first). Returns the bytes written,
 * a multiple of 4, or 0 (nothing written) if the timestamps don't fit in cap.
 */
size_t tcp_options_write(uint8_t *buf, size_t cap, bool ts, uint32_t tsval, uint32_t tsecr,
			 const struct tcp_sack_block *blocks, unsigned int n_blocks);

/* A short name for a tcp_options_parse() result, for logs and tests. */
const char *tcp_opt_error_name(int err);

#endif

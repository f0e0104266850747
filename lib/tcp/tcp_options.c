/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options (RFC 9293 §3.2), read and written. Reading goes through a
 * bounds-checked cursor over the option bytes; writing through a cursor that
 * never passes cap. Multi-byte values are big endian on the wire and are
 * assembled byte by byte, so no alignment is assumed.
 */
#include <string.h>

#include "tcp_options.h"

/* Read side: len bytes at p, of which off have been consumed. */
struct opt_cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static size_t cursor_left(const struct opt_cursor *c)
{
	return c->len - c->off;
}

static bool cursor_u8(struct opt_cursor *c, uint8_t *v)
{
	if (cursor_left(c) < 1)
		return false;
	*v = c->p[c->off];
	c->off++;
	return true;
}

static bool cursor_be16(struct opt_cursor *c, uint16_t *v)
{
	if (cursor_left(c) < 2)
		return false;
	const uint8_t *b = c->p + c->off;
	*v = (uint16_t)((unsigned int)b[0] << 8 | b[1]);
	c->off += 2;
	return true;
}

static bool cursor_be32(struct opt_cursor *c, uint32_t *v)
{
	if (cursor_left(c) < 4)
		return false;
	const uint8_t *b = c->p + c->off;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	c->off += 4;
	return true;
}

/* Split the next n bytes off into their own cursor. */
static bool cursor_sub(struct opt_cursor *c, size_t n, struct opt_cursor *sub)
{
	if (cursor_left(c) < n)
		return false;
	sub->p = c->p + c->off;
	sub->len = n;
	sub->off = 0;
	c->off += n;
	return true;
}

/*
 * One option's body (the bytes after kind and length). The fixed lengths are
 * checked on every segment; whether the value is kept depends on SYN.
 */
static int parse_one(uint8_t kind, struct opt_cursor *body, bool syn, struct tcp_opts *out)
{
	size_t n = body->len;

	switch (kind) {
	case TCP_OPT_MSS:
		if (n != TCP_OPT_LEN_MSS - 2)
			return TCP_OPT_ERR_MSS_LEN;
		if (syn) { /* RFC 9293 §3.7.1: only sent, and only honoured, on a SYN */
			out->mss_present = cursor_be16(body, &out->mss);
		}
		return 0;
	case TCP_OPT_WSCALE:
		if (n != TCP_OPT_LEN_WSCALE - 2)
			return TCP_OPT_ERR_WSCALE_LEN;
		if (syn) {
			uint8_t shift = 0;
			out->wscale_present = cursor_u8(body, &shift);
			/* RFC 7323 §2.3: a shift above 14 MUST be used as 14. */
			out->wscale = shift > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : shift;
		}
		return 0;
	case TCP_OPT_SACK_PERMITTED:
		if (n != TCP_OPT_LEN_SACK_PERMITTED - 2)
			return TCP_OPT_ERR_SACK_PERM_LEN;
		if (syn)
			out->sack_permitted = true;
		return 0;
	case TCP_OPT_TIMESTAMP:
		if (n != TCP_OPT_LEN_TIMESTAMP - 2)
			return TCP_OPT_ERR_TIMESTAMP_LEN;
		out->ts_present = cursor_be32(body, &out->tsval) && cursor_be32(body, &out->tsecr);
		return 0;
	case TCP_OPT_SACK:
		if (n < TCP_OPT_LEN_SACK_BLOCK || n % TCP_OPT_LEN_SACK_BLOCK != 0 ||
		    n / TCP_OPT_LEN_SACK_BLOCK > TCP_SACK_BLOCKS_MAX)
			return TCP_OPT_ERR_SACK_LEN;
		if (!syn) { /* RFC 2018 §3: SACK blocks are never on a SYN */
			struct tcp_sack_block *b = out->sack;
			unsigned int i = 0;
			while (i < n / TCP_OPT_LEN_SACK_BLOCK && cursor_be32(body, &b[i].left) &&
			       cursor_be32(body, &b[i].right))
				i++;
			out->n_sack = (uint8_t)i;
		}
		return 0;
	default: /* RFC 9293 §3.1: unknown kinds are ignored */
		return 0;
	}
}

int tcp_options_parse(const uint8_t *opt, size_t len, bool syn, struct tcp_opts *out)
{
	memset(out, 0, sizeof(*out));
	if (len > TCP_OPTIONS_MAX)
		return TCP_OPT_ERR_TOO_LONG;
	struct opt_cursor c = {.p = opt, .len = len, .off = 0};
	uint8_t kind;

	while (cursor_u8(&c, &kind)) {
		if (kind == TCP_OPT_EOL) /* RFC 9293 §3.2: the end of the option list */
			break;
		if (kind == TCP_OPT_NOP)
			continue;
		uint8_t olen;
		if (!cursor_u8(&c, &olen))
			return TCP_OPT_ERR_TRUNCATED;
		if (olen < 2)
			return TCP_OPT_ERR_LEN_SHORT;
		struct opt_cursor body;
		if (!cursor_sub(&c, (size_t)olen - 2, &body))
			return TCP_OPT_ERR_TRUNCATED;
		int err = parse_one(kind, &body, syn, out);
		if (err != 0)
			return err;
	}
	return 0;
}

/* Write side: never past cap. Callers size their output first. */
struct opt_writer {
	uint8_t *buf;
	size_t cap;
	size_t off;
};

static void put_u8(struct opt_writer *w, uint8_t v)
{
	if (w->off < w->cap)
		w->buf[w->off++] = v;
}

static void put_be16(struct opt_writer *w, uint16_t v)
{
	put_u8(w, (uint8_t)(v >> 8));
	put_u8(w, (uint8_t)v);
}

static void put_be32(struct opt_writer *w, uint32_t v)
{
	put_be16(w, (uint16_t)(v >> 16));
	put_be16(w, (uint16_t)v);
}

static void put_timestamps(struct opt_writer *w, uint32_t tsval, uint32_t tsecr)
{
	put_u8(w, TCP_OPT_TIMESTAMP);
	put_u8(w, TCP_OPT_LEN_TIMESTAMP);
	put_be32(w, tsval);
	put_be32(w, tsecr);
}

size_t tcp_options_write_syn(uint8_t *buf, size_t cap, const struct tcp_syn_opts *o)
{
	size_t need = (o->mss_present ? 4u : 0u) + (o->wscale_present ? 4u : 0u);
	if (o->ts_present)
		need += 12;
	else if (o->sack_permitted)
		need += 4;
	if (need > cap)
		return 0;

	struct opt_writer w = {.buf = buf, .cap = cap, .off = 0};
	if (o->mss_present) {
		put_u8(&w, TCP_OPT_MSS);
		put_u8(&w, TCP_OPT_LEN_MSS);
		put_be16(&w, o->mss);
	}
	if (o->ts_present) {
		/* SACK-permitted takes the two bytes that would be NOP NOP. */
		if (o->sack_permitted) {
			put_u8(&w, TCP_OPT_SACK_PERMITTED);
			put_u8(&w, TCP_OPT_LEN_SACK_PERMITTED);
		} else {
			put_u8(&w, TCP_OPT_NOP);
			put_u8(&w, TCP_OPT_NOP);
		}
		put_timestamps(&w, o->tsval, o->tsecr);
	} else if (o->sack_permitted) {
		put_u8(&w, TCP_OPT_NOP);
		put_u8(&w, TCP_OPT_NOP);
		put_u8(&w, TCP_OPT_SACK_PERMITTED);
		put_u8(&w, TCP_OPT_LEN_SACK_PERMITTED);
	}
	if (o->wscale_present) {
		put_u8(&w, TCP_OPT_NOP);
		put_u8(&w, TCP_OPT_WSCALE);
		put_u8(&w, TCP_OPT_LEN_WSCALE);
		put_u8(&w, o->wscale > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : o->wscale);
	}
	return w.off;
}

size_t tcp_options_write(uint8_t *buf, size_t cap, bool ts, uint32_t tsval, uint32_t tsecr,
			 const struct tcp_sack_block *blocks, unsigned int n_blocks)
{
	size_t room = cap < TCP_OPTIONS_MAX ? cap : TCP_OPTIONS_MAX;
	size_t ts_len = ts ? 12u : 0u;
	if (ts_len > room)
		return 0;
	room -= ts_len;

	/* NOP NOP kind length, then 8 bytes a block. */
	size_t n = 0;
	if (blocks != NULL && room >= 4 + TCP_OPT_LEN_SACK_BLOCK)
		n = (room - 4) / TCP_OPT_LEN_SACK_BLOCK;
	if (n > n_blocks)
		n = n_blocks;
	if (n > TCP_SACK_BLOCKS_MAX)
		n = TCP_SACK_BLOCKS_MAX;

	struct opt_writer w = {.buf = buf, .cap = cap, .off = 0};
	if (ts) {
		put_u8(&w, TCP_OPT_NOP);
		put_u8(&w, TCP_OPT_NOP);
		put_timestamps(&w, tsval, tsecr);
	}
	if (n > 0) {
		put_u8(&w, TCP_OPT_NOP);
		put_u8(&w, TCP_OPT_NOP);
		put_u8(&w, TCP_OPT_SACK);
		put_u8(&w, (uint8_t)(2 + n * TCP_OPT_LEN_SACK_BLOCK));
		for (size_t i = 0; i < n; i++) {
			put_be32(&w, blocks[i].left);
			put_be32(&w, blocks[i].right);
		}
	}
	return w.off;
}

const char *tcp_opt_error_name(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case TCP_OPT_ERR_TOO_LONG:
		return "options_too_long";
	case TCP_OPT_ERR_LEN_SHORT:
		return "option_length_short";
	case TCP_OPT_ERR_TRUNCATED:
		return "option_truncated";
	case TCP_OPT_ERR_MSS_LEN:
		return "mss_length";
	case TCP_OPT_ERR_WSCALE_LEN:
		return "wscale_length";
	case TCP_OPT_ERR_SACK_PERM_LEN:
		return "sack_permitted_length";
	case TCP_OPT_ERR_TIMESTAMP_LEN:
		return "timestamp_length";
	case TCP_OPT_ERR_SACK_LEN:
		return "sack_length";
	default:
		return "unknown";
	}
}

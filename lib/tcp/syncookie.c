/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 §3.6) keyed with SipHash-2-4. The layout of the ISN
 * and of the timestamp bits is described in syncookie.h.
 */
#include <string.h>

#include "syncookie.h"

#define COOKIE_MINUTE_SHIFT 30
#define COOKIE_MINUTE_MASK 3u
#define COOKIE_MSS_SHIFT 27
#define COOKIE_MSS_MASK 7u
#define COOKIE_MAC_MASK ((1u << COOKIE_MSS_SHIFT) - 1)

#define TS_WSCALE_MASK 0x0fu
#define TS_WSCALE_NONE 15u
#define TS_SACK_OK 0x10u
#define TS_ECN_OK 0x20u
#define TS_OPT_MASK 0x3fu

const uint16_t syncookie_mss_table[SYNCOOKIE_MSS_COUNT] = {536, 1220, 1440, 1460, 8960};

/* SipHash-2-4, from the paper's description (§2): state of four 64-bit words. */

static uint64_t rotl64(uint64_t x, unsigned int b)
{
	return x << b | x >> (64 - b);
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl64(v[2], 32);
}

/* c = 2 compression rounds per message word. */
static void sip_compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

uint64_t siphash24(const uint8_t key[16], const uint8_t *msg, size_t len)
{
	uint64_t k0 = load_le64(key);
	uint64_t k1 = load_le64(key + 8);
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ull, /* "somepseudorandomlygeneratedbytes" */
		k1 ^ 0x646f72616e646f6dull,
		k0 ^ 0x6c7967656e657261ull,
		k1 ^ 0x7465646279746573ull,
	};
	size_t whole = len - len % 8;

	for (size_t i = 0; i < whole; i += 8)
		sip_compress(v, load_le64(msg + i));
	/* Last word: the 0..7 remaining bytes, and len mod 256 in the top byte. */
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < len % 8; i++)
		last |= (uint64_t)msg[whole + i] << (8 * i);
	sip_compress(v, last);

	/* d = 4 finalisation rounds. */
	v[2] ^= 0xff;
	for (unsigned int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The hashed input: tuple | client ISN [| minute | mss index], numbers big endian. */
#define COOKIE_MSG_TUPLE 40
#define COOKIE_MSG_FULL 45

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static void cookie_msg(uint8_t msg[COOKIE_MSG_FULL], const struct syncookie_tuple *t,
		       uint32_t client_isn)
{
	memcpy(msg, t->local_addr, 16);
	memcpy(msg + 16, t->remote_addr, 16);
	put_be16(msg + 32, t->local_port);
	put_be16(msg + 34, t->remote_port);
	put_be32(msg + 36, client_isn);
}

static uint32_t cookie_pad(const uint8_t *secret, const uint8_t msg[COOKIE_MSG_FULL])
{
	return (uint32_t)siphash24(secret, msg, COOKIE_MSG_TUPLE);
}

static uint32_t cookie_mac(const uint8_t *secret, uint8_t msg[COOKIE_MSG_FULL], uint32_t minute,
			   unsigned int mss_index)
{
	put_be32(msg + COOKIE_MSG_TUPLE, minute);
	msg[COOKIE_MSG_TUPLE + 4] = (uint8_t)mss_index;
	return (uint32_t)siphash24(secret + 16, msg, COOKIE_MSG_FULL) & COOKIE_MAC_MASK;
}

unsigned int syncookie_mss_index(uint16_t mss)
{
	unsigned int i = SYNCOOKIE_MSS_COUNT - 1;
	while (i > 0 && syncookie_mss_table[i] > mss)
		i--;
	return i;
}

uint32_t syncookie_encode(const uint8_t secret[SYNCOOKIE_SECRET_LEN],
			  const struct syncookie_tuple *t, uint32_t client_isn, uint32_t minute,
			  uint16_t mss)
{
	uint8_t msg[COOKIE_MSG_FULL];
	unsigned int idx = syncookie_mss_index(mss);

	cookie_msg(msg, t, client_isn);
	uint32_t fields = (minute & COOKIE_MINUTE_MASK) << COOKIE_MINUTE_SHIFT |
			  (uint32_t)idx << COOKIE_MSS_SHIFT | cookie_mac(secret, msg, minute, idx);
	return cookie_pad(secret, msg) ^ fields;
}

/*
 * The MSS index a cookie made under secret carries, or -1 when it was not
 * made under secret for this tuple and ISN, or is too old (then *expired).
 */
static int check_one(uint32_t cookie, uint8_t msg[COOKIE_MSG_FULL], uint32_t now,
		     const uint8_t *secret, bool *expired)
{
	uint32_t fields = cookie ^ cookie_pad(secret, msg);
	unsigned int idx = fields >> COOKIE_MSS_SHIFT & COOKIE_MSS_MASK;
	if (idx >= SYNCOOKIE_MSS_COUNT)
		return -1;
	/* The latest minute <= now with these low bits: a cookie from the future looks 3 old. */
	uint32_t age = (now - (fields >> COOKIE_MINUTE_SHIFT)) & COOKIE_MINUTE_MASK;
	if ((fields & COOKIE_MAC_MASK) != cookie_mac(secret, msg, now - age, idx))
		return -1;
	if (age >= SYNCOOKIE_MAX_AGE) {
		*expired = true;
		return -1;
	}
	return (int)idx;
}

int syncookie_check(uint32_t cookie, const struct syncookie_tuple *t, uint32_t client_isn,
		    uint32_t now, const uint8_t secret[SYNCOOKIE_SECRET_LEN],
		    const uint8_t *prev_secret)
{
	uint8_t msg[COOKIE_MSG_FULL];
	bool expired = false;

	cookie_msg(msg, t, client_isn);
	int idx = check_one(cookie, msg, now, secret, &expired);
	if (idx < 0 && prev_secret != NULL)
		idx = check_one(cookie, msg, now, prev_secret, &expired);
	if (idx >= 0)
		return syncookie_mss_table[idx];
	return expired ? SYNCOOKIE_ERR_EXPIRED : SYNCOOKIE_ERR_INVALID;
}

uint32_t syncookie_ts_encode(uint32_t ts_now, unsigned int wscale_or_15, bool sack_ok)
{
	uint32_t opts = wscale_or_15 < TS_WSCALE_NONE ? wscale_or_15 : TS_WSCALE_NONE;
	if (sack_ok)
		opts |= TS_SACK_OK;
	uint32_t ts = (ts_now & ~TS_OPT_MASK) | opts;
	if (opts > (ts_now & TS_OPT_MASK)) /* never ahead of our clock */
		ts -= TS_OPT_MASK + 1;
	return ts;
}

bool syncookie_ts_decode(uint32_t tsecr, unsigned int *wscale_or_15, bool *sack_ok)
{
	if ((tsecr & TS_ECN_OK) != 0)
		return false;
	*wscale_or_15 = tsecr & TS_WSCALE_MASK;
	*sack_ok = (tsecr & TS_SACK_OK) != 0;
	return true;
}

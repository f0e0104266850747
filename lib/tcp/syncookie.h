/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/tcp: SYN cookies (RFC 4987 §3.6). Under SYN-flood pressure
 * a listener keeps no state for a SYN: what it needs later is folded into the
 * ISN of its SYN-ACK (and, with timestamps, into the low bits of its TSval)
 * and checked when the final ACK comes back. Plain C, no DPDK.
 *
 * The ISN, as a 32-bit number:
 *
 *   cookie = pad XOR ( minute mod 4 << 30 | mss index << 27 | mac )
 *
 *   pad  = low 32 bits of SipHash-2-4(secret[0..15],  tuple | client ISN)
 *   mac  = low 27 bits of SipHash-2-4(secret[16..31], tuple | client ISN |
 *                                     minute | mss index)
 *
 * with tuple = local addr (16) | remote addr (16) | local port | remote port,
 * ports and numbers big endian, minute the full 32-bit counter. The pad hides
 * the visible fields, so the ISN is unpredictable as RFC 6528 wants. A check
 * removes the pad, takes the most recent minute <= now with the same two low
 * bits, and recomputes the mac: a guess succeeds with probability 2^-27 per
 * secret held. Two low bits of the minute are enough because the accepted
 * ages are 0 and 1 (less than two minutes, as Linux); ages 2 and 3 (or a
 * cookie from the future) are refused.
 *
 * IPv4 addresses sit in the first 4 bytes with 12 zero bytes after. An IPv6
 * address of that shape would hash the same, but a cookie is only accepted
 * for the same local address too, and our v4 and v6 addresses differ.
 */
#ifndef TLSTERM_SYNCOOKIE_H
#define TLSTERM_SYNCOOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNCOOKIE_SECRET_LEN 32 /* two SipHash keys: the pad's, then the mac's */
#define SYNCOOKIE_MAX_AGE 2     /* minutes: a cookie minted at m is good at m and m + 1 */
#define SYNCOOKIE_MSS_COUNT 5

/*
 * The MSS values a cookie can carry: the RFC 9293 default, the IPv6 minimum
 * MTU (1280 - 60), IPv6 and IPv4 on a 1500-byte MTU, IPv4 on a 9000-byte MTU.
 */
extern const uint16_t syncookie_mss_table[SYNCOOKIE_MSS_COUNT];

/* The connection a cookie belongs to, as seen by us; the same for both families. */
struct syncookie_tuple {
	uint8_t local_addr[16];  /* network order; IPv4 in bytes 0..3, the rest zero */
	uint8_t remote_addr[16]; /* likewise */
	uint16_t local_port;     /* host order */
	uint16_t remote_port;    /* host order */
};

/* Why syncookie_check() refused an ACK, for the caller's drop reasons. */
enum syncookie_error {
	SYNCOOKIE_ERR_INVALID = -1, /* made by neither secret for this tuple and ISN */
	SYNCOOKIE_ERR_EXPIRED = -2, /* genuine, but minted SYNCOOKIE_MAX_AGE or more minutes ago */
};

/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of len bytes under a 16-byte
 * key; the 64-bit result is the little-endian reading of the paper's output.
 * Lives here until another part of lib/tcp needs a keyed hash.
 */
uint64_t siphash24(const uint8_t key[16], const uint8_t *msg, size_t len);

/* The table index stored for a peer's MSS: the largest entry not above it (0 below 536). */
unsigned int syncookie_mss_index(uint16_t mss);

/*
 * The ISN for our SYN-ACK to a SYN with sequence number client_isn, minted at
 * minute (a coarse clock the caller keeps, one tick a minute) under secret.
 * mss is the largest segment we may send (the peer's MSS, already clamped by
 * the caller to our own limit); it is stored rounded down to a table entry.
 */
uint32_t syncookie_encode(const uint8_t secret[SYNCOOKIE_SECRET_LEN],
			  const struct syncookie_tuple *t, uint32_t client_isn, uint32_t minute,
			  uint16_t mss);

/*
 * Check the cookie an ACK returns (cookie = ack_seq - 1, client_isn = seq - 1)
 * at minute now, under the current secret and, when prev_secret is not NULL,
 * the one before it. Returns the MSS the cookie carries (> 0), or a negative
 * enum syncookie_error.
 */
int syncookie_check(uint32_t cookie, const struct syncookie_tuple *t, uint32_t client_isn,
		    uint32_t now, const uint8_t secret[SYNCOOKIE_SECRET_LEN],
		    const uint8_t *prev_secret);

/*
 * With timestamps on, the options the ISN has no room for ride in the low six
 * bits of our SYN-ACK's TSval, and the peer echoes them in the TSecr of its
 * ACK (as Linux does):
 *
 *   bits 0-3  window shift we will apply to the peer's window, 0..14;
 *             15 = the peer sent no window scale option
 *   bit  4    the peer sent SACK-permitted
 *   bit  5    ECN: always 0 here (we don't negotiate ECN)
 *
 * The rest of TSval is ts_now with those bits replaced, moved back by 64 when
 * that would put it ahead of ts_now, so our timestamps never go backwards.
 * The bits are not covered by the mac: a peer that alters them only changes
 * its own connection. wscale_or_15 above 14 means none.
 */
uint32_t syncookie_ts_encode(uint32_t ts_now, unsigned int wscale_or_15, bool sack_ok);

/*
 * Read those bits back from the TSecr of the ACK. Returns false when they
 * cannot be ours (the ECN bit set); otherwise fills both outputs.
 */
bool syncookie_ts_decode(uint32_t tsecr, unsigned int *wscale_or_15, bool *sack_ok);

#endif

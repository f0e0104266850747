/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum (RFC 1071) over mbuf chains. */
#include <emmintrin.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <tlsterm/net.h>

/*
 * The one's-complement sum of len bytes at p, folded to 16 bits, equal to
 * rte_raw_cksum(p, len). The sum does not depend on how the words are grouped
 * (RFC 1071 §2(B)), so sixteen bytes at a time go into eight 32-bit lanes (SSE2,
 * which every x86-64 has), folded before a lane could overflow. DPDK 22.11 adds
 * 16 bits at a time.
 */
uint16_t net_cksum_raw(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint64_t sum = 0;
	const __m128i zero = _mm_setzero_si128();
	while (len >= 16) {
		/* 2^16 additions of at most 0xffff fit a 32-bit lane */
		uint32_t blocks = RTE_MIN(len / 16, 65535u);
		__m128i lo = zero, hi = zero;
		for (uint32_t i = 0; i < blocks; i++, b += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
			lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(v, zero));
			hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(v, zero));
		}
		len -= blocks * 16;
		uint32_t lanes[8];
		_mm_storeu_si128((__m128i *)(void *)lanes, lo);
		_mm_storeu_si128((__m128i *)(void *)(lanes + 4), hi);
		for (unsigned int i = 0; i < 8; i++)
			sum += lanes[i];
	}
	for (; len >= 2; b += 2, len -= 2) {
		uint16_t w;
		memcpy(&w, b, 2);
		sum += w;
	}
	if (len == 1)
		sum += *b; /* the odd byte as the first byte of a 16-bit word, as rte_raw_cksum */
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The one's-complement sum of len bytes at off, across segments.
 * rte_raw_cksum_mbuf() in DPDK 22.11 is wrong for a segment that starts at an
 * odd offset into the range: it byte-swaps the unreduced 32-bit sum cast to 16
 * bits, losing its carries. Here each segment's sum is folded before the swap.
 */
int net_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *cksum)
{
	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return -1;
	uint32_t sum = 0;
	uint32_t done = 0;
	for (const struct rte_mbuf *seg = m; seg != NULL && done < len; seg = seg->next) {
		uint32_t seglen = rte_pktmbuf_data_len(seg);
		if (off >= seglen) {
			off -= seglen;
			continue;
		}
		uint32_t n = RTE_MIN(seglen - off, len - done);
		uint16_t part = net_cksum_raw(rte_pktmbuf_mtod_offset(seg, const uint8_t *, off), n);
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
		off = 0;
	}
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	*cksum = (uint16_t)sum;
	return 0;
}

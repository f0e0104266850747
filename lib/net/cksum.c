/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum (RFC 1071) over mbuf chains. */
#include <rte_byteorder.h>
#include <rte_ip.h>

#include <tlsterm/net.h>

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
		uint16_t part = rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const uint8_t *, off), n);
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
		off = 0;
	}
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	*cksum = (uint16_t)sum;
	return 0;
}

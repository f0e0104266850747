/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cutting payload chains at any byte: DPDK's adj/trim only reach into the
 * first or last segment, and a frame's payload may span several.
 */
#include <tlsterm/net.h>

/* Cut the first n bytes off a payload chain (they are already held). */
struct rte_mbuf *net_chain_cut_front(struct rte_mbuf *m, uint32_t n)
{
	while (m != NULL && n >= m->data_len) {
		n -= m->data_len;
		struct rte_mbuf *next = m->next;
		uint16_t segs = m->nb_segs;
		uint32_t len = m->pkt_len;
		uint16_t dl = m->data_len;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		if (next != NULL) {
			next->nb_segs = (uint16_t)(segs - 1);
			next->pkt_len = len - dl;
		}
		m = next;
	}
	if (m != NULL && n > 0) {
		m->data_off = (uint16_t)(m->data_off + n);
		m->data_len = (uint16_t)(m->data_len - n);
		m->pkt_len -= n;
	}
	return m;
}

/* Keep only the first len bytes of a payload chain (len > 0). */
void net_chain_keep(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t left = len;
	uint16_t kept = 1;
	while (left > seg->data_len) {
		left -= seg->data_len;
		seg = seg->next;
		kept++;
	}
	seg->data_len = (uint16_t)left;
	struct rte_mbuf *rest = seg->next;
	seg->next = NULL;
	while (rest != NULL) {
		struct rte_mbuf *next = rest->next;
		rte_pktmbuf_free_seg(rest);
		rest = next;
	}
	m->nb_segs = kept;
	m->pkt_len = len;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order data: a small sorted array per connection (bounded per
 * connection and per worker), drained onto the receive queue as the hole
 * fills, and reported to the peer as SACK blocks (RFC 2018).
 */
#include <string.h>

#include "tcp_conn.h"

static void free_chain(struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
}

/* Entry i now touches entry i + 1: make them one. */
static void merge_with_next(struct tcp_conn *c, unsigned int i)
{
	if (i + 1 >= c->n_ooo || c->ooo[i].seq + c->ooo[i].len != c->ooo[i + 1].seq ||
	    rte_pktmbuf_chain(c->ooo[i].m, c->ooo[i + 1].m) != 0)
		return;
	c->ooo[i].len += c->ooo[i + 1].len;
	memmove(&c->ooo[i + 1], &c->ooo[i + 2], (c->n_ooo - i - 2) * sizeof(c->ooo[0]));
	c->n_ooo--;
}

void tcp_reass_insert(struct tcp_conn *c, uint32_t seq, struct rte_mbuf *payload, uint32_t len)
{
	struct tcp_stack *s = c->stack;
	uint32_t end = seq + len;
	/* Drop what is already held, so the array never overlaps. */
	for (unsigned int i = 0; i < c->n_ooo; i++) {
		struct tcp_ooo_seg *o = &c->ooo[i];
		uint32_t oend = o->seq + o->len;
		if (seq_geq(seq, o->seq) && seq_leq(end, oend)) {
			s->ctr->tcp.dup_segments++;
			free_chain(payload);
			return;
		}
		if (seq_lt(seq, o->seq) && seq_gt(end, o->seq)) {
			/* Our tail reaches into o: keep only the part before it (the peer resends the rest). */
			len = o->seq - seq;
			end = o->seq;
			net_chain_keep(payload, len);
			break; /* the array is sorted: nothing later overlaps now */
		} else if (seq_geq(seq, o->seq) && seq_lt(seq, oend)) {
			uint32_t cut = oend - seq;
			payload = net_chain_cut_front(payload, cut);
			seq = oend;
			len -= cut;
		}
	}
	if (len == 0 || payload == NULL) {
		free_chain(payload);
		return;
	}
	uint16_t segs = payload->nb_segs;
	if (s->ooo_segs + segs > s->ooo_max) {
		s->ctr->drops[DROP_TCP_OOO_LIMIT]++;
		free_chain(payload);
		return;
	}
	unsigned int at = 0;
	while (at < c->n_ooo && seq_lt(c->ooo[at].seq, seq))
		at++;
	s->ctr->tcp.ooo_segments++;
	c->last_ooo_seq = seq;
	/* Reordered runs arrive back to back: grow a neighbour rather than take a slot. */
	if (at > 0 && c->ooo[at - 1].seq + c->ooo[at - 1].len == seq &&
	    rte_pktmbuf_chain(c->ooo[at - 1].m, payload) == 0) {
		c->ooo[at - 1].len += len;
		s->ooo_segs += segs;
		merge_with_next(c, at - 1);
		return;
	}
	if (at < c->n_ooo && seq + len == c->ooo[at].seq &&
	    rte_pktmbuf_chain(payload, c->ooo[at].m) == 0) {
		c->ooo[at].m = payload;
		c->ooo[at].seq = seq;
		c->ooo[at].len += len;
		s->ooo_segs += segs;
		return;
	}
	if (c->n_ooo == TCP_OOO_MAX) {
		s->ctr->drops[DROP_TCP_OOO_LIMIT]++;
		free_chain(payload);
		return;
	}
	memmove(&c->ooo[at + 1], &c->ooo[at], (c->n_ooo - at) * sizeof(c->ooo[0]));
	c->ooo[at] = (struct tcp_ooo_seg){.seq = seq, .len = len, .m = payload};
	c->n_ooo++;
	s->ooo_segs += segs;
}

void tcp_reass_drain(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	unsigned int used = 0;
	while (used < c->n_ooo) {
		struct tcp_ooo_seg *o = &c->ooo[used];
		if (seq_gt(o->seq, c->rcv_nxt))
			break;
		s->ooo_segs -= o->m->nb_segs;
		uint32_t end = o->seq + o->len;
		if (seq_leq(end, c->rcv_nxt)) {
			free_chain(o->m); /* wholly duplicate by now */
		} else {
			uint32_t cut = c->rcv_nxt - o->seq;
			struct rte_mbuf *m = cut ? net_chain_cut_front(o->m, cut) : o->m;
			uint32_t len = o->len - cut;
			tcp_mq_append(&c->rcvq, m, len);
			c->rcv_nxt += len;
		}
		used++;
	}
	if (used > 0) {
		memmove(&c->ooo[0], &c->ooo[used], (c->n_ooo - used) * sizeof(c->ooo[0]));
		c->n_ooo = (uint8_t)(c->n_ooo - used);
	}
}

void tcp_reass_free(struct tcp_conn *c)
{
	for (unsigned int i = 0; i < c->n_ooo; i++) {
		c->stack->ooo_segs -= c->ooo[i].m->nb_segs;
		free_chain(c->ooo[i].m);
	}
	c->n_ooo = 0;
}

/*
 * SACK blocks from the held segments, adjacent ones merged; the block holding
 * the most recent arrival first (RFC 2018 §4).
 */
unsigned int tcp_sack_blocks(const struct tcp_conn *c, struct tcp_sack_block *out, unsigned int max)
{
	struct tcp_sack_block all[TCP_OOO_MAX];
	unsigned int n = 0;
	for (unsigned int i = 0; i < c->n_ooo; i++) {
		const struct tcp_ooo_seg *o = &c->ooo[i];
		if (n > 0 && all[n - 1].right == o->seq)
			all[n - 1].right = o->seq + o->len;
		else
			all[n++] = (struct tcp_sack_block){.left = o->seq, .right = o->seq + o->len};
	}
	unsigned int first = 0;
	for (unsigned int i = 0; i < n; i++)
		if (seq_geq(c->last_ooo_seq, all[i].left) && seq_lt(c->last_ooo_seq, all[i].right))
			first = i;
	unsigned int k = 0;
	if (n > 0 && max > 0)
		out[k++] = all[first];
	for (unsigned int i = 0; i < n && k < max; i++)
		if (i != first)
			out[k++] = all[i];
	return k;
}

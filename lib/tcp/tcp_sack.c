/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's side of SACK (RFC 6675): a scoreboard of what the peer holds above
 * snd_una, gathered over many ACKs (each carries only three or four blocks), which
 * holes count as lost, and how much is still in the network ("pipe"). The receiver's
 * side, the blocks we send, is in tcp_reass.c.
 */
#include <string.h>

#include "tcp_conn.h"

static uint32_t block_len(const struct tcp_sack_block *b)
{
	return b->right - b->left;
}

/* Put b into the sorted, disjoint board, merging what it overlaps or touches. A full
 * board drops its highest block: forgetting a SACK only costs a needless resend. */
static void board_insert(struct tcp_conn *c, struct tcp_sack_block b)
{
	struct tcp_sack_block *sb = c->sack_board;
	unsigned int n = c->n_sack_board;
	unsigned int first = 0;
	while (first < n && seq_lt(sb[first].right, b.left))
		first++;
	unsigned int last = first; /* one past the blocks b swallows */
	while (last < n && seq_leq(sb[last].left, b.right)) {
		if (seq_lt(sb[last].left, b.left))
			b.left = sb[last].left;
		if (seq_gt(sb[last].right, b.right))
			b.right = sb[last].right;
		last++;
	}
	unsigned int swallowed = last - first;
	if (swallowed == 0) {
		if (n == TCP_SACK_BOARD_MAX) {
			if (first == n)
				return; /* above everything held: the one to drop */
			n--;
		}
		memmove(&sb[first + 1], &sb[first], (n - first) * sizeof(sb[0]));
		n++;
	} else if (swallowed > 1) {
		memmove(&sb[first + 1], &sb[last], (n - last) * sizeof(sb[0]));
		n -= swallowed - 1;
	}
	sb[first] = b;
	c->n_sack_board = (uint8_t)n;
}

bool tcp_sack_update(struct tcp_conn *c, const struct tcp_sack_block *blocks, unsigned int n)
{
	if (!c->sack_ok || n == 0)
		return false;
	uint32_t before = tcp_sacked_bytes(c);
	uint32_t high = c->sack_high;
	for (unsigned int i = 0; i < n; i++) {
		struct tcp_sack_block b = blocks[i];
		/* Empty, stale (a D-SACK of RFC 2883 included) or beyond what we sent. */
		if (!seq_lt(b.left, b.right) || !seq_gt(b.right, c->snd_una) ||
		    seq_gt(b.right, c->snd_max))
			continue;
		if (seq_lt(b.left, c->snd_una))
			b.left = c->snd_una;
		board_insert(c, b);
		if (seq_gt(b.right, c->sack_high))
			c->sack_high = b.right;
	}
	return tcp_sacked_bytes(c) > before || seq_gt(c->sack_high, high);
}

void tcp_sack_trim(struct tcp_conn *c)
{
	unsigned int k = 0;
	for (unsigned int i = 0; i < c->n_sack_board; i++) {
		struct tcp_sack_block b = c->sack_board[i];
		if (!seq_gt(b.right, c->snd_una))
			continue;
		if (seq_lt(b.left, c->snd_una))
			b.left = c->snd_una;
		c->sack_board[k++] = b;
	}
	c->n_sack_board = (uint8_t)k;
	if (seq_lt(c->sack_high, c->snd_una))
		c->sack_high = c->snd_una;
}

const struct tcp_sack_block *tcp_sacked(const struct tcp_conn *c, uint32_t seq)
{
	for (unsigned int i = 0; i < c->n_sack_board; i++) {
		if (seq_lt(seq, c->sack_board[i].left))
			return NULL; /* sorted: nothing later holds it */
		if (seq_lt(seq, c->sack_board[i].right))
			return &c->sack_board[i];
	}
	return NULL;
}

uint32_t tcp_sacked_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;
	for (unsigned int i = 0; i < c->n_sack_board; i++)
		n += block_len(&c->sack_board[i]);
	return n;
}

/*
 * RFC 6675 §4 IsLost: DupThresh (3) separate SACKed blocks above seq, or more than
 * two segments' worth of SACKed bytes above it. The answer is the same for every
 * byte of one hole, which is how the callers ask.
 */
bool tcp_sack_lost(const struct tcp_conn *c, uint32_t seq)
{
	uint32_t bytes = 0;
	unsigned int blocks = 0;
	for (unsigned int i = 0; i < c->n_sack_board; i++) {
		const struct tcp_sack_block *b = &c->sack_board[i];
		if (seq_leq(b->right, seq))
			continue;
		blocks++;
		bytes += seq_lt(b->left, seq) ? b->right - seq : block_len(b);
	}
	return blocks >= 3 || bytes > 2u * c->mss;
}

/*
 * Call fn for each hole, [left, right), between snd_una and snd_max: the gaps
 * between SACKed blocks, and the unSACKed tail. Stops early when fn says so.
 */
static bool each_hole(const struct tcp_conn *c, bool (*fn)(const struct tcp_conn *, uint32_t,
							  uint32_t, void *), void *arg)
{
	uint32_t seq = c->snd_una;
	for (unsigned int i = 0; i <= c->n_sack_board; i++) {
		uint32_t end = i < c->n_sack_board ? c->sack_board[i].left : c->snd_max;
		if (seq_gt(end, c->snd_max))
			end = c->snd_max;
		if (seq_lt(seq, end) && fn(c, seq, end, arg))
			return true;
		if (i < c->n_sack_board && seq_gt(c->sack_board[i].right, seq))
			seq = c->sack_board[i].right;
	}
	return false;
}

static bool add_to_pipe(const struct tcp_conn *c, uint32_t left, uint32_t right, void *arg)
{
	uint32_t *pipe = arg;
	if (!tcp_sack_lost(c, left))
		*pipe += right - left; /* still thought to be on its way */
	if (seq_gt(c->rexmit_nxt, left)) /* and its resend, if it went again */
		*pipe += (seq_lt(c->rexmit_nxt, right) ? c->rexmit_nxt : right) - left;
	return false;
}

/* RFC 6675 §4 SetPipe, a hole at a time: the octets in flight, resends counted again. */
uint32_t tcp_sack_pipe(const struct tcp_conn *c)
{
	uint32_t pipe = 0;
	each_hole(c, add_to_pipe, &pipe);
	return pipe;
}

struct hole_query {
	uint32_t from;
	bool lost; /* looking for a lost hole (rule 1) or any hole below sack_high (rule 3) */
	uint32_t seq, len;
};

static bool find_hole(const struct tcp_conn *c, uint32_t left, uint32_t right, void *arg)
{
	struct hole_query *q = arg;
	if (seq_leq(right, q->from))
		return false;
	if (seq_lt(left, q->from))
		left = q->from;
	if (!seq_lt(left, c->sack_high))
		return true; /* above the highest SACK nothing is known missing: stop */
	if (seq_gt(right, c->sack_high))
		right = c->sack_high; /* a block the full board forgot */
	if (q->lost && !tcp_sack_lost(c, left))
		return false;
	q->seq = left;
	q->len = right - left;
	return true;
}

bool tcp_sack_next_hole(const struct tcp_conn *c, uint32_t from, bool lost, uint32_t *seq,
			uint32_t *len)
{
	struct hole_query q = {.from = from, .lost = lost, .len = 0};
	if (!each_hole(c, find_hole, &q) || q.len == 0)
		return false;
	*seq = q.seq;
	*len = q.len;
	return true;
}

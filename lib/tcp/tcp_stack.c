/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker TCP stack: connection table and pool, listeners, the
 * timer wheel, and the byte-stream calls the layers above use.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <tlsterm/edge.h>

#include "syncookie.h"
#include "tcp_conn.h"

#define TCP_TICK_SLOTS_LOG2 16 /* 65536 one-millisecond slots: RTO and TIME_WAIT within one turn */
#define TCP_DEFAULT_MAX_CONNS 16384
#define TCP_DEFAULT_BUF (256 * 1024)

static uint8_t wscale_for(uint32_t buf)
{
	uint8_t s = 0;
	while (s < TCP_WSCALE_MAX && (buf >> s) > 65535)
		s++;
	return s;
}

struct tcp_stack *tcp_stack_create(const struct config *cfg, struct net_ctx *net)
{
	int socket = (int)rte_socket_id();
	struct tcp_stack *s = rte_zmalloc_socket("tcp_stack", sizeof(*s), RTE_CACHE_LINE_SIZE, socket);
	if (s == NULL)
		return NULL;
	s->net = net;
	s->ctr = net->ctr;
	s->max_conns = cfg->tcp.max_connections ? cfg->tcp.max_connections : TCP_DEFAULT_MAX_CONNS;
	s->syn_backlog = cfg->tcp.syn_backlog;
	s->max_half_open = cfg->edge.max_half_open ? cfg->edge.max_half_open : UINT32_MAX;
	s->rcv_buf = cfg->tcp.rcv_buffer ? cfg->tcp.rcv_buffer : TCP_DEFAULT_BUF;
	s->snd_buf = cfg->tcp.snd_buffer ? cfg->tcp.snd_buffer : TCP_DEFAULT_BUF;
	s->rcv_wscale = wscale_for(s->rcv_buf);
	s->keepalive_us = (uint64_t)cfg->tcp.keepalive_s * 1000000;
	s->keepalive_interval_us = (uint64_t)(cfg->tcp.keepalive_interval_s ?: 75) * 1000000;
	s->ooo_max = cfg->mbufs_per_worker / 4; /* out-of-order data may hold a quarter of the mbufs */
	s->tsc_per_us = net->tsc_hz / 1000000;
	if (s->tsc_per_us == 0)
		s->tsc_per_us = 1;
	s->now_us = net->now / s->tsc_per_us;
	s->cc = tcp_cc_find(cfg->tcp.congestion_control[0] ? cfg->tcp.congestion_control
							   : TCP_CC_DEFAULT);
	if (s->cc == NULL) {
		rte_free(s);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(s->isn_key); i += sizeof(uint64_t)) {
		uint64_t r = rte_rand();
		memcpy(&s->isn_key[i], &r, sizeof(r));
	}
	for (size_t i = 0; i < sizeof(s->cookie_secret); i += sizeof(uint64_t)) {
		uint64_t r = rte_rand();
		memcpy(&s->cookie_secret[i], &r, sizeof(r));
	}
	/* A zeroed config (no defaults) gets the default range rather than none. */
	unsigned int first = cfg->tcp.local_port_first, last = cfg->tcp.local_port_last;
	if (first == 0 || last == 0 || first > last || last > 65535) {
		first = TCP_EPHEMERAL_FIRST;
		last = TCP_EPHEMERAL_LAST;
	}
	s->port_first = (uint16_t)first;
	s->port_count = last - first + 1;
	/* A restarted tlsterm must not walk the ports its last run left in peers' TIME_WAIT. */
	s->next_port = (uint32_t)(rte_rand() % s->port_count);

	char name[RTE_HASH_NAMESIZE];
	snprintf(name, sizeof(name), "tcp_conns_w%u", net->worker_id);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = s->max_conns * 2,
		.key_len = sizeof(struct tcp_tuple),
		.hash_func = rte_jhash,
		.socket_id = socket,
	};
	s->table = rte_hash_create(&hp);
	snprintf(name, sizeof(name), "tcp_pool_w%u", net->worker_id);
	s->conn_pool = rte_mempool_create(name, s->max_conns + TCP_REAP_SLACK, sizeof(struct tcp_conn),
					  0, 0, NULL,
					  NULL, NULL, NULL, socket, NET_STATE_POOL_FLAGS);
	if (s->table == NULL || s->conn_pool == NULL ||
	    tw_init(&s->tw, net->now, net->tsc_hz / 1000, TCP_TICK_SLOTS_LOG2, s) != 0) {
		tcp_stack_free(s);
		return NULL;
	}
	net->tcp_input = tcp_input;
	net->tcp_too_big = tcp_too_big;
	net->tcp_arg = s;
	return s;
}

static void tcp_reap(struct tcp_stack *s);

void tcp_stack_set_edge(struct tcp_stack *s, struct edge *e)
{
	s->edge = e;
}

void tcp_edge_release(struct tcp_conn *c)
{
	if (!c->edge_counted)
		return;
	c->edge_counted = false;
	if (c->stack->edge != NULL)
		edge_conn_closed(c->stack->edge, c->tuple.family, c->tuple.raddr);
}

void tcp_stack_free(struct tcp_stack *s)
{
	if (s == NULL)
		return;
	s->freeing = true; /* the layers above are told; what they ask of TCP now is moot */
	if (s->table != NULL) {
		const void *key;
		void *data;
		uint32_t iter = 0;
		while (rte_hash_iterate(s->table, &key, &data, &iter) >= 0) {
			struct tcp_conn *c = data;
			/* The layer above frees what it keeps per connection (TLS state). */
			if (!c->dead && c->upper_told && c->ops != NULL && c->ops->closed != NULL)
				c->ops->closed(c, TCP_CLOSE_ABORTED);
			tcp_timers_cancel(c);
			tcp_mq_free(&c->sndq);
			tcp_mq_free(&c->rcvq);
			tcp_reass_free(c);
			rte_mempool_put(s->conn_pool, c);
		}
		rte_hash_free(s->table);
	}
	tcp_reap(s);
	if (s->tw.slots != NULL)
		tw_fini(&s->tw);
	rte_mempool_free(s->conn_pool);
	if (s->net != NULL && s->net->tcp_arg == s) {
		s->net->tcp_input = NULL;
		s->net->tcp_too_big = NULL;
		s->net->tcp_arg = NULL;
	}
	rte_free(s);
}

int tcp_listen(struct tcp_stack *s, uint16_t port, const struct tcp_upper_ops *ops, void *arg)
{
	if (s->n_listeners == TCP_MAX_LISTENERS)
		return -ENOSPC;
	for (unsigned int i = 0; i < s->n_listeners; i++)
		if (s->listeners[i].port == rte_cpu_to_be_16(port))
			return -EEXIST;
	s->listeners[s->n_listeners++] = (struct tcp_listener){
		.port = rte_cpu_to_be_16(port),
		.ops = ops,
		.arg = arg,
	};
	return 0;
}

int tcp_listen_family(struct tcp_stack *s, uint16_t port, uint8_t family)
{
	for (unsigned int i = 0; i < s->n_listeners; i++) {
		if (s->listeners[i].port == rte_cpu_to_be_16(port)) {
			s->listeners[i].family = family;
			return 0;
		}
	}
	return -ENOENT;
}

struct tcp_listener *tcp_listener_find(struct tcp_stack *s, uint16_t port_be)
{
	for (unsigned int i = 0; i < s->n_listeners; i++)
		if (s->listeners[i].port == port_be)
			return &s->listeners[i];
	return NULL;
}

unsigned int tcp_conn_count(const struct tcp_stack *s)
{
	return s->n_conns;
}

unsigned int tcp_time_wait_count(const struct tcp_stack *s)
{
	return s->n_time_wait;
}

unsigned int tcp_open_describe(struct tcp_stack *s, char *buf, size_t len)
{
	const void *key;
	void *data;
	uint32_t iter = 0;
	unsigned int n = 0;
	size_t used = 0;
	if (len > 0)
		buf[0] = '\0';
	while (s->table != NULL && rte_hash_iterate(s->table, &key, &data, &iter) >= 0) {
		const struct tcp_conn *c = data;
		if (c->dead || c->state == TCP_TIME_WAIT)
			continue;
		n++;
		if (used + 1 < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s %u>%u%s",
						 used > 0 ? ", " : "", tcp_state_name(c->state),
						 rte_be_to_cpu_16(c->tuple.lport),
						 rte_be_to_cpu_16(c->tuple.rport),
						 c->upper_told ? "+" : "");
	}
	return n;
}

struct tcp_conn *tcp_conn_lookup(struct tcp_stack *s, const struct tcp_tuple *t)
{
	void *data;
	return rte_hash_lookup_data(s->table, t, &data) >= 0 ? data : NULL;
}

/* RFC 6528: a clock that moves every 4 µs plus a keyed hash of the tuple. */
uint32_t tcp_isn(struct tcp_stack *s, const struct tcp_tuple *t)
{
	return (uint32_t)(s->now_us / 4) + (uint32_t)siphash24(s->isn_key, (const uint8_t *)t, sizeof(*t));
}

uint32_t tcp_ts_now(const struct tcp_conn *c)
{
	return (uint32_t)(c->stack->now_us / 1000) + c->ts_offset;
}

void tcp_tw_list_add(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	tcp_tw_list_remove(c); /* a FIN again restarts the wait: youngest again */
	tcp_edge_release(c); /* TIME_WAIT is a memory, not a connection the client holds */
	c->tw_prev = s->tw_newest;
	c->tw_next = NULL;
	if (s->tw_newest != NULL)
		s->tw_newest->tw_next = c;
	else
		s->tw_oldest = c;
	s->tw_newest = c;
	c->in_tw_list = true;
	s->n_time_wait++;
}

void tcp_tw_list_remove(struct tcp_conn *c)
{
	struct tcp_stack *s = c->stack;
	if (!c->in_tw_list)
		return;
	if (c->tw_prev != NULL)
		c->tw_prev->tw_next = c->tw_next;
	else
		s->tw_oldest = c->tw_next;
	if (c->tw_next != NULL)
		c->tw_next->tw_prev = c->tw_prev;
	else
		s->tw_newest = c->tw_prev;
	c->in_tw_list = false;
	s->n_time_wait--;
}

struct tcp_conn *tcp_conn_new(struct tcp_stack *s, const struct tcp_tuple *t, unsigned int pi)
{
	/* A full table gives up its oldest TIME_WAIT first: a live connection beats a memory. */
	if (s->n_conns >= s->max_conns && s->tw_oldest != NULL &&
	    s->reap_pending < TCP_REAP_SLACK) {
		s->ctr->tcp.time_wait_recycled++;
		tcp_conn_destroy(s->tw_oldest, TCP_CLOSE_NORMAL);
	}
	if (s->n_conns >= s->max_conns) {
		s->ctr->drops[DROP_TCP_CONN_LIMIT]++;
		return NULL;
	}
	void *obj;
	if (rte_mempool_get(s->conn_pool, &obj) != 0) {
		s->ctr->drops[DROP_TCP_CONN_LIMIT]++;
		return NULL;
	}
	struct tcp_conn *c = obj;
	memset(c, 0, sizeof(*c));
	c->tuple = *t;
	c->stack = s;
	c->pi = (uint8_t)pi;
	c->state = TCP_CLOSED;
	c->mss = TCP_MSS_DEFAULT;
	c->rcv_wscale = 0;
	c->rto_us = TCP_RTO_INIT_US;
	c->ts_offset = (uint32_t)siphash24(s->isn_key, (const uint8_t *)t, sizeof(*t) - 4) >> 8;
	if (rte_hash_add_key_data(s->table, t, c) != 0) {
		rte_mempool_put(s->conn_pool, c);
		s->ctr->drops[DROP_TCP_CONN_LIMIT]++;
		return NULL;
	}
	tcp_timers_init(c);
	s->n_conns++;
	return c;
}

/*
 * Take c out of service now (table, timers, buffers); the layer above hears
 * closed() and the memory returns to the pool at the next reap, so a caller
 * deeper in the stack never holds a pointer to freed memory.
 */
void tcp_conn_destroy(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct tcp_stack *s = c->stack;
	if (c->dead)
		return;
	c->dead = true;
	c->close_reason = (uint8_t)why;
	if (c->state == TCP_SYN_RCVD && c->listener != NULL) {
		c->listener->syn_rcvd--;
		s->n_half_open--;
	}
	tcp_edge_release(c);
	c->state = TCP_CLOSED;
	tcp_timers_cancel(c);
	tcp_tw_list_remove(c);
	tcp_output_forget(c);
	tcp_mq_free(&c->sndq);
	tcp_mq_free(&c->rcvq);
	tcp_reass_free(c);
	rte_hash_del_key(s->table, &c->tuple);
	s->n_conns--;
	s->ctr->tcp.closed++;
	c->reap_next = s->reap_list;
	s->reap_list = c;
	s->reap_pending++;
}

static void tcp_reap(struct tcp_stack *s)
{
	while (s->reap_list != NULL) {
		struct tcp_conn *c = s->reap_list;
		s->reap_list = c->reap_next;
		s->reap_pending--;
		if (c->upper_told && c->ops != NULL && c->ops->closed != NULL)
			c->ops->closed(c, (enum tcp_close_reason)c->close_reason);
		rte_mempool_put(s->conn_pool, c);
	}
}

unsigned int tcp_timers(struct tcp_stack *s)
{
	s->now_us = s->net->now / s->tsc_per_us;
	unsigned int n = tw_advance(&s->tw, s->net->now);
	n += tcp_flush_output(s);
	tcp_reap(s);
	/* closed() above may have sent on other connections */
	n += tcp_flush_output(s);
	return n;
}

static uint32_t ooo_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;
	for (unsigned int i = 0; i < c->n_ooo; i++)
		n += c->ooo[i].len;
	return n;
}

/* What we can still take in, as of now, never less than what we already promised. */
uint32_t tcp_rcv_window(const struct tcp_conn *c)
{
	uint32_t used = c->rcvq.bytes + ooo_bytes(c);
	uint32_t free_space = used >= c->stack->rcv_buf ? 0 : c->stack->rcv_buf - used;
	uint32_t max = (uint32_t)65535 << c->rcv_wscale;
	uint32_t wnd = RTE_MIN(free_space, max);
	wnd &= ~((1u << c->rcv_wscale) - 1); /* what the scaled field can express */
	/* RFC 9293 §3.8.6.2.2 receiver SWS avoidance: a window opens by a full segment or
	 * half the buffer at least, never by a few bytes the peer would send as a runt. */
	if (wnd < RTE_MIN(c->stack->rcv_buf / 2, (uint32_t)c->mss))
		wnd = 0;
	uint32_t promised = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	return RTE_MAX(wnd, promised); /* RFC 9293 §3.8.6.2.2: don't shrink the window */
}

static bool can_send_data(const struct tcp_conn *c)
{
	return !c->dead && !c->fin_queued &&
	       (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
		c->state == TCP_SYN_RCVD || c->state == TCP_SYN_SENT);
}

uint32_t tcp_send_space(const struct tcp_conn *c)
{
	if (!can_send_data(c) || c->sndq.bytes >= c->stack->snd_buf)
		return 0;
	return c->stack->snd_buf - c->sndq.bytes;
}

int tcp_send(struct tcp_conn *c, struct rte_mbuf *m)
{
	if (!can_send_data(c) || c->stack->freeing)
		return -EPIPE;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	if (len > tcp_send_space(c))
		return -ENOBUFS;
	tcp_mq_append(&c->sndq, m, len);
	tcp_output_soon(c);
	return 0;
}

uint32_t tcp_recv_available(const struct tcp_conn *c)
{
	return c->rcvq.bytes;
}

bool tcp_peer_done(const struct tcp_conn *c)
{
	return c->fin_received && c->rcvq.bytes == 0;
}

struct rte_mbuf *tcp_recv(struct tcp_conn *c, uint32_t max)
{
	struct tcp_mq *q = &c->rcvq;
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t taken = 0;
	uint16_t segs = 0;
	uint32_t before = tcp_rcv_window(c);
	while (q->head != NULL && taken + q->head->data_len <= max) {
		struct rte_mbuf *seg = q->head;
		q->head = seg->next;
		seg->next = NULL;
		taken += seg->data_len;
		segs++;
		if (head == NULL)
			head = seg;
		else
			tail->next = seg;
		tail = seg;
	}
	if (q->head == NULL)
		q->tail = NULL;
	q->bytes -= taken;
	if (head == NULL)
		return NULL;
	head->pkt_len = taken;
	head->nb_segs = segs;
	/* Reading opened the window: tell the peer once it is worth a segment. Not after its
	 * FIN: it sends nothing more, and a peer that closed answers a late ACK with RST. */
	uint32_t after = tcp_rcv_window(c);
	if (!c->dead && !c->fin_received &&
	    after - before >= RTE_MIN(c->stack->rcv_buf / 2, 2u * c->mss) &&
	    c->state != TCP_SYN_RCVD) {
		c->ack_now = true;
		tcp_output_soon(c);
	}
	return head;
}

void tcp_shutdown_write(struct tcp_conn *c)
{
	if (c->dead || c->fin_queued || c->stack->freeing)
		return;
	if (c->state == TCP_SYN_SENT) {
		tcp_send_rst(c);
		tcp_conn_destroy(c, TCP_CLOSE_ABORTED);
		return;
	}
	c->fin_queued = true;
	if (c->state == TCP_SYN_RCVD)
		return; /* RFC 9293 §3.10.4: the FIN waits for ESTABLISHED */
	if (!tcp_fsm_step(c, TCP_EV_CLOSE))
		return;
	tcp_output_soon(c);
}

void tcp_abort(struct tcp_conn *c)
{
	if (c->dead || c->stack->freeing)
		return;
	if (c->state != TCP_SYN_SENT && c->state != TCP_TIME_WAIT)
		tcp_send_rst(c);
	tcp_conn_destroy(c, TCP_CLOSE_ABORTED);
}

void tcp_conn_endpoints(const struct tcp_conn *c, struct ip_addr *laddr, uint16_t *lport,
			struct ip_addr *raddr, uint16_t *rport)
{
	laddr->family = raddr->family = c->tuple.family;
	memcpy(laddr->bytes, c->tuple.laddr, 16);
	memcpy(raddr->bytes, c->tuple.raddr, 16);
	*lport = rte_be_to_cpu_16(c->tuple.lport);
	*rport = rte_be_to_cpu_16(c->tuple.rport);
}

void tcp_set_upper(struct tcp_conn *c, void *upper)
{
	c->upper = upper;
}

void *tcp_upper(const struct tcp_conn *c)
{
	return c->upper;
}

/* Mbuf queues: singly linked segments with our own byte count. */
void tcp_mq_append(struct tcp_mq *q, struct rte_mbuf *chain, uint32_t len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(chain);
	if (q->tail == NULL)
		q->head = chain;
	else
		q->tail->next = chain;
	q->tail = last;
	q->bytes += len;
}

void tcp_mq_trim_front(struct tcp_mq *q, uint32_t bytes)
{
	q->bytes -= bytes;
	/* The cursor's segment survives only if it starts at or after the cut. */
	if (q->pos != NULL && q->pos_off >= bytes) {
		q->pos_off -= bytes;
	} else {
		q->pos = NULL;
		q->pos_off = 0;
	}
	while (bytes > 0 && q->head != NULL) {
		struct rte_mbuf *seg = q->head;
		if (bytes < seg->data_len) {
			rte_pktmbuf_adj(seg, (uint16_t)bytes); /* seg is a lone segment here */
			return;
		}
		bytes -= seg->data_len;
		q->head = seg->next;
		seg->next = NULL;
		rte_pktmbuf_free_seg(seg);
	}
	if (q->head == NULL)
		q->tail = NULL;
}

void tcp_mq_free(struct tcp_mq *q)
{
	struct rte_mbuf *seg = q->head;
	while (seg != NULL) {
		struct rte_mbuf *next = seg->next;
		rte_pktmbuf_free_seg(seg);
		seg = next;
	}
	q->head = q->tail = q->pos = NULL;
	q->pos_off = 0;
	q->bytes = 0;
}

/*
 * Active open to raddr:rport (network order) from port pi's address. The
 * source port is picked so the tuple hashes to this worker (DESIGN.md,
 * "Flows and cores"); replies then come home without steering.
 */
struct tcp_conn *tcp_connect(struct tcp_stack *s, unsigned int pi, const struct ip_addr *raddr,
			     uint16_t rport, const struct tcp_upper_ops *ops, void *upper)
{
	const struct net_port *p = &s->net->ports[pi];
	struct tcp_tuple t = {.family = raddr->family, .rport = rport};
	if (raddr->family == 6) {
		if (!p->has_ipv6)
			return NULL;
		if (raddr->bytes[0] == 0xfe && (raddr->bytes[1] & 0xc0) == 0x80)
			net_ipv6_link_local(p, (uint8_t *)t.laddr);
		else
			memcpy(t.laddr, p->ipv6, 16);
		memcpy(t.raddr, raddr->bytes, 16);
	} else {
		if (!p->has_ipv4 || raddr->family != 4)
			return NULL;
		t.laddr[0] = p->ipv4;
		memcpy(&t.raddr[0], raddr->bytes, 4);
	}
	for (unsigned int tries = 0; tries < s->port_count; tries++) {
		uint16_t port = (uint16_t)(s->port_first + s->next_port);
		s->next_port = (s->next_port + 1) % s->port_count;
		t.lport = rte_cpu_to_be_16(port);
		if (tcp_owner(&t, s->net->n_workers) != s->net->worker_id ||
		    tcp_conn_lookup(s, &t) != NULL)
			continue;
		struct tcp_conn *c = tcp_conn_new(s, &t, pi);
		if (c == NULL)
			return NULL;
		c->ops = ops;
		c->upper = upper;
		c->upper_told = true; /* the caller knows it: closed() is owed even if it never connects */
		c->iss = tcp_isn(s, &t);
		tcp_send_seq_init(c);
		c->snd_nxt = c->snd_max = c->iss + 1;
		c->rcv_wscale = s->rcv_wscale; /* offered; cleared if the peer doesn't scale */
		tcp_fsm_step(c, TCP_EV_ACTIVE_OPEN);
		s->ctr->tcp.active_opens++;
		tcp_send_syn(c, false);
		tcp_arm_rtx(c);
		return c;
	}
	return NULL;
}

static unsigned int mq_segs(const struct tcp_mq *q)
{
	unsigned int n = 0;
	for (const struct rte_mbuf *m = q->head; m != NULL; m = m->next)
		n++;
	return n;
}

unsigned int tcp_mbufs_held(const struct tcp_stack *s)
{
	unsigned int n = 0;
	const void *key;
	void *data;
	uint32_t iter = 0;
	while (rte_hash_iterate(s->table, &key, &data, &iter) >= 0) {
		const struct tcp_conn *c = data;
		n += mq_segs(&c->sndq) + mq_segs(&c->rcvq);
		for (unsigned int i = 0; i < c->n_ooo; i++)
			n += c->ooo[i].m->nb_segs;
	}
	return n;
}

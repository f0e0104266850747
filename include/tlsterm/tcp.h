/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlsterm's TCP, as the layers above see it: listeners, active opens, and a
 * byte stream per connection made of mbufs (zero-copy on receive). One
 * struct tcp_stack per worker; nothing is shared between workers.
 */
#ifndef TLSTERM_TCP_H
#define TLSTERM_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <tlsterm/config.h>
#include <tlsterm/net.h>

struct tcp_stack;
struct tcp_conn;
struct edge;

enum tcp_close_reason {
	TCP_CLOSE_NORMAL,   /* both FINs exchanged */
	TCP_CLOSE_RESET,    /* the peer sent RST */
	TCP_CLOSE_TIMEOUT,  /* retransmissions or keepalives gave up */
	TCP_CLOSE_ABORTED,  /* we sent RST (tcp_abort, or unread data at close) */
	TCP_CLOSE_NO_MEMORY,
};

/*
 * What a layer above (a built-in service, TLS, the proxy) is told. Each
 * callback runs on the connection's worker, inside the loop iteration that
 * caused it. After closed() returns, the connection is gone.
 */
struct tcp_upper_ops {
	void (*established)(struct tcp_conn *c); /* handshake done (passive or active) */
	void (*readable)(struct tcp_conn *c);    /* new in-order data, or the peer's FIN */
	void (*writable)(struct tcp_conn *c);    /* send space came free */
	void (*closed)(struct tcp_conn *c, enum tcp_close_reason why);
};

/* Per-worker stack: connection table, timers, listeners. Start-up only. */
struct tcp_stack *tcp_stack_create(const struct config *cfg, struct net_ctx *net);
void tcp_stack_free(struct tcp_stack *s);
/*
 * The worker's edge (ACL, per-client limits; lib/edge), asked before any
 * state is made for a client. NULL (the default): everything is let in.
 */
void tcp_stack_set_edge(struct tcp_stack *s, struct edge *e);

/*
 * Accept connections on port (host order) for every address of every port.
 * A passive connection's tcp_upper() starts as arg (the listener's state);
 * the layer above may replace it with its own per-connection state.
 */
int tcp_listen(struct tcp_stack *s, uint16_t port, const struct tcp_upper_ops *ops, void *arg);

/*
 * Restrict the listener on port (host order) to clients of one family (4 or
 * 6; 0: both, as tcp_listen() leaves it). Others are answered as if nothing
 * listened. Returns 0, or -ENOENT when nothing listens on port.
 */
int tcp_listen_family(struct tcp_stack *s, uint16_t port, uint8_t family);

/*
 * Active open from port index pi's address of raddr's family to raddr:rport
 * (port in network order); to a link-local IPv6 peer, from our link-local
 * address. ops->established() runs when the handshake completes;
 * ops->closed() if it never does. Returns NULL when no connection can be made
 * now (or the port has no address of that family).
 */
struct tcp_conn *tcp_connect(struct tcp_stack *s, unsigned int pi, const struct ip_addr *raddr,
			     uint16_t rport, const struct tcp_upper_ops *ops, void *upper);

/*
 * Timers due at net->now, then the output gathered in the iteration (with
 * batch output). Call once per loop iteration, after the layers above ran;
 * returns how many timers fired and connections sent.
 */
unsigned int tcp_timers(struct tcp_stack *s);

/*
 * Batch output (the worker's way): what the connections send during a loop
 * iteration (data, FIN, the ACKs owed) goes out at its end, in tcp_timers, so
 * that a response, TLS close_notify and FIN share a segment and an ACK rides on
 * the answer it waited for. Off, each call sends at once (unit tests).
 */
void tcp_stack_batch_output(struct tcp_stack *s, bool on);
/* Send the output gathered so far (tcp_timers does); returns the connections that had some. */
unsigned int tcp_flush_output(struct tcp_stack *s);

/* Mbufs the stack holds (send, receive and reassembly queues of every connection). */
unsigned int tcp_mbufs_held(const struct tcp_stack *s);

/* Connections in the table, TIME_WAIT included. */
unsigned int tcp_conn_count(const struct tcp_stack *s);
/* Of those, in TIME_WAIT. */
unsigned int tcp_time_wait_count(const struct tcp_stack *s);

/*
 * The connections open other than TIME_WAIT, one "STATE lport>rport" each (ports
 * in host order, "+" when the layer above still owns it), into buf; for the
 * control thread's report at shutdown, after the worker stopped. Returns how many.
 */
unsigned int tcp_open_describe(struct tcp_stack *s, char *buf, size_t len);

/* The byte stream. */
uint32_t tcp_send_space(const struct tcp_conn *c);
/* Queue a chain for sending; takes it whole. Returns 0, or -ENOBUFS (m not taken). */
int tcp_send(struct tcp_conn *c, struct rte_mbuf *m);
/* In-order data, at most max bytes in whole segments, as one chain; NULL when none. */
struct rte_mbuf *tcp_recv(struct tcp_conn *c, uint32_t max);
uint32_t tcp_recv_available(const struct tcp_conn *c);
/* The peer sent FIN and every byte before it has been read. */
bool tcp_peer_done(const struct tcp_conn *c);
/* Send FIN after what is queued (half-close: reading goes on). */
void tcp_shutdown_write(struct tcp_conn *c);
/* Reset now. closed() runs later, when the stack reaps the connection (tcp_timers). */
void tcp_abort(struct tcp_conn *c);

/* Addresses and ports (host order) of c: ours, then the peer's. */
void tcp_conn_endpoints(const struct tcp_conn *c, struct ip_addr *laddr, uint16_t *lport,
			struct ip_addr *raddr, uint16_t *rport);

void tcp_set_upper(struct tcp_conn *c, void *upper);
void *tcp_upper(const struct tcp_conn *c);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A scripted peer for the TCP stack in the spirit of packetdrill: inject
 * segments as the peer would send them, read back the segments tlsterm
 * emits, move a virtual clock. Real mbufs through the real net layer.
 */
#ifndef TLSTERM_TEST_TCP_HARNESS_H
#define TLSTERM_TEST_TCP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_tcp.h>

#include <tlsterm/tcp.h>

#include "eal_fixture.h"
#include "tcp_conn.h"
#include "tcp_options.h"

#define H_PORT 7        /* our listener */
#define H_PEER_PORT 40000

#define F_SYN RTE_TCP_SYN_FLAG
#define F_ACK RTE_TCP_ACK_FLAG
#define F_FIN RTE_TCP_FIN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_PSH RTE_TCP_PSH_FLAG

/* A segment as seen on the wire (what we send or what tlsterm sent). */
struct hseg {
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t win;
	uint16_t len;
	uint16_t src_port; /* host order */
	uint16_t dst_port;
	struct tcp_opts opts;
	bool has_opts;
	uint8_t opt_bytes[TCP_OPTIONS_MAX];
	uint8_t opt_len;
	uint16_t nb_segs; /* mbufs the frame came in: payloads are shared, not copied */
	uint8_t data[2048];
};

struct harness {
	struct config cfg;
	struct net_ctx net;
	struct worker_counters ctr;
	struct tcp_stack *stack;
	uint64_t t0;
	unsigned int mbufs_at_start;
	/* what the upper layer saw */
	unsigned int established, readable, writable, closed;
	enum tcp_close_reason close_reason;
	struct tcp_conn *conn;
	bool auto_read; /* readable() consumes and frees everything */
	uint16_t peer_port; /* h_send's ports (host order): H_PEER_PORT → H_PORT by default */
	uint16_t our_port;
	bool ipv6; /* the peer speaks IPv6: 2001:2:0:18::2 to our 2001:2:0:18::1 */
};

extern struct harness H;
extern const struct tcp_upper_ops harness_ops;

/* Fresh stack listening on H_PORT with harness_ops; the peer's MAC already learned. */
int harness_setup(void **state);
/* The same over IPv6: the peer's MAC learned from its neighbor solicitation. */
int harness_setup_ipv6(void **state);
/* Tear down and check every mbuf came back. */
int harness_teardown(void **state);

/* Move the virtual clock and run the timers. */
void h_advance_ms(uint64_t ms);

/* Peer → tlsterm. opts may be NULL (then opt_len 0). payload may be NULL (zeros). */
void h_send(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
	    uint8_t opt_len, const void *payload, uint16_t len);

/* Read back everything tlsterm sent; returns how many (at most max). */
unsigned int h_recv(struct hseg *out, unsigned int max);
/* Exactly one segment is expected: read it, failing the test otherwise. */
void h_expect_one(struct hseg *out);
void h_expect_none(void);

/* Linux-like SYN options: MSS 1460, SACK-permitted, timestamps, window scale 7. */
uint8_t h_syn_opts(uint8_t *buf, uint32_t tsval, uint32_t tsecr, bool ts, bool sack, int wscale);
uint8_t h_ts_opts(uint8_t *buf, uint32_t tsval, uint32_t tsecr);

/* Complete a passive handshake; returns tlsterm's ISS. peer_isn is ours. */
uint32_t h_handshake(uint32_t peer_isn, bool ts, bool sack, int wscale);

#endif

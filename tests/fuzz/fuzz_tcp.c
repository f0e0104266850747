/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/tcp: fuzzed segment sequences driven into a
 * connection in each state, through the real net layer on a net_ring port
 * with a virtual clock, mixed with what the layer above and the worker loop
 * do (send, receive, half-close, abort, active open, timers).
 *
 * Input: a scenario byte, two configuration bytes, then operations.
 *
 * Scenario byte: bits 0-3 the state the main connection is brought to with
 * well-formed segments before the operations start:
 *    0 LISTEN (no connection)     1 SYN_RCVD          2 ESTABLISHED
 *    3 ESTABLISHED, data queued   4 CLOSE_WAIT        5 LAST_ACK
 *    6 FIN_WAIT_1                 7 FIN_WAIT_2        8 TIME_WAIT
 *    9 CLOSING                   10 SYN_SENT         11 ESTABLISHED (active)
 *   12 SYN_RCVD (simultaneous)   13 ESTABLISHED, peer data held out of order
 *   14-15 as 2
 * bits 4-6: the peer's SYN offers timestamps, SACK, window scale 7;
 * bit 7: NewReno instead of CUBIC.
 *
 * Configuration byte, the [tcp] section (max_connections 64) and the layer
 * above: bits 0-1 rcv_buffer (256K, 64K, 16K, 4K), bits 2-3 snd_buffer
 * (256K, 64K, 8K, 4K), bits 4-5 syn_backlog (1024, 1024, 1, 0: every SYN
 * gets a cookie), bit 6 the layer above reads only when told (else in
 * readable()), bit 7 it half-closes once the peer is done. Second byte:
 * bits 0-1 keepalive_s (off, off, 10, 60), bits 2-3 keepalive_interval_s
 * (default, 1, 5, 75).
 *
 * Operations, one opcode byte each (op % 8) and its arguments:
 *   0-1 segment: flags, mode, seq16, ack16, window16, len, misc
 *       (+ seq16 / ack16 more when absolute, + option arguments)
 *       mode bits 0-1 seq base: rcv_nxt, rcv_adv, irs, absolute;
 *            bits 2-3 ack base: snd_una, snd_max, iss, absolute;
 *            bits 4-5 options: none, derived (timestamps; SYN options on a SYN),
 *                     derived + SACK blocks (a SYN: one more byte of SYN options),
 *                     raw (a length byte and the bytes);
 *            bits 6-7 tuple: main, main, second peer port, extra active open
 *                     (or a port nobody listens on)
 *       seq16/ack16 are signed offsets from the base (the connection's real
 *       values, or what the peer last saw when there is no connection);
 *       len: payload bytes, 0-63, then in tens (up to 1900)
 *       misc bits 0-1 timestamps: current, older than ts_recent, TSecr 0, far
 *            future; bits 2-3 frame: one mbuf, one mbuf, payload split over
 *            two mbufs, bad checksum; bit 4 SACK-permitted and bit 5
 *            timestamps on a SYN with explicit options; bit 5 no timestamps
 *            with SACK blocks
 *   2   burst on the main connection: count-1 (bits 0-4), reversed (bit 5),
 *       no gaps between (bit 6), FIN on the last (bit 7); then segment length
 *       (bits 0-3) and gap (bits 4-7) in 32s: runs past a hole
 *   3   in-order segment from the peer: one byte (len in 64s, FIN, zero
 *       window, duplicate ACK)
 *   4   clock: one byte, coarse (up to 4 minutes), then tcp_timers()
 *   5-6 the layer above: one byte, bits 0-2 the action, bits 3-7 which of
 *       the connections it knows: 0 tcp_send (u16 length, segment size
 *       1900/1024/100/7), 1 tcp_recv (max in 64s, 255 all), 2
 *       tcp_shutdown_write, 3 tcp_abort, 4 write more as writable() allows
 *       (kilobytes), 5 tcp_connect (a second active open), 6 the read-only
 *       calls (bit 6: take every free mbuf, or give them back; bit 7: the
 *       worker stops at the end with its connections open), 7 toggle
 *       reading in readable()
 *   7   clock: one byte of milliseconds, then tcp_timers()
 *
 * Every segment the peer sends carries bytes that are a function of their
 * sequence number, and the layer above writes bytes that are a function of
 * their stream offset: what the layer above reads and what the stack sends
 * are checked byte for byte. After every operation what was transmitted is
 * read back (ARP requests answered) and checked: checksums, options.
 *
 * After each input: the pool holds exactly what the stack and net layer say
 * they hold; the layer above aborts what it knows, and after 400 s more of
 * the clock no connection, half-open slot, out-of-order segment, timer or
 * mbuf is left. ctr.tcp.fsm_illegal must stay 0. Anything else is abort().
 *
 * A stack costs ~15 ms to make (a 65536-slot timer wheel), so the inputs
 * share one while each leaves it empty, on a virtual 1 MHz clock that starts
 * every input at the same phase of everything the stack computes from time
 * (input_start()); the stack and net context are freed, and every mbuf must
 * come back, every INPUTS_PER_STACK inputs and after an input that ends with
 * "the worker stops" (tcp_stack_free() with connections open).
 *
 * FUZZ_TCP_VERBOSE=1 in the environment prints each operation and state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>
#include <tlsterm/net.h>
#include <tlsterm/tcp.h>

#include "fuzz_eal.h"
#include "tcp_conn.h"
#include "tcp_options.h"

/*
 * LeakSanitizer does not scan DPDK's memory, so what the stack mallocs and
 * keeps in it (the timer wheel) would look leaked: make the stack a root.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#include <sanitizer/lsan_interface.h>
#define LSAN_ROOT_ADD(p, n) __lsan_register_root_region(p, n)
#define LSAN_ROOT_DEL(p, n) __lsan_unregister_root_region(p, n)
#endif
#endif
#ifndef LSAN_ROOT_ADD
#define LSAN_ROOT_ADD(p, n) ((void)(p), (void)(n))
#define LSAN_ROOT_DEL(p, n) ((void)(p), (void)(n))
#endif

#define OUR_IP RTE_IPV4(198u, 18, 0, 1)
#define PEER_IP RTE_IPV4(198u, 18, 0, 2)
#define LISTEN_PORT 7
#define NO_LISTENER_PORT 9
#define PEER_PORT 40000
#define PEER_PORT2 40001
#define ACTIVE_RPORT 443
#define ACTIVE_RPORT2 8443
#define PEER_ISN 0x10000000u
#define PEER_ISN2 0x7ffff000u
#define POOL_SIZE 8191
#define MAX_PAYLOAD 1900 /* with 94 bytes of headers, fits one 2048-byte mbuf */
#define MAX_KNOWN 80
#define MAX_ACTIVE 72 /* connect() only while fewer are known: past max_connections */
#define N_TUPLES 4
#define MAX_CONNECTIONS 64 /* the least the configuration allows: a cheap stack, and a full one */

/*
 * Each input starts on the same clock as the first on a fresh stack, modulo
 * every period the stack's arithmetic sees: ISNs (µs / 4, 32 bits), TSvals
 * (ms, 32 bits), the SYN cookie minute's phase. Only cookie values differ
 * (their MAC covers the whole minute count).
 */
#define VIRTUAL_TSC_HZ 1000000u
#define VIRTUAL_T0 (UINT64_C(100000) * VIRTUAL_TSC_HZ)
#define INPUT_PERIOD_US (UINT64_C(34359738368) * 234375) /* lcm(2^34, 2^32 * 1000, 60e6) */
#define INPUTS_PER_STACK 2000                           /* before the 64-bit clock could wrap */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rte_ether_addr our_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr peer_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x02}};

static struct rte_mempool *pool;
static struct rte_mbuf *hog[POOL_SIZE]; /* mbufs taken away to starve the stack */
static unsigned int n_hog;
static uint16_t ring_port;
static bool verbose;

/* The peer's view of one 4-tuple: what it last saw from us. Ports in host order. */
enum { T_MAIN, T_SECOND, T_EXTRA, T_NO_LISTENER };

struct peer_tuple {
	uint16_t peer_port;
	uint16_t our_port;
	bool in_use;
	bool seen;    /* some segment of ours was seen */
	bool has_ack; /* ... with ACK set */
	uint32_t peer_isn;
	uint32_t our_iss;
	uint32_t our_nxt; /* highest sequence we used, + 1 */
	uint32_t our_ack;
	uint32_t our_tsval;
	bool edge_known;
	uint32_t edge; /* the right edge of the window we offered, as far as we have seen */
};

/* What the layer above knows: connections told established() or opened by it. */
struct upper_conn {
	struct tcp_conn *c;
	bool has_irs;
	uint32_t read_seq; /* sequence number of the next byte it will read */
	uint32_t written;  /* bytes handed to tcp_send() so far */
	uint32_t backlog;  /* bytes it still wants to write, pushed on writable() */
};

/* The worker: one stack and net context, reused by inputs while they leave nothing behind. */
static struct {
	struct config cfg;
	struct net_ctx net;
	struct worker_counters ctr;
	struct tcp_stack *stack;
	unsigned int inputs; /* run on this stack so far */
	unsigned int mbufs_idle; /* in use with nothing held anywhere */
} W;

/* One input. */
static struct {
	uint64_t t0;
	uint64_t tsc_ms;
	struct peer_tuple tuples[N_TUPLES];
	struct upper_conn known[MAX_KNOWN];
	unsigned int n_known;
	bool read_on_readable;
	bool close_on_eof;
	bool free_at_end; /* the worker stops with connections open */
	unsigned int op_index;
	const char *op_name;
} F;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	if (ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz_tcp: op %u (%s): ", F.op_index, F.op_name ? F.op_name : "-");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	if (!verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* EAL inside the fuzzer, as tests/unit/eal_fixture.c does it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_TCP_VERBOSE") != NULL;
	check(fuzz_eal_init("fuzz_tcp", 256, true) >= 0, "rte_eal_init failed");
	pool = rte_pktmbuf_pool_create("fuzz_mbufs", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	check(pool != NULL, "mbuf pool");
	check(rte_eth_dev_get_port_by_name("net_ring0", &ring_port) == 0, "net_ring0");
	struct rte_eth_conf conf = {0};
	check(rte_eth_dev_configure(ring_port, 1, 1, &conf) == 0 &&
		      rte_eth_rx_queue_setup(ring_port, 0, 1024, 0, NULL, pool) == 0 &&
		      rte_eth_tx_queue_setup(ring_port, 0, 1024, 0, NULL) == 0 &&
		      rte_eth_dev_start(ring_port) == 0,
	      "ring port setup");
	return 0;
}

/* Take n bytes from the input, or NULL when it has run out. */
static const uint8_t *take(const uint8_t **data, size_t *size, size_t n)
{
	if (*size < n)
		return NULL;
	const uint8_t *p = *data;
	*data += n;
	*size -= n;
	return p;
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The bytes of the two streams: the peer's by sequence number, ours by offset. */
static uint8_t peer_byte(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

static uint8_t our_byte(uint32_t off)
{
	return (uint8_t)(((off ^ 0x5au) * 40503u) >> 7);
}

static uint32_t peer_clock(void)
{
	return 1000u + (uint32_t)((W.net.now - F.t0) / F.tsc_ms);
}

/* --- The connection table, as the oracle sees it. --- */

static struct tcp_tuple wire_tuple(const struct peer_tuple *pt)
{
	struct tcp_tuple t;
	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.laddr[0] = rte_cpu_to_be_32(OUR_IP);
	t.raddr[0] = rte_cpu_to_be_32(PEER_IP);
	t.lport = rte_cpu_to_be_16(pt->our_port);
	t.rport = rte_cpu_to_be_16(pt->peer_port);
	return t;
}

static struct tcp_conn *conn_for(const struct peer_tuple *pt)
{
	if (!pt->in_use)
		return NULL;
	struct tcp_tuple t = wire_tuple(pt);
	return tcp_conn_lookup(W.stack, &t);
}

/* A connection that is gone takes its window promises with it: the next one on the
 * tuple (say, re-made from a SYN cookie) starts afresh. */
static void forget_gone_connections(void)
{
	for (unsigned int i = 0; i < N_TUPLES; i++)
		if (conn_for(&F.tuples[i]) == NULL)
			F.tuples[i].edge_known = false;
}

static struct peer_tuple *tuple_by_ports(uint16_t peer_port, uint16_t our_port)
{
	for (unsigned int i = 0; i < N_TUPLES; i++)
		if (F.tuples[i].in_use && F.tuples[i].peer_port == peer_port &&
		    F.tuples[i].our_port == our_port)
			return &F.tuples[i];
	return NULL;
}

static void tuple_set(unsigned int i, uint16_t peer_port, uint16_t our_port, uint32_t isn)
{
	F.tuples[i] = (struct peer_tuple){
		.peer_port = peer_port,
		.our_port = our_port,
		.in_use = true,
		.peer_isn = isn,
	};
}

/* --- The layer above. --- */

static struct upper_conn *known_find(const struct tcp_conn *c)
{
	for (unsigned int i = 0; i < F.n_known; i++)
		if (F.known[i].c == c)
			return &F.known[i];
	return NULL;
}

static struct upper_conn *known_add(struct tcp_conn *c)
{
	struct upper_conn *u = known_find(c);
	if (u != NULL)
		return u;
	check(F.n_known < MAX_KNOWN, "more than %u connections known", MAX_KNOWN);
	u = &F.known[F.n_known++];
	*u = (struct upper_conn){.c = c};
	return u;
}

/* A chain of len bytes of our stream from offset off, in segments of seg_size. */
static struct rte_mbuf *our_chain(uint32_t off, uint32_t len, uint16_t seg_size)
{
	struct rte_mbuf *head = NULL;
	while (len > 0) {
		uint16_t n = (uint16_t)RTE_MIN(len, (uint32_t)seg_size);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, n);
		check(p != NULL, "append %u", n);
		for (uint16_t i = 0; i < n; i++)
			p[i] = our_byte(off + i);
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		off += n;
		len -= n;
	}
	return head;
}

/* Hand len more bytes of the stream to tcp_send(); returns whether they were taken. */
static bool upper_send(struct upper_conn *u, uint32_t len, uint16_t seg_size)
{
	if (len == 0)
		return true;
	struct rte_mbuf *m = our_chain(u->written, len, seg_size);
	if (m == NULL)
		return false;
	uint32_t got = rte_pktmbuf_pkt_len(m);
	int rc = tcp_send(u->c, m);
	if (rc != 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	u->written += got;
	return true;
}

/* Read what is in order, checking every byte is the one the peer sent at that sequence. */
static void upper_read(struct upper_conn *u, uint32_t max)
{
	struct rte_mbuf *m;
	while ((m = tcp_recv(u->c, max)) != NULL) {
		const char *why = NULL;
		check(rte_mbuf_check(m, 1, &why) == 0, "tcp_recv gave a bad chain: %s", why);
		check(u->has_irs, "data read before the handshake finished");
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
			for (uint16_t i = 0; i < s->data_len; i++) {
				uint8_t want = peer_byte(u->read_seq);
				check(p[i] == want, "byte at seq %u read as %02x, sent as %02x",
				      u->read_seq, p[i], want);
				u->read_seq++;
			}
		}
		rte_pktmbuf_free(m);
		if (max != UINT32_MAX)
			break;
	}
}

static void upper_push_backlog(struct upper_conn *u)
{
	while (u->backlog > 0) {
		uint32_t space = tcp_send_space(u->c);
		uint32_t n = u32_min(u32_min(space, u->backlog), 32u * 1024);
		if (n == 0 || !upper_send(u, n, 1024))
			return;
		u->backlog -= n;
	}
}

static void on_established(struct tcp_conn *c)
{
	struct upper_conn *u = known_add(c);
	u->has_irs = true;
	u->read_seq = c->irs + 1;
}

static void on_readable(struct tcp_conn *c)
{
	struct upper_conn *u = known_find(c);
	check(u != NULL, "readable() for a connection the layer above never heard of");
	if (F.read_on_readable)
		upper_read(u, UINT32_MAX);
	if (F.close_on_eof && tcp_peer_done(c))
		tcp_shutdown_write(c);
}

static void on_writable(struct tcp_conn *c)
{
	struct upper_conn *u = known_find(c);
	check(u != NULL, "writable() for a connection the layer above never heard of");
	upper_push_backlog(u);
}

static void on_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)why;
	struct upper_conn *u = known_find(c);
	check(u != NULL, "closed() for a connection the layer above never heard of");
	*u = F.known[--F.n_known];
}

static const struct tcp_upper_ops upper_ops = {
	.established = on_established,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

/* --- The wire. --- */

static void peer_arp(uint16_t opcode)
{
	uint8_t f[64];
	static const struct rte_ether_addr bcast = {
		.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct rte_ether_addr zero = {{0}};
	struct rte_ether_hdr eh = {.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)};
	rte_ether_addr_copy(opcode == RTE_ARP_OP_REQUEST ? &bcast : &our_mac, &eh.dst_addr);
	rte_ether_addr_copy(&peer_mac, &eh.src_addr);
	struct rte_arp_hdr ah = {
		.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER),
		.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
		.arp_hlen = RTE_ETHER_ADDR_LEN,
		.arp_plen = 4,
		.arp_opcode = rte_cpu_to_be_16(opcode),
	};
	rte_ether_addr_copy(&peer_mac, &ah.arp_data.arp_sha);
	rte_ether_addr_copy(opcode == RTE_ARP_OP_REQUEST ? &zero : &our_mac, &ah.arp_data.arp_tha);
	ah.arp_data.arp_sip = rte_cpu_to_be_32(PEER_IP);
	ah.arp_data.arp_tip = rte_cpu_to_be_32(OUR_IP);
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), &ah, sizeof(ah));
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;
	memcpy(rte_pktmbuf_append(m, sizeof(eh) + sizeof(ah)), f, sizeof(eh) + sizeof(ah));
	net_input(&W.net, 0, m);
}

/* One segment of ours, as the peer sees it: well-formed, and bytes of our stream. */
static void peer_sees(const struct rte_mbuf *m)
{
	const char *why = NULL;
	check(rte_mbuf_check(m, 1, &why) == 0, "we sent a bad mbuf: %s", why);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	check(len >= sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
			    sizeof(struct rte_tcp_hdr),
	      "we sent a runt of %u bytes", len);
	/* Payloads may follow the headers as slices of the send queue: read it flat. */
	uint8_t flat[RTE_ETHER_MAX_LEN];
	check(len <= sizeof(flat), "we sent a %u-byte frame", len);
	const struct rte_ether_hdr *eh = rte_pktmbuf_read(m, 0, len, flat);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
	check(ip->version_ihl == RTE_IPV4_VHL_DEF && ip->next_proto_id == IPPROTO_TCP,
	      "we sent IPv4 that isn't plain TCP");
	check(rte_raw_cksum(ip, sizeof(*ip)) == 0xffff, "we sent a bad IPv4 header checksum");
	uint16_t ip_len = rte_be_to_cpu_16(ip->total_length);
	check(ip_len + sizeof(*eh) == len && ip_len >= sizeof(*ip) + sizeof(*th),
	      "IPv4 length %u in a %u-byte frame", ip_len, len);
	uint16_t tl = (uint16_t)(ip_len - sizeof(*ip));
	uint32_t sum = rte_raw_cksum(th, tl) + rte_ipv4_phdr_cksum(ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	check(sum == 0xffff, "we sent a bad TCP checksum");
	uint16_t doff = (uint16_t)((th->data_off >> 4) * 4);
	check(doff >= sizeof(*th) && doff <= tl, "we sent data offset %u in %u bytes", doff, tl);
	check(rte_pktmbuf_data_len(m) >= sizeof(*eh) + sizeof(*ip) + doff,
	      "we split the headers over mbufs (%u bytes in the first)", rte_pktmbuf_data_len(m));
	struct tcp_opts o;
	bool syn = th->tcp_flags & RTE_TCP_SYN_FLAG;
	int rc = tcp_options_parse((const uint8_t *)(th + 1), doff - sizeof(*th), syn, &o);
	check(rc >= 0, "we sent options that don't parse: %s", tcp_opt_error_name(rc));
	uint16_t dlen = (uint16_t)(tl - doff);
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	say("  us   -> %u:%u flags %02x seq %u ack %u win %u opts %u len %u\n",
	    rte_be_to_cpu_16(th->dst_port), rte_be_to_cpu_16(th->src_port), th->tcp_flags, seq,
	    rte_be_to_cpu_32(th->recv_ack), rte_be_to_cpu_16(th->rx_win), doff - 20u, dlen);
	struct peer_tuple *pt =
		tuple_by_ports(rte_be_to_cpu_16(th->dst_port), rte_be_to_cpu_16(th->src_port));
	if (pt == NULL)
		return; /* e.g. a RST for a port the fuzzer made up */
	uint32_t ack = rte_be_to_cpu_32(th->recv_ack);
	uint16_t win = rte_be_to_cpu_16(th->rx_win);
	if (syn) {
		pt->our_iss = seq;
		pt->our_nxt = seq + 1;
		pt->edge_known = (th->tcp_flags & RTE_TCP_ACK_FLAG) != 0;
		pt->edge = ack + win; /* never scaled in a SYN */
	}
	uint32_t end = seq + dlen + (syn ? 1 : 0) + ((th->tcp_flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
	if (!pt->seen || seq_gt(end, pt->our_nxt))
		pt->our_nxt = end;
	if (th->tcp_flags & RTE_TCP_ACK_FLAG) {
		pt->our_ack = rte_be_to_cpu_32(th->recv_ack);
		pt->has_ack = true;
	}
	if (o.ts_present)
		pt->our_tsval = o.tsval;
	if (th->tcp_flags & RTE_TCP_RST_FLAG)
		pt->edge_known = false; /* we ended it; a new one starts afresh */
	pt->seen = true;
	/* Our payload must be our stream at the offset its sequence number says. */
	const struct tcp_conn *c = conn_for(pt);
	/*
	 * RFC 9293 §3.8.6.2.2, as tcp_rcv_window() promises: the right edge we offer
	 * never moves left (but for what the scaled field cannot express).
	 */
	if (c != NULL && !syn && (th->tcp_flags & RTE_TCP_ACK_FLAG) &&
	    !(th->tcp_flags & RTE_TCP_RST_FLAG)) {
		uint32_t edge = ack + ((uint32_t)win << c->rcv_wscale);
		uint32_t slack = (1u << c->rcv_wscale) - 1;
		if (pt->edge_known)
			check(seq_geq(edge + slack, pt->edge),
			      "%s: we offered the window up to %u, then only up to %u (ack %u win %u)",
			      tcp_state_name(c->state), pt->edge, edge, ack, win);
		if (!pt->edge_known || seq_gt(edge, pt->edge))
			pt->edge = edge;
		pt->edge_known = true;
	}
	if (c != NULL && !syn && (th->tcp_flags & RTE_TCP_FIN_FLAG))
		check(seq_gt(seq, c->iss), "we sent FIN at seq %u, our SYN's number is %u", seq,
		      c->iss);
	if (dlen == 0 || c == NULL)
		return;
	check(!syn, "we sent data on a SYN");
	const uint8_t *p = (const uint8_t *)th + doff;
	uint32_t off = seq - (c->iss + 1);
	const struct upper_conn *u = known_find(c);
	if (u != NULL)
		check(off < u->written && dlen <= u->written - off,
		      "we sent stream offsets %u-%u, the layer above wrote %u", off, off + dlen,
		      u->written);
	for (uint16_t i = 0; i < dlen; i++)
		check(p[i] == our_byte(off + i),
		      "we sent %02x at stream offset %u (seq %u), the layer above wrote %02x", p[i],
		      off + i, seq + i, our_byte(off + i));
}

/* Flush, read back what was sent, answer ARP for the peer; until nothing more comes. */
static void drain(bool look)
{
	for (unsigned int round = 0; round < 64; round++) {
		net_tx_flush(&W.net);
		struct rte_mbuf *pkts[64];
		uint16_t n;
		unsigned int total = 0;
		bool arp_asked = false;
		while ((n = rte_eth_rx_burst(ring_port, 0, pkts, RTE_DIM(pkts))) > 0) {
			total += n;
			for (uint16_t i = 0; i < n; i++) {
				struct rte_mbuf *m = pkts[i];
				const struct rte_ether_hdr *eh =
					rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
				if (look && eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
					peer_sees(m);
				else if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
					arp_asked = true;
				rte_pktmbuf_free(m);
			}
		}
		if (look && arp_asked)
			peer_arp(RTE_ARP_OP_REPLY);
		if (total == 0 && !arp_asked)
			return;
	}
}

struct seg_out {
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t win;
	uint8_t opt_len;
	uint8_t opts[TCP_OPTIONS_MAX];
	uint16_t len;
	uint8_t frame; /* 0 one mbuf, 1 payload split over two, 2 bad checksum */
};

/* Peer → us on tuple pt. */
static void peer_send(const struct peer_tuple *pt, const struct seg_out *so)
{
	uint8_t f[2048];
	uint8_t opt_len = (uint8_t)RTE_ALIGN_CEIL(so->opt_len, 4);
	uint16_t len = RTE_MIN(so->len, (uint16_t)MAX_PAYLOAD);
	uint16_t tcp_len = (uint16_t)(sizeof(struct rte_tcp_hdr) + opt_len + len);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	*eh = (struct rte_ether_hdr){.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)};
	rte_ether_addr_copy(&our_mac, &eh->dst_addr);
	rte_ether_addr_copy(&peer_mac, &eh->src_addr);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + tcp_len)),
		.packet_id = rte_cpu_to_be_16(0x1234),
		.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_TCP,
		.src_addr = rte_cpu_to_be_32(PEER_IP),
		.dst_addr = rte_cpu_to_be_32(OUR_IP),
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	*th = (struct rte_tcp_hdr){
		.src_port = rte_cpu_to_be_16(pt->peer_port),
		.dst_port = rte_cpu_to_be_16(pt->our_port),
		.sent_seq = rte_cpu_to_be_32(so->seq),
		.recv_ack = rte_cpu_to_be_32(so->ack),
		.data_off = (uint8_t)(((sizeof(*th) + opt_len) / 4) << 4),
		.tcp_flags = so->flags,
		.rx_win = rte_cpu_to_be_16(so->win),
	};
	uint8_t *o = (uint8_t *)(th + 1);
	memset(o, TCP_OPT_EOL, opt_len);
	memcpy(o, so->opts, so->opt_len);
	uint8_t *d = o + opt_len;
	uint32_t dseq = so->seq + ((so->flags & RTE_TCP_SYN_FLAG) ? 1 : 0);
	for (uint16_t i = 0; i < len; i++)
		d[i] = peer_byte(dseq + i);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (so->frame == 2)
		th->cksum ^= 0x0101;
	uint16_t n = (uint16_t)(sizeof(*eh) + sizeof(*ip) + tcp_len);
	uint16_t cut = n;
	if (so->frame == 1 && len > 0)
		cut = (uint16_t)(n - len + len / 2);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;
	memcpy(rte_pktmbuf_append(m, cut), f, cut);
	if (cut < n) {
		struct rte_mbuf *tail = rte_pktmbuf_alloc(pool);
		if (tail == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		memcpy(rte_pktmbuf_append(tail, (uint16_t)(n - cut)), f + cut, n - cut);
		check(rte_pktmbuf_chain(m, tail) == 0, "chain");
	}
	say("  peer -> %u:%u flags %02x seq %u ack %u win %u opts %u len %u%s\n", pt->peer_port,
	    pt->our_port, so->flags, so->seq, so->ack, so->win, so->opt_len, len,
	    so->frame == 1 ? " (chained)" : so->frame == 2 ? " (bad checksum)" : "");
	net_input(&W.net, 0, m);
	forget_gone_connections();
}

/* Timestamps for a segment on pt, as a well-behaved peer would send them. */
static uint8_t ts_opts(uint8_t *buf, const struct peer_tuple *pt)
{
	return (uint8_t)tcp_options_write(buf, TCP_OPTIONS_MAX, true, peer_clock(), pt->our_tsval,
					  NULL, 0);
}

static bool wants_ts(const struct peer_tuple *pt)
{
	const struct tcp_conn *c = conn_for(pt);
	return c != NULL ? c->ts_ok : pt->our_tsval != 0;
}

/* A well-formed segment on pt: in order, acknowledging everything we sent. */
static void peer_segment(struct peer_tuple *pt, uint8_t flags, uint16_t len, uint16_t win)
{
	struct tcp_conn *c = conn_for(pt);
	struct seg_out so = {
		.flags = flags,
		.seq = c != NULL && c->state != TCP_SYN_SENT ? c->rcv_nxt
			: c == NULL && pt->has_ack ? pt->our_ack : pt->peer_isn,
		.ack = c != NULL ? c->snd_max : pt->our_nxt,
		.win = win,
		.len = len,
	};
	if (wants_ts(pt))
		so.opt_len = ts_opts(so.opts, pt);
	peer_send(pt, &so);
	drain(true);
}

static void peer_syn(struct peer_tuple *pt, bool ack, bool ts, bool sack, bool ws)
{
	struct tcp_syn_opts o = {
		.mss_present = true,
		.mss = 1460,
		.sack_permitted = sack,
		.ts_present = ts,
		.tsval = peer_clock(),
		.tsecr = ack ? pt->our_tsval : 0,
		.wscale_present = ws,
		.wscale = 7,
	};
	struct seg_out so = {
		.flags = (uint8_t)(RTE_TCP_SYN_FLAG | (ack ? RTE_TCP_ACK_FLAG : 0)),
		.seq = pt->peer_isn,
		.ack = ack ? pt->our_nxt : 0,
		.win = 64240,
	};
	so.opt_len = (uint8_t)tcp_options_write_syn(so.opts, sizeof(so.opts), &o);
	peer_send(pt, &so);
	drain(true);
}

/* --- Scenarios. --- */

static struct upper_conn *main_upper(void)
{
	struct tcp_conn *c = conn_for(&F.tuples[T_MAIN]);
	return c != NULL ? known_find(c) : NULL;
}

static void passive_open(bool ts, bool sack, bool ws)
{
	struct peer_tuple *pt = &F.tuples[T_MAIN];
	peer_syn(pt, false, ts, sack, ws);
	peer_segment(pt, RTE_TCP_ACK_FLAG, 0, ws ? 502 : 64240);
}

static void active_open(unsigned int ti, uint16_t rport)
{
	struct ip_addr peer = {.family = 4};
	uint32_t peer_be = rte_cpu_to_be_32(PEER_IP);
	memcpy(peer.bytes, &peer_be, 4);
	struct tcp_conn *c =
		tcp_connect(W.stack, 0, &peer, rte_cpu_to_be_16(rport), &upper_ops, NULL);
	if (c == NULL)
		return;
	known_add(c);
	tuple_set(ti, rport, rte_be_to_cpu_16(c->tuple.lport), ti == T_MAIN ? PEER_ISN : PEER_ISN2);
	drain(true);
}

static void setup_scenario(uint8_t b)
{
	bool ts = b & 0x10, sack = b & 0x20, ws = b & 0x40;
	struct peer_tuple *pt = &F.tuples[T_MAIN];
	unsigned int sc = b & 0x0f;
	struct upper_conn *u;
	switch (sc) {
	case 0:
		break;
	case 1:
		peer_syn(pt, false, ts, sack, ws);
		break;
	case 3:
		passive_open(ts, sack, ws);
		if ((u = main_upper()) != NULL)
			upper_send(u, 5000, 1000);
		drain(true);
		break;
	case 4:
	case 5:
		passive_open(ts, sack, ws);
		peer_segment(pt, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 0, 502);
		if (sc == 5 && (u = main_upper()) != NULL) {
			tcp_shutdown_write(u->c);
			drain(true);
		}
		break;
	case 6:
	case 7:
	case 8:
	case 9:
		passive_open(ts, sack, ws);
		if ((u = main_upper()) != NULL) {
			tcp_shutdown_write(u->c);
			drain(true);
		}
		if (sc == 7 || sc == 8)
			peer_segment(pt, RTE_TCP_ACK_FLAG, 0, 502);
		if (sc == 8)
			peer_segment(pt, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 0, 502);
		if (sc == 9) { /* FIN crossing ours: it does not acknowledge our FIN */
			struct tcp_conn *c = conn_for(pt);
			if (c != NULL) {
				struct seg_out so = {
					.flags = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
					.seq = c->rcv_nxt,
					.ack = c->snd_una,
					.win = 502,
				};
				if (c->ts_ok)
					so.opt_len = ts_opts(so.opts, pt);
				peer_send(pt, &so);
				drain(true);
			}
		}
		break;
	case 10:
	case 11:
	case 12:
		active_open(T_MAIN, ACTIVE_RPORT);
		if (sc == 11)
			peer_syn(pt, true, ts, sack, ws);
		if (sc == 12)
			peer_syn(pt, false, ts, sack, ws);
		break;
	case 13:
		passive_open(ts, sack, ws);
		if (conn_for(pt) != NULL) {
			struct tcp_conn *c = conn_for(pt);
			struct seg_out so = {
				.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
				.seq = c->rcv_nxt + 1000,
				.ack = c->snd_max,
				.win = 502,
				.len = 500,
			};
			if (c->ts_ok)
				so.opt_len = ts_opts(so.opts, pt);
			peer_send(pt, &so);
			drain(true);
		}
		break;
	default:
		passive_open(ts, sack, ws);
		break;
	}
	const struct tcp_conn *c = conn_for(pt);
	say("scenario %u: main connection %s\n", sc, c ? tcp_state_name(c->state) : "none");
}

/* --- Operations. --- */

static void op_segment(const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 10);
	if (a == NULL)
		return;
	uint8_t mode = a[1], misc = a[9];
	unsigned int ti = (mode >> 6) < 2 ? T_MAIN : (mode >> 6) == 2 ? T_SECOND
				: F.tuples[T_EXTRA].in_use ? T_EXTRA : T_NO_LISTENER;
	struct peer_tuple *pt = &F.tuples[ti];
	const struct tcp_conn *c = conn_for(pt);
	bool sync = c != NULL && c->state != TCP_SYN_SENT;
	int16_t seq_off = (int16_t)be16_at(a + 2), ack_off = (int16_t)be16_at(a + 4);
	struct seg_out so = {
		.flags = a[0],
		.win = be16_at(a + 6),
		.len = (uint16_t)(a[8] < 64 ? a[8] : (a[8] - 64) * 10),
	};
	uint32_t seq_fallback = c != NULL || !pt->has_ack ? pt->peer_isn : pt->our_ack;
	switch (mode & 3) {
	case 0:
		so.seq = (sync ? c->rcv_nxt : seq_fallback) + (uint32_t)seq_off;
		break;
	case 1:
		so.seq = (sync ? c->rcv_adv : seq_fallback) + (uint32_t)seq_off;
		break;
	case 2:
		so.seq = (sync ? c->irs : pt->peer_isn) + (uint32_t)seq_off;
		break;
	default: {
		const uint8_t *x = take(data, size, 2);
		if (x == NULL)
			return;
		so.seq = (uint32_t)(uint16_t)seq_off << 16 | be16_at(x);
	}
	}
	switch ((mode >> 2) & 3) {
	case 0:
		so.ack = (c != NULL ? c->snd_una : pt->our_nxt) + (uint32_t)ack_off;
		break;
	case 1:
		so.ack = (c != NULL ? c->snd_max : pt->our_nxt) + (uint32_t)ack_off;
		break;
	case 2:
		so.ack = (c != NULL ? c->iss : pt->our_iss) + (uint32_t)ack_off;
		break;
	default: {
		const uint8_t *x = take(data, size, 2);
		if (x == NULL)
			return;
		so.ack = (uint32_t)(uint16_t)ack_off << 16 | be16_at(x);
	}
	}
	/* Timestamps, well-behaved or not. */
	uint32_t tsval = peer_clock(), tsecr = pt->our_tsval;
	switch (misc & 3) {
	case 1:
		tsval = (c != NULL ? c->ts_recent : tsval) - 1;
		break;
	case 2:
		tsecr = 0;
		break;
	case 3:
		tsval += 0x7fffffff;
		tsecr += 1000;
		break;
	default:
		break;
	}
	so.frame = ((misc >> 2) & 3) == 2 ? 1 : ((misc >> 2) & 3) == 3 ? 2 : 0;
	bool syn = so.flags & RTE_TCP_SYN_FLAG;
	switch ((mode >> 4) & 3) {
	case 1:
	case 2:
		if (syn) {
			struct tcp_syn_opts o = {
				.mss_present = true,
				.mss = 1460,
				.ts_present = true,
				.tsval = tsval,
				.tsecr = tsecr,
				.sack_permitted = true,
				.wscale_present = true,
				.wscale = 7,
			};
			if (((mode >> 4) & 3) == 2) {
				const uint8_t *x = take(data, size, 1);
				if (x == NULL)
					return;
				static const uint16_t mss[] = {1460, 536, 63, 65535};
				o.mss_present = x[0] & 1;
				o.mss = mss[(x[0] >> 1) & 3];
				o.wscale_present = x[0] & 8;
				o.wscale = (uint8_t)(x[0] >> 4);
				o.ts_present = misc & 0x20;
				o.sack_permitted = misc & 0x10;
			}
			so.opt_len = (uint8_t)tcp_options_write_syn(so.opts, sizeof(so.opts), &o);
		} else {
			struct tcp_sack_block blocks[TCP_SACK_BLOCKS_MAX];
			unsigned int nb = 0;
			if (((mode >> 4) & 3) == 2) {
				const uint8_t *x = take(data, size, 1);
				if (x == NULL)
					return;
				nb = (x[0] & 3) + 1u;
				uint32_t una = c != NULL ? c->snd_una : pt->our_nxt;
				uint32_t unit = (x[0] & 4) ? 1 : 128;
				for (unsigned int i = 0; i < nb; i++) {
					const uint8_t *e = take(data, size, 2);
					if (e == NULL)
						return;
					blocks[i].left = una + (uint32_t)(int8_t)e[0] * unit;
					blocks[i].right = blocks[i].left + e[1] * unit;
				}
			}
			bool ts = !(misc & 0x20) || ((mode >> 4) & 3) == 1;
			so.opt_len = (uint8_t)tcp_options_write(so.opts, sizeof(so.opts), ts, tsval,
								tsecr, blocks, nb);
		}
		break;
	case 3: {
		const uint8_t *x = take(data, size, 1);
		if (x == NULL)
			return;
		uint8_t n = (uint8_t)(x[0] % (TCP_OPTIONS_MAX + 1));
		const uint8_t *raw = take(data, size, n);
		if (raw == NULL)
			return;
		memcpy(so.opts, raw, n);
		so.opt_len = n;
		break;
	}
	default:
		break;
	}
	peer_send(pt, &so);
}

/* A well-formed segment on the main connection: in order, acknowledging what it may. */
static void op_in_order(const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 1);
	if (a == NULL)
		return;
	struct peer_tuple *pt = &F.tuples[T_MAIN];
	const struct tcp_conn *c = conn_for(pt);
	uint8_t flags = RTE_TCP_ACK_FLAG | ((a[0] & 0x20) ? RTE_TCP_FIN_FLAG : 0);
	uint16_t len = (uint16_t)((a[0] & 0x1f) * 64);
	struct seg_out so = {
		.flags = flags,
		.seq = c != NULL && c->state != TCP_SYN_SENT ? c->rcv_nxt
			: c == NULL && pt->has_ack ? pt->our_ack : pt->peer_isn,
		.ack = c != NULL ? ((a[0] & 0x80) ? c->snd_una : c->snd_max) : pt->our_nxt,
		.win = (a[0] & 0x40) ? 0 : 0xffff,
		.len = len,
	};
	if (wants_ts(pt))
		so.opt_len = ts_opts(so.opts, pt);
	peer_send(pt, &so);
}

/*
 * The worker loop calls the timers at least once a millisecond, so a callback
 * sees the clock at its timer's expiry: go from expiry to expiry (tick
 * boundaries of the wheel), not in one jump.
 */
/*
 * Many segments on the main connection, past a hole: reassembly with many runs
 * (TCP_OOO_MAX of them), merging from either side, and the SACK blocks we send.
 */
static void op_burst(const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 2);
	if (a == NULL)
		return;
	struct peer_tuple *pt = &F.tuples[T_MAIN];
	const struct tcp_conn *c = conn_for(pt);
	if (c == NULL || c->state == TCP_SYN_SENT)
		return;
	unsigned int n = (a[0] & 31) + 1u;
	bool reverse = a[0] & 0x20, contiguous = a[0] & 0x40;
	uint16_t len = (uint16_t)(((a[1] & 0x0f) + 1) * 32);
	uint32_t gap = (((uint32_t)a[1] >> 4) + 1) * 32;
	uint32_t base = c->rcv_nxt + gap, ack = c->snd_max;
	say("  burst of %u x %u, gaps %u%s%s\n", n, len, contiguous ? 0 : gap,
	    reverse ? ", reversed" : "", (a[0] & 0x80) ? ", with FIN" : "");
	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = reverse ? n - 1 - i : i;
		struct seg_out so = {
			.flags = RTE_TCP_ACK_FLAG,
			.seq = base + k * (len + (contiguous ? 0 : gap)),
			.ack = ack,
			.win = 0xffff,
			.len = len,
		};
		if ((a[0] & 0x80) && k == n - 1)
			so.flags |= RTE_TCP_FIN_FLAG;
		if (wants_ts(pt))
			so.opt_len = ts_opts(so.opts, pt);
		peer_send(pt, &so);
		if (conn_for(pt) != c)
			return;
	}
}

static void clock_advance(uint64_t ms)
{
	say("  clock +%llu ms\n", (unsigned long long)ms);
	const struct timer_wheel *tw = &W.stack->tw;
	uint64_t target = W.net.now + ms * F.tsc_ms;
	while (W.net.now < target) {
		uint64_t t = tw_next_expiry(tw); /* UINT64_MAX when none is armed */
		if (t <= W.net.now)
			t = W.net.now + 1;
		if (t < target)
			t = tw->base_tsc +
			    (t - tw->base_tsc + tw->tick_tsc - 1) / tw->tick_tsc * tw->tick_tsc;
		W.net.now = RTE_MIN(t, target);
		net_timers(&W.net);
		tcp_timers(W.stack);
		drain(true);
	}
}

static void op_clock_coarse(const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 1);
	if (a == NULL)
		return;
	uint64_t v = a[0];
	clock_advance(v < 128 ? v * 2 : v < 192 ? (v - 128) * 250 : (v - 192) * 4000);
}

static void op_clock_fine(const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 1);
	if (a != NULL)
		clock_advance(a[0]);
}

/* Some other part of the worker takes every free mbuf, or gives them back. */
static void hog_toggle(void)
{
	if (n_hog > 0) {
		say("  worker: mbufs back\n");
		rte_pktmbuf_free_bulk(hog, n_hog);
		n_hog = 0;
		return;
	}
	while (n_hog < POOL_SIZE && (hog[n_hog] = rte_pktmbuf_alloc(pool)) != NULL)
		n_hog++;
	say("  worker: %u mbufs taken\n", n_hog);
}

static void op_upper(const uint8_t **data, size_t *size)
{
	const uint8_t *a = take(data, size, 1);
	if (a == NULL)
		return;
	unsigned int act = a[0] & 7;
	if (act == 5) {
		if (F.n_known >= MAX_ACTIVE)
			return;
		say("  upper: connect\n");
		active_open(T_EXTRA, ACTIVE_RPORT2);
		return;
	}
	if (act == 7) {
		F.read_on_readable = !F.read_on_readable;
		return;
	}
	if (F.n_known == 0)
		return;
	struct upper_conn *u = &F.known[(a[0] >> 3) % F.n_known];
	switch (act) {
	case 0: {
		const uint8_t *x = take(data, size, 3);
		if (x == NULL)
			return;
		static const uint16_t seg_sizes[] = {1900, 1024, 100, 7};
		uint16_t seg = seg_sizes[x[2] & 3];
		uint32_t len = RTE_MIN((uint32_t)be16_at(x), 64u * seg);
		say("  upper: send %u (segments of %u) in %s\n", len, seg,
		    tcp_state_name(u->c->state));
		upper_send(u, len, seg);
		break;
	}
	case 1: {
		const uint8_t *x = take(data, size, 1);
		if (x == NULL)
			return;
		say("  upper: recv %u in %s\n", x[0] * 64u, tcp_state_name(u->c->state));
		upper_read(u, x[0] == 0xff ? UINT32_MAX : x[0] * 64u);
		break;
	}
	case 2:
		say("  upper: shutdown_write in %s\n", tcp_state_name(u->c->state));
		tcp_shutdown_write(u->c);
		break;
	case 3:
		say("  upper: abort in %s\n", tcp_state_name(u->c->state));
		tcp_abort(u->c);
		break;
	case 4: {
		const uint8_t *x = take(data, size, 1);
		if (x == NULL)
			return;
		u->backlog += x[0] * 1024u;
		say("  upper: backlog %u in %s\n", u->backlog, tcp_state_name(u->c->state));
		upper_push_backlog(u);
		break;
	}
	default:
		if (a[0] & 0x40)
			hog_toggle();
		if (a[0] & 0x80) {
			say("  worker: will stop with connections open\n");
			F.free_at_end = true; /* tcp_stack_free() with what is open then */
		}
		/* The read-only calls, for what they report. */
		(void)tcp_send_space(u->c);
		(void)tcp_recv_available(u->c);
		(void)tcp_peer_done(u->c);
		check(tcp_upper(u->c) == NULL, "tcp_upper changed");
		break;
	}
}

/* The [tcp] configuration an input asks for. */
static void tcp_config_for(const uint8_t *hdr, struct config_tcp *t)
{
	uint8_t scenario = hdr[0], b = hdr[1], b2 = hdr[2];
	static const unsigned int rcv[] = {256 * 1024, 64 * 1024, 16 * 1024, 4096};
	static const unsigned int snd[] = {256 * 1024, 64 * 1024, 8192, 4096};
	static const unsigned int backlog[] = {1024, 1024, 1, 0};
	t->max_connections = MAX_CONNECTIONS;
	t->rcv_buffer = rcv[b & 3];
	t->snd_buffer = snd[(b >> 2) & 3];
	t->syn_backlog = backlog[(b >> 4) & 3];
	snprintf(t->congestion_control, sizeof(t->congestion_control), "%s",
		 (scenario & 0x80) ? "newreno" : "cubic");
	static const unsigned int keepalive[] = {0, 0, 10, 60};
	static const unsigned int interval[] = {0, 1, 5, 75};
	t->keepalive_s = keepalive[b2 & 3];
	t->keepalive_interval_s = interval[(b2 >> 2) & 3];
}

/*
 * What tcp_stack_create() makes of cfg->tcp, applied to the stack the inputs
 * share (one stack exists at a time: its table and pool names are per
 * worker). worker_start() checks this agrees with tcp_stack_create().
 */
static void stack_apply(struct tcp_stack *s, const struct config_tcp *t)
{
	s->syn_backlog = t->syn_backlog;
	s->rcv_buf = t->rcv_buffer;
	s->snd_buf = t->snd_buffer;
	s->rcv_wscale = 0;
	while (s->rcv_wscale < TCP_WSCALE_MAX && (s->rcv_buf >> s->rcv_wscale) > 65535)
		s->rcv_wscale++;
	s->keepalive_us = (uint64_t)t->keepalive_s * 1000000;
	unsigned int interval_s = t->keepalive_interval_s ? t->keepalive_interval_s : 75;
	s->keepalive_interval_us = (uint64_t)interval_s * 1000000;
	s->cc = tcp_cc_find(t->congestion_control);
	check(s->cc != NULL, "no congestion control %s", t->congestion_control);
	check(s->max_conns == t->max_connections, "max_connections is fixed");
}

static void configure(const uint8_t *hdr)
{
	struct config_tcp t;
	tcp_config_for(hdr, &t);
	stack_apply(W.stack, &t);
	F.read_on_readable = !(hdr[1] & 0x40);
	F.close_on_eof = hdr[1] & 0x80;
}

static uint32_t mq_bytes(const struct tcp_mq *q)
{
	uint32_t n = 0;
	const struct rte_mbuf *last = NULL;
	for (const struct rte_mbuf *m = q->head; m != NULL; m = m->next) {
		n += m->data_len;
		last = m;
	}
	check(last == q->tail, "queue tail is not its last segment");
	return n;
}

/* What lib/tcp's own comments promise about every connection in the table, and the stack. */
static void invariants(void)
{
	const struct tcp_stack *s = W.stack;
	const void *key;
	void *v;
	uint32_t iter = 0;
	unsigned int n = 0, ooo = 0, half_open = 0;
	while (rte_hash_iterate(s->table, &key, &v, &iter) >= 0) {
		const struct tcp_conn *c = v;
		const char *st = tcp_state_name(c->state);
		n++;
		check(!c->dead && c->state > TCP_LISTEN && c->state < TCP_NSTATES,
		      "a connection in the table is %s%s", st, c->dead ? " (dead)" : "");
		check(seq_leq(c->snd_una, c->snd_nxt) && seq_leq(c->snd_nxt, c->snd_max),
		      "%s: snd_una %u snd_nxt %u snd_max %u out of order", st, c->snd_una,
		      c->snd_nxt, c->snd_max);
		check(mq_bytes(&c->sndq) == c->sndq.bytes, "%s: send queue counts %u, holds %u", st,
		      c->sndq.bytes, mq_bytes(&c->sndq));
		check(mq_bytes(&c->rcvq) == c->rcvq.bytes, "%s: receive queue counts %u, holds %u",
		      st, c->rcvq.bytes, mq_bytes(&c->rcvq));
		/* "sndq: from snd_una: sent and unsent, FIN excluded" */
		uint32_t syn = c->snd_una == c->iss ? 1 : 0;
		check(c->snd_max - c->snd_una <= c->sndq.bytes + syn + (c->fin_queued ? 1u : 0u),
		      "%s: %u in flight, %u queued", st, c->snd_max - c->snd_una, c->sndq.bytes);
		check(c->n_ooo <= TCP_OOO_MAX, "%s: %u out-of-order segments", st, c->n_ooo);
		for (unsigned int i = 0; i < c->n_ooo; i++) {
			const struct tcp_ooo_seg *o = &c->ooo[i];
			const char *why = NULL;
			check(o->len > 0 && o->m != NULL && rte_mbuf_check(o->m, 1, &why) == 0 &&
				      o->m->pkt_len == o->len,
			      "%s: out-of-order segment %u: len %u, %s", st, i, o->len,
			      why ? why : "pkt_len differs");
			/* "a small sorted array", "the array never overlaps" */
			check(i == 0 || seq_leq(c->ooo[i - 1].seq + c->ooo[i - 1].len, o->seq),
			      "%s: out-of-order segments %u and %u overlap or are unsorted", st,
			      i - 1, i);
		}
		for (unsigned int i = 0; i < c->n_ooo; i++)
			ooo += c->ooo[i].m->nb_segs;
		if (c->state == TCP_SYN_RCVD && c->listener == &s->listeners[0])
			half_open++;
	}
	check(n == s->n_conns, "the table holds %u connections, the stack counts %u", n,
	      s->n_conns);
	/* "ooo_segs: mbufs of out-of-order data, all connections" */
	check(ooo == s->ooo_segs,
	      "connections hold %u mbufs of out-of-order data, the stack counts %u", ooo,
	      s->ooo_segs);
	check(half_open == s->listeners[0].syn_rcvd,
	      "%u connections in SYN_RCVD, the listener counts %u", half_open,
	      s->listeners[0].syn_rcvd);
}

static const char *const op_names[8] = {"segment", "segment", "burst", "in-order",
					"clock",   "upper",   "upper",   "clock-ms"};

static void after_op(void)
{
	forget_gone_connections();
	drain(true);
	check(W.ctr.tcp.fsm_illegal == 0, "fsm_illegal = %llu",
	      (unsigned long long)W.ctr.tcp.fsm_illegal);
	invariants();
	if (verbose) {
		const struct tcp_conn *c = conn_for(&F.tuples[T_MAIN]);
		if (c != NULL)
			say("    main: %s snd_una %u snd_nxt %u snd_max %u rcv_nxt %u rcv_adv %u "
			    "sndq %u rcvq %u ooo %u\n",
			    tcp_state_name(c->state), c->snd_una, c->snd_nxt, c->snd_max,
			    c->rcv_nxt, c->rcv_adv, c->sndq.bytes, c->rcvq.bytes, c->n_ooo);
		else
			say("    main: none\n");
	}
}

static void worker_start(void)
{
	struct config *cfg = &W.cfg;
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "fuzz");
	cfg->n_ports = 1;
	struct config_port *p = &cfg->ports[0];
	snprintf(p->name, sizeof(p->name), "edge");
	snprintf(p->device, sizeof(p->device), "net_ring0");
	p->has_ipv4 = true;
	p->ipv4_addr = rte_cpu_to_be_32(OUR_IP);
	p->ipv4_prefix = 16;
	p->has_gateway = true;
	p->ipv4_gateway = rte_cpu_to_be_32(RTE_IPV4(198u, 18, 0, 254));
	cfg->arp.cache_size = 1024;
	cfg->arp.timeout_s = 300;
	cfg->arp.pending_max = 64;
	cfg->mbufs_per_worker = POOL_SIZE;
	static const uint8_t defaults[3];
	tcp_config_for(defaults, &cfg->tcp);
	W.mbufs_idle = rte_mempool_in_use_count(pool);
	check(net_ctx_init(&W.net, cfg, 0, 1, pool, &W.ctr) == 0, "net_ctx_init");
	W.net.ports[0].port_id = ring_port;
	W.net.ports[0].queue_id = 0;
	W.net.ports[0].mac = our_mac;
	/* A virtual TSC of 1 MHz from a fixed start, and fixed keys: see input_start(). */
	W.net.tsc_hz = VIRTUAL_TSC_HZ;
	W.net.now = VIRTUAL_T0;
	rte_srand(0x7c9e5u);
	W.stack = tcp_stack_create(cfg, &W.net);
	check(W.stack != NULL, "tcp_stack_create");
	LSAN_ROOT_ADD(W.stack, sizeof(*W.stack));
	/* stack_apply() must make of a configuration what tcp_stack_create() does. */
	static struct tcp_stack created;
	memcpy(&created, W.stack, sizeof(created));
	stack_apply(W.stack, &cfg->tcp);
	check(memcmp(&created, W.stack, sizeof(created)) == 0,
	      "stack_apply() disagrees with tcp_stack_create()");
	check(tcp_listen(W.stack, LISTEN_PORT, &upper_ops, NULL) == 0, "tcp_listen");
	W.inputs = 0;
}

/* Free the stack and the net context (connections or not): every mbuf must come back. */
static void worker_stop(void)
{
	LSAN_ROOT_DEL(W.stack, sizeof(*W.stack));
	tcp_stack_free(W.stack);
	W.stack = NULL;
	net_ctx_fini(&W.net);
	drain(false);
	check(rte_mempool_in_use_count(pool) == W.mbufs_idle, "%d mbufs leaked",
	      (int)(rte_mempool_in_use_count(pool) - W.mbufs_idle));
}

/* Each input on the reused stack starts where a fresh stack's first would, modulo the above. */
static void input_start(const uint8_t *hdr)
{
	memset(&F, 0, sizeof(F));
	F.op_name = "setup";
	if (W.stack != NULL && W.inputs == INPUTS_PER_STACK)
		worker_stop();
	if (W.stack == NULL)
		worker_start();
	memset(&W.ctr, 0, sizeof(W.ctr));
	F.tsc_ms = W.net.tsc_hz / 1000;
	F.t0 = W.net.now = VIRTUAL_T0 + W.inputs * INPUT_PERIOD_US;
	W.inputs++;
	/* What a fresh stack would have; the rest is back to it when the last input ended. */
	struct tcp_stack *s = W.stack;
	s->next_port = 0;
	s->ip_id = 0;
	s->challenge_acks = 0;
	s->challenge_second = 0;
	s->rsts_sent = 0;
	s->rst_second = 0;
	configure(hdr);
	tcp_timers(s); /* the worker loop's first iteration at the new time */
	tuple_set(T_MAIN, PEER_PORT, LISTEN_PORT, PEER_ISN);
	tuple_set(T_SECOND, PEER_PORT2, LISTEN_PORT, PEER_ISN2);
	tuple_set(T_NO_LISTENER, PEER_PORT, NO_LISTENER_PORT, PEER_ISN);
	peer_arp(RTE_ARP_OP_REQUEST); /* the peer asks for our MAC first: we learn its MAC */
	drain(false);
}

/* After the operations: nothing leaked, nothing left behind. */
static void input_end(void)
{
	F.op_name = "teardown";
	if (n_hog > 0)
		hog_toggle();
	drain(true);
	unsigned int held = tcp_mbufs_held(W.stack) + net_mbufs_held(&W.net);
	check(rte_mempool_in_use_count(pool) == W.mbufs_idle + held,
	      "%u mbufs in use, the stack and net layer hold %u",
	      rte_mempool_in_use_count(pool) - W.mbufs_idle, held);
	if (F.free_at_end) {
		worker_stop();
		return;
	}

	/* The layer above closes what it knows; what it never heard of must time out. */
	while (F.n_known > 0) {
		unsigned int before = F.n_known;
		tcp_abort(F.known[F.n_known - 1].c);
		tcp_timers(W.stack); /* reap: closed() takes it off the list */
		check(F.n_known < before, "closed() never came for an aborted connection");
	}
	drain(true);
	clock_advance(400000);
	check(W.ctr.tcp.fsm_illegal == 0, "fsm_illegal = %llu",
	      (unsigned long long)W.ctr.tcp.fsm_illegal);
	if (tcp_conn_count(W.stack) != 0) {
		const void *key;
		void *v;
		uint32_t iter = 0;
		while (rte_hash_iterate(W.stack->table, &key, &v, &iter) >= 0) {
			const struct tcp_conn *c = v;
			fprintf(stderr,
				"fuzz_tcp: left: %s port %u timers rtx %d delack %d life %d\n",
				tcp_state_name(c->state), rte_be_to_cpu_16(c->tuple.rport),
				tw_armed(&c->rtx_timer), tw_armed(&c->delack_timer),
				tw_armed(&c->life_timer));
		}
	}
	check(tcp_conn_count(W.stack) == 0, "%u connections left after 400 s with none known",
	      tcp_conn_count(W.stack));
	check(W.stack->listeners[0].syn_rcvd == 0, "listener counts %u half-open connections",
	      W.stack->listeners[0].syn_rcvd);
	check(W.stack->ooo_segs == 0, "stack counts %u mbufs of out-of-order data",
	      W.stack->ooo_segs);
	check(tw_count(&W.stack->tw) == 0, "%llu timers armed with no connection",
	      (unsigned long long)tw_count(&W.stack->tw));
	check(tcp_mbufs_held(W.stack) == 0, "no connection, yet %u mbufs held",
	      tcp_mbufs_held(W.stack));
	check(rte_mempool_in_use_count(pool) == W.mbufs_idle + net_mbufs_held(&W.net),
	      "%d mbufs leaked", (int)(rte_mempool_in_use_count(pool) - W.mbufs_idle));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	input_start(data);
	setup_scenario(data[0]);
	after_op();
	data += 3;
	size -= 3;

	const uint8_t *op;
	while ((op = take(&data, &size, 1)) != NULL) {
		F.op_index++;
		F.op_name = op_names[op[0] % 8];
		say("op %u: %s\n", F.op_index, F.op_name);
		switch (op[0] % 8) {
		case 0:
		case 1:
			op_segment(&data, &size);
			break;
		case 2:
			op_burst(&data, &size);
			break;
		case 3:
			op_in_order(&data, &size);
			break;
		case 4:
			op_clock_coarse(&data, &size);
			break;
		case 5:
		case 6:
			op_upper(&data, &size);
			break;
		default:
			op_clock_fine(&data, &size);
			break;
		}
		after_op();
	}
	input_end();
	return 0;
}

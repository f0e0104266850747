/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include "tcp_harness.h"

struct harness H;

static void on_established(struct tcp_conn *c)
{
	H.established++;
	H.conn = c;
}

static void on_readable(struct tcp_conn *c)
{
	H.readable++;
	if (!H.auto_read)
		return;
	struct rte_mbuf *m;
	while ((m = tcp_recv(c, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
}

static void on_writable(struct tcp_conn *c)
{
	(void)c;
	H.writable++;
}

static void on_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)c;
	H.closed++;
	H.close_reason = why;
	H.conn = NULL;
}

const struct tcp_upper_ops harness_ops = {
	.established = on_established,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

int harness_setup(void **state)
{
	(void)state;
	if (eal_fixture_init() != 0)
		return -1;
	memset(&H, 0, sizeof(H));
	H.mbufs_at_start = rte_mempool_in_use_count(eal_fixture_pool());
	fixture_config_ipv6(&H.cfg);
	fixture_net_ctx(&H.net, &H.ctr, &H.cfg);
	H.t0 = H.net.now = rte_get_tsc_cycles();
	H.stack = tcp_stack_create(&H.cfg, &H.net);
	if (H.stack == NULL || tcp_listen(H.stack, H_PORT, &harness_ops, NULL) != 0)
		return -1;
	H.auto_read = true;
	H.peer_port = H_PEER_PORT;
	H.our_port = H_PORT;
	/* The peer asks for our MAC first, as a kernel would: we learn its MAC. */
	uint8_t f[64];
	static const struct rte_ether_addr bcast = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct rte_ether_addr zero = {{0}};
	uint16_t n = fixture_put_eth(f, &bcast, &fixture_peer_mac, RTE_ETHER_TYPE_ARP);
	n = (uint16_t)(n + fixture_put_arp(f + n, RTE_ARP_OP_REQUEST, &fixture_peer_mac,
					   FIXTURE_PEER_IP, &zero, FIXTURE_IP));
	net_input(&H.net, 0, fixture_frame(f, n));
	fixture_drain(&H.net);
	return 0;
}

int harness_setup_ipv6(void **state)
{
	if (harness_setup(state) != 0)
		return -1;
	H.ipv6 = true;
	/* A solicitation for our address with the peer's MAC in it, as a kernel sends. */
	uint8_t f[128];
	static const uint8_t sn[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x01};
	static const struct rte_ether_addr sn_mac = {.addr_bytes = {0x33, 0x33, 0xff, 0, 0, 1}};
	uint16_t n = fixture_put_eth(f, &sn_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6);
	n = (uint16_t)(n + fixture_put_ipv6(f + n, fixture_peer_ip6, sn, IPPROTO_ICMPV6, 255, 32));
	uint8_t *ns = f + n;
	memset(ns, 0, 32);
	ns[0] = 135;
	memcpy(ns + 8, fixture_ip6, 16);
	ns[24] = 1;
	ns[25] = 1;
	memcpy(ns + 26, fixture_peer_mac.addr_bytes, 6);
	fixture_icmpv6_cksum(ns, 32, fixture_peer_ip6, sn);
	net_input(&H.net, 0, fixture_frame(f, (uint16_t)(n + 32)));
	if (fixture_drain(&H.net) != 1) /* our advertisement */
		return -1;
	return 0;
}

int harness_teardown(void **state)
{
	(void)state;
	fixture_drain(&H.net);
	tcp_stack_free(H.stack);
	net_ctx_fini(&H.net);
	assert_int_equal(H.ctr.tcp.fsm_illegal, 0);
	assert_int_equal(rte_mempool_in_use_count(eal_fixture_pool()), H.mbufs_at_start);
	return 0;
}

void h_advance_ms(uint64_t ms)
{
	H.net.now += ms * (rte_get_tsc_hz() / 1000);
	tcp_timers(H.stack);
}

void h_send(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
	    uint8_t opt_len, const void *payload, uint16_t len)
{
	uint8_t f[2048];
	uint16_t tcp_len = (uint16_t)(sizeof(struct rte_tcp_hdr) + opt_len + len);
	uint16_t n = fixture_put_eth(f, &fixture_mac, &fixture_peer_mac,
				     H.ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	void *ip = f + n;
	if (H.ipv6)
		n = (uint16_t)(n + fixture_put_ipv6(f + n, fixture_peer_ip6, fixture_ip6, IPPROTO_TCP,
						    64, tcp_len));
	else
		n = (uint16_t)(n + fixture_put_ipv4(f + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_TCP,
						    tcp_len));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + n);
	*th = (struct rte_tcp_hdr){
		.src_port = rte_cpu_to_be_16(H.peer_port),
		.dst_port = rte_cpu_to_be_16(H.our_port),
		.sent_seq = rte_cpu_to_be_32(seq),
		.recv_ack = rte_cpu_to_be_32(ack),
		.data_off = (uint8_t)(((sizeof(*th) + opt_len) / 4) << 4),
		.tcp_flags = flags,
		.rx_win = rte_cpu_to_be_16(win),
	};
	if (opt_len)
		memcpy(th + 1, opts, opt_len);
	uint8_t *data = (uint8_t *)(th + 1) + opt_len;
	if (payload != NULL)
		memcpy(data, payload, len);
	else
		memset(data, 0, len);
	th->cksum = H.ipv6 ? rte_ipv6_udptcp_cksum(ip, th) : rte_ipv4_udptcp_cksum(ip, th);
	n = (uint16_t)(n + tcp_len);
	net_input(&H.net, 0, fixture_frame(f, n));
}

unsigned int h_recv(struct hseg *out, unsigned int max)
{
	struct rte_mbuf *pkts[64];
	unsigned int n = fixture_collect(&H.net, pkts, 64);
	unsigned int k = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		/* A frame can be a chain (headers, then slices of the send queue): read it flat. */
		uint8_t flat[RTE_ETHER_MAX_LEN];
		assert_true(rte_pktmbuf_pkt_len(m) <= sizeof(flat));
		const struct rte_ether_hdr *eh =
			rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), flat);
		assert_non_null(eh);
		uint16_t want = H.ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
		if (eh->ether_type != rte_cpu_to_be_16(want) || k == max) {
			rte_pktmbuf_free(m);
			continue;
		}
		const struct rte_tcp_hdr *th;
		uint16_t tl;
		uint32_t sum;
		if (H.ipv6) {
			const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eh + 1);
			assert_int_equal(ip6->proto, IPPROTO_TCP);
			assert_memory_equal(ip6->src_addr, fixture_ip6, 16);
			assert_memory_equal(ip6->dst_addr, fixture_peer_ip6, 16);
			assert_memory_equal(eh->dst_addr.addr_bytes, fixture_peer_mac.addr_bytes, 6);
			th = (const struct rte_tcp_hdr *)(ip6 + 1);
			tl = rte_be_to_cpu_16(ip6->payload_len);
			assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(*eh) + sizeof(*ip6) + tl);
			sum = rte_raw_cksum(th, tl) + rte_ipv6_phdr_cksum(ip6, 0);
		} else {
			const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
			th = (const struct rte_tcp_hdr *)(ip + 1);
			assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
			tl = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));
			sum = rte_raw_cksum(th, tl) + rte_ipv4_phdr_cksum(ip, 0);
		}
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(sum, 0xffff); /* our checksum is right */
		struct hseg *s = &out[k++];
		memset(s, 0, sizeof(*s));
		s->nb_segs = m->nb_segs;
		uint16_t doff = (uint16_t)((th->data_off >> 4) * 4);
		s->flags = th->tcp_flags;
		s->seq = rte_be_to_cpu_32(th->sent_seq);
		s->ack = rte_be_to_cpu_32(th->recv_ack);
		s->win = rte_be_to_cpu_16(th->rx_win);
		s->src_port = rte_be_to_cpu_16(th->src_port);
		s->dst_port = rte_be_to_cpu_16(th->dst_port);
		s->len = (uint16_t)(tl - doff);
		s->opt_len = (uint8_t)(doff - sizeof(*th));
		memcpy(s->opt_bytes, th + 1, s->opt_len);
		assert_true(tcp_options_parse(s->opt_bytes, s->opt_len, s->flags & F_SYN, &s->opts) >= 0);
		memcpy(s->data, (const uint8_t *)th + doff, RTE_MIN(s->len, (uint16_t)sizeof(s->data)));
		rte_pktmbuf_free(m);
	}
	return k;
}

void h_expect_one(struct hseg *out)
{
	struct hseg segs[8];
	unsigned int n = h_recv(segs, 8);
	assert_int_equal(n, 1);
	*out = segs[0];
}

void h_expect_none(void)
{
	struct hseg segs[8];
	assert_int_equal(h_recv(segs, 8), 0);
}

uint8_t h_ts_opts(uint8_t *buf, uint32_t tsval, uint32_t tsecr)
{
	return (uint8_t)tcp_options_write(buf, TCP_OPTIONS_MAX, true, tsval, tsecr, NULL, 0);
}

uint8_t h_syn_opts(uint8_t *buf, uint32_t tsval, uint32_t tsecr, bool ts, bool sack, int wscale)
{
	struct tcp_syn_opts o = {
		.mss_present = true,
		.mss = H.ipv6 ? 1440 : 1460, /* what a kernel offers on a 1500-byte link */
		.sack_permitted = sack,
		.ts_present = ts,
		.tsval = tsval,
		.tsecr = tsecr,
		.wscale_present = wscale >= 0,
		.wscale = (uint8_t)(wscale < 0 ? 0 : wscale),
	};
	return (uint8_t)tcp_options_write_syn(buf, TCP_OPTIONS_MAX, &o);
}

uint32_t h_handshake(uint32_t peer_isn, bool ts, bool sack, int wscale)
{
	uint8_t o[TCP_OPTIONS_MAX];
	uint8_t ol = h_syn_opts(o, 1000, 0, ts, sack, wscale);
	h_send(F_SYN, peer_isn, 0, 64240, o, ol, NULL, 0);
	struct hseg sa;
	h_expect_one(&sa);
	assert_int_equal(sa.flags, F_SYN | F_ACK);
	assert_int_equal(sa.ack, peer_isn + 1);
	uint32_t iss = sa.seq;
	ol = ts ? h_ts_opts(o, 1001, sa.opts.tsval) : 0;
	h_send(F_ACK, peer_isn + 1, iss + 1, wscale >= 0 ? 502 : 64240, o, ol, NULL, 0);
	h_expect_none();
	assert_int_equal(H.established, 1);
	return iss;
}

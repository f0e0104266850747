/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/edge: the ACL (acl.c: longest prefix, allow/deny/default, /0), the
 * token bucket (rate.h), the per-client table (clients.c: bounded, evicts and
 * counts, keeps clients with open connections), the SYN and connection
 * checks (edge.c), and the ICMP and ICMPv6 echo hook through net_input with
 * real mbufs.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mempool.h>

#include <tlsterm/edge.h>

#include "eal_fixture.h"
#include "rate.h"

static struct fixture_net T;

static int setup(void **state)
{
	(void)state;
	fixture_config_ipv6(&T.cfg);
	T.cfg.edge.icmp_echo_per_s = 1000;
	T.cfg.edge.table_size = 1024;
	return fixture_net_begin(&T);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fixture_net_end(&T), T.in_use);
	return 0;
}

static void add(struct config_cidr *list, unsigned int *n, uint32_t a, uint8_t prefix)
{
	list[(*n)++] = (struct config_cidr){.family = 4, .prefix = prefix, .addr = rte_cpu_to_be_32(a)};
}

static bool allows(const struct edge_acl *acl, uint32_t a)
{
	const uint32_t addr[4] = {rte_cpu_to_be_32(a), 0, 0, 0};
	return edge_acl_allows(acl, 4, addr);
}

static unsigned int acl_names;

static struct edge_acl *acl_make(const struct config_edge *ce)
{
	char name[32];
	snprintf(name, sizeof(name), "acl_test_%u", acl_names++);
	int rc = -1;
	struct edge_acl *acl = edge_acl_create(ce, name, &rc);
	assert_int_equal(rc, 0);
	return acl;
}

static void test_acl_longest_prefix(void **state)
{
	(void)state;
	struct config_edge ce = {.acl_default = CONFIG_ACL_DENY};
	add(ce.allow, &ce.n_allow, RTE_IPV4(10, 0, 0, 0), 8);
	add(ce.deny, &ce.n_deny, RTE_IPV4(10, 1, 0, 0), 16);
	add(ce.allow, &ce.n_allow, RTE_IPV4(10, 1, 2, 0), 24);
	add(ce.deny, &ce.n_deny, RTE_IPV4(10, 1, 2, 3), 32);
	struct edge_acl *acl = acl_make(&ce);
	assert_non_null(acl);
	assert_true(allows(acl, RTE_IPV4(10, 9, 9, 9)));    /* /8 allow */
	assert_false(allows(acl, RTE_IPV4(10, 1, 9, 9)));   /* /16 deny inside it */
	assert_true(allows(acl, RTE_IPV4(10, 1, 2, 4)));    /* /24 allow inside that */
	assert_false(allows(acl, RTE_IPV4(10, 1, 2, 3)));   /* /32 deny inside that */
	assert_false(allows(acl, RTE_IPV4(11, 0, 0, 1)));   /* no entry: the default */
	assert_false(allows(acl, RTE_IPV4(9, 255, 255, 255)));
	const uint32_t v6[4] = {1, 2, 3, 4};
	assert_false(edge_acl_allows(acl, 6, v6)); /* no IPv6 lists: the default speaks */
	edge_acl_free(acl);
}

static void add6(struct config_cidr *list, unsigned int *n, const char *a, uint8_t prefix)
{
	list[*n] = (struct config_cidr){.family = 6, .prefix = prefix};
	assert_int_equal(inet_pton(AF_INET6, a, list[*n].addr6), 1);
	(*n)++;
}

static bool allows6(const struct edge_acl *acl, const char *a)
{
	uint32_t addr[4];
	assert_int_equal(inet_pton(AF_INET6, a, addr), 1);
	return edge_acl_allows(acl, 6, addr);
}

/* IPv6 lists in their own rte_lpm6: longest prefix wins, ::/0 is the IPv6 default. */
static void test_acl_ipv6(void **state)
{
	(void)state;
	struct config_edge ce = {.acl_default = CONFIG_ACL_DENY};
	add6(ce.allow, &ce.n_allow, "2001:2::", 32);
	add6(ce.deny, &ce.n_deny, "2001:2:0:18::", 64);
	add6(ce.allow, &ce.n_allow, "2001:2:0:18::2", 128);
	add6(ce.deny, &ce.n_deny, "2001:2:0:18:8000::", 65);
	add(ce.allow, &ce.n_allow, RTE_IPV4(198u, 18, 0, 0), 16);
	struct edge_acl *acl = acl_make(&ce);
	assert_true(allows6(acl, "2001:2:ffff::1"));           /* /32 allow */
	assert_false(allows6(acl, "2001:2:0:18::3"));          /* /64 deny inside it */
	assert_true(allows6(acl, "2001:2:0:18::2"));           /* /128 allow inside that */
	assert_false(allows6(acl, "2001:2:0:18:8000::2"));     /* /65 deny */
	assert_false(allows6(acl, "2001:3::1"));               /* no entry: acl.default */
	assert_true(allows(acl, RTE_IPV4(198u, 18, 0, 3)));    /* IPv4 as before */
	assert_false(allows(acl, RTE_IPV4(198u, 19, 0, 3)));
	/* An IPv4-mapped lookup is not an IPv4 one: the IPv6 table decides. */
	assert_false(allows6(acl, "::ffff:198.18.0.3"));
	edge_acl_free(acl);

	/* ::/0 sets the IPv6 default only; 0.0.0.0/0 the IPv4 one only. */
	memset(&ce, 0, sizeof(ce));
	ce.acl_default = CONFIG_ACL_ALLOW;
	add6(ce.deny, &ce.n_deny, "::", 0);
	add6(ce.allow, &ce.n_allow, "2001:2:0:18::", 64);
	acl = acl_make(&ce);
	assert_false(allows6(acl, "2001:2:0:19::2"));
	assert_true(allows6(acl, "2001:2:0:18::abcd"));
	assert_true(allows(acl, RTE_IPV4(8, 8, 8, 8))); /* IPv4 keeps acl.default */
	edge_acl_free(acl);
	memset(&ce, 0, sizeof(ce));
	ce.acl_default = CONFIG_ACL_ALLOW;
	add(ce.deny, &ce.n_deny, 0, 0);
	acl = acl_make(&ce);
	assert_false(allows(acl, RTE_IPV4(8, 8, 8, 8)));
	assert_true(allows6(acl, "2001:2:0:19::2")); /* IPv6 keeps acl.default */
	edge_acl_free(acl);

	/* A full list of /128s fits (tbl8 groups sized from the entries). */
	memset(&ce, 0, sizeof(ce));
	ce.acl_default = CONFIG_ACL_ALLOW;
	for (unsigned int i = 0; i < CONFIG_MAX_ACL; i++) {
		char a[64];
		snprintf(a, sizeof(a), "2001:%x:%x::%x", i, i * 7, i + 1);
		add6(ce.deny, &ce.n_deny, a, 128);
		snprintf(a, sizeof(a), "2002:%x::", i);
		add6(ce.allow, &ce.n_allow, a, (uint8_t)(127 - i % 90));
		memset(ce.allow[i].addr6 + 4, 0, 12); /* host bits zero: the prefixes are >= 38 */
	}
	acl = acl_make(&ce);
	assert_non_null(acl);
	assert_false(allows6(acl, "2001:ff:6f9::100"));
	assert_true(allows6(acl, "2001:ff:6f9::101"));
	edge_acl_free(acl);
}

static void test_acl_default_and_zero_prefix(void **state)
{
	(void)state;
	/* Nothing to decide: no ACL object at all, everything allowed. */
	struct config_edge ce = {.acl_default = CONFIG_ACL_ALLOW};
	int rc = -1;
	assert_null(edge_acl_create(&ce, "acl_none", &rc));
	assert_int_equal(rc, 0);
	assert_true(allows(NULL, RTE_IPV4(203u, 0, 113, 7)));

	/* Default allow with a deny list. */
	add(ce.deny, &ce.n_deny, RTE_IPV4(203u, 0, 113, 0), 24);
	struct edge_acl *acl = acl_make(&ce);
	assert_false(allows(acl, RTE_IPV4(203u, 0, 113, 7)));
	assert_true(allows(acl, RTE_IPV4(203u, 0, 114, 7)));
	edge_acl_free(acl);

	/* A /0 entry is the default, whatever acl.default says; longer prefixes still win. */
	memset(&ce, 0, sizeof(ce));
	ce.acl_default = CONFIG_ACL_ALLOW;
	add(ce.deny, &ce.n_deny, 0, 0);
	add(ce.allow, &ce.n_allow, RTE_IPV4(198u, 18, 0, 0), 15);
	acl = acl_make(&ce);
	assert_false(allows(acl, RTE_IPV4(8, 8, 8, 8)));
	assert_true(allows(acl, RTE_IPV4(198u, 19, 255, 255)));
	assert_false(allows(acl, RTE_IPV4(198u, 20, 0, 0)));
	edge_acl_free(acl);

	/* Default deny and no list: everything denied. */
	memset(&ce, 0, sizeof(ce));
	ce.acl_default = CONFIG_ACL_DENY;
	acl = acl_make(&ce);
	assert_false(allows(acl, RTE_IPV4(198u, 18, 0, 2)));
	edge_acl_free(acl);
}

static void test_rate_bucket(void **state)
{
	(void)state;
	const uint64_t hz = 1000; /* one tick per millisecond */
	struct edge_rate r = edge_rate_make(10, 5, hz);
	uint64_t tat = 0, now = 5000;
	for (int i = 0; i < 5; i++)
		assert_true(edge_rate_take(&r, &tat, now)); /* a full bucket: burst at once */
	assert_false(edge_rate_take(&r, &tat, now));
	assert_false(edge_rate_take(&r, &tat, now + 99)); /* a token every 100 ms */
	assert_true(edge_rate_take(&r, &tat, now + 100));
	assert_false(edge_rate_take(&r, &tat, now + 100));
	/* A long pause fills the bucket to burst, never beyond. */
	now += 100000;
	int n = 0;
	while (edge_rate_take(&r, &tat, now))
		n++;
	assert_int_equal(n, 5);
	/* Over 10 s of steady asking, rate x time get through. */
	n = 0;
	for (uint64_t t = now; t < now + 10000; t++)
		n += edge_rate_take(&r, &tat, t);
	assert_in_range(n, 99, 100); /* the bucket starts empty: one every 100 ms */
	/* Rate 0: no limit. */
	struct edge_rate off = edge_rate_make(0, 0, hz);
	for (int i = 0; i < 1000; i++)
		assert_true(edge_rate_take(&off, &tat, 0));
}

static struct edge *make_edge(unsigned int new_per_s, unsigned int burst, unsigned int max_conns)
{
	T.cfg.edge.new_per_s = new_per_s;
	T.cfg.edge.burst = burst;
	T.cfg.edge.max_connections = max_conns;
	struct edge *e = edge_create(&T.cfg, NULL, &T.ctx);
	assert_non_null(e);
	return e;
}

static void addr_of(uint32_t a, uint32_t out[4])
{
	out[0] = rte_cpu_to_be_32(a);
	out[1] = out[2] = out[3] = 0;
}

static void test_syn_rate_per_client(void **state)
{
	(void)state;
	struct edge *e = make_edge(10, 3, 0);
	uint32_t a[4], b[4];
	addr_of(RTE_IPV4(198u, 18, 1, 1), a);
	addr_of(RTE_IPV4(198u, 18, 1, 2), b);
	T.ctx.now = 1000 * T.ctx.tsc_hz;
	for (int i = 0; i < 3; i++)
		assert_int_equal(edge_check_syn(e, 4, a), -1);
	assert_int_equal(edge_check_syn(e, 4, a), DROP_EDGE_CLIENT_RATE);
	assert_int_equal(edge_check_syn(e, 4, b), -1); /* another client has its own bucket */
	T.ctx.now += T.ctx.tsc_hz / 10;
	assert_int_equal(edge_check_syn(e, 4, a), -1); /* 100 ms: one more token */
	assert_int_equal(edge_check_syn(e, 4, a), DROP_EDGE_CLIENT_RATE);
	assert_int_equal(edge_client_count(e), 2);
	edge_free(e);
}

static void addr6_of(uint16_t w0, uint16_t w3, uint16_t w7, uint32_t out[4])
{
	uint8_t b[16] = {0};
	b[0] = (uint8_t)(w0 >> 8), b[1] = (uint8_t)w0;
	b[6] = (uint8_t)(w3 >> 8), b[7] = (uint8_t)w3;
	b[14] = (uint8_t)(w7 >> 8), b[15] = (uint8_t)w7;
	memcpy(out, b, 16);
}

/* IPv6 sources are keyed on their /64 (per_client.ipv6_prefix): hopping inside it gains nothing. */
static void test_ipv6_prefix_key(void **state)
{
	(void)state;
	uint32_t a[4], a2[4], other[4];
	addr6_of(0x2001, 0x18, 1, a);     /* 2001:0:0:18::1 */
	addr6_of(0x2001, 0x18, 0xbeef, a2); /* same /64 */
	addr6_of(0x2001, 0x19, 1, other); /* next /64 */
	T.cfg.edge.ipv6_prefix = 64;
	struct edge *e = make_edge(10, 3, 2);
	T.ctx.now = 1000 * T.ctx.tsc_hz;
	assert_int_equal(edge_check_syn(e, 6, a), -1);
	assert_int_equal(edge_check_syn(e, 6, a2), -1);
	assert_int_equal(edge_check_syn(e, 6, a), -1);
	assert_int_equal(edge_check_syn(e, 6, a2), DROP_EDGE_CLIENT_RATE); /* one bucket of 3 */
	assert_int_equal(edge_check_syn(e, 6, other), -1); /* another /64: its own bucket */
	assert_int_equal(edge_client_count(e), 2);
	/* Connections count per /64 too: two from a and a2 fill max_connections 2. */
	bool counted = false;
	assert_true(edge_conn_opened(e, 6, a, &counted));
	assert_true(edge_conn_opened(e, 6, a2, &counted));
	assert_false(edge_conn_opened(e, 6, a, &counted));
	assert_true(edge_conn_opened(e, 6, other, &counted));
	edge_conn_closed(e, 6, a2); /* a close from either address releases the /64's count */
	assert_true(edge_conn_opened(e, 6, a, &counted));
	/* IPv4 keys are untouched: neighbouring addresses keep their own buckets. */
	uint32_t v4a[4], v4b[4];
	addr_of(RTE_IPV4(198u, 18, 1, 1), v4a);
	addr_of(RTE_IPV4(198u, 18, 1, 2), v4b);
	for (int i = 0; i < 3; i++)
		assert_int_equal(edge_check_syn(e, 4, v4a), -1);
	assert_int_equal(edge_check_syn(e, 4, v4b), -1);
	edge_free(e);

	/* ipv6_prefix 128: every address its own bucket again. */
	T.cfg.edge.ipv6_prefix = 128;
	e = make_edge(10, 1, 0);
	assert_int_equal(edge_check_syn(e, 6, a), -1);
	assert_int_equal(edge_check_syn(e, 6, a), DROP_EDGE_CLIENT_RATE);
	assert_int_equal(edge_check_syn(e, 6, a2), -1);
	edge_free(e);

	/* ipv6_prefix 48: the /64s under one /48 share. */
	T.cfg.edge.ipv6_prefix = 48;
	e = make_edge(10, 1, 0);
	assert_int_equal(edge_check_syn(e, 6, a), -1);
	assert_int_equal(edge_check_syn(e, 6, other), DROP_EDGE_CLIENT_RATE);
	edge_free(e);
}

static void test_concurrent_limit(void **state)
{
	(void)state;
	struct edge *e = make_edge(0, 0, 2);
	uint32_t a[4];
	addr_of(RTE_IPV4(198u, 18, 1, 1), a);
	bool counted = false;
	assert_true(edge_conn_opened(e, 4, a, &counted));
	assert_true(counted);
	assert_true(edge_conn_opened(e, 4, a, &counted));
	assert_int_equal(edge_check_syn(e, 4, a), DROP_EDGE_CLIENT_CONNS);
	assert_false(edge_conn_opened(e, 4, a, &counted));
	assert_false(counted);
	edge_conn_closed(e, 4, a);
	assert_int_equal(edge_check_syn(e, 4, a), -1); /* released: let in again */
	assert_true(edge_conn_opened(e, 4, a, &counted));
	edge_conn_closed(e, 4, a);
	edge_conn_closed(e, 4, a);
	edge_conn_closed(e, 4, a); /* one too many: the count stays at 0 */
	for (int i = 0; i < 2; i++)
		assert_true(edge_conn_opened(e, 4, a, &counted));
	assert_false(edge_conn_opened(e, 4, a, &counted));
	edge_free(e);

	/* Limits off: nothing counted, nothing refused, no table. */
	e = make_edge(0, 0, 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(edge_check_syn(e, 4, a), -1);
		assert_true(edge_conn_opened(e, 4, a, &counted));
		assert_false(counted);
	}
	assert_int_equal(edge_client_count(e), 0);
	edge_free(e);
}

/* A flood of random sources churns the table but cannot grow it, or push out a busy client. */
static void test_table_bounded_and_evicts(void **state)
{
	(void)state;
	struct edge *e = make_edge(1, 1, 1); /* every flood source's bucket stays empty a second */
	uint32_t busy[4], a[4];
	addr_of(RTE_IPV4(198u, 18, 0, 2), busy);
	T.ctx.now = 1000 * T.ctx.tsc_hz;
	bool counted = false;
	assert_int_equal(edge_check_syn(e, 4, busy), -1);
	assert_true(edge_conn_opened(e, 4, busy, &counted));
	uint32_t x = 12345;
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		addr_of(RTE_IPV4(198u, 18, 0, 0) | (x >> 16), a);
		if (a[0] == busy[0])
			continue;
		edge_check_syn(e, 4, a);
		T.ctx.now++;
	}
	assert_true(edge_client_count(e) <= 1024);
	assert_int_equal(edge_client_count(e), 1024); /* a 65536-address flood fills it */
	assert_true(T.ctr.edge.client_evictions > 50000); /* live entries taken over, counted */
	/* The busy client kept its entry: its connection still counts against it. */
	assert_false(edge_conn_opened(e, 4, busy, &counted));
	edge_conn_closed(e, 4, busy);
	assert_true(edge_conn_opened(e, 4, busy, &counted));
	edge_free(e);
}

/* Entries that remember nothing (bucket full again, no connection) are reused without count. */
static void test_table_reuses_forgettable(void **state)
{
	(void)state;
	struct edge *e = make_edge(1000, 1000, 0);
	uint32_t a[4];
	T.ctx.now = 1000 * T.ctx.tsc_hz;
	for (uint32_t i = 0; i < 5000; i++) {
		addr_of(RTE_IPV4(198u, 18, 0, 0) + i, a);
		assert_int_equal(edge_check_syn(e, 4, a), -1);
		T.ctx.now += T.ctx.tsc_hz / 100; /* 10 ms apart: each bucket refills before reuse */
	}
	assert_int_equal(T.ctr.edge.client_evictions, 0);
	/* The same at flood pace: 100000 random sources 11 us apart, a set turns over in ~11 ms. */
	uint32_t x = 777;
	for (uint32_t i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		addr_of(RTE_IPV4(198u, 18, 0, 0) | (x >> 16), a);
		edge_check_syn(e, 4, a);
		T.ctx.now += T.ctx.tsc_hz / 89000;
	}
	assert_int_equal(T.ctr.edge.client_evictions, 0);
	edge_free(e);
}

static uint16_t echo_frame(uint8_t *buf, uint16_t seq)
{
	return fixture_put_echo_request(buf, 7, seq, "edge", 4);
}

static unsigned int echo_replies(void)
{
	struct rte_mbuf *out[64];
	unsigned int n = fixture_collect(&T.ctx, out, 64);
	fixture_free(out, n);
	return n;
}

static void test_icmp_echo_hook(void **state)
{
	(void)state;
	uint8_t buf[128];
	T.cfg.edge.icmp_echo_per_s = 2;
	struct edge *e = make_edge(0, 0, 0);
	T.ctx.now = 1000 * T.ctx.tsc_hz;
	for (uint16_t i = 0; i < 5; i++)
		net_input(&T.ctx, 0, fixture_frame(buf, echo_frame(buf, i)));
	assert_int_equal(echo_replies(), 2); /* burst = rate */
	assert_int_equal(T.ctr.drops[DROP_ICMP_RATE], 3);
	T.ctx.now += T.ctx.tsc_hz;
	net_input(&T.ctx, 0, fixture_frame(buf, echo_frame(buf, 9)));
	assert_int_equal(echo_replies(), 1);
	edge_free(e);
	assert_null(T.ctx.icmp_echo_admit); /* unhooked: every echo answered again */

	/* icmp_echo_per_s 0: no echo answered at all. */
	T.cfg.edge.icmp_echo_per_s = 0;
	e = make_edge(0, 0, 0);
	net_input(&T.ctx, 0, fixture_frame(buf, echo_frame(buf, 1)));
	assert_int_equal(echo_replies(), 0);
	assert_int_equal(T.ctr.drops[DROP_ICMP_RATE], 4);
	edge_free(e);

	/* A denied source gets no echo. */
	T.cfg.edge.icmp_echo_per_s = 1000;
	struct config_edge ce = {.acl_default = CONFIG_ACL_ALLOW};
	add(ce.deny, &ce.n_deny, FIXTURE_PEER_IP, 32);
	struct edge_acl *acl = acl_make(&ce);
	e = edge_create(&T.cfg, acl, &T.ctx);
	assert_non_null(e);
	net_input(&T.ctx, 0, fixture_frame(buf, echo_frame(buf, 2)));
	assert_int_equal(echo_replies(), 0);
	assert_int_equal(T.ctr.drops[DROP_EDGE_ACL], 1);
	const uint32_t peer[4] = {rte_cpu_to_be_32(FIXTURE_PEER_IP), 0, 0, 0};
	assert_int_equal(edge_check_source(e, 4, peer), DROP_EDGE_ACL);
	edge_free(e);
	edge_acl_free(acl);
}

/* An ICMPv6 echo request from src to our address, with a valid checksum. */
static uint16_t echo6_frame(uint8_t *buf, const uint8_t src[16], uint16_t seq)
{
	uint16_t o = fixture_put_eth(buf, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV6);
	o += fixture_put_ipv6(buf + o, src, fixture_ip6, 58, 64, 12);
	uint8_t *ic = buf + o;
	memset(ic, 0, 12);
	ic[0] = 128; /* echo request */
	ic[5] = 7;   /* identifier */
	ic[6] = (uint8_t)(seq >> 8);
	ic[7] = (uint8_t)seq;
	memcpy(ic + 8, "edge", 4);
	fixture_icmpv6_cksum(ic, 12, src, fixture_ip6);
	return (uint16_t)(o + 12);
}

/* ICMPv6 echo takes the same way as ICMP echo: the ACL, then the one echo bucket. */
static void test_icmpv6_echo_hook(void **state)
{
	(void)state;
	uint8_t buf[128];
	T.cfg.edge.icmp_echo_per_s = 2;
	struct edge *e = make_edge(0, 0, 0);
	T.ctx.now = 1000 * T.ctx.tsc_hz;
	for (uint16_t i = 0; i < 5; i++)
		net_input(&T.ctx, 0, fixture_frame(buf, echo6_frame(buf, fixture_peer_ip6, i)));
	assert_int_equal(echo_replies(), 2); /* burst = rate */
	assert_int_equal(T.ctr.icmpv6_echo_replies, 2);
	assert_int_equal(T.ctr.drops[DROP_ICMP_RATE], 3);
	/* One bucket for both families: an IPv4 echo now finds it empty too. */
	net_input(&T.ctx, 0, fixture_frame(buf, echo_frame(buf, 1)));
	assert_int_equal(echo_replies(), 0);
	assert_int_equal(T.ctr.drops[DROP_ICMP_RATE], 4);
	T.ctx.now += T.ctx.tsc_hz;
	net_input(&T.ctx, 0, fixture_frame(buf, echo6_frame(buf, fixture_peer_ip6, 9)));
	assert_int_equal(echo_replies(), 1);
	edge_free(e);
	/* Unhooked: every echo answered again. */
	for (uint16_t i = 0; i < 5; i++)
		net_input(&T.ctx, 0, fixture_frame(buf, echo6_frame(buf, fixture_peer_ip6, i)));
	assert_int_equal(echo_replies(), 5);

	/* icmp_echo_per_s 0: no ICMPv6 echo answered either. */
	T.cfg.edge.icmp_echo_per_s = 0;
	e = make_edge(0, 0, 0);
	net_input(&T.ctx, 0, fixture_frame(buf, echo6_frame(buf, fixture_peer_ip6, 1)));
	assert_int_equal(echo_replies(), 0);
	assert_int_equal(T.ctr.drops[DROP_ICMP_RATE], 5);
	edge_free(e);

	/* A source an IPv6 deny entry covers gets no echo; the drop is counted. */
	T.cfg.edge.icmp_echo_per_s = 1000;
	struct config_edge ce = {.acl_default = CONFIG_ACL_ALLOW};
	add6(ce.deny, &ce.n_deny, "2001:2:0:18::2", 128);
	struct edge_acl *acl = acl_make(&ce);
	e = edge_create(&T.cfg, acl, &T.ctx);
	assert_non_null(e);
	net_input(&T.ctx, 0, fixture_frame(buf, echo6_frame(buf, fixture_peer_ip6, 2)));
	assert_int_equal(echo_replies(), 0);
	assert_int_equal(T.ctr.drops[DROP_EDGE_ACL], 1);
	assert_int_equal(T.ctr.drops[DROP_ICMP_RATE], 5);
	uint32_t peer6[4];
	memcpy(peer6, fixture_peer_ip6, 16);
	assert_int_equal(edge_check_source(e, 6, peer6), DROP_EDGE_ACL);
	/* IPv4 echo from the same peer is not covered by the IPv6 entry. */
	net_input(&T.ctx, 0, fixture_frame(buf, echo_frame(buf, 3)));
	assert_int_equal(echo_replies(), 1);
	edge_free(e);
	edge_acl_free(acl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acl_longest_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_default_and_zero_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_ipv6, setup, teardown),
		cmocka_unit_test(test_rate_bucket),
		cmocka_unit_test_setup_teardown(test_syn_rate_per_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_prefix_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_bounded_and_evicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_reuses_forgettable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_echo_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmpv6_echo_hook, setup, teardown),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}

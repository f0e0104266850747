/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/ctl/config.c: a full round trip, the defaults, and one test
 * per class of error, each checking the exact "file:line:col:" prefix (the
 * position users jump to) and the part of the message that says what is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

#include <cmocka.h>

#include <tlsterm/config.h>

#define NAME "t.yaml"

/* The smallest valid config; error tests below are variations of it. */
#define MIN_DPDK "dpdk:\n  lcores: \"0-1\"\n"
#define MIN_PORTS "ports:\n  - name: a\n    device: x\n"

static struct config *parse(const char *yaml, char *err, size_t errlen)
{
	return config_parse(NAME, yaml, strlen(yaml), err, errlen);
}

/*
 * yaml must be refused with an error starting with want_prefix ("t.yaml:3:14: ")
 * and containing want_text; the message is always a single line.
 */
static void expect_error_in(const char *name, const char *yaml, const char *want_prefix,
			    const char *want_text)
{
	char err[CONFIG_ERR_LEN];
	struct config *cfg = config_parse(name, yaml, strlen(yaml), err, sizeof(err));
	bool accepted;

	if (cfg != NULL || strncmp(err, want_prefix, strlen(want_prefix)) != 0 ||
	    strstr(err, want_text) == NULL)
		print_error("input:\n%s\ngot error: \"%s\"\nwant: \"%s...%s...\"\n", yaml, err,
			    want_prefix, want_text);
	accepted = cfg != NULL;
	config_free(cfg); /* no leak report on top of a failed test */
	assert_false(accepted);
	assert_memory_equal(err, want_prefix, strlen(want_prefix));
	assert_non_null(strstr(err, want_text));
	assert_null(strchr(err, '\n'));
}

static void expect_error(const char *yaml, const char *want_prefix, const char *want_text)
{
	expect_error_in(NAME, yaml, want_prefix, want_text);
}

static struct config *expect_ok_in(const char *name, const char *yaml)
{
	char err[CONFIG_ERR_LEN] = "";
	struct config *cfg = config_parse(name, yaml, strlen(yaml), err, sizeof(err));

	if (cfg == NULL)
		print_error("input:\n%s\nunexpected error: %s\n", yaml, err);
	assert_non_null(cfg);
	assert_string_equal(err, "");
	return cfg;
}

static struct config *expect_ok(const char *yaml)
{
	return expect_ok_in(NAME, yaml);
}

/* ------------------------------------------------------------ valid input */

static const char full_yaml[] =
	"# every key, in both block and flow style\n"
	"dpdk:\n"
	"  lcores: \"0-2,4\"\n"
	"  memory_mb: 512\n"
	"  no_huge: true\n"
	"  eal_args: [\"--no-telemetry\", \"--log-level=lib.eal:debug\"]\n"
	"ports:\n"
	"  - name: edge\n"
	"    device: \"net_af_packet0,iface=veth-edge\"\n"
	"    ipv4: 198.18.0.1/16\n"
	"    gateway: 198.18.0.254\n"
	"  - { name: inside_1, device: \"0000:3b:00.0\", ipv4: 10.1.2.3/31 }\n"
	"  - name: tap-3\n"
	"    device: net_tap0\n"
	"log:\n"
	"  level: debug\n"
	"  file: /var/log/tlsterm.log\n"
	"arp: { cache_size: 4096, timeout_s: 60, pending_max: 128 }\n"
	"mbufs_per_worker: 16383\n";

static void test_full_config(void **state)
{
	struct config *cfg = expect_ok(full_yaml);
	const uint8_t *a;

	(void)state;
	assert_string_equal(cfg->path, NAME);
	assert_string_equal(cfg->dpdk.lcores, "0-2,4");
	assert_int_equal(config_lcore_count(cfg), 4);
	assert_int_equal(cfg->dpdk.memory_mb, 512);
	assert_true(cfg->dpdk.no_huge);
	assert_int_equal(cfg->dpdk.n_eal_args, 2);
	assert_string_equal(cfg->dpdk.eal_args[0], "--no-telemetry");
	assert_string_equal(cfg->dpdk.eal_args[1], "--log-level=lib.eal:debug");
	assert_null(cfg->dpdk.eal_args[2]);

	assert_int_equal(cfg->n_ports, 3);
	assert_string_equal(cfg->ports[0].name, "edge");
	assert_string_equal(cfg->ports[0].device, "net_af_packet0,iface=veth-edge");
	assert_true(cfg->ports[0].has_ipv4);
	assert_int_equal(cfg->ports[0].ipv4_addr, htonl(0xc6120001)); /* 198.18.0.1 */
	a = (const uint8_t *)&cfg->ports[0].ipv4_addr;		      /* network byte order */
	assert_int_equal(a[0], 198);
	assert_int_equal(a[3], 1);
	assert_int_equal(cfg->ports[0].ipv4_prefix, 16);
	assert_true(cfg->ports[0].has_gateway);
	assert_int_equal(cfg->ports[0].ipv4_gateway, htonl(0xc61200fe)); /* 198.18.0.254 */

	assert_string_equal(cfg->ports[1].name, "inside_1");
	assert_string_equal(cfg->ports[1].device, "0000:3b:00.0");
	assert_true(cfg->ports[1].has_ipv4);
	assert_int_equal(cfg->ports[1].ipv4_addr, htonl(0x0a010203));
	assert_int_equal(cfg->ports[1].ipv4_prefix, 31); /* /31: no network/broadcast rule */
	assert_false(cfg->ports[1].has_gateway);

	assert_string_equal(cfg->ports[2].name, "tap-3");
	assert_string_equal(cfg->ports[2].device, "net_tap0");
	assert_false(cfg->ports[2].has_ipv4);
	assert_false(cfg->ports[2].has_gateway);

	assert_int_equal(cfg->log.level, LOG_LEVEL_DEBUG);
	assert_string_equal(cfg->log.file, "/var/log/tlsterm.log");
	assert_int_equal(cfg->arp.cache_size, 4096);
	assert_int_equal(cfg->arp.timeout_s, 60);
	assert_int_equal(cfg->arp.pending_max, 128);
	assert_int_equal(cfg->mbufs_per_worker, 16383);
	config_free(cfg);
}

static void test_defaults(void **state)
{
	struct config *cfg = expect_ok(MIN_DPDK MIN_PORTS);

	(void)state;
	assert_string_equal(cfg->dpdk.lcores, "0-1");
	assert_int_equal(config_lcore_count(cfg), 2);
	assert_int_equal(cfg->dpdk.memory_mb, 256);
	assert_false(cfg->dpdk.no_huge);
	assert_int_equal(cfg->dpdk.n_eal_args, 0);
	assert_int_equal(cfg->n_ports, 1);
	assert_false(cfg->ports[0].has_ipv4);
	assert_false(cfg->ports[0].has_gateway);
	assert_int_equal(cfg->log.level, LOG_LEVEL_INFO);
	assert_string_equal(cfg->log.file, "");
	assert_int_equal(cfg->arp.cache_size, 1024);
	assert_int_equal(cfg->arp.timeout_s, 300);
	assert_int_equal(cfg->arp.pending_max, 64);
	assert_int_equal(cfg->mbufs_per_worker, 8191);
	config_free(cfg);
}

/* Bounds are inclusive, and empty sections keep their defaults. */
static void test_limits_accepted(void **state)
{
	struct config *cfg =
		expect_ok("dpdk:\n  lcores: 0-16\n  memory_mb: 65536\n  no_huge: false\n"
			  "  eal_args: []\n"
			  "ports:\n  - { name: a, device: x, ipv4: 10.0.0.1/32 }\n"
			  "log: { file: \"\", level: err }\n"
			  "arp: { cache_size: 16, timeout_s: 86400, pending_max: 4096 }\n"
			  "mbufs_per_worker: 1023\n");

	(void)state;
	assert_int_equal(config_lcore_count(cfg), 17);
	assert_int_equal(cfg->dpdk.memory_mb, 65536);
	assert_int_equal(cfg->ports[0].ipv4_prefix, 32);
	assert_int_equal(cfg->log.level, LOG_LEVEL_ERR);
	assert_int_equal(cfg->arp.cache_size, 16);
	assert_int_equal(cfg->arp.timeout_s, 86400);
	assert_int_equal(cfg->arp.pending_max, 4096);
	assert_int_equal(cfg->mbufs_per_worker, 1023);
	config_free(cfg);

	cfg = expect_ok(MIN_DPDK MIN_PORTS "log: {}\narp: {}\n");
	assert_int_equal(cfg->log.level, LOG_LEVEL_INFO);
	assert_int_equal(cfg->arp.cache_size, 1024);
	config_free(cfg);
}

static void test_lcore_count(void **state)
{
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.dpdk.lcores, sizeof(cfg.dpdk.lcores), "0-3,8,10-11");
	assert_int_equal(config_lcore_count(&cfg), 7);
	snprintf(cfg.dpdk.lcores, sizeof(cfg.dpdk.lcores), "5");
	assert_int_equal(config_lcore_count(&cfg), 1);
	snprintf(cfg.dpdk.lcores, sizeof(cfg.dpdk.lcores), "1,1");
	assert_int_equal(config_lcore_count(&cfg), -1);
	snprintf(cfg.dpdk.lcores, sizeof(cfg.dpdk.lcores), "0-");
	assert_int_equal(config_lcore_count(&cfg), -1);
	snprintf(cfg.dpdk.lcores, sizeof(cfg.dpdk.lcores), "0,,1");
	assert_int_equal(config_lcore_count(&cfg), -1);
	snprintf(cfg.dpdk.lcores, sizeof(cfg.dpdk.lcores), "%s", "");
	assert_int_equal(config_lcore_count(&cfg), -1);
	assert_int_equal(config_lcore_count(NULL), -1);
}

static void test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

/* ------------------------------------------------------------ unknown and duplicate keys */

static void test_unknown_top_level_key(void **state)
{
	(void)state;
	expect_error(
		MIN_DPDK MIN_PORTS "backend: {}\n", NAME ":6:1: ",
		"unknown key \"backend\"; allowed here: dpdk, ports, listeners, tcp, log, arp, ipv6, "
		"limits, tickets, crypto, mbufs_per_worker, backends, access_log, admin");
}

static void test_lcores_pinned_to_cpus(void **state)
{
	(void)state;
	char err[CONFIG_ERR_LEN];
	const char *text = "dpdk:\n  lcores: \"0@0,1@1,2@1\"\n" MIN_PORTS;
	struct config *cfg = config_parse(NAME, text, strlen(text), err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(config_lcore_count(cfg), 3);
	config_free(cfg);
	expect_error("dpdk:\n  lcores: \"0@0,1-2@1\"\n" MIN_PORTS, NAME ":2:11: ",
		     "item 2: expected lcore@cpu");
	expect_error("dpdk:\n  lcores: \"0@0,1@\"\n" MIN_PORTS, NAME ":2:11: ",
		     "item 2: expected lcore@cpu");
}

static void test_tcp_section(void **state)
{
	(void)state;
	char err[CONFIG_ERR_LEN];
	const char *text = MIN_DPDK MIN_PORTS "tcp:\n  max_connections: 100000\n"
		"  rcv_buffer: 65536\n  congestion_control: newreno\n";
	struct config *cfg = config_parse(NAME, text, strlen(text), err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(cfg->tcp.max_connections, 100000);
	assert_int_equal(cfg->tcp.rcv_buffer, 65536);
	assert_int_equal(cfg->tcp.snd_buffer, 262144); /* default */
	assert_int_equal(cfg->tcp.syn_backlog, 1024);  /* default */
	assert_string_equal(cfg->tcp.congestion_control, "newreno");
	config_free(cfg);
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  congestion_control: bbr\n", NAME ":7:23: ",
		     "expected one of cubic, newreno, got \"bbr\"");
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  rcv_buffer: 100\n", NAME ":7:15: ",
		     "expected an integer 4096..16777216");
}

/* The backend connections' source ports: Linux's range by default, any non-empty range else. */
static void test_tcp_local_ports(void **state)
{
	(void)state;
	struct config *cfg = expect_ok(MIN_DPDK MIN_PORTS);
	assert_int_equal(cfg->tcp.local_port_first, 32768);
	assert_int_equal(cfg->tcp.local_port_last, 60999);
	config_free(cfg);
	cfg = expect_ok(MIN_DPDK MIN_PORTS "tcp: { local_port_first: 1024, local_port_last: 65535 }\n");
	assert_int_equal(cfg->tcp.local_port_first, 1024);
	assert_int_equal(cfg->tcp.local_port_last, 65535);
	config_free(cfg);
	cfg = expect_ok(MIN_DPDK MIN_PORTS "tcp:\n  local_port_first: 40000\n");
	assert_int_equal(cfg->tcp.local_port_first, 40000);
	assert_int_equal(cfg->tcp.local_port_last, 60999); /* default */
	config_free(cfg);
	cfg = expect_ok(MIN_DPDK MIN_PORTS "tcp: { local_port_first: 5000, local_port_last: 5000 }\n");
	config_free(cfg); /* one port is a range */
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  local_port_first: 0\n", NAME ":7:21: ",
		     "expected an integer 1..65535");
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  local_port_last: 65536\n", NAME ":7:20: ",
		     "expected an integer 1..65535");
	/* the error points at the key given: first when both are, else the one that is */
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  local_port_first: 5001\n  local_port_last: 5000\n",
		     NAME ":7:21: ",
		     "tcp.local_port_first: local_port_first (5001) must not exceed local_port_last (5000)");
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  local_port_first: 61000\n", NAME ":7:21: ",
		     "local_port_first (61000) must not exceed local_port_last (60999, the default)");
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  local_port_last: 1024\n", NAME ":7:20: ",
		     "local_port_first (32768, the default) must not exceed local_port_last (1024)");
}

static void test_listeners(void **state)
{
	(void)state;
	char err[CONFIG_ERR_LEN];
	const char *text = MIN_DPDK MIN_PORTS
		"listeners:\n  - { port: 7, backend: echo }\n  - { port: 9, backend: discard }\n";
	struct config *cfg = config_parse(NAME, text, strlen(text), err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(cfg->n_listeners, 2);
	assert_int_equal(cfg->listeners[0].port, 7);
	assert_string_equal(cfg->listeners[0].backend, "echo");
	assert_int_equal(cfg->listeners[1].port, 9);
	assert_string_equal(cfg->listeners[1].backend, "discard");
	config_free(cfg);
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { port: 7, backend: echo }\n"
				       "  - { port: 7, backend: discard }\n",
		     NAME ":8:13: ", "port 7 already has a listener (listeners[0])");
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { port: 70000, backend: echo }\n",
		     NAME ":7:13: ", "expected an integer 1..65535");
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { port: 80, backend: app }\n",
		     NAME ":7:26: ",
		     "listeners[0].backend: no backend named \"app\"; defined: none; "
		     "built-in: echo, discard");
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { backend: echo }\n", NAME ":7:5: ",
		     "missing required key \"port\"");
}

static void test_unknown_nested_key(void **state)
{
	(void)state;
	expect_error(MIN_DPDK MIN_PORTS "arp:\n  cache_size: 16\n  size: 16\n", NAME ":8:3: ",
		     "arp: unknown key \"size\"; allowed here: cache_size, timeout_s, pending_max");
	expect_error(MIN_DPDK "ports:\n  - name: a\n    device: x\n    mac: 02:00:00:00:00:01\n",
		     NAME ":6:5: ",
		     "ports[0]: unknown key \"mac\"; allowed here: name, device, ipv4, gateway");
}

static void test_typo_key(void **state)
{
	(void)state;
	expect_error(
		"dpdk:\n  lcore: \"0-1\"\n" MIN_PORTS, NAME ":2:3: ",
		"dpdk: unknown key \"lcore\"; allowed here: lcores, memory_mb, no_huge, eal_args");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_error(MIN_DPDK "  memory_mb: 512\n  memory_mb: 1024\n" MIN_PORTS,
		     NAME ":4:3: ", "dpdk: duplicate key \"memory_mb\" (first at line 3)");
	expect_error(MIN_DPDK MIN_PORTS "dpdk: {}\n", NAME ":6:1: ", "duplicate key \"dpdk\"");
	/* quoted keys are the same keys; the position is the opening quote */
	expect_error(MIN_DPDK MIN_PORTS "\"ports\": []\n",
		     NAME ":6:1: ", "duplicate key \"ports\"");
}

/* A server's IPv4 address, network byte order. */
static uint32_t server_ipv4(const struct config_server *sv)
{
	uint32_t a;
	memcpy(&a, sv->addr.bytes, 4);
	return a;
}

static void test_ipv6_port(void **state)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x18,
					  0, 0, 0, 0, 0, 0, 0, 0x01 };
	struct config *cfg;

	(void)state;
	cfg = expect_ok(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n");
	assert_true(cfg->ports[0].has_ipv6);
	assert_false(cfg->ports[0].has_ipv4);
	assert_memory_equal(cfg->ports[0].ipv6_addr, want, 16);
	assert_int_equal(cfg->ports[0].ipv6_prefix, 64);
	assert_int_equal(cfg->ipv6.ext_headers_max, 4);
	assert_int_equal(cfg->ipv6.ext_bytes_max, 256);
	assert_int_equal(cfg->ipv6.neighbor_cache_size, 1024);
	assert_int_equal(cfg->ipv6.neighbor_timeout_s, 300);
	assert_int_equal(cfg->ipv6.pending_max, 64);
	assert_int_equal(cfg->ipv6.icmp_errors_per_s, 100);
	assert_false(cfg->ipv6.accept_ra);
	config_free(cfg);
	/* both families on one port, and the bounds section */
	cfg = expect_ok(MIN_DPDK MIN_PORTS "    ipv4: 198.18.0.1/16\n    ipv6: 2001:2:0:18::1/128\n"
			"ipv6: { ext_headers_max: 0, ext_bytes_max: 2048, neighbor_cache_size: 16,\n"
			"        neighbor_timeout_s: 1, pending_max: 4096, icmp_errors_per_s: 0 }\n");
	assert_true(cfg->ports[0].has_ipv4);
	assert_int_equal(cfg->ports[0].ipv6_prefix, 128);
	assert_int_equal(cfg->ipv6.ext_headers_max, 0);
	assert_int_equal(cfg->ipv6.neighbor_cache_size, 16);
	assert_int_equal(cfg->ipv6.icmp_errors_per_s, 0);
	config_free(cfg);

	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1\"\n", NAME ":6:11: ",
		     "ports[0].ipv6: expected an address with prefix like \"2001:2:0:18::1/64\"");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::g/64\"\n", NAME ":6:11: ",
		     "expected an address with prefix");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"198.18.0.1/16\"\n", NAME ":6:11: ",
		     "expected an address with prefix");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2::1/0\"\n", NAME ":6:11: ",
		     "ports[0].ipv6: expected a prefix length 1..128 after '/'");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2::1/129\"\n", NAME ":6:11: ",
		     "expected a prefix length 1..128");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"::/64\"\n", NAME ":6:11: ",
		     ":: is the unspecified or loopback address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"::1/128\"\n", NAME ":6:11: ",
		     "::1 is the unspecified or loopback address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"ff02::1/64\"\n", NAME ":6:11: ",
		     "ff02::1 is a multicast address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"fe80::1/64\"\n", NAME ":6:11: ",
		     "fe80::1 is link-local; the port's link-local address comes from its MAC");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"::ffff:198.18.0.1/96\"\n", NAME ":6:11: ",
		     "is an IPv4-mapped address; use ipv4");
	expect_error(MIN_DPDK MIN_PORTS "ipv6: { ext_headers_max: 17 }\n", NAME ":6:26: ",
		     "ipv6.ext_headers_max: expected an integer 0..16");
	expect_error(MIN_DPDK MIN_PORTS "ipv6: { neighbor_cache_size: 100 }\n", NAME ":6:30: ",
		     "expected a power of two 16..65536");
	expect_error(MIN_DPDK MIN_PORTS "ipv6: { hop_limit: 64 }\n", NAME ":6:9: ",
		     "ipv6: unknown key \"hop_limit\"");
	cfg = expect_ok(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\nipv6: { accept_ra: true }\n");
	assert_true(cfg->ipv6.accept_ra);
	config_free(cfg);
	expect_error(MIN_DPDK MIN_PORTS "ipv6: { accept_ra: 1 }\n", NAME ":6:20: ",
		     "ipv6.accept_ra: expected true or false");
}

/* ports[].ipv6_gateway: a neighbor (link-local or on-link), checked where it is written. */
static void test_ipv6_gateway(void **state)
{
	struct config *cfg;
	(void)state;
	cfg = expect_ok(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n"
			"    ipv6_gateway: \"2001:2:0:18::fe\"\n");
	const uint8_t want[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0xfe };
	assert_true(cfg->ports[0].has_ipv6_gateway);
	assert_memory_equal(cfg->ports[0].ipv6_gateway, want, 16);
	config_free(cfg);
	/* link-local, before the ipv6 key, and with a /128 (nothing else on-link) */
	cfg = expect_ok(MIN_DPDK MIN_PORTS "    ipv6_gateway: fe80::1\n"
			"    ipv6: \"2001:2:0:18::1/128\"\n");
	assert_true(cfg->ports[0].has_ipv6_gateway);
	assert_int_equal(cfg->ports[0].ipv6_gateway[0], 0xfe);
	config_free(cfg);
	cfg = expect_ok(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n");
	assert_false(cfg->ports[0].has_ipv6_gateway);
	config_free(cfg);

	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n"
		     "    ipv6_gateway: \"2001:2:0:19::fe\"\n", NAME ":7:19: ",
		     "ports[0].ipv6_gateway: 2001:2:0:19::fe is neither link-local nor inside the "
		     "port's prefix 2001:2:0:18::/64");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/60\"\n"
		     "    ipv6_gateway: \"2001:2:0:20::fe\"\n", NAME ":7:19: ",
		     "inside the port's prefix 2001:2:0:10::/60");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 10.0.0.1/24\n    ipv6_gateway: fe80::1\n",
		     NAME ":7:19: ", "ports[0].ipv6_gateway: an IPv6 gateway needs ipv6 on the same port");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n"
		     "    ipv6_gateway: \"2001:2:0:18::1\"\n", NAME ":7:19: ",
		     "2001:2:0:18::1 is the port's own address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n"
		     "    ipv6_gateway: \"ff02::2\"\n", NAME ":7:19: ", "ff02::2 is a multicast address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n"
		     "    ipv6_gateway: \"::\"\n", NAME ":7:19: ", ":: is the unspecified or loopback");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n"
		     "    ipv6_gateway: \"2001:2:0:18::fe/64\"\n", NAME ":7:19: ",
		     "ports[0].ipv6_gateway: expected an address like");
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n"
		     "    ipv6_gateway: 198.18.0.254\n", NAME ":7:19: ", "expected an address like");
}

/* ------------------------------------------------------------ missing keys */

static void test_missing_required(void **state)
{
	(void)state;
	/* missing keys point at the mapping that lacks them */
	expect_error(MIN_DPDK, NAME ":1:1: ", "missing required key \"ports\"");
	expect_error(MIN_PORTS, NAME ":1:1: ", "missing required key \"dpdk\"");
	expect_error("dpdk:\n  memory_mb: 512\n" MIN_PORTS,
		     NAME ":2:3: ", "dpdk: missing required key \"lcores\"");
	expect_error("dpdk: { memory_mb: 512 }\n" MIN_PORTS,
		     NAME ":1:7: ", "dpdk: missing required key \"lcores\"");
	expect_error(MIN_DPDK "ports:\n  - name: a\n",
		     NAME ":4:5: ", "ports[0]: missing required key \"device\"");
	expect_error(MIN_DPDK "ports:\n  - device: x\n",
		     NAME ":4:5: ", "ports[0]: missing required key \"name\"");
}

/* ------------------------------------------------------------ addresses */

static void test_bad_ipv4(void **state)
{
	(void)state;
	expect_error(
		MIN_DPDK MIN_PORTS "    ipv4: 198.18.0/16\n", NAME ":6:11: ",
		"ports[0].ipv4: expected an address with prefix like \"198.18.0.1/16\", "
		"got \"198.18.0/16\"");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 198.18.0.256/16\n",
		     NAME ":6:11: ", "expected an address with prefix");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 198.018.0.1/16\n",
		     NAME ":6:11: ", "expected an address with prefix");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 0.0.0.0/8\n",
		     NAME ":6:11: ", "0.0.0.0 is not a usable address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 224.0.0.5/24\n",
		     NAME ":6:11: ", "224.0.0.5 is a multicast address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 255.255.255.255/32\n",
		     NAME ":6:11: ", "255.255.255.255 is the broadcast address");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 10.0.0.0/24\n",
		     NAME ":6:11: ", "10.0.0.0 is the network address of 10.0.0.0/24");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 10.0.0.255/24\n",
		     NAME ":6:11: ", "10.0.0.255 is the broadcast address of 10.0.0.0/24");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: [10.0.0.1]\n", NAME ":6:11: ", "got a sequence");
}

static void test_bad_prefix(void **state)
{
	(void)state;
	/* the prefix is required: the subnet is never guessed */
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 198.18.0.1\n",
		     NAME ":6:11: ", "expected an address with prefix like \"198.18.0.1/16\"");
	expect_error(
		MIN_DPDK MIN_PORTS "    ipv4: 198.18.0.1/33\n", NAME ":6:11: ",
		"ports[0].ipv4: expected a prefix length 1..32 after '/', got \"198.18.0.1/33\"");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 198.18.0.1/0\n",
		     NAME ":6:11: ", "expected a prefix length 1..32");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 198.18.0.1/\n",
		     NAME ":6:11: ", "expected a prefix length 1..32");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 198.18.0.1/16x\n",
		     NAME ":6:11: ", "expected a prefix length 1..32");
}

static void test_gateway(void **state)
{
	(void)state;
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 10.0.0.1/24\n    gateway: 10.0.1.1\n",
		     NAME ":7:14: ",
		     "ports[0].gateway: 10.0.1.1 is outside the port's subnet 10.0.0.0/24");
	/* order of keys does not matter: the check runs once the port is complete */
	expect_error(MIN_DPDK MIN_PORTS "    gateway: 10.0.1.1\n    ipv4: 10.0.0.1/24\n",
		     NAME ":6:14: ", "outside the port's subnet");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 10.0.0.1/24\n    gateway: 10.0.0.1\n",
		     NAME ":7:14: ", "10.0.0.1 is the port's own address");
	expect_error(MIN_DPDK MIN_PORTS "    gateway: 10.0.0.1\n",
		     NAME ":6:14: ", "ports[0].gateway: a gateway needs ipv4 on the same port");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 10.0.0.1/24\n    gateway: 10.0.0.255\n",
		     NAME ":7:14: ", "10.0.0.255 is the broadcast address of 10.0.0.0/24");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: 10.0.0.1/24\n    gateway: 10.0.0.1/24\n",
		     NAME ":7:14: ", "expected an address like \"198.18.0.254\" (no prefix)");
}

/* ------------------------------------------------------------ scalars */

static void test_bad_bool(void **state)
{
	(void)state;
	/* YAML 1.1 spellings are refused: only true/false */
	expect_error(MIN_DPDK "  no_huge: yes\n" MIN_PORTS,
		     NAME ":3:12: ", "dpdk.no_huge: expected true or false, got \"yes\"");
	expect_error(MIN_DPDK "  no_huge: \"true\"\n" MIN_PORTS,
		     NAME ":3:12: ", "expected true or false");
	expect_error(MIN_DPDK "  no_huge: 1\n" MIN_PORTS, NAME ":3:12: ", "expected true or false");
}

static void test_integer_out_of_range(void **state)
{
	(void)state;
	expect_error(MIN_DPDK "  memory_mb: 15\n" MIN_PORTS,
		     NAME ":3:14: ", "dpdk.memory_mb: expected an integer 16..65536, got \"15\"");
	expect_error(MIN_DPDK "  memory_mb: 65537\n" MIN_PORTS,
		     NAME ":3:14: ", "expected an integer 16..65536");
	expect_error(MIN_DPDK "  memory_mb: -512\n" MIN_PORTS, NAME ":3:14: ", "got \"-512\"");
	expect_error(MIN_DPDK "  memory_mb: 18446744073709551617\n" MIN_PORTS,
		     NAME ":3:14: ", "expected an integer 16..65536");
	expect_error(MIN_DPDK MIN_PORTS "mbufs_per_worker: 1022\n", NAME ":6:19: ",
		     "mbufs_per_worker: expected an integer 1023..1048575, got \"1022\"");
	expect_error(MIN_DPDK MIN_PORTS "arp: { timeout_s: 0 }\n",
		     NAME ":6:19: ", "arp.timeout_s: expected an integer 1..86400");
	expect_error(MIN_DPDK MIN_PORTS "arp: { cache_size: 1000 }\n", NAME ":6:20: ",
		     "arp.cache_size: expected a power of two 16..65536, got \"1000\"");
}

static void test_trailing_junk(void **state)
{
	(void)state;
	expect_error(MIN_DPDK "  memory_mb: 512MB\n" MIN_PORTS, NAME ":3:14: ",
		     "dpdk.memory_mb: expected an integer 16..65536, got \"512MB\"");
	expect_error(MIN_DPDK "  memory_mb: 512 MB\n" MIN_PORTS, NAME ":3:14: ", "got \"512 MB\"");
	expect_error(MIN_DPDK "  memory_mb: 0x200\n" MIN_PORTS, NAME ":3:14: ", "got \"0x200\"");
	/* a leading zero is octal in YAML 1.1: ambiguous, so refused */
	expect_error(MIN_DPDK "  memory_mb: 0512\n" MIN_PORTS, NAME ":3:14: ", "got \"0512\"");
	expect_error(MIN_DPDK "  memory_mb: \"512\"\n" MIN_PORTS,
		     NAME ":3:14: ", "(quoted, so a string)");
	expect_error("dpdk:\n  lcores: \"0-1 \"\n" MIN_PORTS,
		     NAME ":2:11: ", "expected comma-separated lcore ids");
}

static void test_log_level(void **state)
{
	(void)state;
	expect_error(MIN_DPDK MIN_PORTS "log:\n  level: verbose\n", NAME ":7:10: ",
		     "log.level: expected one of err, warn, info, debug, got \"verbose\"");
}

static void test_bad_names(void **state)
{
	(void)state;
	expect_error(
		MIN_DPDK "ports:\n  - name: Edge\n    device: x\n", NAME ":4:11: ",
		"ports[0].name: expected a name of 1..31 characters from [a-z0-9_-], got \"Edge\"");
	expect_error(MIN_DPDK "ports:\n  - name: \"\"\n    device: x\n",
		     NAME ":4:11: ", "expected a name");
	expect_error(MIN_DPDK "ports:\n  - name: abcdefghijabcdefghijabcdefghij12\n    device: x\n",
		     NAME ":4:11: ", "expected a name of 1..31 characters");
	expect_error(MIN_DPDK "ports:\n  - name: a\n    device: \"\"\n", NAME ":5:13: ",
		     "ports[0].device: expected a string of 1..255 characters, got 0");
	expect_error(MIN_DPDK "ports:\n  - name: a\n    device: \"x\\0y\"\n", NAME ":5:13: ",
		     "ports[0].device: expected a string, got a string with a NUL byte");
}

/* ------------------------------------------------------------ YAML structure */

static void test_yaml_syntax_error(void **state)
{
	(void)state;
	expect_error("dpdk: { lcores: 0-1\n" MIN_PORTS, NAME ":2:6: ", "YAML syntax error: ");
	expect_error("dpdk:\n  lcores: \"0-1\n" MIN_PORTS, NAME ":2:11: ", "YAML syntax error: ");
	expect_error(MIN_DPDK "ports:\n- name: a\n  device: x\n bad: 1\n",
		     NAME ":6:", "YAML syntax error: ");
}

static void test_wrong_node_kind(void **state)
{
	(void)state;
	expect_error("dpdk: \"0-1\"\n" MIN_PORTS,
		     NAME ":1:7: ", "dpdk: expected a mapping, got \"0-1\"");
	expect_error(MIN_DPDK "ports:\n  name: a\n  device: x\n",
		     NAME ":4:3: ", "ports: expected a sequence of ports, got a mapping");
	expect_error(MIN_DPDK "ports: [ a ]\n",
		     NAME ":3:10: ", "ports[0]: expected a mapping, got \"a\"");
	expect_error(MIN_DPDK "  memory_mb: { mb: 1 }\n" MIN_PORTS, NAME ":3:14: ",
		     "dpdk.memory_mb: expected an integer 16..65536, got a mapping");
	expect_error(MIN_DPDK "  eal_args: \"--no-pci\"\n" MIN_PORTS, NAME ":3:13: ",
		     "dpdk.eal_args: expected a sequence of strings, got \"--no-pci\"");
	expect_error(MIN_DPDK "  eal_args: [ [ x ] ]\n" MIN_PORTS,
		     NAME ":3:15: ", "dpdk.eal_args[0]: expected a string, got a sequence");
	expect_error("- dpdk\n", NAME ":1:1: ", "expected a mapping, got a sequence");
	/* an empty value has no position of its own: point at its key */
	expect_error(MIN_DPDK "ports:\n",
		     NAME ":3:1: ", "ports: expected a sequence of ports, got nothing (null)");
	expect_error(MIN_DPDK MIN_PORTS "log:\n",
		     NAME ":6:1: ", "log: expected a mapping, got nothing (null)");
	expect_error(MIN_DPDK MIN_PORTS "? [a, b]\n: 1\n",
		     NAME ":6:3: ", "keys must be strings, got a sequence");
}

static void test_yaml_features_refused(void **state)
{
	(void)state;
	expect_error("dpdk: &d\n  lcores: \"0-1\"\nports:\n  - name: a\n    device: *d\n",
		     NAME ":5:13: ", "ports[0].device: aliases (*name) are not supported");
	expect_error(MIN_DPDK MIN_PORTS "    ipv4: !!str 10.0.0.1/8\n",
		     NAME ":6:11: ", "ports[0].ipv4: tags (!name) are not supported");
	expect_error(MIN_DPDK MIN_PORTS "---\nlog: {}\n",
		     NAME ":6:1: ", "only one YAML document is allowed");
	/* libfyaml 0.7.12 misreads runs of '' (see config.c); double quotes are the way */
	expect_error(
		MIN_DPDK "ports:\n  - name: a\n    device: 'x''''y'\n", NAME ":5:13: ",
		"ports[0].device: '' inside single quotes is not supported; use double quotes");
	expect_error("", NAME ":1:1: ", "empty configuration");
	expect_error("# nothing here\n", NAME ":1:1: ", "empty configuration");
}

static void test_quoting_styles(void **state)
{
	struct config *cfg =
		expect_ok(MIN_DPDK "ports:\n  - name: 'a'\n    device: \"it's \\\"x\\\"\"\n"
				   "log:\n  file: |-\n    /tmp/log\n");

	(void)state;
	assert_string_equal(cfg->ports[0].name, "a");
	assert_string_equal(cfg->ports[0].device, "it's \"x\"");
	assert_string_equal(cfg->log.file, "/tmp/log");
	config_free(cfg);
}

/*
 * An escaped line break, blank lines and a run of escaped backslashes: libfyaml
 * 0.7.12's fy_node_get_scalar() cuts this to 9 bytes and leaks (see config.c).
 */
static void test_folded_double_quoted(void **state)
{
	/* 15 backslashes: 7 escaped ones, then an escaped line break */
	struct config *cfg = expect_ok(MIN_DPDK "  eal_args: [\"\\\n\n\n"
					       "    \\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\n\n\n"
					       "    \"]\n" MIN_PORTS);

	(void)state;
	assert_int_equal(cfg->dpdk.n_eal_args, 1);
	assert_string_equal(cfg->dpdk.eal_args[0], "\n\n\\\\\\\\\\\\\\\n\n");
	config_free(cfg);
}

/* Scalars may point straight into the input: nothing may read past its end. */
static void test_unterminated_input(void **state)
{
	static const char yaml[] = MIN_DPDK "ports:\n  - device: x\n    name: edge";
	char *exact = malloc(sizeof(yaml) - 1);
	char err[CONFIG_ERR_LEN];
	struct config *cfg;

	(void)state;
	assert_non_null(exact);
	memcpy(exact, yaml, sizeof(yaml) - 1); /* no NUL: ASan flags any over-read */
	cfg = config_parse(NAME, exact, sizeof(yaml) - 1, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->ports[0].name, "edge");
	config_free(cfg);
	free(exact);
}

static void test_nul_byte(void **state)
{
	static const char yaml[] = "dpdk:\n  lcores: \"0-1\"\0\n";
	char err[CONFIG_ERR_LEN];

	(void)state;
	assert_null(config_parse(NAME, yaml, sizeof(yaml) - 1, err, sizeof(err)));
	assert_string_equal(err, NAME ":2:16: NUL byte in input");
}

/* Tabs are refused outright: libfyaml 0.7.12 crashes on some (see config.c). */
static void test_tab(void **state)
{
	(void)state;
	expect_error("dpdk:\n  lcores: 0-1\t# two lcores\n" MIN_PORTS, NAME ":2:14: ",
		     "tab character; use spaces");
	expect_error("? k:\t:\n", NAME ":1:5: ", "tab character; use spaces");
}

static void test_bad_utf8(void **state)
{
	(void)state;
	/* columns count characters: the \xc3\xa9 before the bad byte is one column */
	expect_error("dpdk:\n  lcores: \"\xc3\xa9\xff\"\n" MIN_PORTS,
		     NAME ":2:13: ", "invalid UTF-8 (byte 0xff); the configuration must be UTF-8");
	expect_error("%\xae\n",
		     NAME ":1:2: ", "invalid UTF-8 (byte 0xae)"); /* hangs libfyaml 0.7.12 */
	expect_error("a: \xed\xa0\x80\n",
		     NAME ":1:4: ", "invalid UTF-8 (byte 0xed)"); /* a surrogate */
	expect_error("a: \xc0\xaf\n",
		     NAME ":1:4: ", "invalid UTF-8 (byte 0xc0)"); /* overlong '/' */
}

/* ------------------------------------------------------------ ports */

static void test_duplicate_port_names(void **state)
{
	(void)state;
	expect_error(MIN_DPDK MIN_PORTS "  - name: a\n    device: y\n",
		     NAME ":6:11: ", "ports[1].name: \"a\" is already the name of ports[0]");
	expect_error(MIN_DPDK MIN_PORTS "  - name: b\n    device: \"x\"\n",
		     NAME ":7:13: ", "ports[1].device: device is already used by ports[0]");
}

static void test_port_count(void **state)
{
	char yaml[1024];
	int o;

	(void)state;
	expect_error(MIN_DPDK "ports: []\n", NAME ":3:8: ", "ports: expected 1..8 ports, got none");
	o = snprintf(yaml, sizeof(yaml), MIN_DPDK "ports:\n");
	for (int i = 0; i <= CONFIG_MAX_PORTS; i++)
		o += snprintf(yaml + o, sizeof(yaml) - (size_t)o,
			      "  - { name: p%d, device: d%d }\n", i, i);
	/* the ninth entry is on line 12 */
	expect_error(yaml, NAME ":12:5: ", "ports[8]: at most 8 ports are allowed");
}

static void test_eal_args_limits(void **state)
{
	char yaml[2048];
	int o;

	(void)state;
	o = snprintf(yaml, sizeof(yaml), MIN_DPDK "  eal_args:\n");
	for (int i = 0; i <= CONFIG_MAX_EAL_ARGS; i++)
		o += snprintf(yaml + o, sizeof(yaml) - (size_t)o, "    - --arg%d\n", i);
	snprintf(yaml + o, sizeof(yaml) - (size_t)o, MIN_PORTS);
	/* the 33rd argument is on line 36; the 32 strdup'ed before it must not leak */
	expect_error(yaml,
		     NAME ":36:7: ", "dpdk.eal_args[32]: at most 32 EAL arguments are allowed");
	expect_error(MIN_DPDK "  eal_args: [\"--a\", \"\"]\n" MIN_PORTS, NAME ":3:21: ",
		     "dpdk.eal_args[1]: expected a string of 1..255 characters, got 0");
}

/* ------------------------------------------------------------ lcores */

static void test_too_few_lcores(void **state)
{
	(void)state;
	expect_error(
		"dpdk:\n  lcores: \"3\"\n" MIN_PORTS, NAME ":2:11: ",
		"dpdk.lcores: expected 2..17 lcores "
		"(the first is the control thread, the rest are workers), got 1");
	expect_error("dpdk:\n  lcores: 3\n" MIN_PORTS, NAME ":2:11: ", "expected 2..17 lcores");
	expect_error("dpdk:\n  lcores: 0-17\n" MIN_PORTS, NAME ":2:11: ", "expected 2..17 lcores");
}

static void test_bad_lcores(void **state)
{
	(void)state;
	expect_error("dpdk:\n  lcores: \"0-1,1\"\n" MIN_PORTS,
		     NAME ":2:11: ", "lcore 1 is listed twice");
	expect_error("dpdk:\n  lcores: \"3-1\"\n" MIN_PORTS,
		     NAME ":2:11: ", "range 3-1 is reversed");
	expect_error("dpdk:\n  lcores: \"2,0\"\n" MIN_PORTS, NAME ":2:11: ", "ascending order");
	expect_error("dpdk:\n  lcores: \"0,a\"\n" MIN_PORTS,
		     NAME ":2:11: ", "item 2 is not an lcore id");
	expect_error("dpdk:\n  lcores: \"0,1,\"\n" MIN_PORTS,
		     NAME ":2:11: ", "item 3 is not an lcore id");
	expect_error("dpdk:\n  lcores: \"0,99999\"\n" MIN_PORTS,
		     NAME ":2:11: ", "item 2 is not an lcore id");
}

/* ------------------------------------------------------------ files */

static char tmpdir[64];

static char certdir[96]; /* test certificates, made once by scripts/certs.sh */
static char tname[128];  /* certdir/t.yaml: paths in the TLS tests resolve against certdir */

static int make_tmpdir(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(certdir, sizeof(certdir), "%s/certs", tmpdir);
	snprintf(tname, sizeof(tname), "%s/t.yaml", certdir);
	/* the script users run, so that it is tested too */
	snprintf(cmd, sizeof(cmd), "bash '%s' '%s' >/dev/null", CERTS_SH, certdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void test_load_missing_file(void **state)
{
	char path[128], want[256], err[CONFIG_ERR_LEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.yaml", tmpdir);
	snprintf(want, sizeof(want), "%s:0:0: cannot open: %s", path, strerror(ENOENT));
	assert_null(config_load(path, err, sizeof(err)));
	assert_string_equal(err, want);
}

static void test_load_good_file(void **state)
{
	char path[128], err[CONFIG_ERR_LEN] = "";
	struct config *cfg;

	(void)state;
	snprintf(path, sizeof(path), "%s/good.yaml", tmpdir);
	write_file(path, full_yaml);
	cfg = config_load(path, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(err, "");
	assert_string_equal(cfg->path, path);
	assert_int_equal(cfg->n_ports, 3);
	assert_string_equal(cfg->dpdk.eal_args[1], "--log-level=lib.eal:debug");
	config_free(cfg);
	unlink(path);
}

/* Errors from a file name the file, like the compiler does. */
static void test_load_bad_file(void **state)
{
	char path[128], want[256], err[CONFIG_ERR_LEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.yaml", tmpdir);
	write_file(path, MIN_DPDK "  memory_mb: lots\n" MIN_PORTS);
	snprintf(want, sizeof(want),
		 "%s:3:14: dpdk.memory_mb: expected an integer 16..65536, got \"lots\"", path);
	assert_null(config_load(path, err, sizeof(err)));
	assert_string_equal(err, want);
	unlink(path);
}

static void test_load_directory(void **state)
{
	char err[CONFIG_ERR_LEN], want[256];

	(void)state;
	snprintf(want, sizeof(want), "%s:0:0: cannot read: ", tmpdir);
	assert_null(config_load(tmpdir, err, sizeof(err)));
	assert_memory_equal(err, want, strlen(want));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int remove_tmpdir(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------ TLS, limits, tickets, crypto */

/* A TLS listener; its tls keys start on line 10, indented by six spaces. */
#define TLS_HEAD MIN_DPDK MIN_PORTS "listeners:\n  - port: 443\n    backend: echo\n    tls:\n"
#define CERT_OK "      certificates: [ { cert: site-ecdsa.pem, key: site-ecdsa.key } ]\n"

/* Like expect_error, for a config named certdir/t.yaml; pos is "line:col". */
static void expect_tls_error(const char *yaml, const char *pos, const char *want_text)
{
	char prefix[192];

	snprintf(prefix, sizeof(prefix), "%s:%s: ", tname, pos);
	expect_error_in(tname, yaml, prefix, want_text);
}

/* One certificate entry on line 10: the cert value is at column 31. */
static void expect_cert_error(const char *cert, const char *key, const char *pos,
			      const char *want_text)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), TLS_HEAD "      certificates: [ { cert: %s, key: %s } ]\n",
		 cert, key);
	expect_tls_error(yaml, pos, want_text);
}

static void write_bytes(const char *name, const unsigned char *b, size_t len)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", certdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_tls_full(void **state)
{
	char yaml[2048], path[160];
	struct config *cfg;
	const struct config_tls *tls;

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 TLS_HEAD "      certificates:\n"
		 "        - { cert: site-ecdsa.pem, key: site-ecdsa.key }\n"
		 "        - { cert: site-rsa.pem, key: site-rsa.key }\n" /* same names, RSA */
		 "        - { cert: wild-ecdsa.pem, key: wild-ecdsa.key }\n"
		 "        - { cert: %s/other-ecdsa.pem, key: other-ecdsa.key }\n"
		 "      min_version: \"1.3\"\n"
		 "      ciphersuites: TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384\n"
		 "      ciphers: \"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305\"\n"
		 "      groups: \"P-384:prime256v1:X25519\"\n"
		 "      alpn: [h2, \"http/1.1\"]\n"
		 "      strict_sni: true\n"
		 "      session_tickets: false\n"
		 "  - { port: 8443, backend: discard, tls: { certificates: [\n"
		 "      { cert: site-ecdsa.pem, key: site-ecdsa.key } ] } }\n"
		 "  - { port: 7, backend: echo }\n"
		 "limits: { handshake_timeout_ms: 600000 }\n"
		 "tickets: { rotate_s: 60, key_file: tickets.key }\n"
		 "crypto: { engine: evp, key_schedules: 2048 }\n",
		 certdir);
	cfg = expect_ok_in(tname, yaml);
	assert_int_equal(cfg->n_listeners, 3);
	tls = &cfg->listeners[0].tls;
	assert_true(tls->enabled);
	assert_int_equal(tls->n_certs, 4);
	/* relative paths are resolved against the config file's directory */
	snprintf(path, sizeof(path), "%s/site-ecdsa.pem", certdir);
	assert_string_equal(tls->certs[0].cert, path);
	snprintf(path, sizeof(path), "%s/site-rsa.key", certdir);
	assert_string_equal(tls->certs[1].key, path);
	snprintf(path, sizeof(path), "%s/other-ecdsa.pem", certdir);
	assert_string_equal(tls->certs[3].cert, path); /* absolute: kept */
	assert_int_equal(tls->min_version, 0x0304);
	assert_string_equal(tls->ciphersuites,
			    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384");
	assert_string_equal(tls->ciphers,
			    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305");
	assert_string_equal(tls->groups, "P-384:prime256v1:X25519");
	assert_int_equal(tls->n_alpn, 2);
	assert_string_equal(tls->alpn[0], "h2");
	assert_string_equal(tls->alpn[1], "http/1.1");
	assert_true(tls->strict_sni);
	assert_false(tls->session_tickets);
	/* another listener may serve the same certificate */
	assert_true(cfg->listeners[1].tls.enabled);
	assert_int_equal(cfg->listeners[1].tls.n_certs, 1);
	assert_false(cfg->listeners[2].tls.enabled);
	assert_int_equal(cfg->limits.handshake_timeout_ms, 600000);
	assert_int_equal(cfg->tickets.rotate_s, 60);
	snprintf(path, sizeof(path), "%s/tickets.key", certdir);
	assert_string_equal(cfg->tickets.key_file, path);
	assert_string_equal(cfg->crypto.engine, "evp");
	assert_int_equal(cfg->crypto.key_schedules, 2048);
	config_free(cfg);
}

static void test_tls_defaults(void **state)
{
	struct config *cfg =
		expect_ok_in(tname, TLS_HEAD CERT_OK "  - { port: 7, backend: echo }\n");
	const struct config_tls *tls = &cfg->listeners[0].tls;

	(void)state;
	assert_true(tls->enabled);
	assert_int_equal(tls->n_certs, 1);
	assert_int_equal(tls->min_version, 0x0303);
	assert_string_equal(tls->ciphersuites, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
					       "TLS_CHACHA20_POLY1305_SHA256");
	assert_string_equal(tls->ciphers,
			    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
			    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
			    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
	assert_string_equal(tls->groups, "X25519:P-256:P-384");
	assert_int_equal(tls->n_alpn, 0);
	assert_false(tls->strict_sni);
	assert_true(tls->session_tickets);
	assert_false(cfg->listeners[1].tls.enabled);
	assert_int_equal(cfg->limits.handshake_timeout_ms, 10000);
	assert_int_equal(cfg->tickets.rotate_s, 3600);
	assert_string_equal(cfg->tickets.key_file, "");
	assert_string_equal(cfg->crypto.engine, "ipsec-mb");
	assert_int_equal(cfg->crypto.key_schedules, 0); /* the worker's default: max_connections / 2 */
	config_free(cfg);

	/* the same defaults without any listener */
	cfg = expect_ok(MIN_DPDK MIN_PORTS "limits: {}\ntickets: {}\ncrypto: {}\n");
	assert_int_equal(cfg->limits.handshake_timeout_ms, 10000);
	assert_int_equal(cfg->tickets.rotate_s, 3600);
	assert_string_equal(cfg->crypto.engine, "ipsec-mb");
	config_free(cfg);
}

static void test_tls_section_shape(void **state)
{
	(void)state;
	expect_tls_error(TLS_HEAD "      strict_sni: false\n", "10:7",
			 "listeners[0].tls: missing required key \"certificates\"");
	expect_tls_error(TLS_HEAD, "9:5", "listeners[0].tls: expected a mapping, got nothing");
	expect_tls_error(TLS_HEAD CERT_OK "      protocols: [h2]\n", "11:7",
			 "listeners[0].tls: unknown key \"protocols\"; allowed here: certificates, "
			 "min_version, ciphersuites, ciphers, groups, alpn, strict_sni, "
			 "session_tickets");
	/* a TLS listener still needs something to serve */
	expect_tls_error(MIN_DPDK MIN_PORTS "listeners:\n  - port: 443\n    tls:\n" CERT_OK, "7:5",
			 "listeners[0]: missing required key \"backend\" (or redirect_https: true)");
	/* and a redirect is plain HTTP: the error is at tls */
	expect_tls_error(MIN_DPDK MIN_PORTS "listeners:\n  - port: 443\n    redirect_https: true\n"
					    "    tls:\n" CERT_OK,
			 "10:7",
			 "listeners[0].tls: redirect_https answers plain HTTP; a tls listener needs "
			 "a backend");
	expect_tls_error(TLS_HEAD CERT_OK "      strict_sni: yes\n", "11:19",
			 "listeners[0].tls.strict_sni: expected true or false, got \"yes\"");
	expect_tls_error(TLS_HEAD CERT_OK "      session_tickets: 1\n", "11:24",
			 "expected true or false, got \"1\"");
	expect_tls_error(TLS_HEAD "      certificates: []\n", "10:21",
			 "listeners[0].tls.certificates: expected 1..16 certificates, got none");
	expect_tls_error(TLS_HEAD "      certificates: site-ecdsa.pem\n", "10:21",
			 "expected a sequence of { cert, key }, got \"site-ecdsa.pem\"");
	expect_tls_error(TLS_HEAD "      certificates: [ { cert: site-ecdsa.pem } ]\n", "10:23",
			 "listeners[0].tls.certificates[0]: missing required key \"key\"");
	expect_tls_error(TLS_HEAD "      certificates: [ { cert: a, key: b, chain: c } ]\n",
			 "10:42",
			 "certificates[0]: unknown key \"chain\"; allowed here: cert, key");
}

static void test_tls_certificate_files(void **state)
{
	static const char not_der[] =
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	char cmd[256], long_name[300];

	(void)state;
	expect_cert_error("missing.pem", "site-ecdsa.key", "10:31",
			  "listeners[0].tls.certificates[0].cert: cannot open ");
	expect_cert_error("missing.pem", "site-ecdsa.key", "10:31", "No such file or directory");
	expect_cert_error("ca.key", "site-ecdsa.key", "10:31", "ca.key holds no PEM certificate");
	write_bytes("not-der.pem", (const unsigned char *)not_der, strlen(not_der));
	expect_cert_error("not-der.pem", "site-ecdsa.key", "10:31",
			  "not-der.pem: certificate 1 does not parse as PEM");
	expect_cert_error(".", "site-ecdsa.key", "10:31", "is not a regular file");
	expect_cert_error("site-ecdsa.pem", "missing.key", "10:52",
			  "listeners[0].tls.certificates[0].key: cannot open ");
	expect_cert_error("site-ecdsa.pem", "site-ecdsa.pem", "10:52",
			  "no PEM private key (or an encrypted one");
	/* the mismatch pair: a certificate and somebody else's key */
	expect_cert_error("mismatch.pem", "mismatch.key", "10:50",
			  "certificates[0].key: key does not match certificate ");
	expect_cert_error("site-ecdsa.pem", "site-rsa.key", "10:52", "key does not match");
	/* refused, not warned about: see check_validity() in config_tls.c */
	expect_cert_error("expired.pem", "expired.key", "10:31",
			  "certificates[0].cert: certificate expired on 2021-01-01 00:00:00 UTC");
	expect_cert_error("notyet.pem", "notyet.key", "10:31",
			  "certificate is not valid before 2099-01-01 00:00:00 UTC");
	expect_cert_error("rsa1024.pem", "rsa1024.key", "10:49",
			  "RSA key of 1024 bits; at least 2048 are needed");
	expect_cert_error("p521.pem", "p521.key", "10:46",
			  "ECDSA key on secp521r1; expected P-256 (prime256v1) or P-384");
	/* the chain is leaf first: here the CA comes first */
	snprintf(cmd, sizeof(cmd), "cd '%s' && cat ca.pem site-ecdsa.pem >reversed.pem", certdir);
	assert_int_equal(system(cmd), 0);
	expect_cert_error("reversed.pem", "site-ecdsa.key", "10:31",
			  "certificate 2 in the file did not issue certificate 1");
	/* a path that is too long once joined to the config's directory */
	memset(long_name, 'a', 250);
	long_name[250] = '\0';
	expect_cert_error(long_name, "site-ecdsa.key", "10:31",
			  "the path is longer than 255 characters once resolved");
}

/* Relative paths follow the config file, not the working directory. */
static void test_tls_relative_paths(void **state)
{
	char yaml[512], err[CONFIG_ERR_LEN];
	struct config *cfg;

	(void)state;
	/* a name without a directory: relative to where tlsterm runs, which has no certs */
	expect_error(TLS_HEAD CERT_OK, NAME ":10:31: ",
		     "cannot open site-ecdsa.pem: No such file or directory");
	snprintf(yaml, sizeof(yaml),
		 TLS_HEAD "      certificates:\n"
			  "        - { cert: %s/site-rsa.pem, key: %s/site-rsa.key }\n",
		 certdir, certdir);
	cfg = expect_ok(yaml);
	assert_int_equal(cfg->listeners[0].tls.n_certs, 1);
	config_free(cfg);
	/* config_load names the file: its directory is where certificates are looked up */
	write_file(tname, TLS_HEAD CERT_OK);
	cfg = config_load(tname, err, sizeof(err));
	if (cfg == NULL)
		print_error("%s\n", err);
	assert_non_null(cfg);
	assert_int_equal(strncmp(cfg->listeners[0].tls.certs[0].key, certdir, strlen(certdir)), 0);
	config_free(cfg);
	unlink(tname);
}

static void test_tls_sni_names(void **state)
{
	(void)state;
	/* two ECDSA certificates for tlsterm.test: which one would SNI pick? */
	expect_tls_error(TLS_HEAD "      certificates:\n"
				  "        - { cert: site-ecdsa.pem, key: site-ecdsa.key }\n"
				  "        - { cert: site-rsa.pem, key: site-rsa.key }\n"
				  "        - { cert: site-ecdsa.pem, key: site-ecdsa.key }\n",
			 "13:19",
			 "listeners[0].tls.certificates[2].cert: tlsterm.test already has an ECDSA "
			 "certificate (listeners[0].tls.certificates[0]); SNI could not choose");
	expect_tls_error(TLS_HEAD "      certificates:\n"
				  "        - { cert: site-rsa.pem, key: site-rsa.key }\n"
				  "        - { cert: site-rsa.pem, key: site-rsa.key }\n",
			 "12:19", "tlsterm.test already has an RSA certificate");
	/* different names with one key type, and one name with both types, are fine */
	config_free(expect_ok_in(tname, TLS_HEAD "      certificates:\n"
		"        - { cert: site-ecdsa.pem, key: site-ecdsa.key }\n"
		"        - { cert: wild-ecdsa.pem, key: wild-ecdsa.key }\n"
		"        - { cert: other-ecdsa.pem, key: other-ecdsa.key }\n"
		"        - { cert: site-rsa.pem, key: site-rsa.key }\n"));
}

static void test_tls_ciphersuites(void **state)
{
	(void)state;
	expect_tls_error(TLS_HEAD CERT_OK
			 "      ciphersuites: TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256\n",
			 "11:44",
			 "listeners[0].tls.ciphersuites: \"TLS_AES_128_CCM_SHA256\" is not a TLS "
			 "1.3 suite we serve; expected TLS_AES_128_GCM_SHA256, "
			 "TLS_AES_256_GCM_SHA384 or TLS_CHACHA20_POLY1305_SHA256 "
			 "(CCM is not supported)");
	expect_tls_error(TLS_HEAD CERT_OK "      ciphersuites: TLS_AES_128_CCM_8_SHA256\n", "11:21",
			 "(CCM is not supported)");
	expect_tls_error(TLS_HEAD CERT_OK "      ciphersuites: TLS_AES_128_GCM_SHA265\n", "11:21",
			 "\"TLS_AES_128_GCM_SHA265\" is not a TLS 1.3 suite we serve");
	expect_tls_error(TLS_HEAD CERT_OK "      ciphersuites: ECDHE-RSA-AES128-GCM-SHA256\n",
			 "11:21", "is not a TLS 1.3 suite we serve");
	expect_tls_error(TLS_HEAD CERT_OK
			 "      ciphersuites: TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256\n",
			 "11:44", "\"TLS_AES_128_GCM_SHA256\" is listed twice");
	/* quoted: the column counts from the opening quote */
	expect_tls_error(TLS_HEAD CERT_OK
			 "      ciphersuites: \"TLS_AES_256_GCM_SHA384::TLS_AES_128_GCM_SHA256\"\n",
			 "11:45", "expected names separated by ':', found an empty entry");
	expect_tls_error(TLS_HEAD CERT_OK "      ciphersuites: \"\"\n", "11:21",
			 "expected a string of 1..255 characters, got 0");
}

static void test_tls_ciphers(void **state)
{
	static const struct {
		const char *list;
		const char *pos;
		const char *why;
	} bad[] = {
		{ "ECDHE-RSA-AES128-SHA", "11:16", "\"ECDHE-RSA-AES128-SHA\": CBC with HMAC, not "
						   "an AEAD; expected ECDHE-ECDSA or ECDHE-RSA "
						   "with AES-GCM or CHACHA20-POLY1305" },
		{ "ECDHE-RSA-AES128-SHA256", "11:16", "CBC with HMAC, not an AEAD" },
		{ "ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256", "11:44",
		  "\"AES128-GCM-SHA256\": RSA key exchange (no forward secrecy)" },
		{ "DHE-RSA-AES128-GCM-SHA256", "11:16", "finite-field DHE key exchange" },
		{ "NULL-SHA", "11:16", "no encryption (NULL)" },
		{ "AECDH-AES128-SHA", "11:16", "anonymous (no certificate)" },
		{ "ECDHE-PSK-CHACHA20-POLY1305", "11:16", "not an ECDHE key exchange" },
		{ "ECDHE-ECDSA-AES128-CCM", "11:16", "CCM is not supported" },
		{ "ECDHE-ECDSA-ARIA128-GCM-SHA256", "11:16",
		  "a cipher the record layer does not implement" },
		{ "HIGH", "11:16", "\"HIGH\" selects " },
		{ "ECDHE-RSA-AES128-GCM-SHA256:!aNULL", "11:44",
		  "expected a name (no spaces, commas or OpenSSL operators" },
		{ "ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES256-GCM-SHA384", "11:16",
		  "expected a name" },
		{ "ECDHE-RSA-AES128-GCM-SHA257", "11:16",
		  "\"ECDHE-RSA-AES128-GCM-SHA257\" is not a TLS 1.2 cipher OpenSSL knows" },
		{ "TLS_AES_128_GCM_SHA256", "11:16", "(TLS 1.3 suites go in ciphersuites)" },
		{ "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256", "11:44",
		  "is listed twice" },
		{ "\"ECDHE-RSA-AES128-GCM-SHA256:\"", "11:45", "found an empty entry" },
	};
	char yaml[1024];
	struct config *cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), TLS_HEAD CERT_OK "      ciphers: %s\n", bad[i].list);
		expect_tls_error(yaml, bad[i].pos, bad[i].why);
	}
	/* TLS 1.3 only, with TLS 1.2 ciphers still named: fine */
	cfg = expect_ok_in(tname, TLS_HEAD CERT_OK "      min_version: 1.3\n"
				  "      ciphers: ECDHE-ECDSA-CHACHA20-POLY1305\n");
	assert_int_equal(cfg->listeners[0].tls.min_version, 0x0304);
	assert_string_equal(cfg->listeners[0].tls.ciphers, "ECDHE-ECDSA-CHACHA20-POLY1305");
	config_free(cfg);
}

static void test_tls_groups(void **state)
{
	struct config *cfg;

	(void)state;
	expect_tls_error(TLS_HEAD CERT_OK "      groups: X448\n", "11:15",
			 "listeners[0].tls.groups: \"X448\" is not a group we serve; expected "
			 "X25519, P-256 or P-384");
	expect_tls_error(TLS_HEAD CERT_OK "      groups: X25519:P-521\n", "11:22",
			 "\"P-521\" is not a group we serve");
	expect_tls_error(TLS_HEAD CERT_OK "      groups: ffdhe2048\n", "11:15", "not a group");
	expect_tls_error(TLS_HEAD CERT_OK "      groups: P-256:secp256r1\n", "11:21",
			 "\"secp256r1\" is listed twice (or under another name)");
	expect_tls_error(TLS_HEAD CERT_OK "      groups: \"X25519 P-256\"\n", "11:16",
			 "expected a name");
	cfg = expect_ok_in(tname, TLS_HEAD CERT_OK "      groups: secp384r1:secp256r1\n");
	assert_string_equal(cfg->listeners[0].tls.groups, "secp384r1:secp256r1");
	config_free(cfg);
}

static void test_tls_min_version(void **state)
{
	struct config *cfg;

	(void)state;
	expect_tls_error(TLS_HEAD CERT_OK "      min_version: \"1.1\"\n", "11:20",
			 "listeners[0].tls.min_version: expected \"1.2\" or \"1.3\", got \"1.1\"");
	expect_tls_error(TLS_HEAD CERT_OK "      min_version: 1.0\n", "11:20", "got \"1.0\"");
	expect_tls_error(TLS_HEAD CERT_OK "      min_version: 1.30\n", "11:20", "got \"1.30\"");
	expect_tls_error(TLS_HEAD CERT_OK "      min_version: [1.2]\n", "11:20", "got a sequence");
	cfg = expect_ok_in(tname, TLS_HEAD CERT_OK "      min_version: \"1.2\"\n");
	assert_int_equal(cfg->listeners[0].tls.min_version, 0x0303);
	config_free(cfg);
}

static void test_tls_alpn(void **state)
{
	char yaml[1024], name[300];
	struct config *cfg;

	(void)state;
	expect_tls_error(TLS_HEAD CERT_OK "      alpn: [h2, h2]\n", "11:18",
			 "listeners[0].tls.alpn[1]: \"h2\" is already listed "
			 "(listeners[0].tls.alpn[0])");
	expect_tls_error(TLS_HEAD CERT_OK "      alpn: [\"\"]\n", "11:14",
			 "listeners[0].tls.alpn[0]: expected a protocol name of 1..255 bytes, "
			 "got 0");
	expect_tls_error(TLS_HEAD CERT_OK "      alpn: [a, b, c, d, e, f, g, h, i]\n", "11:38",
			 "listeners[0].tls.alpn[8]: at most 8 protocols are allowed");
	expect_tls_error(TLS_HEAD CERT_OK "      alpn: h2\n", "11:13",
			 "expected a sequence of protocol names, got \"h2\"");
	expect_tls_error(TLS_HEAD CERT_OK "      alpn: [[h2]]\n", "11:14",
			 "expected a protocol name, got a sequence");
	memset(name, 'p', 256);
	name[256] = '\0';
	snprintf(yaml, sizeof(yaml), TLS_HEAD CERT_OK "      alpn: [%s]\n", name);
	expect_tls_error(yaml, "11:14", "expected a protocol name of 1..255 bytes, got 256");
	name[255] = '\0'; /* the longest RFC 7301 allows */
	snprintf(yaml, sizeof(yaml), TLS_HEAD CERT_OK "      alpn: [%s, h2]\n", name);
	cfg = expect_ok_in(tname, yaml);
	assert_int_equal(cfg->listeners[0].tls.n_alpn, 2);
	assert_int_equal(strlen(cfg->listeners[0].tls.alpn[0]), 255);
	config_free(cfg);
	cfg = expect_ok_in(tname, TLS_HEAD CERT_OK "      alpn: []\n");
	assert_int_equal(cfg->listeners[0].tls.n_alpn, 0);
	config_free(cfg);
}

static void test_limits_tickets_crypto(void **state)
{
	(void)state;
	expect_error(MIN_DPDK MIN_PORTS "limits: { handshake_timeout_ms: 99 }\n", NAME ":6:33: ",
		     "limits.handshake_timeout_ms: expected an integer 100..600000, got \"99\"");
	expect_error(MIN_DPDK MIN_PORTS "limits: { handshake_timeout_ms: 600001 }\n",
		     NAME ":6:33: ", "expected an integer 100..600000");
	expect_error(MIN_DPDK MIN_PORTS "limits: { timeout_ms: 100 }\n", NAME ":6:11: ",
		     "limits: unknown key \"timeout_ms\"; allowed here: handshake_timeout_ms, "
		     "idle_timeout_ms");
	expect_error(MIN_DPDK MIN_PORTS "tickets: { rotate_s: 59 }\n", NAME ":6:22: ",
		     "tickets.rotate_s: expected an integer 60..604800");
	expect_error(MIN_DPDK MIN_PORTS "tickets: { rotate_s: 604801 }\n", NAME ":6:22: ",
		     "expected an integer 60..604800");
	expect_error(MIN_DPDK MIN_PORTS "crypto: { engine: qat }\n", NAME ":6:19: ",
		     "crypto.engine: expected one of ipsec-mb, evp, got \"qat\"");
	expect_error(MIN_DPDK MIN_PORTS "crypto: { engine: \"\" }\n", NAME ":6:19: ",
		     "crypto.engine: expected a name");
	expect_error(MIN_DPDK MIN_PORTS "crypto: { key_schedules: 1023 }\n", NAME ":6:26: ",
		     "crypto.key_schedules: expected an integer 1024..16777216, got \"1023\"");
	config_free(expect_ok(MIN_DPDK MIN_PORTS "limits: { handshake_timeout_ms: 100 }\n"
				       "tickets: { rotate_s: 604800, key_file: \"\" }\n"
				       "crypto: { engine: ipsec-mb }\n"));
}

/*
 * A private key that group or others may read is refused where the key is named, or
 * accepted with a warning pointing there under tls.key_permissions: warn (which may come
 * after the listeners).
 */
static void test_key_permissions(void **state)
{
	char key[160], cmd[512];
	struct config *cfg;

	(void)state;
	snprintf(key, sizeof(key), "%s/open.key", certdir);
	snprintf(cmd, sizeof(cmd), "cp %s/site-ecdsa.key %s && chmod 0640 %s", certdir, key, key);
	assert_int_equal(system(cmd), 0);
	expect_cert_error("site-ecdsa.pem", "open.key", "10:52",
			  "listeners[0].tls.certificates[0].key: ");
	expect_cert_error("site-ecdsa.pem", "open.key", "10:52",
			  "open.key is readable by others (mode 0640); chmod 600 or set "
			  "tls.key_permissions: warn");
	/* the default, said out loud, is the same */
	expect_tls_error(TLS_HEAD "      certificates: [ { cert: site-ecdsa.pem, key: open.key } ]\n"
				  "tls: { key_permissions: refuse }\n",
			 "10:52", "readable by others");

	cfg = expect_ok_in(tname, TLS_HEAD
			   "      certificates: [ { cert: site-ecdsa.pem, key: open.key } ]\n"
			   "tls: { key_permissions: warn }\n");
	assert_int_equal(cfg->tls.key_permissions, CONFIG_KEY_PERMISSIONS_WARN);
	assert_int_equal(cfg->n_warnings, 1);
	assert_non_null(strstr(cfg->warnings[0], ":10:52: warning: "
						  "listeners[0].tls.certificates[0].key: "));
	assert_non_null(strstr(cfg->warnings[0], "open.key is readable by others (mode 0640)"));
	config_free(cfg);

	/* 0600 (what certs.sh makes): no warning */
	cfg = expect_ok_in(tname, TLS_HEAD CERT_OK "tls: { key_permissions: warn }\n");
	assert_int_equal(cfg->n_warnings, 0);
	config_free(cfg);

	/* world-readable, and the other way of being open */
	snprintf(cmd, sizeof(cmd), "chmod 0604 %s", key);
	assert_int_equal(system(cmd), 0);
	expect_cert_error("site-ecdsa.pem", "open.key", "10:52", "(mode 0604)");
	unlink(key);

	expect_tls_error(MIN_DPDK MIN_PORTS "tls: { key_permissions: maybe }\n", "6:25",
			 "tls.key_permissions: expected one of refuse, warn");
	expect_tls_error(MIN_DPDK MIN_PORTS "tls: { keys: warn }\n", "6:8",
			 "unknown key \"keys\"; allowed here: key_permissions, ocsp_refresh_s");
	/* core dumps: secrets kept out unless asked */
	cfg = expect_ok(MIN_DPDK MIN_PORTS);
	assert_false(cfg->dump_core_memory);
	config_free(cfg);
	cfg = expect_ok(MIN_DPDK MIN_PORTS "dump_core_memory: true\n");
	assert_true(cfg->dump_core_memory);
	config_free(cfg);
	expect_error(MIN_DPDK MIN_PORTS "dump_core_memory: yes\n", NAME ":6:19: ",
		     "dump_core_memory: expected true or false");
	/* read first, so its errors come first too */
	expect_tls_error(MIN_DPDK MIN_PORTS "listeners: 7\ntls: { ocsp_refresh_s: 0 }\n", "7:24",
			 "tls.ocsp_refresh_s: expected an integer 1..86400");
}

/* certdir/out: a response from the test CA saying good for cert (openssl ocsp, as users would). */
static void make_ocsp(const char *cert, const char *out)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd %s && s=$(openssl x509 -in %s -noout -serial | cut -d= -f2) && "
		 "printf 'V\\t301231000000Z\\t\\t%%s\\tunknown\\t/CN=x\\n' \"$s\" >ocsp-index && "
		 "openssl ocsp -index ocsp-index -CA ca.pem -rsigner ca.pem -rkey ca.key "
		 "-issuer ca.pem -cert %s -respout %s -ndays 1 >/dev/null 2>&1",
		 certdir, cert, cert, out);
	assert_int_equal(system(cmd), 0);
}

static void test_ocsp_file(void **state)
{
	struct config *cfg;

	(void)state;
	make_ocsp("site-ecdsa.pem", "site-ecdsa.ocsp");
	make_ocsp("site-rsa.pem", "site-rsa.ocsp");
#define OCSP_ENTRY(ocsp) \
	TLS_HEAD "      certificates: [ { cert: site-ecdsa.pem, key: site-ecdsa.key, ocsp: " ocsp \
		 " } ]\n"
	cfg = expect_ok_in(tname, OCSP_ENTRY("site-ecdsa.ocsp"));
	assert_non_null(strstr(cfg->listeners[0].tls.certs[0].ocsp, "/certs/site-ecdsa.ocsp"));
	assert_int_equal(cfg->tls.ocsp_refresh_s, 3600);
	assert_int_equal(cfg->tls.key_permissions, CONFIG_KEY_PERMISSIONS_REFUSE);
	config_free(cfg);
	/* none by default */
	cfg = expect_ok_in(tname, TLS_HEAD CERT_OK "tls: { ocsp_refresh_s: 60 }\n");
	assert_string_equal(cfg->listeners[0].tls.certs[0].ocsp, "");
	assert_int_equal(cfg->tls.ocsp_refresh_s, 60);
	config_free(cfg);

	/* errors point at the ocsp value (column 74) */
	expect_tls_error(OCSP_ENTRY("site-rsa.ocsp"), "10:74",
			 "listeners[0].tls.certificates[0].ocsp: ");
	expect_tls_error(OCSP_ENTRY("site-rsa.ocsp"), "10:74",
			 "site-rsa.ocsp: it is about another certificate of the same issuer");
	expect_tls_error(OCSP_ENTRY("site-ecdsa.pem"), "10:74", "not a DER OCSPResponse");
	expect_tls_error(OCSP_ENTRY("missing.ocsp"), "10:74", "cannot open ");
	expect_tls_error(OCSP_ENTRY("\"\""), "10:74", "expected a path of 1..255 characters");
	expect_tls_error(OCSP_ENTRY("."), "10:74", "is not a regular file");
#undef OCSP_ENTRY
	/* the issuer must be in the certificate file to check the response against */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cd %s && openssl x509 -in site-ecdsa.pem -out leaf-only.pem",
		 certdir);
	assert_int_equal(system(cmd), 0);
	expect_tls_error(TLS_HEAD "      certificates: [ { cert: leaf-only.pem, key: site-ecdsa.key, "
				  "ocsp: site-ecdsa.ocsp } ]\n",
			 "10:73", "the issuer of");
}

static void test_ticket_key_file(void **state)
{
	unsigned char keys[9 * 80];
	struct config *cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(keys); i++)
		keys[i] = (unsigned char)(i * 7 + i / 80); /* each key's name differs */
	write_bytes("k79", keys, 79);
	write_bytes("k0", keys, 0);
	write_bytes("k720", keys, 720);
	write_bytes("k640", keys, 640);
	memcpy(keys + 80, keys, 16); /* key 2 named like key 1 */
	write_bytes("kdup", keys, 160);

#define TICKETS MIN_DPDK MIN_PORTS "tickets: { key_file: "
	expect_tls_error(TICKETS "missing }\n", "6:22", "tickets.key_file: cannot open ");
	expect_tls_error(TICKETS "k79 }\n", "6:22",
			 "k79 holds 79 bytes; expected 1..8 keys of 80 bytes (16 name, 32 HMAC, 32 "
			 "AES)");
	expect_tls_error(TICKETS "k0 }\n", "6:22", "k0 holds 0 bytes");
	expect_tls_error(TICKETS "k720 }\n", "6:22", "k720 holds 720 bytes");
	expect_tls_error(TICKETS "kdup }\n", "6:22", "keys 1 and 2 have the same name");
	expect_tls_error(TICKETS ". }\n", "6:22", "is not a regular file");
	cfg = expect_ok_in(tname, TICKETS "k640 }\n");
	assert_non_null(strstr(cfg->tickets.key_file, "/certs/k640"));
	config_free(cfg);
	/* what scripts/certs.sh makes: two keys */
	config_free(expect_ok_in(tname, TICKETS "tickets.key }\n"));
#undef TICKETS
}

/* ------------------------------------------------------------ reverse proxy */

/* Listeners come first and name backends defined further down; servers in both forms. */
static void test_proxy_full(void **state)
{
	char yaml[2048], path[160];
	const struct config_backend *b;
	struct config *cfg;

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 MIN_DPDK MIN_PORTS
		 "listeners:\n"
		 "  - { port: 443, backend: app, proxy_protocol: v2, tls: { certificates: [\n"
		 "      { cert: site-ecdsa.pem, key: site-ecdsa.key } ] } }\n"
		 "  - { port: 8080, backend: api.v1-x_Y, proxy_protocol: v1 }\n"
		 "  - { port: 7, backend: echo, proxy_protocol: off }\n"
		 "backends:\n"
		 "  app:\n"
		 "    servers: [\"198.19.0.2:8080\",\n"
		 "              { address: \"198.19.0.3:8080\", weight: 3,\n"
		 "                max_connections: 100 }]\n"
		 "    balance: least_conn\n"
		 "    connect_timeout_ms: 100\n"
		 "    retries: 31\n"
		 "    health: { type: http, path: /healthz?full=1, host: \"app.local:8080\",\n"
		 "              interval_ms: 2000, timeout_ms: 2000, rise: 1, fall: 100 }\n"
		 "  api.v1-x_Y:\n"
		 "    servers:\n"
		 "      - 10.0.0.1:1\n"
		 "      - address: 198.19.0.4:65535\n"
		 "        weight: 256\n"
		 "        max_connections: 1000000\n"
		 "      - 198.19.0.2:8080 # the same server in another backend\n"
		 "    balance: source_hash\n"
		 "    connect_timeout_ms: 60000\n"
		 "    retries: 0\n"
		 "    health:\n"
		 "      interval_ms: 3600000\n"
		 "      timeout_ms: 50\n"
		 "  unused: { servers: [198.19.0.9:80], balance: round_robin }\n"
		 "limits: { idle_timeout_ms: 86400000 }\n"
		 "access_log: { file: %s/access.log }\n",
		 tmpdir);
	cfg = expect_ok_in(tname, yaml);
	assert_int_equal(cfg->n_listeners, 3);
	assert_int_equal(cfg->listeners[0].backend_index, 0);
	assert_int_equal(cfg->listeners[0].proxy_protocol, CONFIG_PROXY_V2);
	assert_true(cfg->listeners[0].tls.enabled);
	assert_int_equal(cfg->listeners[1].backend_index, 1);
	assert_string_equal(cfg->listeners[1].backend, "api.v1-x_Y");
	assert_int_equal(cfg->listeners[1].proxy_protocol, CONFIG_PROXY_V1);
	assert_int_equal(cfg->listeners[2].backend_index, -1);
	assert_int_equal(cfg->listeners[2].proxy_protocol, CONFIG_PROXY_OFF);

	assert_int_equal(cfg->n_backends, 3);
	b = &cfg->backends[0];
	assert_string_equal(b->name, "app");
	assert_int_equal(b->n_servers, 2);
	assert_int_equal(b->servers[0].addr.family, 4);
	assert_int_equal(server_ipv4(&b->servers[0]), htonl(0xc6130002)); /* network byte order */
	assert_int_equal(b->servers[0].port, 8080);		  /* host order */
	assert_int_equal(b->servers[0].weight, 1);
	assert_int_equal(b->servers[0].max_connections, 0);
	assert_int_equal(b->servers[1].addr.family, 4);
	assert_int_equal(server_ipv4(&b->servers[1]), htonl(0xc6130003));
	assert_int_equal(b->servers[1].weight, 3);
	assert_int_equal(b->servers[1].max_connections, 100);
	assert_int_equal(b->balance, CONFIG_BALANCE_LEAST_CONN);
	assert_int_equal(b->connect_timeout_ms, 100);
	assert_int_equal(b->retries, 31);
	assert_int_equal(b->health.type, CONFIG_HEALTH_HTTP);
	assert_string_equal(b->health.path, "/healthz?full=1");
	assert_string_equal(b->health.host, "app.local:8080");
	assert_int_equal(b->health.interval_ms, 2000);
	assert_int_equal(b->health.timeout_ms, 2000);
	assert_int_equal(b->health.rise, 1);
	assert_int_equal(b->health.fall, 100);

	b = &cfg->backends[1];
	assert_string_equal(b->name, "api.v1-x_Y");
	assert_int_equal(b->n_servers, 3);
	assert_int_equal(b->servers[0].addr.family, 4);
	assert_int_equal(server_ipv4(&b->servers[0]), htonl(0x0a000001));
	assert_int_equal(b->servers[0].port, 1);
	assert_int_equal(b->servers[1].addr.family, 4);
	assert_int_equal(server_ipv4(&b->servers[1]), htonl(0xc6130004));
	assert_int_equal(b->servers[1].port, 65535);
	assert_int_equal(b->servers[1].weight, 256);
	assert_int_equal(b->servers[1].max_connections, 1000000);
	assert_int_equal(b->servers[2].weight, 1); /* defaults again after a mapping entry */
	assert_int_equal(b->balance, CONFIG_BALANCE_SOURCE_HASH);
	assert_int_equal(b->connect_timeout_ms, 60000);
	assert_int_equal(b->retries, 0);
	assert_int_equal(b->health.type, CONFIG_HEALTH_TCP);
	assert_string_equal(b->health.path, "/");
	assert_string_equal(b->health.host, "");
	assert_int_equal(b->health.interval_ms, 3600000);
	assert_int_equal(b->health.timeout_ms, 50);
	assert_int_equal(b->health.rise, 2);
	assert_int_equal(b->health.fall, 3);
	assert_string_equal(cfg->backends[2].name, "unused"); /* defined, used by nobody: fine */
	assert_int_equal(cfg->backends[2].balance, CONFIG_BALANCE_ROUND_ROBIN);

	assert_int_equal(cfg->limits.idle_timeout_ms, 86400000);
	snprintf(path, sizeof(path), "%s/access.log", tmpdir);
	assert_string_equal(cfg->access_log.file, path);
	config_free(cfg);
}

static void test_proxy_defaults(void **state)
{
	struct config *cfg = expect_ok(MIN_DPDK MIN_PORTS
				       "backends:\n  app: { servers: [\"198.19.0.2:8080\"] }\n"
				       "listeners:\n  - { port: 80, backend: app }\n"
				       "  - { port: 7, backend: echo }\n");
	const struct config_backend *b = &cfg->backends[0];

	(void)state;
	assert_int_equal(cfg->n_backends, 1);
	assert_int_equal(cfg->listeners[0].backend_index, 0);
	assert_int_equal(cfg->listeners[0].proxy_protocol, CONFIG_PROXY_OFF);
	assert_false(cfg->listeners[0].tls.enabled); /* plain TCP proxy */
	assert_int_equal(cfg->listeners[1].backend_index, -1);
	assert_int_equal(b->n_servers, 1);
	assert_int_equal(b->servers[0].weight, 1);
	assert_int_equal(b->servers[0].max_connections, 0);
	assert_int_equal(b->balance, CONFIG_BALANCE_ROUND_ROBIN);
	assert_int_equal(b->connect_timeout_ms, 3000);
	assert_int_equal(b->retries, 2);
	assert_int_equal(b->health.type, CONFIG_HEALTH_TCP);
	assert_string_equal(b->health.path, "/");
	assert_string_equal(b->health.host, "");
	assert_int_equal(b->health.interval_ms, 2000);
	assert_int_equal(b->health.timeout_ms, 1000);
	assert_int_equal(b->health.rise, 2);
	assert_int_equal(b->health.fall, 3);
	assert_int_equal(cfg->limits.idle_timeout_ms, 300000);
	assert_string_equal(cfg->access_log.file, "");
	config_free(cfg);

	/* an empty health mapping keeps every default; no backends at all is fine too */
	cfg = expect_ok(MIN_DPDK MIN_PORTS
			"backends:\n  app: { servers: [1.2.3.4:80], health: {} }\n"
			"limits: { idle_timeout_ms: 1000 }\n");
	assert_int_equal(cfg->backends[0].health.timeout_ms, 1000);
	assert_int_equal(cfg->limits.idle_timeout_ms, 1000);
	config_free(cfg);
	cfg = expect_ok(MIN_DPDK MIN_PORTS "backends: {}\n");
	assert_int_equal(cfg->n_backends, 0);
	assert_int_equal(cfg->limits.idle_timeout_ms, 300000);
	config_free(cfg);
}

/* The first listener is on line 7: "  - { port: 80, " puts the next key at column 17. */
#define LISTENERS MIN_DPDK MIN_PORTS "listeners:\n"

static void test_redirect_listeners(void **state)
{
	(void)state;
	struct config *cfg = expect_ok(LISTENERS "  - { port: 80, redirect_https: true }\n"
						 "  - { port: 7, backend: echo }\n");
	const struct config_listener *l = &cfg->listeners[0];
	assert_true(l->redirect_https);
	assert_int_equal(l->redirect_code, 301);
	assert_int_equal(l->redirect_port, 0);
	assert_int_equal(l->backend_index, -1);
	assert_string_equal(l->backend, "");
	assert_false(l->tls.enabled);
	assert_false(cfg->listeners[1].redirect_https);
	assert_int_equal(cfg->limits.redirect_timeout_ms, 5000);
	assert_int_equal(cfg->limits.redirect_connections, 1024);
	config_free(cfg);

	cfg = expect_ok(LISTENERS "  - port: 8080\n    redirect_port: 8443\n"
				  "    redirect_code: 308\n    redirect_https: true\n"
				  "limits: { redirect_timeout_ms: 100, redirect_connections: 16 }\n");
	l = &cfg->listeners[0];
	assert_true(l->redirect_https);
	assert_int_equal(l->redirect_code, 308);
	assert_int_equal(l->redirect_port, 8443);
	assert_int_equal(cfg->limits.redirect_timeout_ms, 100);
	assert_int_equal(cfg->limits.redirect_connections, 16);
	config_free(cfg);

	/* exactly one of backend and redirect_https */
	expect_error(LISTENERS "  - { port: 80, backend: echo, redirect_https: true }\n",
		     NAME ":7:48: ",
		     "listeners[0].redirect_https: a listener has a backend or redirect_https: true, "
		     "not both");
	expect_error(LISTENERS "  - { port: 80, redirect_https: true, backend: nope }\n",
		     NAME ":7:33: ", "not both");
	expect_error(LISTENERS "  - { port: 80 }\n", NAME ":7:5: ",
		     "listeners[0]: missing required key \"backend\" (or redirect_https: true)");
	expect_error(LISTENERS "  - { port: 80, redirect_https: false }\n", NAME ":7:5: ",
		     "listeners[0]: missing required key \"backend\" (or redirect_https: true)");
	expect_error(LISTENERS "  - port: 80\n    redirect_https: false\n    redirect_code: 301\n",
		     NAME ":9:20: ",
		     "listeners[0].redirect_code: redirect_code only applies with redirect_https: true");
	expect_error(LISTENERS "  - { port: 80, backend: echo, redirect_port: 443 }\n",
		     NAME ":7:47: ",
		     "listeners[0].redirect_port: redirect_port only applies with redirect_https");
	/* the values */
	expect_error(LISTENERS "  - { port: 80, redirect_https: true, redirect_code: 302 }\n",
		     NAME ":7:54: ", "listeners[0].redirect_code: expected 301 or 308, got \"302\"");
	expect_error(LISTENERS "  - { port: 80, redirect_https: true, redirect_code: \"301\" }\n",
		     NAME ":7:54: ", "listeners[0].redirect_code: expected 301 or 308, got");
	expect_error(LISTENERS "  - { port: 80, redirect_https: yes }\n", NAME ":7:33: ",
		     "listeners[0].redirect_https: expected true or false, got \"yes\"");
	expect_error(LISTENERS "  - { port: 80, redirect_https: true, redirect_port: 0 }\n",
		     NAME ":7:54: ", "listeners[0].redirect_port: expected an integer 1..65535, got \"0\"");
	expect_error(LISTENERS "  - { port: 80, redirect_https: true, proxy_protocol: v1 }\n",
		     NAME ":7:55: ",
		     "listeners[0].proxy_protocol: a redirect_https listener has no backend to send "
		     "the PROXY header to; use off");
	expect_error(LISTENERS "  - { port: 80, redirect_https: true, redirect_typo: 1 }\n",
		     NAME ":7:39: ", "listeners[0]: unknown key \"redirect_typo\"");
	expect_error(MIN_DPDK MIN_PORTS "limits: { redirect_timeout_ms: 99 }\n", NAME ":6:32: ",
		     "limits.redirect_timeout_ms: expected an integer 100..600000, got \"99\"");
	expect_error(MIN_DPDK MIN_PORTS "limits: { redirect_connections: 15 }\n", NAME ":6:33: ",
		     "limits.redirect_connections: expected an integer 16..1048576, got \"15\"");
}

#define BACKENDS MIN_DPDK MIN_PORTS "backends:\n" /* the first backend is on line 7 */

static void test_backend_names(void **state)
{
	char yaml[2048];
	size_t o;

	(void)state;
	expect_error(BACKENDS "  \"a b\": { servers: [1.2.3.4:80] }\n", NAME ":7:5: ",
		     "backends: expected a name from [A-Za-z0-9_.-], found ' '");
	expect_error(BACKENDS "  echo: { servers: [1.2.3.4:80] }\n", NAME ":7:3: ",
		     "backends: \"echo\" is a built-in service; name the backend otherwise");
	expect_error(BACKENDS "  discard: { servers: [1.2.3.4:80] }\n", NAME ":7:3: ",
		     "\"discard\" is a built-in service");
	expect_error(BACKENDS "  abcdefghijabcdefghijabcdefghijab: { servers: [1.2.3.4:80] }\n",
		     NAME ":7:3: ",
		     "expected a name of 1..31 characters from [A-Za-z0-9_.-], got 32");
	expect_error(BACKENDS "  \"\": { servers: [1.2.3.4:80] }\n", NAME ":7:3: ",
		     "expected a name of 1..31 characters");
	expect_error(BACKENDS "  app: { servers: [1.2.3.4:80] }\n  web: { servers: [1.2.3.4:80] }\n"
			      "  app: { servers: [1.2.3.5:80] }\n",
		     NAME ":9:3: ", "backends: backend \"app\" is already defined (line 7)");
	expect_error(BACKENDS "  [a]: {}\n", NAME ":7:3: ",
		     "backends: backend names must be strings, got a sequence");
	expect_error(MIN_DPDK MIN_PORTS "backends: []\n", NAME ":6:11: ",
		     "backends: expected a mapping of backend names to backends, got a sequence");
	expect_error(BACKENDS "  app:\n", NAME ":7:3: ",
		     "backends.app: expected a mapping, got nothing");
	expect_error(BACKENDS "  app: { balance: least_conn }\n", NAME ":7:8: ",
		     "backends.app: missing required key \"servers\"");
	expect_error(BACKENDS "  app: { servers: [\"1.2.3.4:80\"], server: x }\n", NAME ":7:35: ",
		     "backends.app: unknown key \"server\"; allowed here: servers, balance, "
		     "connect_timeout_ms, retries, health");
	/* CONFIG_MAX_BACKENDS, then one more on line 7 + 16 */
	o = (size_t)snprintf(yaml, sizeof(yaml), BACKENDS);
	for (int i = 0; i <= CONFIG_MAX_BACKENDS; i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
				      "  b%d: { servers: [1.2.3.4:80] }\n", i);
	expect_error(yaml, NAME ":23:3: ", "backends: at most 16 backends are allowed");
	yaml[strrchr(yaml, 'b') - yaml - 2] = '\0'; /* drop the last line: 16 are fine */
	config_free(expect_ok(yaml));
}

/* One backend whose servers value starts on line 8, column 14. */
#define SERVERS BACKENDS "  app:\n    servers: "

static void test_backend_servers(void **state)
{
	char yaml[2048];
	size_t o;

	(void)state;
	expect_error(SERVERS "[]\n", NAME ":8:14: ",
		     "backends.app.servers: expected 1..32 servers, got none");
	expect_error(SERVERS "198.19.0.2:80\n", NAME ":8:14: ",
		     "expected a sequence of servers, got \"198.19.0.2:80\"");
	/* IPv6 servers, in brackets */
	struct config *c6 = expect_ok(SERVERS "[\"[2001:2:0:19::2]:8080\", 198.19.0.2:8080, "
				      "\"[2001:2:0:19::2]:8081\"]\n");
	const struct config_server *s6 = &c6->backends[0].servers[0];
	static const uint8_t want6[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x19, [15] = 0x02 };
	assert_int_equal(s6->addr.family, 6);
	assert_memory_equal(s6->addr.bytes, want6, 16);
	assert_int_equal(s6->port, 8080);
	assert_int_equal(c6->backends[0].servers[1].addr.family, 4);
	char text[IP_ADDR_PORT_STR_LEN];
	assert_string_equal(ip_addr_port_str(&s6->addr, s6->port, text, sizeof(text)),
			    "[2001:2:0:19::2]:8080");
	assert_string_equal(ip_addr_port_str(&c6->backends[0].servers[1].addr, 8080, text,
					     sizeof(text)),
			    "198.19.0.2:8080");
	config_free(c6);
	/* link-local servers may name their port (a zone); any port with ipv6, in any order */
	c6 = expect_ok(MIN_DPDK "ports:\n  - { name: edge, device: x, ipv6: \"2001:2::1/64\" }\n"
		       "  - { name: inside, device: y, ipv4: 10.0.0.1/24, ipv6: \"2001:3::1/64\" }\n"
		       "backends:\n  app: { servers: [\"[fe80::1%inside]:80\", \"[fe80::1]:80\",\n"
		       "    { address: \"[fe80::1%edge]:80\", weight: 2 }, \"[2001:3::2]:80\"] }\n");
	assert_string_equal(c6->backends[0].servers[0].zone, "inside");
	assert_int_equal(c6->backends[0].servers[0].port_index, 1);
	assert_string_equal(c6->backends[0].servers[1].zone, "");
	assert_int_equal(c6->backends[0].servers[1].port_index, -1);
	assert_int_equal(c6->backends[0].servers[2].port_index, 0);
	assert_int_equal(c6->backends[0].servers[3].port_index, -1);
	assert_int_equal(c6->backends[0].servers[0].addr.bytes[0], 0xfe);
	config_free(c6);
	c6 = expect_ok(MIN_DPDK "backends:\n  app: { servers: [\"[fe80::1%late]:80\"] }\n"
		       "ports:\n  - { name: late, device: x, ipv6: \"2001:2::1/64\" }\n");
	assert_int_equal(c6->backends[0].servers[0].port_index, 0);
	config_free(c6);
	expect_error(SERVERS "[\"[fe80::1%nope]:80\"]\n", NAME ":8:15: ",
		     "backends.app.servers[0]: no port named \"nope\"; ports: a");
	expect_error(SERVERS "[{ address: \"[fe80::1%a]:80\" }]\n", NAME ":8:26: ",
		     "backends.app.servers[0]: port \"a\" has no ipv6 address");
	expect_error(SERVERS "[\"[2001:db8::1%a]:80\"]\n", NAME ":8:28: ",
		     "a port after '%' is for link-local addresses (fe80::/10) only");
	expect_error(SERVERS "[\"[fe80::1%]:80\"]\n", NAME ":8:25: ",
		     "expected a name of 1..31 characters");
	expect_error(SERVERS "[\"[fe80::1%a b]:80\"]\n", NAME ":8:26: ",
		     "expected a name from [A-Za-z0-9_.-], found ' '");
	expect_error(SERVERS "[\"2001:db8::1\"]\n", NAME ":8:15: ",
		     "backends.app.servers[0]: expected \"[ipv6]:port\" like "
		     "\"[2001:2:0:19::2]:8080\": an IPv6 address goes in brackets");
	expect_error(SERVERS "[\"[2001:db8::1\"]\n", NAME ":8:15: ", "the ']' is missing");
	expect_error(SERVERS "[\"[2001:db8::1]\"]\n", NAME ":8:29: ", "the port is missing");
	expect_error(SERVERS "[\"[2001:db8::1]:0\"]\n", NAME ":8:30: ",
		     "expected a port 1..65535 after ':'");
	expect_error(SERVERS "[\"[2001:db8::g]:80\"]\n", NAME ":8:17: ",
		     "\"2001:db8::g\" is not an IPv6 address");
	expect_error(SERVERS "[\"[ff02::1]:80\"]\n", NAME ":8:17: ",
		     "ff02::1 is not a server address (unspecified, loopback, multicast or "
		     "IPv4-mapped)");
	expect_error(SERVERS "[\"[::1]:80\"]\n", NAME ":8:17: ", "::1 is not a server address");
	expect_error(SERVERS "[\"[2001:db8::1]:80\", \"[2001:db8::1]:80\"]\n", NAME ":8:35: ",
		     "servers[1]: this server is already listed");
	expect_error(SERVERS "[198.19.0.2]\n", NAME ":8:15: ",
		     "servers[0]: expected \"a.b.c.d:port\", the port is missing");
	expect_error(SERVERS "[198.19.0.2:0]\n", NAME ":8:26: ",
		     "servers[0]: expected a port 1..65535 after ':'");
	expect_error(SERVERS "[198.19.0.2:65536]\n", NAME ":8:26: ", "expected a port 1..65535");
	expect_error(SERVERS "[198.19.0.2:080]\n", NAME ":8:26: ", "expected a port 1..65535");
	expect_error(SERVERS "[\"198.19.0.2:\"]\n", NAME ":8:27: ", "expected a port 1..65535");
	expect_error(SERVERS "[198.19.0.256:80]\n", NAME ":8:15: ",
		     "\"198.19.0.256\" is not a dotted quad");
	expect_error(SERVERS "[app.local:80]\n", NAME ":8:15: ",
		     "\"app.local\" is not a dotted quad");
	expect_error(SERVERS "[\":80\"]\n", NAME ":8:15: ", "the address is not a dotted quad");
	expect_error(SERVERS "[127.0.0.1:80]\n", NAME ":8:15: ",
		     "127.0.0.1 is not a server address (unspecified, broadcast, multicast or "
		     "loopback)");
	expect_error(SERVERS "[224.0.0.1:80]\n", NAME ":8:15: ", "is not a server address");
	expect_error(SERVERS "[0.0.0.0:80]\n", NAME ":8:15: ", "is not a server address");
	expect_error(SERVERS "[[198.19.0.2:80]]\n", NAME ":8:15: ",
		     "servers[0]: expected a server like \"198.19.0.2:8080\", got a sequence");
	expect_error(SERVERS "[198.19.0.2:80, \"198.19.0.2:80\"]\n", NAME ":8:30: ",
		     "backends.app.servers[1]: this server is already listed "
		     "(backends.app.servers[0])");
	expect_error(SERVERS "[198.19.0.2:80, { address: 198.19.0.2:80, weight: 2 }]\n",
		     NAME ":8:41: ", "servers[1]: this server is already listed (backends.app.");
	config_free(expect_ok(SERVERS "[198.19.0.2:80, 198.19.0.2:81, 198.19.0.3:80]\n"));

	/* the mapping form */
	expect_error(SERVERS "[{ address: 198.19.0.2:80, weight: 0 }]\n", NAME ":8:49: ",
		     "backends.app.servers[0].weight: expected an integer 1..256, got \"0\"");
	expect_error(SERVERS "[{ address: 198.19.0.2:80, weight: 257 }]\n", NAME ":8:49: ",
		     "expected an integer 1..256");
	expect_error(SERVERS "[{ address: 198.19.0.2:80, max_connections: 1000001 }]\n",
		     NAME ":8:58: ",
		     "servers[0].max_connections: expected an integer 0..1000000");
	expect_error(SERVERS "[{ weight: 2 }]\n", NAME ":8:15: ",
		     "backends.app.servers[0]: missing required key \"address\"");
	expect_error(SERVERS "[{ address: 198.19.0.2:80, port: 80 }]\n", NAME ":8:41: ",
		     "servers[0]: unknown key \"port\"; allowed here: address, weight, "
		     "max_connections");
	expect_error(SERVERS "\n      - address: \"[::1]:80\"\n", NAME ":9:20: ",
		     "backends.app.servers[0].address: ::1 is not a server address");

	/* CONFIG_MAX_SERVERS in block form, then one more on line 8 + 33 */
	o = (size_t)snprintf(yaml, sizeof(yaml), SERVERS "\n");
	for (int i = 1; i <= CONFIG_MAX_SERVERS + 1; i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "      - 10.0.0.%d:80\n", i);
	expect_error(yaml, NAME ":41:9: ", "backends.app.servers[32]: at most 32 servers");
	yaml[strrchr(yaml, '-') - yaml - 6] = '\0';
	config_free(expect_ok(yaml));
}

/* A backend with one server on line 8; its other keys start on line 9. */
#define BACKEND_OK SERVERS "[198.19.0.2:80]\n"

static void test_backend_settings(void **state)
{
	(void)state;
	expect_error(BACKEND_OK "    balance: random\n", NAME ":9:14: ",
		     "backends.app.balance: expected one of round_robin, least_conn, source_hash, "
		     "got \"random\"");
	expect_error(BACKEND_OK "    connect_timeout_ms: 99\n", NAME ":9:25: ",
		     "backends.app.connect_timeout_ms: expected an integer 100..60000, got \"99\"");
	expect_error(BACKEND_OK "    connect_timeout_ms: 60001\n", NAME ":9:25: ",
		     "expected an integer 100..60000");
	expect_error(BACKEND_OK "    retries: 32\n", NAME ":9:14: ",
		     "backends.app.retries: expected an integer 0..31, got \"32\"");
	expect_error(BACKEND_OK "    health: tcp\n", NAME ":9:13: ",
		     "backends.app.health: expected a mapping, got \"tcp\"");
}

#define HEALTH BACKEND_OK "    health:\n" /* its keys start on line 10 at column 7 */

static void test_backend_health(void **state)
{
	char yaml[1024];

	(void)state;
	expect_error(HEALTH "      type: udp\n", NAME ":10:13: ",
		     "backends.app.health.type: expected one of tcp, http, got \"udp\"");
	expect_error(HEALTH "      type: http\n      path: healthz\n", NAME ":11:13: ",
		     "backends.app.health.path: expected a path starting with '/'");
	expect_error(HEALTH "      type: http\n      path: \"/a b\"\n", NAME ":11:16: ",
		     "spaces, control and non-ASCII characters are not allowed in a path");
	expect_error(HEALTH "      type: http\n      path: /a#b\n", NAME ":11:15: ",
		     "health.path: a fragment (#...) is never sent to a server");
	/* columns count characters: the 'é' is the fifth of the value */
	expect_error(HEALTH "      type: http\n      path: /caf\xc3\xa9\n", NAME ":11:17: ",
		     "percent-encode them");
	snprintf(yaml, sizeof(yaml), HEALTH "      type: http\n      path: /%0255d\n", 0);
	expect_error(yaml, NAME ":11:13: ", "health.path: expected a string of 1..255 characters, "
					    "got 256");
	expect_error(HEALTH "      type: http\n      host: \"app local\"\n", NAME ":11:17: ",
		     "backends.app.health.host: expected a host name like app.local or "
		     "app.local:8080");
	expect_error(HEALTH "      type: http\n      host: \"\"\n", NAME ":11:13: ",
		     "expected a string of 1..255 characters, got 0");
	/* type tcp (the default) ignores them: most likely "type: http" was forgotten */
	expect_error(HEALTH "      path: /healthz\n", NAME ":10:7: ",
		     "backends.app.health.path: path is only used by HTTP checks; add type: http");
	expect_error(HEALTH "      host: a\n      type: tcp\n", NAME ":10:7: ",
		     "health.host: host is only used by HTTP checks");
	expect_error(HEALTH "      interval_ms: 1000\n      timeout_ms: 1001\n", NAME ":11:19: ",
		     "backends.app.health.timeout_ms: timeout_ms (1001) must not exceed "
		     "interval_ms (1000)");
	expect_error(HEALTH "      interval_ms: 500\n", NAME ":10:20: ",
		     "health.interval_ms: timeout_ms (1000, the default) must not exceed "
		     "interval_ms (500)");
	expect_error(HEALTH "      timeout_ms: 2001\n", NAME ":10:19: ",
		     "timeout_ms (2001) must not exceed interval_ms (2000, the default)");
	expect_error(HEALTH "      interval_ms: 99\n", NAME ":10:20: ",
		     "health.interval_ms: expected an integer 100..3600000");
	expect_error(HEALTH "      interval_ms: 3600001\n", NAME ":10:20: ",
		     "expected an integer 100..3600000");
	expect_error(HEALTH "      timeout_ms: 49\n", NAME ":10:19: ",
		     "health.timeout_ms: expected an integer 50..3600000");
	expect_error(HEALTH "      rise: 0\n", NAME ":10:13: ",
		     "health.rise: expected an integer 1..100");
	expect_error(HEALTH "      fall: 101\n", NAME ":10:13: ",
		     "health.fall: expected an integer 1..100");
	expect_error(HEALTH "      port: 80\n", NAME ":10:7: ",
		     "backends.app.health: unknown key \"port\"; allowed here: type, path, host, "
		     "interval_ms, timeout_ms, rise, fall");
	config_free(expect_ok(HEALTH "      interval_ms: 100\n      timeout_ms: 100\n"));
}

static void test_listener_backend(void **state)
{
	(void)state;
	/* unknown names are found once the whole file is read, and reported at the listener */
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { port: 80, backend: ap }\n"
				       "backends:\n  app: { servers: [198.19.0.2:80] }\n"
				       "  web: { servers: [198.19.0.3:80] }\n",
		     NAME ":7:26: ",
		     "listeners[0].backend: no backend named \"ap\"; defined: app, web; "
		     "built-in: echo, discard");
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { port: 80, backend: app }\n"
				       "  - port: 81\n    backend: nope\n"
				       "backends:\n  app: { servers: [198.19.0.2:80] }\n",
		     NAME ":9:14: ",
		     "listeners[1].backend: no backend named \"nope\"; defined: app;");
	/* names are case-sensitive */
	expect_error(MIN_DPDK MIN_PORTS "backends:\n  App: { servers: [198.19.0.2:80] }\n"
				       "listeners:\n  - { port: 80, backend: app }\n",
		     NAME ":9:26: ", "no backend named \"app\"; defined: App;");
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { port: 80, backend: \"a/b\" }\n",
		     NAME ":7:28: ",
		     "listeners[0].backend: expected a name from [A-Za-z0-9_.-], found '/'");

	expect_error(MIN_DPDK MIN_PORTS
		     "listeners:\n  - { port: 7, backend: echo, proxy_protocol: v1 }\n",
		     NAME ":7:47: ",
		     "listeners[0].proxy_protocol: a built-in service (echo) has no backend to "
		     "send the PROXY header to; use off");
	expect_error(MIN_DPDK MIN_PORTS
		     "listeners:\n  - proxy_protocol: v2\n    backend: discard\n    port: 9\n",
		     NAME ":7:21: ", "a built-in service (discard) has no backend");
	expect_error(MIN_DPDK MIN_PORTS
		     "listeners:\n  - { port: 80, backend: app, proxy_protocol: v3 }\n",
		     NAME ":7:47: ",
		     "listeners[0].proxy_protocol: expected one of off, v1, v2, got \"v3\"");
	expect_error(MIN_DPDK MIN_PORTS
		     "listeners:\n  - { port: 80, backend: app, proxy_protocol: true }\n",
		     NAME ":7:47: ", "expected one of off, v1, v2, got \"true\"");

	/* family: both by default, or one */
	struct config *cfg = expect_ok(MIN_DPDK MIN_PORTS "listeners:\n"
				       "  - { port: 7, backend: echo }\n"
				       "  - { port: 8, backend: echo, family: ipv6 }\n"
				       "  - { port: 9, backend: echo, family: ipv4 }\n"
				       "  - { port: 10, backend: echo, family: any }\n");
	assert_int_equal(cfg->listeners[0].family, CONFIG_FAMILY_ANY);
	assert_int_equal(cfg->listeners[1].family, CONFIG_FAMILY_IPV6);
	assert_int_equal(cfg->listeners[2].family, CONFIG_FAMILY_IPV4);
	assert_int_equal(cfg->listeners[3].family, CONFIG_FAMILY_ANY);
	config_free(cfg);
	expect_error(MIN_DPDK MIN_PORTS "listeners:\n  - { port: 7, backend: echo, family: 6 }\n",
		     NAME ":7:39: ",
		     "listeners[0].family: expected one of any, ipv4, ipv6, got \"6\"");
}

static void test_idle_timeout(void **state)
{
	(void)state;
	expect_error(MIN_DPDK MIN_PORTS "limits: { idle_timeout_ms: 999 }\n", NAME ":6:28: ",
		     "limits.idle_timeout_ms: expected an integer 1000..86400000, got \"999\"");
	expect_error(MIN_DPDK MIN_PORTS "limits: { idle_timeout_ms: 86400001 }\n", NAME ":6:28: ",
		     "expected an integer 1000..86400000");
}

#define ACCESS_LOG MIN_DPDK MIN_PORTS "access_log: { file: " /* the value is at 6:21 */

static void test_access_log(void **state)
{
	char want[256], path[160];
	struct config *cfg;

	(void)state;
	/* relative: next to the config file, like certificates */
	cfg = expect_ok_in(tname, ACCESS_LOG "access.log }\n");
	snprintf(path, sizeof(path), "%s/access.log", certdir);
	assert_string_equal(cfg->access_log.file, path);
	config_free(cfg);
	/* a config without a directory: relative to where tlsterm runs */
	cfg = expect_ok(ACCESS_LOG "access.log }\n");
	assert_string_equal(cfg->access_log.file, "access.log");
	config_free(cfg);

	snprintf(want, sizeof(want), "access_log.file: directory %s/nodir: %s", certdir,
		 strerror(ENOENT));
	expect_tls_error(ACCESS_LOG "nodir/access.log }\n", "6:21", want);
	snprintf(want, sizeof(want), "%s/site-ecdsa.pem is not a directory", certdir);
	expect_tls_error(ACCESS_LOG "site-ecdsa.pem/access.log }\n", "6:21", want);
	snprintf(want, sizeof(want), "%s/. is a directory", certdir);
	expect_tls_error(ACCESS_LOG ". }\n", "6:21", want);
	expect_tls_error(ACCESS_LOG "logs/ }\n", "6:21", "expected a file path, not a directory");
	expect_error(ACCESS_LOG "\"\" }\n", NAME ":6:21: ",
		     "access_log.file: expected a path of 1..255 characters, got 0");
	expect_error(MIN_DPDK MIN_PORTS "access_log: {}\n", NAME ":6:13: ",
		     "access_log: missing required key \"file\"");
	expect_error(MIN_DPDK MIN_PORTS "access_log: { path: x }\n", NAME ":6:15: ",
		     "access_log: unknown key \"path\"; allowed here: file");
}

#define ADMIN MIN_DPDK MIN_PORTS "admin: { listen: " /* the value is at 6:18 */
#define ADMIN_LO ADMIN "\"127.0.0.1:9901\", token: " /* the token is at 6:43 */

static void test_admin(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = expect_ok(MIN_DPDK MIN_PORTS);
	assert_false(cfg->admin.enabled);
	config_free(cfg);
	/* loopback: the token is optional */
	cfg = expect_ok(ADMIN "\"127.0.0.1:9901\" }\n");
	assert_true(cfg->admin.enabled);
	assert_int_equal(cfg->admin.ipv4, htonl(0x7f000001));
	assert_int_equal(cfg->admin.port, 9901);
	assert_string_equal(cfg->admin.token, "");
	config_free(cfg);
	cfg = expect_ok(ADMIN "127.9.8.7:1 }\n");
	assert_int_equal(cfg->admin.ipv4, htonl(0x7f090807));
	assert_int_equal(cfg->admin.port, 1);
	config_free(cfg);
	/* every address, with a token (RFC 6750 characters and padding) */
	cfg = expect_ok("admin:\n  listen: 0.0.0.0:65535\n  token: aZ09-._~+/aZ09-._~+/==\n"
			MIN_DPDK MIN_PORTS);
	assert_int_equal(cfg->admin.ipv4, 0);
	assert_int_equal(cfg->admin.port, 65535);
	assert_string_equal(cfg->admin.token, "aZ09-._~+/aZ09-._~+/==");
	config_free(cfg);

	expect_error(ADMIN "\"198.18.0.1:9901\" }\n", NAME ":6:18: ",
		     "admin.listen: 198.18.0.1 is not a loopback address (127.0.0.0/8): "
		     "a token is required");
	expect_error(ADMIN "0.0.0.0:9901 }\n", NAME ":6:18: ",
		     "admin.listen: 0.0.0.0 is not a loopback address");
	/* the token is checked wherever it sits in the mapping */
	expect_error(MIN_DPDK MIN_PORTS "admin:\n  listen: 128.0.0.1:80\n", NAME ":7:11: ",
		     "admin.listen: 128.0.0.1 is not a loopback address");
	expect_error(ADMIN "\"127.0.0.1\" }\n", NAME ":6:18: ",
		     "admin.listen: expected an IPv4 address and port like \"127.0.0.1:9901\", "
		     "got \"127.0.0.1\"");
	expect_error(ADMIN "\"[::1]:9901\" }\n", NAME ":6:18: ",
		     "admin.listen: expected an IPv4 address and port");
	expect_error(ADMIN "\"localhost:9901\" }\n", NAME ":6:18: ",
		     "admin.listen: expected an IPv4 address and port");
	expect_error(ADMIN "\"127.0.0.1:0\" }\n", NAME ":6:29: ",
		     "admin.listen: expected a port 1..65535 after ':'");
	expect_error(ADMIN "127.0.0.1:65536 }\n", NAME ":6:28: ",
		     "admin.listen: expected a port 1..65535 after ':'");
	expect_error(ADMIN "\"127.0.0.1:\" }\n", NAME ":6:29: ",
		     "admin.listen: expected a port 1..65535 after ':'");
	expect_error(ADMIN "224.0.0.1:80, token: 0123456789abcdef }\n", NAME ":6:18: ",
		     "admin.listen: cannot listen on a broadcast or multicast address");
	expect_error(ADMIN_LO "0123456789abcde }\n", NAME ":6:43: ",
		     "admin.token: expected a token of 16..255 characters, got 15");
	expect_error(ADMIN_LO "\"0123456789$abcdef\" }\n", NAME ":6:54: ",
		     "admin.token: a bearer token may hold letters, digits and -._~+/");
	expect_error(ADMIN_LO "0123456789abcdef=x }\n", NAME ":6:60: ",
		     "admin.token: a bearer token may hold");
	expect_error(ADMIN_LO "\"=0123456789abcdef\" }\n", NAME ":6:44: ",
		     "admin.token: a bearer token may hold");
	expect_error(MIN_DPDK MIN_PORTS "admin: {}\n", NAME ":6:8: ",
		     "admin: missing required key \"listen\"");
	expect_error(MIN_DPDK MIN_PORTS "admin: { listen: 127.0.0.1:1, tokn: x }\n", NAME ":6:31: ",
		     "admin: unknown key \"tokn\"; allowed here: listen, token");
	expect_error(MIN_DPDK MIN_PORTS "admin:\n", NAME ":6:1: ",
		     "admin: expected a mapping, got nothing (null)");
}

/* A short buffer gets a truncated, still terminated, message. */
static void test_small_err_buffer(void **state)
{
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_null(parse(MIN_DPDK, err, sizeof(err)));
	assert_string_equal(err, NAME ":1:1:"); /* 11 characters and the NUL */
	assert_null(parse(MIN_DPDK, NULL, 0));
}


/* The edge section starts on line 6; its first key on line 7. */
#define EDGE MIN_DPDK MIN_PORTS "edge:\n"

static void test_edge(void **state)
{
	(void)state;
	struct config *cfg = expect_ok(MIN_DPDK MIN_PORTS);
	assert_int_equal(cfg->edge.n_allow, 0);
	assert_int_equal(cfg->edge.acl_default, CONFIG_ACL_ALLOW);
	assert_int_equal(cfg->edge.closed_ports, CONFIG_CLOSED_RST);
	assert_int_equal(cfg->edge.icmp_echo_per_s, 1000);
	assert_int_equal(cfg->edge.new_per_s, 0);
	assert_int_equal(cfg->edge.max_connections, 0);
	assert_int_equal(cfg->edge.table_size, 65536);
	assert_int_equal(cfg->edge.ipv6_prefix, 64);
	assert_int_equal(cfg->edge.max_half_open, 8192);
	assert_int_equal(cfg->edge.max_handshaking, 4096);
	config_free(cfg);

	cfg = expect_ok(EDGE "  acl: { allow: [\"198.18.0.0/16\", 0.0.0.0/0], deny: [\"198.18.5.0/24\","
			     " 198.18.5.7/32], default: deny }\n"
			     "  closed_ports: drop\n  icmp_echo_per_s: 0\n"
			     "  per_client: { new_per_s: 50, max_connections: 256, table_size: 1024,"
			     " ipv6_prefix: 56 }\n"
			     "  max_half_open: 16\n  max_handshaking: 100\n");
	const struct config_edge *e = &cfg->edge;
	assert_int_equal(e->n_allow, 2);
	assert_int_equal(e->allow[0].addr, htonl(0xc6120000));
	assert_int_equal(e->allow[0].prefix, 16);
	assert_int_equal(e->allow[1].prefix, 0);
	assert_int_equal(e->n_deny, 2);
	assert_int_equal(e->deny[1].addr, htonl(0xc6120507));
	assert_int_equal(e->deny[1].prefix, 32);
	assert_int_equal(e->acl_default, CONFIG_ACL_DENY);
	assert_int_equal(e->closed_ports, CONFIG_CLOSED_DROP);
	assert_int_equal(e->icmp_echo_per_s, 0);
	assert_int_equal(e->new_per_s, 50);
	assert_int_equal(e->burst, 50); /* one second's worth when not given */
	assert_int_equal(e->max_connections, 256);
	assert_int_equal(e->table_size, 1024);
	assert_int_equal(e->ipv6_prefix, 56);
	assert_int_equal(e->max_half_open, 16);
	assert_int_equal(e->max_handshaking, 100);
	config_free(cfg);

	expect_error(EDGE "  acl: { allow: [\"198.18.0.1/16\"] }\n", NAME ":7:18: ",
		     "edge.acl.allow[0]: \"198.18.0.1/16\" has host bits set; did you mean "
		     "198.18.0.0/16?");
	expect_error(EDGE "  acl: { deny: [198.18.0.0] }\n", NAME ":7:17: ",
		     "edge.acl.deny[0]: expected a CIDR like \"198.18.0.0/16\" or "
		     "\"2001:2:0:18::/64\", got");
	expect_error(EDGE "  acl: { deny: [198.18.0.0/33] }\n", NAME ":7:17: ",
		     "expected a prefix length 0..32 after '/'");
	expect_error(EDGE "  acl: { deny: [10.0.0.0/8, 10.0.0.0/8] }\n", NAME ":7:29: ",
		     "edge.acl.deny[1]: \"10.0.0.0/8\" is listed twice");
	expect_error(EDGE "  acl: { allow: [10.0.0.0/8], deny: [10.0.0.0/8] }\n", NAME ":7:38: ",
		     "edge.acl.deny[0]: \"10.0.0.0/8\" is in both allow and deny");
	cfg = expect_ok(EDGE "  acl: { allow: [\"2001:2:0:18::/64\", \"::/0\", 198.18.0.0/16],"
			     " deny: [\"2001:2:0:18::3/128\", \"2001:2:0:18::/63\"] }\n");
	e = &cfg->edge;
	assert_int_equal(e->n_allow, 3);
	assert_int_equal(e->allow[0].family, 6);
	assert_int_equal(e->allow[0].prefix, 64);
	assert_int_equal(e->allow[0].addr6[7], 0x18);
	assert_int_equal(e->allow[1].family, 6);
	assert_int_equal(e->allow[1].prefix, 0);
	assert_int_equal(e->allow[2].family, 4);
	assert_int_equal(e->n_deny, 2);
	assert_int_equal(e->deny[0].prefix, 128);
	assert_int_equal(e->deny[0].addr6[15], 3);
	config_free(cfg);
	expect_error(EDGE "  acl: { allow: [\"2001:2:0:18::1/64\"] }\n", NAME ":7:18: ",
		     "edge.acl.allow[0]: \"2001:2:0:18::1/64\" has host bits set; did you mean "
		     "2001:2:0:18::/64?");
	expect_error(EDGE "  acl: { deny: [\"2001:2:0:19::/63\"] }\n", NAME ":7:17: ",
		     "has host bits set; did you mean 2001:2:0:18::/63?");
	expect_error(EDGE "  acl: { deny: [\"2001:2::/129\"] }\n", NAME ":7:17: ",
		     "expected a prefix length 0..128 after '/'");
	expect_error(EDGE "  acl: { deny: [\"2001:2::\"] }\n", NAME ":7:17: ",
		     "edge.acl.deny[0]: expected a CIDR like");
	expect_error(EDGE "  acl: { deny: [\"2001:zz::/32\"] }\n", NAME ":7:17: ",
		     "edge.acl.deny[0]: expected a CIDR like");
	expect_error(EDGE "  acl: { deny: [\"2001:2::/32\", \"2001:2:0::/32\"] }\n", NAME ":7:32: ",
		     "edge.acl.deny[1]: \"2001:2:0::/32\" is listed twice");
	expect_error(EDGE "  acl: { allow: [\"::/0\"], deny: [\"::/0\"] }\n", NAME ":7:34: ",
		     "edge.acl.deny[0]: \"::/0\" is in both allow and deny");
	/* 0.0.0.0/0 and ::/0 are different prefixes: both lists may hold one each. */
	cfg = expect_ok(EDGE "  acl: { allow: [0.0.0.0/0], deny: [\"::/0\"] }\n");
	config_free(cfg);
	expect_error(EDGE "  acl: { allow: 10.0.0.0/8 }\n", NAME ":7:17: ",
		     "edge.acl.allow: expected a sequence of CIDRs");
	expect_error(EDGE "  acl: { default: maybe }\n", NAME ":7:19: ",
		     "edge.acl.default: expected one of allow, deny, got \"maybe\"");
	expect_error(EDGE "  acl: { permit: [] }\n", NAME ":7:10: ", "unknown key \"permit\"");
	expect_error(EDGE "  closed_ports: reject\n", NAME ":7:17: ",
		     "edge.closed_ports: expected one of rst, drop, got \"reject\"");
	expect_error(EDGE "  per_client: { burst: 10 }\n", NAME ":7:24: ",
		     "edge.per_client.burst: burst needs new_per_s");
	expect_error(EDGE "  per_client: { table_size: 1000 }\n", NAME ":7:29: ",
		     "edge.per_client.table_size: expected a power of two 1024..4194304");
	expect_error(EDGE "  per_client: { rate: 1 }\n", NAME ":7:17: ", "unknown key \"rate\"");
	expect_error(EDGE "  per_client: { ipv6_prefix: 31 }\n", NAME ":7:30: ",
		     "edge.per_client.ipv6_prefix: expected an integer 32..128");
	expect_error(EDGE "  per_client: { ipv6_prefix: 129 }\n", NAME ":7:30: ",
		     "edge.per_client.ipv6_prefix: expected an integer 32..128");
	expect_error(EDGE "  max_half_open: 0\n", NAME ":7:18: ",
		     "edge.max_half_open: expected an integer 16..4194304");
	expect_error(EDGE "  syn_flood: true\n", NAME ":7:3: ", "unknown key \"syn_flood\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_lcore_count),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_unknown_top_level_key),
		cmocka_unit_test(test_unknown_nested_key),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_redirect_listeners),
		cmocka_unit_test(test_tcp_section),
		cmocka_unit_test(test_tcp_local_ports),
		cmocka_unit_test(test_lcores_pinned_to_cpus),
		cmocka_unit_test(test_typo_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_ipv6_port),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_bad_ipv4),
		cmocka_unit_test(test_bad_prefix),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_ipv6_gateway),
		cmocka_unit_test(test_bad_bool),
		cmocka_unit_test(test_integer_out_of_range),
		cmocka_unit_test(test_trailing_junk),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_yaml_syntax_error),
		cmocka_unit_test(test_wrong_node_kind),
		cmocka_unit_test(test_yaml_features_refused),
		cmocka_unit_test(test_quoting_styles),
		cmocka_unit_test(test_folded_double_quoted),
		cmocka_unit_test(test_unterminated_input),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_tab),
		cmocka_unit_test(test_duplicate_port_names),
		cmocka_unit_test(test_port_count),
		cmocka_unit_test(test_eal_args_limits),
		cmocka_unit_test(test_too_few_lcores),
		cmocka_unit_test(test_bad_lcores),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_good_file),
		cmocka_unit_test(test_load_bad_file),
		cmocka_unit_test(test_load_directory),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_tls_full),
		cmocka_unit_test(test_tls_defaults),
		cmocka_unit_test(test_tls_section_shape),
		cmocka_unit_test(test_tls_certificate_files),
		cmocka_unit_test(test_tls_relative_paths),
		cmocka_unit_test(test_tls_sni_names),
		cmocka_unit_test(test_tls_ciphersuites),
		cmocka_unit_test(test_tls_ciphers),
		cmocka_unit_test(test_tls_groups),
		cmocka_unit_test(test_tls_min_version),
		cmocka_unit_test(test_tls_alpn),
		cmocka_unit_test(test_limits_tickets_crypto),
		cmocka_unit_test(test_ticket_key_file),
		cmocka_unit_test(test_key_permissions),
		cmocka_unit_test(test_ocsp_file),
		cmocka_unit_test(test_proxy_full),
		cmocka_unit_test(test_proxy_defaults),
		cmocka_unit_test(test_backend_names),
		cmocka_unit_test(test_backend_servers),
		cmocka_unit_test(test_backend_settings),
		cmocka_unit_test(test_backend_health),
		cmocka_unit_test(test_listener_backend),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_access_log),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_edge),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}

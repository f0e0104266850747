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
#include <unistd.h>

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
static void expect_error(const char *yaml, const char *want_prefix, const char *want_text)
{
	char err[CONFIG_ERR_LEN];
	struct config *cfg = parse(yaml, err, sizeof(err));
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

static struct config *expect_ok(const char *yaml)
{
	char err[CONFIG_ERR_LEN] = "";
	struct config *cfg = parse(yaml, err, sizeof(err));

	if (cfg == NULL)
		print_error("input:\n%s\nunexpected error: %s\n", yaml, err);
	assert_non_null(cfg);
	assert_string_equal(err, "");
	return cfg;
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
		MIN_DPDK MIN_PORTS "backends: []\n", NAME ":6:1: ",
		"unknown key \"backends\"; allowed here: dpdk, ports, listeners, tcp, log, arp, "
		"mbufs_per_worker");
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
		     "expected cubic or newreno");
	expect_error(MIN_DPDK MIN_PORTS "tcp:\n  rcv_buffer: 100\n", NAME ":7:15: ",
		     "expected an integer 4096..16777216");
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
		     NAME ":7:26: ", "expected a built-in service (echo, discard)");
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

static void test_ipv6_not_yet(void **state)
{
	(void)state;
	expect_error(MIN_DPDK MIN_PORTS "    ipv6: \"2001:2:0:18::1/64\"\n",
		     NAME ":6:5: ", "ports[0].ipv6: ipv6 is not supported yet");
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

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
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

static int remove_tmpdir(void **state)
{
	(void)state;
	return rmdir(tmpdir);
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
		cmocka_unit_test(test_tcp_section),
		cmocka_unit_test(test_lcores_pinned_to_cpus),
		cmocka_unit_test(test_typo_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_ipv6_not_yet),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_bad_ipv4),
		cmocka_unit_test(test_bad_prefix),
		cmocka_unit_test(test_gateway),
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
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}

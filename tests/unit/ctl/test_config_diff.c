/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/ctl/config_diff.c: what a reload may change. Each case parses
 * a base config and a variant of it (real certificates from scripts/certs.sh)
 * and checks the verdict and, for a refusal, the field it names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tlsterm/config.h>

static char tmpdir[64];
static char name[128]; /* tmpdir/t.yaml: certificate paths resolve against tmpdir */

static int make_certs(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config_diff.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(name, sizeof(name), "%s/t.yaml", tmpdir);
	snprintf(cmd, sizeof(cmd), "bash '%s' '%s' >/dev/null", CERTS_SH, tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int remove_certs(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * The base config, with one line replaced: `from` (a whole line of BASE) becomes
 * `to` (may be several lines, or empty to drop it).
 */
static const char BASE[] =
	"dpdk: { lcores: \"0-1\", memory_mb: 256, no_huge: true, eal_args: [\"--no-shconf\"] }\n"
	"ports:\n"
	"  - { name: edge, device: \"net_af_packet0,iface=e\", ipv4: 198.18.0.1/16 }\n"
	"  - { name: inside, device: \"net_af_packet1,iface=i\", ipv4: 198.19.0.1/16 }\n"
	"listeners:\n"
	"  - port: 443\n"
	"    backend: app\n"
	"    tls:\n"
	"      certificates: [ { cert: site-ecdsa.pem, key: site-ecdsa.key } ]\n"
	"      alpn: [http/1.1]\n"
	"  - { port: 7, backend: echo }\n"
	"backends:\n"
	"  app: { servers: [\"198.19.0.2:8080\"] }\n"
	"  other: { servers: [\"198.19.0.5:8080\"] }\n"
	"limits: { handshake_timeout_ms: 10000, idle_timeout_ms: 300000 }\n"
	"tickets: { rotate_s: 3600 }\n"
	"log: { level: info }\n"
	"tcp: { max_connections: 4096 }\n"
	"admin: { listen: \"127.0.0.1:9901\" }\n"
	"mbufs_per_worker: 8191\n";

static struct config *variant(const char *from, const char *to)
{
	char text[4096], err[CONFIG_ERR_LEN];
	const char *at = from != NULL ? strstr(BASE, from) : NULL;

	if (from == NULL) {
		snprintf(text, sizeof(text), "%s", BASE);
	} else {
		assert_non_null(at);
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - BASE), BASE, to,
			 at + strlen(from));
	}
	struct config *cfg = config_parse(name, text, strlen(text), err, sizeof(err));
	if (cfg == NULL)
		print_error("variant does not parse: %s\n%s\n", err, text);
	assert_non_null(cfg);
	return cfg;
}

/* from -> to must be accepted by a reload. */
static void expect_live(const char *from, const char *to)
{
	char err[CONFIG_ERR_LEN] = "";
	struct config *old = variant(NULL, NULL), *new = variant(from, to);
	int rc = config_reload_check(old, new, err, sizeof(err));

	if (rc != 0)
		print_error("%s -> %s: refused: %s\n", from, to, err);
	config_free(old);
	config_free(new);
	assert_int_equal(rc, 0);
}

/* from -> to must be refused, naming field. */
static void expect_restart(const char *from, const char *to, const char *field)
{
	char err[CONFIG_ERR_LEN] = "", want[256];
	struct config *old = variant(NULL, NULL), *new = variant(from, to);
	int rc = config_reload_check(old, new, err, sizeof(err));

	snprintf(want, sizeof(want), "%s: %s: changing it needs a restart", name, field);
	if (rc == 0 || strcmp(err, want) != 0)
		print_error("%s -> %s: got rc %d \"%s\", want \"%s\"\n", from, to, rc, err, want);
	config_free(old);
	config_free(new);
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
}

static void test_same_file(void **state)
{
	(void)state;
	expect_live(NULL, NULL);
}

static void test_live_changes(void **state)
{
	(void)state;
	expect_live("certificates: [ { cert: site-ecdsa.pem, key: site-ecdsa.key } ]",
		    "certificates: [ { cert: other-ecdsa.pem, key: other-ecdsa.key } ]");
	expect_live("certificates: [ { cert: site-ecdsa.pem, key: site-ecdsa.key } ]",
		    "certificates: [ { cert: site-ecdsa.pem, key: site-ecdsa.key },"
		    " { cert: site-rsa.pem, key: site-rsa.key } ]");
	expect_live("      alpn: [http/1.1]\n", "      alpn: [h2, http/1.1]\n"
		    "      min_version: \"1.3\"\n      strict_sni: true\n");
	expect_live("      alpn: [http/1.1]\n", "");
	expect_live("handshake_timeout_ms: 10000, idle_timeout_ms: 300000",
		    "handshake_timeout_ms: 2000, idle_timeout_ms: 5000, redirect_timeout_ms: 700");
	expect_live("tickets: { rotate_s: 3600 }", "tickets: { rotate_s: 60, key_file: tickets.key }");
	expect_live("log: { level: info }", "log: { level: debug }");
	/* the proxy: backends, a listener's pool, PROXY headers */
	expect_live("    backend: app\n", "    backend: app\n    proxy_protocol: v2\n");
	expect_live("\"198.19.0.2:8080\"", "\"198.19.0.3:8080\"");
	expect_live("{ servers: [\"198.19.0.2:8080\"] }",
		    "{ servers: [\"198.19.0.2:8080\", { address: \"198.19.0.3:8080\", weight: 3 }],"
		    " balance: least_conn, retries: 0, connect_timeout_ms: 500,"
		    " health: { type: http, path: /h, interval_ms: 300, timeout_ms: 200 } }");
	expect_live("  app: { servers: [\"198.19.0.2:8080\"] }\n",
		    "  zzz: { servers: [\"198.19.0.9:80\"] }\n"
		    "  app: { servers: [\"198.19.0.2:8080\"] }\n");
	expect_live("    backend: app\n  ", "    backend: other\n  ");
}

static void test_restart_only(void **state)
{
	(void)state;
	expect_restart("iface=e\"", "iface=x\"", "ports[0].device");
	expect_restart("198.19.0.1/16", "198.19.0.1/24", "ports[1].ipv4");
	expect_restart("lcores: \"0-1\"", "lcores: \"0-2\"", "dpdk.lcores");
	expect_restart("memory_mb: 256", "memory_mb: 512", "dpdk.memory_mb");
	expect_restart("[\"--no-shconf\"]", "[\"--file-prefix=x\"]", "dpdk.eal_args[0]");
	expect_restart("- port: 443", "- port: 8443", "listeners[0].port");
	expect_restart("{ port: 7, backend: echo }", "{ port: 7, backend: discard }",
		       "listeners[1].backend");
	expect_restart("{ port: 7, backend: echo }", "{ port: 7, backend: app }",
		       "listeners[1].backend");
	expect_restart("    backend: app\n  ", "    backend: echo\n  ", "listeners[0].backend");
	expect_restart("{ port: 7, backend: echo }", "{ port: 7, backend: echo }\n"
		       "  - { port: 9, backend: discard }", "listeners");
	expect_restart("tcp: { max_connections: 4096 }", "tcp: { max_connections: 8192 }",
		       "tcp.max_connections");
	expect_restart("tcp: { max_connections: 4096 }",
		       "tcp: { max_connections: 4096, local_port_first: 1024 }", "tcp.local_port_first");
	expect_restart("tcp: { max_connections: 4096 }",
		       "tcp: { max_connections: 4096, local_port_last: 65535 }", "tcp.local_port_last");
	expect_restart("127.0.0.1:9901", "127.0.0.1:9902", "admin.listen");
	expect_restart("mbufs_per_worker: 8191", "mbufs_per_worker: 4095", "mbufs_per_worker");
	expect_restart("mbufs_per_worker: 8191", "mbufs_per_worker: 8191\n"
		       "crypto: { engine: evp }", "crypto.engine");
	expect_restart("mbufs_per_worker: 8191", "mbufs_per_worker: 8191\n"
		       "crypto: { key_schedules: 4096 }", "crypto.key_schedules");
	expect_restart("log: { level: info }", "log: { level: info, file: t.log }", "log.file");
	expect_restart("limits: { handshake_timeout_ms: 10000, idle_timeout_ms: 300000 }",
		       "limits: { redirect_connections: 64 }", "limits.redirect_connections");
	/* tls on or off decides how the port listens */
	expect_restart("{ port: 7, backend: echo }", "{ port: 7, backend: echo, tls: "
		       "{ certificates: [ { cert: site-ecdsa.pem, key: site-ecdsa.key } ] } }",
		       "listeners[1].tls");
}

/* Fields set straight in the struct (the base has no IPv6): each is named, restart-only. */
static void expect_restart_field(void (*change)(struct config *), const char *field)
{
	char err[CONFIG_ERR_LEN] = "", want[256];
	struct config *old = variant(NULL, NULL), *new = variant(NULL, NULL);

	change(new);
	snprintf(want, sizeof(want), "%s: %s: changing it needs a restart", name, field);
	assert_int_equal(config_reload_check(old, new, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	config_free(old);
	config_free(new);
}

static void add_ipv6_gateway(struct config *cfg)
{
	cfg->ports[1].has_ipv6_gateway = true;
	cfg->ports[1].ipv6_gateway[0] = 0xfe;
	cfg->ports[1].ipv6_gateway[1] = 0x80;
	cfg->ports[1].ipv6_gateway[15] = 1;
}

static void turn_accept_ra(struct config *cfg)
{
	cfg->ipv6.accept_ra = !cfg->ipv6.accept_ra;
}

static void test_restart_only_ipv6(void **state)
{
	(void)state;
	expect_restart_field(add_ipv6_gateway, "ports[1].ipv6_gateway");
	expect_restart_field(turn_accept_ra, "ipv6.accept_ra");
}

/* Several differences: the first field in file order is named, once. */
static void test_first_named(void **state)
{
	char err[CONFIG_ERR_LEN] = "", want[256];
	struct config *old = variant(NULL, NULL);
	struct config *new = variant("iface=i\"", "iface=j\"");

	(void)state;
	new->tcp.max_connections = 1;
	assert_int_equal(config_reload_check(old, new, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: ports[1].device: changing it needs a restart", name);
	assert_string_equal(err, want);
	config_free(old);
	config_free(new);
}

/*
 * A byte of struct config that no check names (here the padding after
 * tls.enabled stands in for a field added later) is refused by default.
 */
static void test_unknown_refused(void **state)
{
	char err[CONFIG_ERR_LEN] = "";
	struct config *old = variant(NULL, NULL), *new = variant(NULL, NULL);
	size_t at = offsetof(struct config, listeners[0].tls) +
		    offsetof(struct config_tls, enabled) + 1;

	(void)state;
	assert_true(offsetof(struct config_tls, n_certs) > offsetof(struct config_tls, enabled) + 1);
	((unsigned char *)new)[at] ^= 0x5a;
	assert_int_equal(config_reload_check(old, new, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot change live"));
	assert_non_null(strstr(err, "changing it needs a restart"));
	config_free(old);
	config_free(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_file),
		cmocka_unit_test(test_live_changes),
		cmocka_unit_test(test_restart_only),
		cmocka_unit_test(test_restart_only_ipv6),
		cmocka_unit_test(test_first_named),
		cmocka_unit_test(test_unknown_refused),
	};
	return cmocka_run_group_tests(tests, make_certs, remove_certs);
}

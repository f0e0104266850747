/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/ctl/metrics.c: known counters give exact lines, every family
 * has one HELP and one TYPE ahead of its samples, names and labels are valid
 * Prometheus, and /stats carries the same numbers.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tlsterm/metrics.h>

#define MAX_FAMILIES 256

struct fixture {
	struct config cfg;
	struct worker_counters w[2];
	struct worker_counters sum;
	const struct worker_counters *workers[2];
	struct metrics_pool pools[2];
	struct metrics_input in;
};

static struct fixture fx;

static void setup_counters(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.cfg.n_ports = 2;
	snprintf(fx.cfg.ports[0].name, sizeof(fx.cfg.ports[0].name), "edge");
	snprintf(fx.cfg.ports[1].name, sizeof(fx.cfg.ports[1].name), "inside");
	for (unsigned int i = 0; i < 2; i++) {
		struct worker_counters *c = &fx.w[i];

		c->port[0] = (struct port_counters){ 10 + i, 1000 + i, 20 + i, 2000 + i, 5 + i, 7, 1, 4 };
		c->port[1] = (struct port_counters){ 30, 3000, 40, 4000, 50, 60, 0, 0 };
		c->drops[DROP_IPV4_CHECKSUM] = 3;
		c->tcp.active_opens = 1;
		c->tcp.passive_opens = 7;
		c->tcp.retransmits = 4;
		c->tcp.syncookies_sent = 5;
		c->tls.handshakes_tls13 = 5;
		c->tls.handshakes_tls12 = 2;
		c->tls.handshakes_failed = 1;
		c->tls.handshake_timeouts = 1;
		c->tls.records_sealed = 100;
		c->proxy.bytes_down = 65536;
		c->iterations = 1000 * (i + 1);
		c->idle_iterations = 900;
		c->busy_cycles = 2000 * (i + 1);
		c->idle_cycles = 700 + i;
		c->idle_stalls = 3;
		fx.workers[i] = c;
	}
	fx.w[0].tls.alerts_sent[20] = 2;    /* bad_record_mac */
	fx.w[1].tls.alerts_sent[120] = 1;   /* no_application_protocol */
	fx.w[1].tls.alerts_sent[200] = 1;   /* unassigned */
	fx.w[0].tls.alerts_received[0] = 6; /* close_notify */
	fx.w[0].tcp.segs_in = UINT64_MAX - 1;
	fx.w[1].tcp.segs_in = 1;
	for (unsigned int i = 0; i < 2; i++)
		worker_counters_add(&fx.sum, &fx.w[i]);
	fx.pools[0] = (struct metrics_pool){ "mbufs_w0", 123, 8191 };
	fx.pools[1] = (struct metrics_pool){ "mbufs_w1", 0, 8191 };
	fx.in = (struct metrics_input){
		.cfg = &fx.cfg,
		.sum = &fx.sum,
		.workers = fx.workers,
		.n_workers = 2,
		.tsc_hz = 2500000000u,
		.pools = fx.pools,
		.n_pools = 2,
	};
}

static int setup(void **state)
{
	(void)state;
	setup_counters();
	return 0;
}

/* Is line one whole line of text? */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void expect_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		print_error("missing line: %s\n", line);
	assert_true(has_line(text, line));
}

static void expect_no_line(const char *text, const char *line)
{
	if (has_line(text, line))
		print_error("unexpected line: %s\n", line);
	assert_false(has_line(text, line));
}

static char *render(size_t *len)
{
	char *text = metrics_prometheus(&fx.in, len);

	assert_non_null(text);
	assert_int_equal(strlen(text), *len);
	return text;
}

static void test_known_values(void **state)
{
	size_t len;
	char *t;

	(void)state;
	t = render(&len);
	expect_line(t, "tlsterm_tsc_hz 2500000000");
	expect_line(t, "tlsterm_port_rx_packets_total{port=\"edge\"} 21");
	expect_line(t, "tlsterm_port_rx_bytes_total{port=\"edge\"} 2001");
	expect_line(t, "tlsterm_port_tx_packets_total{port=\"edge\"} 41");
	expect_line(t, "tlsterm_port_tx_bytes_total{port=\"inside\"} 8000");
	expect_line(t, "tlsterm_port_tx_device_cycles_total{port=\"inside\"} 120");
	expect_line(t, "tlsterm_port_rx_device_cycles_total{port=\"edge\"} 11");
	expect_line(t, "tlsterm_port_tx_copied_total{port=\"edge\"} 8");
	expect_line(t, "tlsterm_drops_total{reason=\"ipv4_checksum\"} 6");
	expect_line(t, "tlsterm_drops_total{reason=\"runt\"} 0"); /* every reason, for rate() */
	expect_line(t, "tlsterm_drops_total{reason=\"impair_drop\"} 0");
	expect_line(t, "tlsterm_tcp_connections_opened_total{direction=\"active\"} 2");
	expect_line(t, "tlsterm_tcp_connections_opened_total{direction=\"passive\"} 14");
	expect_line(t, "tlsterm_tcp_retransmissions_total 8");
	expect_line(t, "tlsterm_tcp_syncookies_sent_total 10");
	expect_line(t, "tlsterm_tcp_segments_total{direction=\"in\"} 18446744073709551615");
	expect_line(t, "tlsterm_tls_handshakes_total{version=\"1.3\",result=\"ok\"} 10");
	expect_line(t, "tlsterm_tls_handshakes_total{version=\"1.2\",result=\"ok\"} 4");
	expect_line(t, "tlsterm_tls_handshakes_total{version=\"unknown\",result=\"failed\"} 2");
	expect_line(t, "tlsterm_tls_handshakes_total{version=\"unknown\",result=\"timeout\"} 2");
	expect_line(t, "tlsterm_tls_records_total{direction=\"seal\"} 200");
	expect_line(t, "tlsterm_tls_records_total{direction=\"open\"} 0");
	expect_line(t, "tlsterm_tls_alerts_sent_total{alert=\"bad_record_mac\"} 2");
	expect_line(t, "tlsterm_tls_alerts_sent_total{alert=\"no_application_protocol\"} 1");
	expect_line(t, "tlsterm_tls_alerts_sent_total{alert=\"unassigned_200\"} 1");
	expect_line(t, "tlsterm_tls_alerts_received_total{alert=\"close_notify\"} 6");
	expect_no_line(t, "tlsterm_tls_alerts_sent_total{alert=\"close_notify\"} 0");
	expect_line(t, "tlsterm_proxy_bytes_total{direction=\"down\"} 131072");
	expect_line(t, "tlsterm_worker_iterations_total{worker=\"0\"} 1000");
	expect_line(t, "tlsterm_worker_iterations_total{worker=\"1\"} 2000");
	expect_line(t, "tlsterm_worker_idle_iterations_total{worker=\"1\"} 900");
	expect_line(t, "tlsterm_worker_busy_cycles_total{worker=\"1\"} 4000");
	expect_line(t, "tlsterm_worker_idle_cycles_total{worker=\"1\"} 701");
	expect_line(t, "tlsterm_worker_idle_stalls_total{worker=\"0\"} 3");
	expect_line(t, "tlsterm_mempool_in_use{pool=\"mbufs_w0\"} 123");
	expect_line(t, "tlsterm_mempool_size{pool=\"mbufs_w1\"} 8191");
	expect_line(t, "# TYPE tlsterm_tsc_hz gauge");
	expect_line(t, "# TYPE tlsterm_drops_total counter");
	expect_line(t, "# TYPE tlsterm_mempool_in_use gauge");
	/* the connection gauges only when the caller has them */
	assert_null(strstr(t, "tlsterm_tcp_connections_open "));
	assert_null(strstr(t, "tlsterm_tcp_connections_time_wait"));
	free(t);

	fx.in.has_conns = true;
	fx.in.tcp_open = 3;
	fx.in.tcp_time_wait = 9;
	fx.in.tls_open = 2;
	fx.in.proxy_sessions = 1;
	fx.in.tls_key_schedules = 5;
	fx.in.tls_key_schedules_size = 8192;
	t = render(&len);
	expect_line(t, "tlsterm_tls_key_schedules_in_use 5");
	expect_line(t, "tlsterm_tls_key_schedules_size 8192");
	expect_line(t, "tlsterm_tcp_connections_open 3");
	expect_line(t, "tlsterm_tcp_connections_time_wait 9");
	expect_line(t, "tlsterm_tls_connections_open 2");
	expect_line(t, "tlsterm_proxy_sessions_open 1");
	expect_line(t, "# TYPE tlsterm_tcp_connections_open gauge");
	free(t);
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/* {name="value",...}: returns the length, or 0 if malformed. */
static size_t label_set_len(const char *s)
{
	size_t i = 1;

	if (s[0] != '{')
		return 0;
	for (;;) {
		size_t start = i;

		while (isalnum((unsigned char)s[i]) || s[i] == '_')
			i++;
		if (!valid_name(s + start, i - start) || s[i] != '=' || s[i + 1] != '"')
			return 0;
		for (i += 2; s[i] != '"'; i++) {
			if (s[i] == '\n' || s[i] == '\0')
				return 0;
			if (s[i] == '\\' && (s[i + 1] == '\\' || s[i + 1] == '"' || s[i + 1] == 'n'))
				i++;
			else if (s[i] == '\\')
				return 0;
		}
		i++;
		if (s[i] == '}')
			return i + 1;
		if (s[i] != ',')
			return 0;
		i++;
	}
}

/*
 * The whole text, line by line: "# HELP f ..." then "# TYPE f counter|gauge",
 * each once per family, then only samples of f; counters end in _total;
 * values are integers.
 */
static void check_exposition(const char *text, unsigned int *n_families)
{
	static char names[MAX_FAMILIES][128];
	unsigned int n = 0;
	char family[128] = "", type[16] = "";
	bool typed = false;

	for (const char *line = text; *line != '\0';) {
		const char *end = strchr(line, '\n');
		char name[128];

		assert_non_null(end); /* the text ends with a newline */
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			assert_true(valid_name(family, strlen(family)));
			assert_true(strlen(line + 7) > strlen(family) + 1); /* some help text */
			for (unsigned int i = 0; i < n; i++)
				if (strcmp(names[i], family) == 0)
					fail_msg("family %s appears twice", family);
			assert_true(n < MAX_FAMILIES);
			snprintf(names[n++], sizeof(names[0]), "%s", family);
			typed = false;
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_false(typed);
			assert_int_equal(sscanf(line + 7, "%127s %15s", name, type), 2);
			assert_string_equal(name, family);
			assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
			if (strcmp(type, "counter") == 0) {
				size_t l = strlen(family);
				assert_true(l > 6 && strcmp(family + l - 6, "_total") == 0);
			}
			typed = true;
		} else {
			size_t l = strcspn(line, "{ ");
			const char *v = line + l;
			unsigned long long value;
			int used = 0;

			if (!typed)
				fail_msg("sample without HELP and TYPE first: %.*s", (int)(end - line),
					 line);
			if (l != strlen(family) || strncmp(line, family, l) != 0)
				fail_msg("sample of another family under %s: %.*s", family,
					 (int)(end - line), line);
			if (*v == '{') {
				size_t ll = label_set_len(v);
				if (ll == 0)
					fail_msg("bad labels: %.*s", (int)(end - line), line);
				v += ll;
			}
			assert_int_equal(sscanf(v, " %llu%n", &value, &used), 1);
			assert_ptr_equal(v + used, end);
		}
		line = end + 1;
	}
	*n_families = n;
}

static void test_exposition_format(void **state)
{
	unsigned int n_families;
	size_t len;
	char *t;

	(void)state;
	fx.in.has_conns = true;
	t = render(&len);
	check_exposition(t, &n_families);
	/* 4 ports, drops, 54 plain, 2 alerts, 3 worker, 1+4 gauges, 2 pools */
	assert_true(n_families >= 60);
	free(t);
}

/* A checker that accepts everything would make the test above worthless. */
static void test_checker_catches_mistakes(void **state)
{
	(void)state;
	assert_int_equal(label_set_len("{a=\"b\"} 1"), 7);
	assert_int_equal(label_set_len("{a=\"b\",c=\"d\\\"\"} 1"), 15);
	assert_int_equal(label_set_len("{a=b} 1"), 0);
	assert_int_equal(label_set_len("{a=\"b\\x\"} 1"), 0);
	assert_int_equal(label_set_len("{1a=\"b\"} 1"), 0);
	assert_false(valid_name("tlsterm-x", 9));
	assert_true(valid_name("tlsterm_x", 9));
}

/* Label values are escaped as the format says; JSON strings too. */
static void test_escaping(void **state)
{
	size_t len;
	char *t;

	(void)state;
	snprintf(fx.pools[1].name, sizeof(fx.pools[1].name), "a\"b\\c\nd");
	t = render(&len);
	expect_line(t, "tlsterm_mempool_size{pool=\"a\\\"b\\\\c\\nd\"} 8191");
	free(t);
	snprintf(fx.pools[1].name, sizeof(fx.pools[1].name), "a\"b\\c\nd\x01");
	t = metrics_json(&fx.in, &len);
	assert_non_null(t);
	assert_non_null(strstr(t, "{\"pool\":\"a\\\"b\\\\c\\nd\\u0001\",\"in_use\":0,\"size\":8191}"));
	free(t);
}

static void test_json(void **state)
{
	size_t len;
	char *t;
	int depth = 0;

	(void)state;
	fx.in.has_conns = true;
	fx.in.tcp_open = 3;
	t = metrics_json(&fx.in, &len);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	assert_non_null(strstr(t, "{\"tsc_hz\":2500000000,\"ports\":{\"edge\":{\"rx_packets\":21,"
				  "\"rx_bytes\":2001,\"tx_packets\":41,\"tx_bytes\":4001,"
				  "\"rx_device_cycles\":11,\"tx_device_cycles\":14,\"device_stalls\":2,"
				  "\"tx_copied\":8},"
				  "\"inside\":{\"rx_packets\":60,"));
	assert_non_null(strstr(t, "\"drops\":{\"runt\":0,"));
	assert_non_null(strstr(t, "\"ipv4_checksum\":6,"));
	assert_non_null(strstr(t, "\"tcp\":{\"active_opens\":2,\"passive_opens\":14,"));
	assert_non_null(strstr(t, "\"segs_in\":18446744073709551615,"));
	assert_non_null(strstr(t, "\"handshakes_tls13\":10,\"handshakes_tls12\":4,"));
	assert_non_null(strstr(t, "\"tls_alerts\":{\"sent\":{\"bad_record_mac\":2,"
				  "\"no_application_protocol\":1,\"unassigned_200\":1},"
				  "\"received\":{\"close_notify\":6}}"));
	assert_non_null(strstr(t, "\"workers\":[{\"worker\":0,\"iterations\":1000,"
				  "\"idle_iterations\":900,\"busy_cycles\":2000,\"idle_cycles\":700,"
				  "\"idle_stalls\":3},{\"worker\":1,"));
	assert_non_null(strstr(t, "\"connections\":{\"tcp_open\":3,"));
	assert_non_null(strstr(t, "\"mempools\":[{\"pool\":\"mbufs_w0\",\"in_use\":123,"
				  "\"size\":8191},"));
	/* brackets balance and close at the very end (strings hold none here) */
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '{' || t[i] == '[')
			depth++;
		if (t[i] == '}' || t[i] == ']')
			depth--;
		assert_true(depth > 0 || i >= len - 2);
	}
	assert_int_equal(depth, 0);
	assert_string_equal(t + len - 3, "]}\n");
	free(t);
}

static void test_alert_names(void **state)
{
	(void)state;
	assert_string_equal(tls_alert_name(0), "close_notify");
	assert_string_equal(tls_alert_name(40), "handshake_failure");
	assert_string_equal(tls_alert_name(112), "unrecognized_name");
	assert_string_equal(tls_alert_name(120), "no_application_protocol");
	assert_null(tls_alert_name(1));
	assert_null(tls_alert_name(255));
	assert_null(tls_alert_name(256));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_known_values, setup),
		cmocka_unit_test_setup(test_exposition_format, setup),
		cmocka_unit_test_setup(test_checker_catches_mistakes, setup),
		cmocka_unit_test_setup(test_escaping, setup),
		cmocka_unit_test_setup(test_json, setup),
		cmocka_unit_test_setup(test_alert_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/ctl/stats.c: the shutdown log carries every number /stats
 * carries, each as " key=value" on a "stats: <section>" line (the form the
 * integration tests and benchmarks read), and no line is cut short even with
 * 20-digit values.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tlsterm/log.h>
#include <tlsterm/metrics.h>
#include <tlsterm/stats.h>

#define TSC_HZ 2500000000u
#define LOG_LINE_MAX 1024 /* log_msg's buffer */

static struct config cfg;
static struct worker_counters sum;
static char *log_text;
static char *json;

/* Every uint64_t of the counters different, most of them 20 digits long. */
static void fill_counters(void)
{
	uint64_t *v = (uint64_t *)&sum;

	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < sizeof(sum) / sizeof(*v); i++)
		v[i] = UINT64_MAX - 1000 * i;
	sum.drops[0] = 0; /* a reason without drops has no line */
	sum.tls.alerts_sent[1] = 0;
}

static char *read_all(FILE *f)
{
	long len;
	char *s;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	s = malloc((size_t)len + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
	s[len] = '\0';
	return s;
}

static int setup(void **state)
{
	char path[] = "/tmp/test_stats_XXXXXX";
	const struct worker_counters *workers[1] = { &sum };
	struct metrics_input in = { .cfg = &cfg, .sum = &sum, .workers = workers,
				    .n_workers = 1, .tsc_hz = TSC_HZ };
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_ports = 2;
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "edge");
	snprintf(cfg.ports[1].name, sizeof(cfg.ports[1].name), "inside");
	fill_counters();

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(LOG_LEVEL_INFO, path), 0);
	stats_log(&cfg, &sum, TSC_HZ);
	log_close();
	f = fopen(path, "r");
	assert_non_null(f);
	log_text = read_all(f);
	fclose(f);
	unlink(path);
	json = metrics_json(&in, &len);
	assert_non_null(json);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(log_text);
	free(json);
	return 0;
}

/* Is "stats: <what>" followed, on the same line, by " key=value"? */
static bool logged(const char *what, const char *key, uint64_t value)
{
	char head[96];
	char pair[128];

	snprintf(head, sizeof(head), "stats: %s", what);
	snprintf(pair, sizeof(pair), " %s=%" PRIu64, key, value);
	for (const char *line = log_text; *line != '\0';) {
		const char *end = strchr(line, '\n');
		const char *h = strstr(line, head);

		assert_non_null(end);
		if (h != NULL && h < end) {
			const char *p = strstr(h, pair);
			size_t l = strlen(pair);

			/* the whole value: followed by a space or the line's end */
			if (p != NULL && p + l <= end && (p[l] == ' ' || p[l] == '\n'))
				return true;
		}
		line = end + 1;
	}
	return false;
}

/* The members of the JSON object that starts at o ("{"), each checked against the log. */
static unsigned int check_object(const char *o, const char *what)
{
	unsigned int n = 0;

	assert_int_equal(*o, '{');
	for (o++; *o != '}'; n++) {
		char key[64];
		unsigned long long v;
		int used = 0;

		assert_int_equal(sscanf(o, "\"%63[^\"]\":%llu%n", key, &v, &used), 2);
		if (!logged(what, key, v))
			fail_msg("/stats has %s.%s=%llu, the log does not", what, key, v);
		o += used;
		if (*o == ',')
			o++;
	}
	return n;
}

static const char *json_find(const char *from, const char *key)
{
	char quoted[64];
	const char *p;

	snprintf(quoted, sizeof(quoted), "\"%s\":", key);
	p = strstr(from, quoted);
	assert_non_null(p);
	return p + strlen(quoted);
}

static void test_every_section_counter(void **state)
{
	static const char *const sections[] = { "net", "tcp", "tls", "proxy", "edge" };
	const char *after_ports = json_find(json, "drops"); /* a port may be named "edge" */
	unsigned int n = 0;

	(void)state;
	for (unsigned int i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		n += check_object(json_find(after_ports, sections[i]), sections[i]);
	assert_true(n >= 70); /* the plain counters: all of them, not a few */
}

static void test_ports_drops_workers(void **state)
{
	const char *ports = json_find(json, "ports");
	uint64_t total = 0;

	(void)state;
	assert_int_equal(check_object(json_find(ports, "edge"), "port edge"), 8);
	assert_int_equal(check_object(json_find(ports, "inside"), "port inside"), 8);
	for (unsigned int r = 0; r < DROP__COUNT; r++) {
		char line[96];

		total += sum.drops[r];
		snprintf(line, sizeof(line), "stats: drop %s=%" PRIu64 "\n", drop_reason_name(r),
			 sum.drops[r]);
		assert_true((strstr(log_text, line) != NULL) == (sum.drops[r] != 0));
	}
	assert_true(logged("", "drops_total", total));
	assert_true(logged("", "tsc_hz", TSC_HZ));
	/* the workers' load, summed: /stats has it per worker */
	assert_true(logged("", "iterations", sum.iterations));
	assert_true(logged("", "idle_iterations", sum.idle_iterations));
	assert_true(logged("", "busy_cycles", sum.busy_cycles));
}

/* The lines the integration tests grep for by their exact form. */
static void test_alert_and_redirect_lines(void **state)
{
	char line[96];

	(void)state;
	snprintf(line, sizeof(line), "stats: tls alert_sent 20=%" PRIu64 "\n",
		 sum.tls.alerts_sent[20]);
	assert_non_null(strstr(log_text, line));
	snprintf(line, sizeof(line), "stats: tls alert_received 0=%" PRIu64 "\n",
		 sum.tls.alerts_received[0]);
	assert_non_null(strstr(log_text, line));
	assert_null(strstr(log_text, "stats: tls alert_sent 1="));
	snprintf(line, sizeof(line), "stats: edge redirect %s=%" PRIu64 "\n",
		 redirect_outcome_name(REDIRECT_OK), sum.edge.redirect_outcomes[REDIRECT_OK]);
	assert_non_null(strstr(log_text, line));
}

static void test_lines_whole(void **state)
{
	unsigned int lines = 0;

	(void)state;
	for (const char *line = log_text; *line != '\0'; lines++) {
		const char *end = strchr(line, '\n');

		assert_non_null(end);
		/* log_msg cuts a line at its buffer: one that long may have lost a pair */
		assert_true(end - line < LOG_LINE_MAX - 2);
		assert_non_null(strstr(line, "stats: "));
		line = end + 1;
	}
	assert_true(lines > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_section_counter),
		cmocka_unit_test(test_ports_drops_workers),
		cmocka_unit_test(test_alert_and_redirect_lines),
		cmocka_unit_test(test_lines_whole),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

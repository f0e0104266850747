/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/ctl/admin.c: a real listener on 127.0.0.1 (a free port), a
 * plain socket client, and the test's own loop driving admin_poll(), as the
 * control thread does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <tlsterm/admin.h>

#define TOKEN "0123456789abcdefXYZ-._~+/="
#define RESPONSE_MAX 65536

/* What the "application" shows and how often it was asked. */
static struct config cfg;
static struct worker_counters sum;
static const struct worker_counters *workers[1] = { &sum };
static unsigned int collects, reloads;

static void collect(void *arg, struct metrics_input *in)
{
	(void)arg;
	collects++;
	*in = (struct metrics_input){ .cfg = &cfg, .sum = &sum, .workers = workers,
				      .n_workers = 1, .tsc_hz = 1000 };
}

static unsigned int reload(void *arg, char *reply, size_t len)
{
	(void)arg;
	reloads++;
	snprintf(reply, len, "{\"reloaded\":%u}\n", reloads);
	return 202;
}

struct response {
	int status;
	char text[RESPONSE_MAX]; /* headers and body */
	const char *body;
};

static struct admin *start(const char *token, bool with_reload)
{
	struct config_admin ac = { .enabled = true, .ipv4 = htonl(INADDR_LOOPBACK), .port = 0 };
	struct admin_ops ops = { .collect = collect, .reload = with_reload ? reload : NULL };
	char err[256] = "";
	struct admin *a;

	snprintf(ac.token, sizeof(ac.token), "%s", token);
	a = admin_start(&ac, &ops, err, sizeof(err));
	if (a == NULL)
		print_error("admin_start: %s\n", err);
	assert_non_null(a);
	assert_true(admin_port(a) > 0);
	return a;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send raw bytes, then serve with admin_poll() until the server closes the connection. */
static void exchange(struct admin *a, const char *request, size_t req_len, struct response *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)admin_port(a)),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	double deadline = now_s() + 10;
	size_t got = 0, sent = 0;

	assert_true(fd >= 0);
	/* the kernel completes the handshake from the backlog, before any accept() */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		assert_int_equal(errno, EINPROGRESS);
	memset(r, 0, sizeof(*r));
	for (;;) {
		ssize_t n;

		assert_true(now_s() < deadline);
		admin_poll(a, 10);
		if (sent < req_len) {
			n = send(fd, request + sent, req_len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != ENOTCONN)
				break; /* the server gave up on us: read what it said */
		}
		n = recv(fd, r->text + got, sizeof(r->text) - 1 - got, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		if (n > 0)
			got += (size_t)n;
		assert_true(got < sizeof(r->text) - 1);
	}
	close(fd);
	r->text[got] = '\0';
	r->body = r->text + got;
	if (got == 0)
		return; /* closed without an answer: status 0 */
	assert_int_equal(sscanf(r->text, "HTTP/1.1 %d ", &r->status), 1);
	r->body = strstr(r->text, "\r\n\r\n");
	assert_non_null(r->body);
	r->body += 4;
}

static void request(struct admin *a, const char *method, const char *path, const char *headers,
		    struct response *r)
{
	char req[1024];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n",
			 method, path, headers);

	exchange(a, req, (size_t)n, r);
}

/* Header "Name: value" present (before the body)? */
static bool has_header(const struct response *r, const char *line)
{
	const char *p = strstr(r->text, line);

	return p != NULL && p < r->body && p[-1] == '\n' && p[strlen(line)] == '\r';
}

static struct response r;

static void test_endpoints(void **state)
{
	struct admin *a = start("", false);

	(void)state;
	request(a, "GET", "/healthz", "", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");

	collects = 0;
	request(a, "GET", "/metrics", "", &r);
	assert_int_equal(r.status, 200);
	assert_true(has_header(&r, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body, "# TYPE tlsterm_tsc_hz gauge\ntlsterm_tsc_hz 1000\n"));
	assert_int_equal(collects, 1);

	request(a, "GET", "/stats", "", &r);
	assert_int_equal(r.status, 200);
	assert_true(has_header(&r, "Content-Type: application/json"));
	assert_memory_equal(r.body, "{\"tsc_hz\":1000,", 15);
	assert_int_equal(collects, 2);

	request(a, "HEAD", "/metrics", "", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "");

	request(a, "GET", "/", "", &r);
	assert_int_equal(r.status, 404);
	request(a, "GET", "/metricsx", "", &r);
	assert_int_equal(r.status, 404);
	request(a, "POST", "/nothing", "", &r);
	assert_int_equal(r.status, 404);

	request(a, "POST", "/metrics", "", &r);
	assert_int_equal(r.status, 405);
	assert_true(has_header(&r, "Allow: GET, HEAD"));
	request(a, "DELETE", "/healthz", "", &r);
	assert_int_equal(r.status, 405);
	request(a, "GET", "/reload", "", &r);
	assert_int_equal(r.status, 405);
	assert_true(has_header(&r, "Allow: POST"));
	assert_int_equal(collects, 3); /* HEAD only: refused requests collect nothing */

	/* no reload callback: not implemented, said in JSON */
	request(a, "POST", "/reload", "", &r);
	assert_int_equal(r.status, 501);
	assert_true(has_header(&r, "Content-Type: application/json"));
	assert_non_null(strstr(r.body, "\"error\""));
	admin_stop(a);
}

static void test_reload_callback(void **state)
{
	struct admin *a = start("", true);

	(void)state;
	reloads = 0;
	request(a, "POST", "/reload", "", &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(r.body, "{\"reloaded\":1}\n");
	/* a small body is read and ignored */
	exchange(a, "POST /reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		    "Content-Length: 5\r\n\r\nhello", 77, &r);
	assert_int_equal(r.status, 202);
	assert_int_equal(reloads, 2);
	admin_stop(a);
}

static void test_body_limit(void **state)
{
	struct admin *a = start("", true);
	static char req[8192];
	int n;

	(void)state;
	reloads = 0;
	n = snprintf(req, sizeof(req),
		     "POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
		     ADMIN_BODY_MAX + 1000);
	memset(req + n, 'x', ADMIN_BODY_MAX + 1000);
	exchange(a, req, (size_t)n + ADMIN_BODY_MAX + 1000, &r);
	assert_int_equal(r.status, 413);
	assert_int_equal(reloads, 0);
	/* chunked, so only counted as it comes: the connection is cut, nothing is answered */
	n = snprintf(req, sizeof(req),
		     "POST /reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "%x\r\n", ADMIN_BODY_MAX + 1000);
	memset(req + n, 'x', ADMIN_BODY_MAX + 1000);
	memcpy(req + n + ADMIN_BODY_MAX + 1000, "\r\n0\r\n\r\n", 7);
	exchange(a, req, (size_t)n + ADMIN_BODY_MAX + 1007, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(reloads, 0);
	/* a small chunked body is fine */
	n = snprintf(req, sizeof(req),
		     "POST /reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		     "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
	exchange(a, req, (size_t)n, &r);
	assert_int_equal(r.status, 202);
	assert_int_equal(reloads, 1);
	/* and the server still serves */
	request(a, "GET", "/healthz", "", &r);
	assert_int_equal(r.status, 200);
	admin_stop(a);
}

static void test_token(void **state)
{
	struct admin *a = start(TOKEN, true);

	(void)state;
	collects = reloads = 0;
	request(a, "GET", "/metrics", "", &r);
	assert_int_equal(r.status, 401);
	assert_true(has_header(&r, "WWW-Authenticate: Bearer realm=\"tlsterm\""));
	request(a, "GET", "/nothing", "", &r);
	assert_int_equal(r.status, 401); /* before routing: no path is confirmed to a stranger */
	request(a, "POST", "/reload", "Authorization: Bearer wrong-token-of-some-length\r\n", &r);
	assert_int_equal(r.status, 401);
	request(a, "GET", "/healthz", "Authorization: Bearer 0123456789abcdefXYZ-._~+/\r\n", &r);
	assert_int_equal(r.status, 401); /* a prefix */
	request(a, "GET", "/healthz", "Authorization: Bearer " TOKEN "x\r\n", &r);
	assert_int_equal(r.status, 401); /* longer */
	request(a, "GET", "/healthz", "Authorization: Basic " TOKEN "\r\n", &r);
	assert_int_equal(r.status, 401);
	request(a, "GET", "/healthz", "Authorization: Bearer\r\n", &r);
	assert_int_equal(r.status, 401);
	assert_int_equal(collects, 0);
	assert_int_equal(reloads, 0);

	request(a, "GET", "/metrics", "Authorization: Bearer " TOKEN "\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(collects, 1);
	request(a, "GET", "/healthz", "Authorization: bearer  " TOKEN "\r\n", &r);
	assert_int_equal(r.status, 200); /* the scheme is case-insensitive */
	request(a, "POST", "/reload", "Authorization: Bearer " TOKEN "\r\n", &r);
	assert_int_equal(r.status, 202);
	request(a, "GET", "/nothing", "Authorization: Bearer " TOKEN "\r\n", &r);
	assert_int_equal(r.status, 404);
	admin_stop(a);
}

/* Many requests on one kept-alive connection, and a port already taken. */
static void test_keepalive_and_busy_port(void **state)
{
	struct admin *a = start("", false);
	struct config_admin ac = { .enabled = true,
				   .ipv4 = htonl(INADDR_LOOPBACK),
				   .port = (uint16_t)admin_port(a) };
	struct admin_ops ops = { .collect = collect };
	char req[2048] = "", err[256] = "", want[64];
	size_t o = 0;

	(void)state;
	for (int i = 0; i < 5; i++)
		o += (size_t)snprintf(req + o, sizeof(req) - o,
				      "GET /healthz HTTP/1.1\r\nHost: x\r\n%s\r\n",
				      i == 4 ? "Connection: close\r\n" : "");
	exchange(a, req, o, &r);
	assert_int_equal(r.status, 200);
	unsigned int oks = 0;
	for (const char *p = r.text; (p = strstr(p, "HTTP/1.1 200 OK\r\n")) != NULL; p++)
		oks++;
	assert_int_equal(oks, 5);

	assert_null(admin_start(&ac, &ops, err, sizeof(err)));
	snprintf(want, sizeof(want), "admin: cannot listen on 127.0.0.1:%u: ", admin_port(a));
	assert_memory_equal(err, want, strlen(want));
	ops.collect = NULL;
	assert_null(admin_start(&ac, &ops, err, sizeof(err)));
	admin_stop(a);
	admin_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_reload_callback),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_keepalive_and_busy_port),
	};

	cfg.n_ports = 1;
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "edge");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

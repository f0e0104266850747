/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for lib/edge/http_redirect.c: every request is fed whole, one byte at
 * a time and in odd-sized pieces, and all must end the same way; the
 * response is compared byte for byte. Limits are tried at exactly the limit
 * and one past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_redirect.h"

static const size_t pieces[] = { 0 /* whole */, 1, 2, 3, 7, 64 };

/* Feed text in pieces of n bytes (0: all at once); returns bytes used. */
static size_t feed(struct http_redirect_req *r, const char *text, size_t len, size_t n)
{
	size_t used = 0;
	http_redirect_init(r);
	while (used < len) {
		size_t k = n == 0 || n > len - used ? len - used : n;
		size_t got = http_redirect_feed(r, (const uint8_t *)text + used, k);
		used += got;
		if (r->outcome != REDIRECT_PENDING)
			break;
		assert_int_equal(got, k); /* while pending, everything is taken */
	}
	return used;
}

/* The outcome of text, checked to be the same for every way of cutting it. */
static enum redirect_outcome outcome_of_len(const char *text, size_t len)
{
	static struct http_redirect_req r, first;
	size_t used0 = 0;
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		size_t used = feed(&r, text, len, pieces[i]);
		if (i == 0) {
			first = r;
			used0 = used;
			continue;
		}
		assert_int_equal(r.outcome, first.outcome);
		assert_int_equal(used, used0);
		assert_int_equal(r.host_len, first.host_len);
		assert_memory_equal(r.host, first.host, r.host_len);
		assert_int_equal(r.target_len, first.target_len);
		assert_memory_equal(r.target, first.target, r.target_len);
	}
	return first.outcome;
}

static enum redirect_outcome outcome_of(const char *text)
{
	return outcome_of_len(text, strlen(text));
}

/* The response to text, parsed one byte at a time. */
static const char *response_to(const char *text, unsigned int code, unsigned int port)
{
	static struct http_redirect_req r;
	static char out[HTTP_REDIRECT_RESPONSE_MAX];
	(void)outcome_of(text);
	feed(&r, text, strlen(text), 1);
	size_t n = http_redirect_response(&r, code, port, out, sizeof(out));
	assert_true(n > 0 && n < sizeof(out));
	out[n] = '\0';
	return out;
}

#define REDIRECT(code, loc)                                                       \
	"HTTP/1.1 " code "\r\nLocation: " loc "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define ERROR(status) "HTTP/1.1 " status "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

static void test_good_requests(void **state)
{
	(void)state;
	assert_string_equal(response_to("GET /some/path?x=1 HTTP/1.1\r\nHost: tlsterm.test\r\n"
					"User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
					301, 0),
			    REDIRECT("301 Moved Permanently", "https://tlsterm.test/some/path?x=1"));
	assert_string_equal(response_to("HEAD / HTTP/1.1\r\nhost:a.example\r\n\r\n", 308, 0),
			    REDIRECT("308 Permanent Redirect", "https://a.example/"));
	/* a POST is answered without its body being read */
	const char *post = "POST /form HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\n\r\nhello";
	struct http_redirect_req r;
	assert_int_equal(feed(&r, post, strlen(post), 0), strlen(post) - 5);
	assert_int_equal(r.outcome, REDIRECT_OK);
	/* the port goes; ours is added when configured */
	assert_string_equal(response_to("GET /x HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", 301, 0),
			    REDIRECT("301 Moved Permanently", "https://a.example/x"));
	assert_string_equal(response_to("GET /x HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", 301,
					8443),
			    REDIRECT("301 Moved Permanently", "https://a.example:8443/x"));
	/* IPv6 literals keep their brackets */
	assert_string_equal(response_to("GET /v6 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 301, 0),
			    REDIRECT("301 Moved Permanently", "https://[::1]/v6"));
	assert_string_equal(response_to("GET / HTTP/1.1\r\nHost: [2001:db8::1]\r\n\r\n", 301, 0),
			    REDIRECT("301 Moved Permanently", "https://[2001:db8::1]/"));
	/* OWS around the value, mixed-case name, a higher 1.x minor, leading empty lines */
	assert_string_equal(response_to("\r\n\r\nGET /a HTTP/1.9\r\nhOsT: \t b.example \t\r\n\r\n",
					301, 0),
			    REDIRECT("301 Moved Permanently", "https://b.example/a"));
	/* absolute-form: the target's host wins (RFC 9112 3.2.2) and its path is kept */
	assert_string_equal(response_to("GET http://c.example:80/p?q=1 HTTP/1.1\r\n"
					"Host: other.example\r\n\r\n", 301, 0),
			    REDIRECT("301 Moved Permanently", "https://c.example/p?q=1"));
	assert_string_equal(response_to("GET HTTP://c.example?q HTTP/1.1\r\nHost: c\r\n\r\n", 301,
					0),
			    REDIRECT("301 Moved Permanently", "https://c.example/?q"));
	assert_string_equal(response_to("GET http://c.example HTTP/1.0\r\n\r\n", 301, 0),
			    REDIRECT("301 Moved Permanently", "https://c.example/"));
	/* HTTP/1.0 with a Host is fine */
	assert_int_equal(outcome_of("GET / HTTP/1.0\r\nHost: d.example\r\n\r\n"), REDIRECT_OK);
	/* Host-like names are other fields */
	assert_int_equal(outcome_of("GET / HTTP/1.1\r\nHostx: 1\r\nHos: 2\r\nX-Host: 3\r\n"
				    "Host: e.example\r\n\r\n"),
			 REDIRECT_OK);
	/* obs-text in other fields' values is allowed (RFC 9110 5.5) */
	assert_int_equal(outcome_of("GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\nHost: e\r\n\r\n"),
			 REDIRECT_OK);
}

static void test_incomplete(void **state)
{
	(void)state;
	const char *parts[] = { "", "GET", "GET /", "GET / HTTP/1.1", "GET / HTTP/1.1\r",
				"GET / HTTP/1.1\r\nHost: a", "GET / HTTP/1.1\r\nHost: a\r\n",
				"GET / HTTP/1.1\r\nHost: a\r\n\r" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		assert_int_equal(outcome_of(parts[i]), REDIRECT_PENDING);
	/* a pending request has no redirect: asked anyway, it is a 400 */
	struct http_redirect_req r;
	char out[HTTP_REDIRECT_RESPONSE_MAX];
	feed(&r, "GET /", 5, 0);
	size_t n = http_redirect_response(&r, 301, 0, out, sizeof(out));
	assert_memory_equal(out, ERROR("400 Bad Request"), n);
	n = http_redirect_timeout_response(out, sizeof(out));
	assert_int_equal(n, strlen(ERROR("408 Request Timeout")));
	assert_memory_equal(out, ERROR("408 Request Timeout"), n);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum redirect_outcome want;
	} cases[] = {
		{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", REDIRECT_BAD_METHOD },
		{ " GET / HTTP/1.1\r\nHost: a\r\n\r\n", REDIRECT_BAD_METHOD },
		{ "\x16\x03\x01\x02\x00\x01", REDIRECT_BAD_METHOD }, /* TLS on port 80 */
		{ "GET\r\n", REDIRECT_BAD_METHOD },
		{ "GET  / HTTP/1.1\r\n", REDIRECT_BAD_TARGET },
		{ "GET * HTTP/1.1\r\nHost: a\r\n\r\n", REDIRECT_BAD_TARGET },
		{ "CONNECT a.example:443 HTTP/1.1\r\n", REDIRECT_BAD_TARGET },
		{ "GET https://a/ HTTP/1.1\r\n", REDIRECT_BAD_TARGET },
		{ "GET /a#frag HTTP/1.1\r\n", REDIRECT_BAD_TARGET },
		{ "GET /a\"b HTTP/1.1\r\n", REDIRECT_BAD_TARGET },
		{ "GET /\x01 HTTP/1.1\r\n", REDIRECT_BAD_TARGET },
		{ "GET /\xc3\xa9 HTTP/1.1\r\n", REDIRECT_BAD_TARGET },
		{ "GET / HTTP/1.1 \r\n", REDIRECT_BAD_VERSION },
		{ "GET / HTTP/2.0\r\n", REDIRECT_BAD_VERSION },
		{ "GET / http/1.1\r\n", REDIRECT_BAD_VERSION },
		{ "GET / HTTP/1.\r\n", REDIRECT_BAD_VERSION },
		{ "GET / HTTP/1.10\r\n", REDIRECT_BAD_VERSION },
		{ "GET /\r\n", REDIRECT_HTTP09 },
		{ "GET /index.html\n", REDIRECT_HTTP09 },
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", REDIRECT_H2_PREFACE },
		{ "GET / HTTP/1.1\nHost: a\n\n", REDIRECT_LINE_END },
		{ "GET / HTTP/1.1\r\nHost: a\n\r\n", REDIRECT_LINE_END },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\n", REDIRECT_LINE_END },
		{ "GET / HTTP/1.1\rHost: a\r\n\r\n", REDIRECT_LINE_END },
		{ "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", REDIRECT_LINE_END },
		{ "\nGET / HTTP/1.1\r\n", REDIRECT_LINE_END },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", REDIRECT_BAD_FIELD },
		{ "GET / HTTP/1.1\r\n: a\r\n\r\n", REDIRECT_BAD_FIELD },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", REDIRECT_BAD_FIELD },
		{ "GET / HTTP/1.1\r\nX: a\x01\r\n\r\n", REDIRECT_BAD_FIELD },
		{ "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", REDIRECT_BAD_FIELD },
		{ "GET / HTTP/1.1\r\nX(: a\r\n\r\n", REDIRECT_BAD_FIELD },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", REDIRECT_OBS_FOLD },
		{ "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", REDIRECT_OBS_FOLD },
		{ "GET / HTTP/1.1\r\n\r\n", REDIRECT_HOST_MISSING },
		{ "GET / HTTP/1.1\r\nX-Host: a\r\n\r\n", REDIRECT_HOST_MISSING },
		{ "GET / HTTP/1.0\r\n\r\n", REDIRECT_HOST_MISSING },
		{ "GET http://a/ HTTP/1.1\r\n\r\n", REDIRECT_HOST_MISSING },
		{ "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", REDIRECT_HOST_DUPLICATE },
		{ "GET http://a/ HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", REDIRECT_HOST_DUPLICATE },
		{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: a:000080\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: [zz::1]\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: []\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: caf\xc3\xa9.example\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET / HTTP/1.1\r\nHost: a%0d%0aX: y\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET http://a@b/ HTTP/1.1\r\nHost: b\r\n\r\n", REDIRECT_HOST_INVALID },
		{ "GET http:/// HTTP/1.1\r\nHost: b\r\n\r\n", REDIRECT_HOST_INVALID },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum redirect_outcome got = outcome_of(cases[i].text);
		if (got != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, redirect_outcome_name(got),
				 redirect_outcome_name(cases[i].want));
		assert_int_equal(http_redirect_status(got), 400);
	}
	assert_string_equal(response_to("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 301, 0),
			    ERROR("400 Bad Request"));
	/* NUL anywhere */
	static const char nul_target[] = "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n";
	assert_int_equal(outcome_of_len(nul_target, sizeof(nul_target) - 1),
			 REDIRECT_BAD_TARGET);
	static const char nul_host[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	assert_int_equal(outcome_of_len(nul_host, sizeof(nul_host) - 1), REDIRECT_BAD_FIELD);
	static const char nul_method[] = "G\0T / HTTP/1.1\r\n";
	assert_int_equal(outcome_of_len(nul_method, sizeof(nul_method) - 1), REDIRECT_BAD_METHOD);
}

/* Nothing a client sends ever puts CR, LF or another control byte into our response's fields. */
static void test_injection_refused(void **state)
{
	(void)state;
	assert_int_equal(outcome_of("GET / HTTP/1.1\r\nHost: a\rSet-Cookie: x\r\n\r\n"),
			 REDIRECT_LINE_END);
	assert_int_equal(outcome_of("GET / HTTP/1.1\r\nHost: a\nSet-Cookie: x\r\n\r\n"),
			 REDIRECT_LINE_END);
	assert_int_equal(outcome_of("GET /a\rSet-Cookie: x HTTP/1.1\r\nHost: a\r\n\r\n"),
			 REDIRECT_HTTP09);
	assert_int_equal(outcome_of("GET /a\nSet-Cookie: x HTTP/1.1\r\nHost: a\r\n\r\n"),
			 REDIRECT_HTTP09);
	assert_int_equal(outcome_of("GET /a%0d%0aSet-Cookie:%20x HTTP/1.1\r\nHost: a\r\n\r\n"),
			 REDIRECT_OK); /* percent-encoded stays encoded: harmless in Location */
	assert_int_equal(outcome_of("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n"), REDIRECT_BAD_TARGET);
	assert_int_equal(outcome_of("GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n"),
			 REDIRECT_HOST_INVALID);
	assert_int_equal(outcome_of("GET / HTTP/1.1\r\nHost: a\x0b\r\n\r\n"), REDIRECT_BAD_FIELD);
	assert_int_equal(outcome_of("GET http://a\r\n.b/ HTTP/1.1\r\n"), REDIRECT_HTTP09);
}

static char big[HTTP_REDIRECT_LINE_MAX + HTTP_REDIRECT_HEADERS_MAX + 1024];

/* A request line of exactly n bytes (before its CRLF), then a Host. */
static size_t line_of(size_t n)
{
	const char *head = "GET /", *tail = " HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t fixed = strlen("GET /") + strlen(" HTTP/1.1");
	size_t o = (size_t)snprintf(big, sizeof(big), "%s", head);
	memset(big + o, 'a', n - fixed);
	o += n - fixed;
	o += (size_t)snprintf(big + o, sizeof(big) - (o), "%s", tail);
	return o;
}

static void test_line_limit(void **state)
{
	(void)state;
	size_t len = line_of(HTTP_REDIRECT_LINE_MAX);
	assert_int_equal(outcome_of_len(big, len), REDIRECT_OK);
	struct http_redirect_req *r = malloc(sizeof(*r));
	char *out = malloc(HTTP_REDIRECT_RESPONSE_MAX);
	assert_non_null(r);
	assert_non_null(out);
	feed(r, big, len, 0);
	assert_int_equal(r->target_len, HTTP_REDIRECT_LINE_MAX - strlen("GET  HTTP/1.1"));
	/* the longest response fits the documented bound */
	size_t n = http_redirect_response(r, 308, 65535, out, HTTP_REDIRECT_RESPONSE_MAX);
	assert_true(n > HTTP_REDIRECT_LINE_MAX);
	free(out);
	free(r);
	len = line_of(HTTP_REDIRECT_LINE_MAX + 1);
	assert_int_equal(outcome_of_len(big, len), REDIRECT_LINE_TOO_LONG);
	assert_int_equal(http_redirect_status(REDIRECT_LINE_TOO_LONG), 414);
	/* refused as soon as the limit passes, not at the end of the line */
	struct http_redirect_req r2;
	assert_int_equal(feed(&r2, big, HTTP_REDIRECT_LINE_MAX + 1, 0), HTTP_REDIRECT_LINE_MAX + 1);
	assert_int_equal(r2.outcome, REDIRECT_LINE_TOO_LONG);
	/* a long method is a long line too */
	memset(big, 'G', HTTP_REDIRECT_LINE_MAX + 1);
	assert_int_equal(outcome_of_len(big, HTTP_REDIRECT_LINE_MAX + 1), REDIRECT_LINE_TOO_LONG);
	/* empty lines before the request count against the same limit */
	for (size_t i = 0; i < HTTP_REDIRECT_LINE_MAX / 2 + 1; i++)
		memcpy(big + 2 * i, "\r\n", 2);
	assert_int_equal(outcome_of_len(big, HTTP_REDIRECT_LINE_MAX + 2), REDIRECT_LINE_TOO_LONG);
	assert_int_equal(outcome_of_len(big, HTTP_REDIRECT_LINE_MAX), REDIRECT_PENDING);
}

/* Field lines totalling exactly n bytes (CRLFs included), the Host among them. */
static size_t fields_of(size_t n)
{
	size_t o = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: a\r\n");
	size_t left = n - strlen("Host: a\r\n");
	while (left > 0) {
		size_t line = left > 1000 ? 1000 : left;
		if (left - line > 0 && left - line < 5)
			line -= 5; /* leave room for a last line of at least "X:\r\n" + 1 */
		assert_true(line >= 4);
		o += (size_t)snprintf(big + o, sizeof(big) - (o), "X:");
		memset(big + o, 'v', line - 4);
		o += line - 4;
		o += (size_t)snprintf(big + o, sizeof(big) - (o), "\r\n");
		left -= line;
	}
	o += (size_t)snprintf(big + o, sizeof(big) - (o), "\r\n");
	return o;
}

static void test_header_limits(void **state)
{
	(void)state;
	assert_int_equal(outcome_of_len(big, fields_of(HTTP_REDIRECT_HEADERS_MAX)), REDIRECT_OK);
	assert_int_equal(outcome_of_len(big, fields_of(HTTP_REDIRECT_HEADERS_MAX + 1)),
			 REDIRECT_HEADERS_TOO_LARGE);
	assert_int_equal(http_redirect_status(REDIRECT_HEADERS_TOO_LARGE), 431);
	assert_string_equal(response_to(big, 301, 0),
			    ERROR("431 Request Header Fields Too Large"));

	/* exactly 100 fields, then 101 */
	size_t o = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 1; i < HTTP_REDIRECT_FIELDS_MAX; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - (o), "X%d: %d\r\n", i, i);
	size_t end = o;
	o += (size_t)snprintf(big + o, sizeof(big) - (o), "\r\n");
	assert_int_equal(outcome_of_len(big, o), REDIRECT_OK);
	o = end + (size_t)snprintf(big + end, sizeof(big) - (end), "Y: 1\r\n\r\n");
	assert_int_equal(outcome_of_len(big, o), REDIRECT_TOO_MANY_FIELDS);
	assert_int_equal(http_redirect_status(REDIRECT_TOO_MANY_FIELDS), 431);

	/* a Host value of 255 bytes is kept; 256 is not a host */
	o = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: ");
	memset(big + o, 'h', HTTP_REDIRECT_HOST_MAX);
	size_t after = o + HTTP_REDIRECT_HOST_MAX;
	o = after + (size_t)snprintf(big + after, sizeof(big) - (after), "\r\n\r\n");
	assert_int_equal(outcome_of_len(big, o), REDIRECT_OK);
	big[after] = 'h';
	o = after + 1 + (size_t)snprintf(big + after + 1, sizeof(big) - (after + 1), "\r\n\r\n");
	assert_int_equal(outcome_of_len(big, o), REDIRECT_HOST_INVALID);
}

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(redirect_outcome_name(REDIRECT_OK), "redirected");
	assert_string_equal(redirect_outcome_name(REDIRECT_LINE_TOO_LONG), "uri_too_long");
	assert_string_equal(redirect_outcome_name(REDIRECT__COUNT), "unknown");
	assert_int_equal(http_redirect_status(REDIRECT_OK), 0);
	/* a response never fits a too-small buffer partly */
	struct http_redirect_req r;
	char out[16];
	feed(&r, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27, 0);
	assert_int_equal(http_redirect_response(&r, 301, 0, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_requests),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_outcome_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

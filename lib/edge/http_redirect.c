/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port-80 redirect's request parser: one byte at a time through a small
 * state machine, so a request split anywhere parses the same. It is stricter
 * than RFC 9112 lets a server be, on purpose: an edge that reads a request
 * differently from what sits behind it is how smuggling starts, and a
 * redirect loses nothing by refusing the odd ones.
 *
 * Choices (RFC 9112 leaves them to us):
 * - a bare LF, or a CR not followed by LF, ends nothing: 400 (2.2 allows
 *   accepting a bare LF; we don't);
 * - empty lines before the request line are skipped (2.2), counted against
 *   the request-line limit;
 * - obs-fold and whitespace before the first field are refused (5.2, 2.2);
 * - the target is origin-form, or absolute-form "http://authority/path"
 *   whose host we use (3.2.2); "*", authority-form and other schemes: 400;
 * - hosts are DNS-style names (letters, digits, "-._~") or bracketed IPv6
 *   literals; anything else (percent-encoding, sub-delims, userinfo) is 400,
 *   so nothing but those bytes ever reaches the Location field.
 */
#include <stdio.h>
#include <string.h>

#include "http_redirect.h"

enum state {
	S_LEAD,        /* before the method; empty lines are skipped */
	S_LEAD_LF,
	S_METHOD,
	S_TARGET,
	S_VERSION,
	S_LINE_LF,     /* after the request line's CR */
	S_FIELD_START,
	S_NAME,
	S_OWS,         /* whitespace before a field value */
	S_VALUE,
	S_FIELD_LF,
	S_END_LF,      /* after the empty line's CR */
	S_DONE,
};

static const char version_prefix[] = "HTTP/1.";

/* RFC 9110 5.6.2: tchar */
static bool is_tchar(uint8_t b)
{
	if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
		return true;
	return b != 0 && strchr("!#$%&'*+-.^_`|~", b) != NULL;
}

/* RFC 3986 3.3/3.4: pchar, "/" and "?" (and "[]" for an absolute-form IPv6 authority). */
static bool is_target_char(uint8_t b)
{
	if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
		return true;
	return b != 0 && strchr("-._~%!$&'()*+,;=:@/?[]", b) != NULL;
}

static bool is_digit(uint8_t b)
{
	return b >= '0' && b <= '9';
}

static bool is_hex(uint8_t b)
{
	return is_digit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + 32) : b;
}

/*
 * uri-host [ ":" port ] (RFC 9110 7.2), narrowed as the file comment says.
 * Returns the length of the host part (the port is dropped), or 0 if invalid.
 */
static size_t authority_host_len(const char *s, size_t len)
{
	size_t i = 0;
	if (len > 0 && s[0] == '[') {
		bool colon = false;
		for (i = 1; i < len && s[i] != ']'; i++) {
			if (!is_hex((uint8_t)s[i]) && s[i] != ':' && s[i] != '.')
				return 0;
			colon |= s[i] == ':';
		}
		if (i == len || !colon || i < 3)
			return 0;
		i++; /* the ']' */
	} else {
		while (i < len && s[i] != ':') {
			uint8_t b = (uint8_t)s[i];
			if (!((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || is_digit(b) ||
			      b == '-' || b == '.' || b == '_' || b == '~'))
				return 0;
			i++;
		}
		if (i == 0)
			return 0;
	}
	size_t host = i;
	if (i == len)
		return host;
	if (s[i] != ':' || len - i - 1 > 5)
		return 0;
	unsigned long port = 0;
	for (i++; i < len; i++) {
		if (!is_digit((uint8_t)s[i]))
			return 0;
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return port <= 65535 ? host : 0; /* an empty port is allowed (RFC 3986 3.2.3) */
}

static void fail(struct http_redirect_req *r, enum redirect_outcome o)
{
	r->outcome = o;
	r->state = S_DONE;
}

/* The request line is whole: say what its target means. */
static void target_done(struct http_redirect_req *r)
{
	static const char scheme[] = "http://";
	const size_t slen = sizeof(scheme) - 1;
	if (r->method_len == 3 && memcmp(r->method, "PRI", 3) == 0 && r->target_len == 1 &&
	    r->target[0] == '*') {
		fail(r, REDIRECT_H2_PREFACE); /* RFC 9113 3.4: "PRI * HTTP/2.0" */
		return;
	}
	if (r->target[0] == '/') {
		r->state = S_VERSION;
		return;
	}
	if (r->target_len <= slen) {
		fail(r, REDIRECT_BAD_TARGET);
		return;
	}
	for (size_t i = 0; i < slen; i++) {
		if (lower((uint8_t)r->target[i]) != (uint8_t)scheme[i]) {
			fail(r, REDIRECT_BAD_TARGET);
			return;
		}
	}
	size_t a = slen, end = slen;
	while (end < r->target_len && r->target[end] != '/' && r->target[end] != '?')
		end++;
	size_t host = authority_host_len(r->target + a, end - a);
	if (host == 0 || host > HTTP_REDIRECT_HOST_MAX) {
		fail(r, REDIRECT_HOST_INVALID);
		return;
	}
	memcpy(r->host, r->target + a, host);
	r->host_len = (uint16_t)host;
	r->host[host] = '\0';
	r->host_from_target = true;
	/* the path and query stay; an empty path is "/" (RFC 9112 3.2.1) */
	size_t rest = r->target_len - end;
	size_t lead = rest == 0 || r->target[end] == '?';
	memmove(r->target + lead, r->target + end, rest);
	if (lead)
		r->target[0] = '/';
	r->target_len = (uint16_t)(rest + lead);
	r->state = S_VERSION;
}

static void host_field_done(struct http_redirect_req *r)
{
	if (r->host_from_target)
		return; /* RFC 9112 3.2.2: the target's authority wins; the field is only counted */
	while (r->host_len > 0 && (r->host[r->host_len - 1] == ' ' ||
				   r->host[r->host_len - 1] == '\t'))
		r->host_len--;
	size_t host = authority_host_len(r->host, r->host_len);
	if (host == 0) {
		fail(r, REDIRECT_HOST_INVALID);
		return;
	}
	r->host_len = (uint16_t)host;
	r->host[host] = '\0';
}

/* One byte of the request line (method, target or version). */
static void line_byte(struct http_redirect_req *r, uint8_t b)
{
	switch (r->state) {
	case S_LEAD:
		if (b == '\r') {
			r->state = S_LEAD_LF;
			return;
		}
		r->state = S_METHOD;
		/* fall through */
	case S_METHOD:
		if (b == ' ' && r->method_len > 0) {
			r->state = S_TARGET;
		} else if (is_tchar(b)) {
			if (r->method_len < sizeof(r->method))
				r->method[r->method_len] = (char)b;
			if (r->method_len < UINT16_MAX)
				r->method_len++;
		} else {
			fail(r, b == '\n' ? REDIRECT_LINE_END : REDIRECT_BAD_METHOD);
		}
		return;
	case S_TARGET:
		if (b == ' ' && r->target_len > 0)
			target_done(r);
		else if (b == '\r' || b == '\n')
			fail(r, r->target_len > 0 ? REDIRECT_HTTP09 : REDIRECT_BAD_TARGET);
		else if (is_target_char(b))
			r->target[r->target_len++] = (char)b; /* < LINE_MAX: line_len is checked first */
		else
			fail(r, REDIRECT_BAD_TARGET);
		return;
	case S_VERSION:
		if (r->version_len < sizeof(version_prefix) - 1) {
			if (b == (uint8_t)version_prefix[r->version_len])
				r->version_len++;
			else
				fail(r, REDIRECT_BAD_VERSION);
		} else if (r->version_len == sizeof(version_prefix) - 1 && is_digit(b)) {
			r->minor = (uint8_t)(b - '0'); /* 2.3: a higher 1.x is read as our 1.1 */
			r->version_len++;
		} else if (r->version_len == sizeof(version_prefix) && b == '\r') {
			r->state = S_LINE_LF;
		} else {
			fail(r, b == '\n' ? REDIRECT_LINE_END : REDIRECT_BAD_VERSION);
		}
		return;
	default:
		return;
	}
}

/* One byte of the field section (everything after the request line's CRLF). */
static void field_byte(struct http_redirect_req *r, uint8_t b)
{
	switch (r->state) {
	case S_FIELD_START:
		if (b == '\r') {
			r->state = S_END_LF;
		} else if (b == ' ' || b == '\t') {
			fail(r, REDIRECT_OBS_FOLD); /* RFC 9112 5.2 (and 2.2 before the first) */
		} else if (is_tchar(b)) {
			if (++r->fields > HTTP_REDIRECT_FIELDS_MAX) {
				fail(r, REDIRECT_TOO_MANY_FIELDS);
				return;
			}
			r->name_len = 1;
			r->host_field = lower(b) == 'h';
			r->state = S_NAME;
		} else {
			fail(r, b == '\n' ? REDIRECT_LINE_END : REDIRECT_BAD_FIELD);
		}
		return;
	case S_NAME:
		if (is_tchar(b)) {
			r->host_field = r->host_field && r->name_len < 4 &&
					lower(b) == (uint8_t)"host"[r->name_len];
			if (r->name_len < UINT8_MAX)
				r->name_len++;
		} else if (b == ':') {
			r->host_field = r->host_field && r->name_len == 4;
			if (r->host_field && r->host_seen) {
				fail(r, REDIRECT_HOST_DUPLICATE); /* RFC 9112 3.2 */
				return;
			}
			r->host_seen |= r->host_field;
			r->state = S_OWS;
		} else {
			fail(r, REDIRECT_BAD_FIELD); /* 5.1: no whitespace before the colon */
		}
		return;
	case S_OWS:
		if (b == ' ' || b == '\t')
			return;
		r->state = S_VALUE;
		/* fall through */
	case S_VALUE:
		if (b == '\r') {
			if (r->host_field)
				host_field_done(r);
			if (r->state != S_DONE)
				r->state = S_FIELD_LF;
		} else if (b == '\t' || (b >= 0x20 && b != 0x7f)) {
			if (!r->host_field || r->host_from_target)
				return;
			if (r->host_len == HTTP_REDIRECT_HOST_MAX)
				fail(r, REDIRECT_HOST_INVALID);
			else
				r->host[r->host_len++] = (char)b;
		} else {
			fail(r, b == '\n' ? REDIRECT_LINE_END : REDIRECT_BAD_FIELD);
		}
		return;
	default:
		return;
	}
}

static void end_of_head(struct http_redirect_req *r)
{
	/* RFC 9112 3.2: 1.1 needs exactly one Host; 1.0 needs a host for us to redirect to */
	if ((r->minor >= 1 && !r->host_seen) || (!r->host_seen && !r->host_from_target))
		fail(r, REDIRECT_HOST_MISSING);
	else
		fail(r, REDIRECT_OK);
}

void http_redirect_init(struct http_redirect_req *r)
{
	r->outcome = REDIRECT_PENDING;
	r->state = S_LEAD;
	r->host_field = r->host_seen = r->host_from_target = false;
	r->minor = r->version_len = r->name_len = 0;
	r->method_len = r->host_len = r->target_len = 0;
	r->line_len = r->header_bytes = r->fields = 0;
}

size_t http_redirect_feed(struct http_redirect_req *r, const uint8_t *p, size_t len)
{
	size_t i;
	for (i = 0; i < len && r->state != S_DONE; i++) {
		uint8_t b = p[i];
		switch (r->state) {
		case S_LEAD_LF:
		case S_LINE_LF:
		case S_FIELD_LF:
		case S_END_LF:
			if (b != '\n') {
				fail(r, REDIRECT_LINE_END);
			} else if (r->state == S_LEAD_LF) {
				r->state = S_LEAD;
			} else if (r->state == S_END_LF) {
				end_of_head(r);
			} else if (r->state == S_FIELD_LF &&
				   ++r->header_bytes > HTTP_REDIRECT_HEADERS_MAX) {
				fail(r, REDIRECT_HEADERS_TOO_LARGE);
			} else {
				r->state = S_FIELD_START;
			}
			if (r->state == S_LEAD && (r->line_len += 2) > HTTP_REDIRECT_LINE_MAX)
				fail(r, REDIRECT_LINE_TOO_LONG);
			break;
		case S_LEAD:
		case S_METHOD:
		case S_TARGET:
		case S_VERSION:
			if (b != '\r' && ++r->line_len > HTTP_REDIRECT_LINE_MAX) {
				fail(r, REDIRECT_LINE_TOO_LONG);
				break;
			}
			line_byte(r, b);
			break;
		default:
			if ((r->state != S_FIELD_START || b != '\r') &&
			    ++r->header_bytes > HTTP_REDIRECT_HEADERS_MAX) {
				fail(r, REDIRECT_HEADERS_TOO_LARGE);
				break;
			}
			field_byte(r, b);
			break;
		}
	}
	if (r->state == S_DONE)
		r->head = r->method_len == 4 && memcmp(r->method, "HEAD", 4) == 0;
	return i;
}

unsigned int http_redirect_status(enum redirect_outcome o)
{
	static const unsigned int status[REDIRECT__COUNT] = {
#define X(e, s, code) [REDIRECT_##e] = code,
		REDIRECT_OUTCOMES(X)
#undef X
	};
	return (unsigned int)o < REDIRECT__COUNT ? status[o] : 400;
}

static const char *reason_phrase(unsigned int status)
{
	switch (status) {
	case 301: return "Moved Permanently";
	case 308: return "Permanent Redirect";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	default: return "Bad Request";
	}
}

static size_t bounded(int n, size_t cap)
{
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* RFC 9110 15.4.2/15.4.9: the new URI goes in Location; no content, and we close. */
size_t http_redirect_response(const struct http_redirect_req *r, unsigned int code,
			      unsigned int port, char *out, size_t cap)
{
	unsigned int status = http_redirect_status(r->outcome);
	if (r->outcome == REDIRECT_PENDING)
		status = 400;
	if (status != 0)
		return bounded(snprintf(out, cap,
					"HTTP/1.1 %u %s\r\nContent-Length: 0\r\n"
					"Connection: close\r\n\r\n",
					status, reason_phrase(status)), cap);
	code = code == 308 ? 308 : 301;
	char port_text[8] = "";
	if (port != 0)
		snprintf(port_text, sizeof(port_text), ":%u", port & 0xffff);
	return bounded(snprintf(out, cap,
				"HTTP/1.1 %u %s\r\nLocation: https://%.*s%s%.*s\r\n"
				"Content-Length: 0\r\nConnection: close\r\n\r\n",
				code, reason_phrase(code), (int)r->host_len, r->host, port_text,
				(int)r->target_len, r->target), cap);
}

size_t http_redirect_timeout_response(char *out, size_t cap)
{
	return bounded(snprintf(out, cap,
				"HTTP/1.1 408 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
				reason_phrase(408)), cap);
}

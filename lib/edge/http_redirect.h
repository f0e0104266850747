/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port-80 redirect's request parser (private to lib/edge and its user,
 * lib/proxy/redirect.c). A strict, incremental HTTP/1.x request-head parser:
 * bytes go in in any pieces, the state keeps only the target and the host,
 * each bounded, and the outcome says which response to send.
 */
#ifndef TLSTERM_HTTP_REDIRECT_H
#define TLSTERM_HTTP_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tlsterm/counters.h>

#define HTTP_REDIRECT_LINE_MAX 8192     /* request-line bytes before CRLF; more: 414 */
#define HTTP_REDIRECT_HEADERS_MAX 16384 /* field-line bytes, CRLFs included; more: 431 */
#define HTTP_REDIRECT_FIELDS_MAX 100    /* field lines; more: 431 */
#define HTTP_REDIRECT_HOST_MAX 255      /* RFC 1035 2.3.4: a name is at most 255 bytes */
/* The longest response: status line and fixed fields, "https://", host, ":65535", target. */
#define HTTP_REDIRECT_RESPONSE_MAX (HTTP_REDIRECT_LINE_MAX + HTTP_REDIRECT_HOST_MAX + 160)

struct http_redirect_req {
	enum redirect_outcome outcome; /* REDIRECT_PENDING until the head is complete or refused */
	uint8_t state;
	bool host_field;         /* the field being read is Host */
	bool host_seen;
	bool host_from_target;   /* absolute-form: RFC 9112 3.2.2, the target's host wins */
	bool head;               /* HEAD: no content (we never send any anyway) */
	uint8_t minor;           /* HTTP/1.<minor> */
	uint8_t version_len;     /* bytes of "HTTP/1.x" matched */
	uint8_t name_len;        /* bytes of the field name matched against "host" (saturates) */
	uint16_t method_len;
	uint16_t host_len;
	uint16_t target_len;
	uint32_t line_len;       /* request line so far */
	uint32_t header_bytes;   /* field lines so far */
	uint32_t fields;
	char method[8];          /* the first bytes only: HEAD and PRI are all we look at */
	char host[HTTP_REDIRECT_HOST_MAX + 1];
	char target[HTTP_REDIRECT_LINE_MAX];
};

void http_redirect_init(struct http_redirect_req *r);

/*
 * Feed the next bytes of the stream. Returns how many were used: all of them
 * while the head is incomplete, fewer once r->outcome is set (the rest, a
 * body or a second request, is never looked at).
 */
size_t http_redirect_feed(struct http_redirect_req *r, const uint8_t *p, size_t len);

/* The HTTP status for an outcome: 0 for REDIRECT_OK (the listener's 301 or 308). */
unsigned int http_redirect_status(enum redirect_outcome o);

/*
 * Write the response for a finished request into out (cap bytes, at least
 * HTTP_REDIRECT_RESPONSE_MAX): the redirect with code (301 or 308) and, when
 * port is not 0, ":port" after the host; or the error status. Returns its length.
 */
size_t http_redirect_response(const struct http_redirect_req *r, unsigned int code,
			      unsigned int port, char *out, size_t cap);

/* A 408 (the client was too slow), the same shape as the others. */
size_t http_redirect_timeout_response(char *out, size_t cap);

#endif

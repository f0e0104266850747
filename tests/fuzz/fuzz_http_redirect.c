/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the port-80 redirect's parser (lib/edge/http_redirect.c).
 *
 * Input: two control bytes, then the request bytes.
 *   byte 0  bits 0-5: the first piece size (0: all at once); bit 6: 308; bit 7: a redirect_port
 *   byte 1  a seed for the sizes of the following pieces
 *
 * The bytes are fed in those pieces from an exactly sized heap copy (so
 * AddressSanitizer sees any overread) and, again, all at once: both must end
 * the same way. The response must be one of ours: a 301/308 whose Location
 * starts "https://" and holds only visible ASCII, or a bare 400/414/431, in
 * every case ending the head with CRLFCRLF. Anything else is abort().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_redirect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http_redirect: %s\n", what);
		abort();
	}
}

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

static void check_response(const char *out, size_t n, unsigned int code, bool pending)
{
	static const char *const errors[] = {
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
		 "Connection: close\r\n\r\n"),
	};
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (n == strlen(errors[i]) && memcmp(out, errors[i], n) == 0)
			return;
	check(!pending, "a pending request got something other than 400");
	const char *status = code == 308 ? "HTTP/1.1 308 Permanent Redirect\r\nLocation: https://"
					 : "HTTP/1.1 301 Moved Permanently\r\nLocation: https://";
	check(starts(out, n, status), "not one of our status lines, or no https Location");
	size_t i = strlen(status);
	size_t host = i;
	while (i < n && out[i] > 0x20 && out[i] < 0x7f)
		i++;
	check(i > host, "an empty Location host");
	check(starts(out + i, n - i, "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n") &&
		      n - i == strlen("\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
	      "a control byte or junk inside or after the Location");
	check(memchr(out + host, '/', i - host) != NULL, "a Location without a path");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_redirect_req whole, pieces;
	static char out[HTTP_REDIRECT_RESPONSE_MAX];
	if (size < 2)
		return 0;
	unsigned int code = data[0] & 0x40 ? 308 : 301;
	unsigned int port = data[0] & 0x80 ? 8443 : 0;
	size_t piece = data[0] & 0x3f;
	uint32_t seed = data[1] * 2654435761u + 1;
	size_t len = size - 2;
	uint8_t *copy = malloc(len + 1); /* +1: malloc(0) may be NULL */
	check(copy != NULL, "malloc");
	memcpy(copy, data + 2, len);

	http_redirect_init(&whole);
	size_t used_whole = http_redirect_feed(&whole, copy, len);
	check(used_whole <= len, "used more than given");
	check(whole.outcome != REDIRECT_PENDING || used_whole == len, "pending but stopped early");

	http_redirect_init(&pieces);
	size_t used = 0;
	while (used < len && pieces.outcome == REDIRECT_PENDING) {
		size_t k = piece == 0 ? len - used : piece;
		if (k > len - used)
			k = len - used;
		uint8_t *p = malloc(k); /* exactly sized, so an overread is caught */
		check(p != NULL, "malloc");
		memcpy(p, copy + used, k);
		used += http_redirect_feed(&pieces, p, k);
		free(p);
		seed = seed * 1103515245u + 12345u;
		piece = 1 + (seed >> 16) % 17;
	}
	check(pieces.outcome == whole.outcome, "pieces and the whole disagree");
	check(used == used_whole, "pieces and the whole used different lengths");
	check(pieces.host_len == whole.host_len &&
		      memcmp(pieces.host, whole.host, whole.host_len) == 0,
	      "pieces and the whole kept different hosts");
	check(pieces.target_len == whole.target_len &&
		      memcmp(pieces.target, whole.target, whole.target_len) == 0,
	      "pieces and the whole kept different targets");

	size_t n = http_redirect_response(&whole, code, port, out, sizeof(out));
	check(n > 0 && n < sizeof(out), "the response did not fit its bound");
	check_response(out, n, code, whole.outcome == REDIRECT_PENDING);
	check((whole.outcome == REDIRECT_OK) == (starts(out, n, "HTTP/1.1 30")),
	      "a redirect for a refused request, or the reverse");
	free(copy);
	return 0;
}

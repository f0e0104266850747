/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A TLS listener's OpenSSL contexts, per worker: one SSL_CTX per set of server
 * names (an RSA and an ECDSA certificate for the same names share one, and
 * OpenSSL picks by the client's signature algorithms), chosen by SNI: exact
 * name, then wildcard; the first certificate's context is the default.
 */
#ifndef TLSTERM_TLS_CTX_H
#define TLSTERM_TLS_CTX_H

#include <stddef.h>

#include <openssl/ssl.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>

#include "tls_ocsp.h"

struct tls_sni_name {
	char name[256]; /* lower case; "*.example.com" for a wildcard */
	unsigned int ctx;
};

struct tls_listener_ctx {
	const struct config_tls *cfg;
	unsigned int n_ctx;
	SSL_CTX *ctx[CONFIG_MAX_CERTS]; /* [0] is the default */
	unsigned int n_names;
	struct tls_sni_name *names;
	uint8_t alpn_wire[CONFIG_MAX_ALPN * (CONFIG_ALPN_LEN + 1)]; /* ours, length-prefixed */
	unsigned int alpn_wire_len;
	/* per certificate entry: the context serving it and its leaf there (not a reference) */
	unsigned int ctx_of[CONFIG_MAX_CERTS];
	const X509 *leaf[CONFIG_MAX_CERTS];
	struct tls_ocsp_staples staples[CONFIG_MAX_CERTS]; /* per context: its status arg */
};

/* Build from the listener's config (certificates read from disk). 0, or -1 with err. */
int tls_listener_ctx_init(struct tls_listener_ctx *lc, const struct config_tls *cfg, char *err,
			  size_t errlen);
void tls_listener_ctx_fini(struct tls_listener_ctx *lc);

/*
 * Staple the responses set holds for this listener's certificates (a context
 * with none gets no status callback). The listener context must not move
 * afterwards: OpenSSL keeps a pointer into it. 0 or -1.
 */
int tls_listener_ctx_staple(struct tls_listener_ctx *lc, struct tls_ocsp_set *set,
			    struct tls_counters *ctr);

/* The index of the context serving name (exact, then wildcard), or -1. */
int tls_listener_ctx_lookup(const struct tls_listener_ctx *lc, const char *name);

#endif

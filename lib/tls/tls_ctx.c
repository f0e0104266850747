/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_ctx.h"
#include "tls_handshake.h"
#include "tls_ocsp.h"
#include "tls_tickets.h"

#define KEY_FILE_MAX (1024 * 1024)

static void ssl_error(char *err, size_t errlen, const char *what, const char *path)
{
	char buf[256];
	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	snprintf(err, errlen, "%s%s%s: %s", what, path ? " " : "", path ? path : "", buf);
	ERR_clear_error();
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int servername_cb(SSL *ssl, int *alert, void *arg)
{
	const struct tls_listener_ctx *lc = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL)
		return SSL_TLSEXT_ERR_NOACK; /* no SNI: the default certificate */
	int idx = tls_listener_ctx_lookup(lc, name);
	if (idx < 0) {
		if (lc->cfg->strict_sni) {
			*alert = SSL_AD_UNRECOGNIZED_NAME;
			return SSL_TLSEXT_ERR_ALERT_FATAL;
		}
		return SSL_TLSEXT_ERR_OK;
	}
	if (idx > 0 && SSL_set_SSL_CTX(ssl, lc->ctx[idx]) == NULL) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	return SSL_TLSEXT_ERR_OK;
}

/* RFC 7301 §3.2: our preference order; no protocol in common is a fatal alert. */
static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	const struct tls_listener_ctx *lc = arg;
	for (unsigned int i = 0; i < lc->alpn_wire_len; i += 1u + lc->alpn_wire[i]) {
		const uint8_t *ours = &lc->alpn_wire[i];
		for (unsigned int j = 0; j < inlen; j += 1u + in[j]) {
			if (j + 1u + in[j] > inlen)
				return SSL_TLSEXT_ERR_ALERT_FATAL;
			if (in[j] == ours[0] && memcmp(in + j + 1, ours + 1, ours[0]) == 0) {
				*out = ours + 1;
				*outlen = ours[0];
				return SSL_TLSEXT_ERR_OK;
			}
		}
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static SSL_CTX *new_ctx(struct tls_listener_ctx *lc, char *err, size_t errlen)
{
	const struct config_tls *t = lc->cfg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		ssl_error(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	/* Renegotiation and compression off; our order of suites; no session cache (tickets only). */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE |
					 (t->session_tickets ? 0 : SSL_OP_NO_TICKET));
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_max_early_data(ctx, 0);
	/*
	 * One ticket, not OpenSSL's two: each costs a session encoding, an encryption and an
	 * HMAC (about 12% of an ECDSA handshake: benchmarks/results/handshake-2026-11-26.md),
	 * and a client gets a fresh one with every connection, resumed ones included.
	 */
	SSL_CTX_set_num_tickets(ctx, t->session_tickets ? 1 : 0);
	if (SSL_CTX_set_min_proto_version(ctx, t->min_version ? t->min_version : TLS1_2_VERSION) !=
		    1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    (t->ciphersuites[0] && SSL_CTX_set_ciphersuites(ctx, t->ciphersuites) != 1) ||
	    (t->ciphers[0] && SSL_CTX_set_cipher_list(ctx, t->ciphers) != 1) ||
	    (t->groups[0] && SSL_CTX_set1_groups_list(ctx, t->groups) != 1)) {
		ssl_error(err, errlen, "TLS settings", NULL);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx, lc);
	if (lc->alpn_wire_len > 0)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, lc);
	if (t->session_tickets)
		SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_key_cb);
	SSL_CTX_set_keylog_callback(ctx, tls_hs_keylog);
	if (tls_hs_add_record_size_limit(ctx) != 0) {
		ssl_error(err, errlen, "record_size_limit extension", NULL);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* DNS names of the leaf (subjectAltName, else the CN), lower case. */
static int cert_names(const char *path, char names[][256], unsigned int max, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s", path);
		return -1;
	}
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		ssl_error(err, errlen, "no certificate in", path);
		return -1;
	}
	unsigned int n = 0;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && n < max; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
		int len = ASN1_STRING_length(g->d.dNSName);
		if (len <= 0 || len >= 256)
			continue;
		memcpy(names[n], s, (size_t)len);
		names[n][len] = '\0';
		lower(names[n++]);
	}
	GENERAL_NAMES_free(gens);
	if (n == 0) {
		int len = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
						    names[0], 256);
		if (len > 0) {
			lower(names[0]);
			n = 1;
		}
	}
	X509_free(x);
	return (int)n;
}

#define NAMES_PER_CERT 64

/*
 * The private key, read with read(2) into a buffer wiped afterwards: OpenSSL's
 * own file reading goes through stdio, whose buffer keeps the PEM text in
 * freed memory. With OpenSSL's secure heap up (app/tlsterm/dump_filter.c) the key's
 * numbers live there, out of core dumps.
 */
static EVP_PKEY *load_key(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	EVP_PKEY *pkey = NULL;
	unsigned char *buf = NULL;
	size_t got = 0, size = 0;
	struct stat st;
	BIO *bio;

	if (fd < 0) {
		snprintf(err, errlen, "key %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX) {
		snprintf(err, errlen, "key %s: not a regular file of at most %d bytes", path,
			 KEY_FILE_MAX);
		goto close_file;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "key %s: out of memory", path);
		goto close_file;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	bio = BIO_new_mem_buf(buf, (int)got);
	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (pkey == NULL)
		ssl_error(err, errlen, "key", path);
	OPENSSL_cleanse(buf, size + 1);
	free(buf);
close_file:
	close(fd);
	return pkey;
}

static bool same_names(char a[][256], int na, char b[][256], int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

int tls_listener_ctx_init(struct tls_listener_ctx *lc, const struct config_tls *cfg, char *err,
			  size_t errlen)
{
	memset(lc, 0, sizeof(*lc));
	lc->cfg = cfg;
	for (unsigned int i = 0; i < cfg->n_alpn; i++) {
		size_t len = strlen(cfg->alpn[i]);
		lc->alpn_wire[lc->alpn_wire_len++] = (uint8_t)len;
		memcpy(&lc->alpn_wire[lc->alpn_wire_len], cfg->alpn[i], len);
		lc->alpn_wire_len += (unsigned int)len;
	}
	static char names[CONFIG_MAX_CERTS][NAMES_PER_CERT][256]; /* start-up only, one thread */
	int n_names[CONFIG_MAX_CERTS];
	unsigned int ctx_of[CONFIG_MAX_CERTS];
	lc->names = calloc((size_t)cfg->n_certs * NAMES_PER_CERT, sizeof(*lc->names));
	if (lc->names == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < cfg->n_certs; i++) {
		const struct config_cert *cc = &cfg->certs[i];
		n_names[i] = cert_names(cc->cert, names[i], NAMES_PER_CERT, err, errlen);
		if (n_names[i] < 0)
			goto fail;
		/* An entry for the same names as an earlier one joins its context (RSA + ECDSA). */
		unsigned int c = lc->n_ctx;
		for (unsigned int j = 0; j < i; j++)
			if (same_names(names[i], n_names[i], names[j], n_names[j]))
				c = ctx_of[j];
		if (c == lc->n_ctx) {
			lc->ctx[c] = new_ctx(lc, err, errlen);
			if (lc->ctx[c] == NULL)
				goto fail;
			lc->n_ctx++;
			for (int k = 0; k < n_names[i]; k++) {
				struct tls_sni_name *sn = &lc->names[lc->n_names++];
				memcpy(sn->name, names[i][k], sizeof(sn->name)); /* NUL within */
				sn->ctx = c;
			}
		}
		ctx_of[i] = c;
		lc->ctx_of[i] = c;
		if (SSL_CTX_use_certificate_chain_file(lc->ctx[c], cc->cert) != 1) {
			ssl_error(err, errlen, "certificate", cc->cert);
			goto fail;
		}
		lc->leaf[i] = SSL_CTX_get0_certificate(lc->ctx[c]);
		EVP_PKEY *pkey = load_key(cc->key, err, errlen);
		if (pkey == NULL)
			goto fail;
		int used = SSL_CTX_use_PrivateKey(lc->ctx[c], pkey);
		EVP_PKEY_free(pkey); /* the SSL_CTX holds its own reference */
		if (used != 1 || SSL_CTX_check_private_key(lc->ctx[c]) != 1) {
			ssl_error(err, errlen, "key", cc->key);
			goto fail;
		}
		/* Build the chain now, not at every handshake. */
		SSL_CTX_build_cert_chain(lc->ctx[c], SSL_BUILD_CHAIN_FLAG_UNTRUSTED |
							     SSL_BUILD_CHAIN_FLAG_NO_ROOT |
							     SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR);
		ERR_clear_error();
	}
	return 0;
fail:
	tls_listener_ctx_fini(lc);
	return -1;
}

int tls_listener_ctx_staple(struct tls_listener_ctx *lc, struct tls_ocsp_set *set,
			    struct tls_counters *ctr)
{
	for (unsigned int c = 0; c < lc->n_ctx; c++)
		lc->staples[c] = (struct tls_ocsp_staples){ .ctr = ctr };
	for (unsigned int i = 0; i < lc->cfg->n_certs; i++) {
		struct tls_ocsp_slot *slot = tls_ocsp_set_slot(set, &lc->cfg->certs[i]);
		struct tls_ocsp_staples *st = &lc->staples[lc->ctx_of[i]];

		if (slot == NULL)
			continue;
		st->e[st->n].leaf = lc->leaf[i];
		st->e[st->n].slot = slot;
		st->n++;
	}
	for (unsigned int c = 0; c < lc->n_ctx; c++) {
		if (lc->staples[c].n == 0)
			continue;
		if (SSL_CTX_set_tlsext_status_cb(lc->ctx[c], tls_ocsp_status_cb) != 1 ||
		    SSL_CTX_set_tlsext_status_arg(lc->ctx[c], &lc->staples[c]) != 1)
			return -1;
	}
	return 0;
}

void tls_listener_ctx_fini(struct tls_listener_ctx *lc)
{
	for (unsigned int i = 0; i < lc->n_ctx; i++)
		SSL_CTX_free(lc->ctx[i]);
	free(lc->names);
	memset(lc, 0, sizeof(*lc));
}

int tls_listener_ctx_lookup(const struct tls_listener_ctx *lc, const char *name)
{
	char want[256];
	size_t len = strnlen(name, sizeof(want));
	if (len == 0 || len == sizeof(want))
		return -1;
	memcpy(want, name, len + 1);
	lower(want);
	if (want[len - 1] == '.')
		want[len - 1] = '\0'; /* a fully qualified name names the same host */
	for (unsigned int i = 0; i < lc->n_names; i++)
		if (strcmp(lc->names[i].name, want) == 0)
			return (int)lc->names[i].ctx;
	/* A wildcard covers exactly one leftmost label (RFC 6125 §6.4.3). */
	const char *dot = strchr(want, '.');
	if (dot == NULL || dot == want)
		return -1;
	for (unsigned int i = 0; i < lc->n_names; i++) {
		const char *n = lc->names[i].name;
		if (n[0] == '*' && n[1] == '.' && strcmp(n + 1, dot) == 0)
			return (int)lc->names[i].ctx;
	}
	return -1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OCSP stapling. A struct tls_ocsp is one checked response (its DER bytes and
 * validity), immutable once made. A struct tls_ocsp_set holds one slot per
 * certificate entry that names an ocsp: file; each slot's current response is
 * published with RCU by the control thread (load, refresh) and read by the
 * workers' status callback, which staples it when the client asked and it
 * has not expired.
 */
#ifndef TLSTERM_TLS_OCSP_H
#define TLSTERM_TLS_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/ssl.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>

struct tls_ocsp_set; /* include/tlsterm/tls.h */

struct tls_ocsp {
	unsigned char *der;
	size_t len;
	time_t this_update;
	time_t next_update;
};

/*
 * Read and check the response for the certificate file (ocsp_check.h says
 * what is required). 0 with *out, or -1 with err; *revoked tells a valid
 * "revoked" answer from a bad file.
 */
int tls_ocsp_load(const char *ocsp_path, const char *cert_path, time_t now,
		  struct tls_ocsp **out, bool *revoked, char *err, size_t errlen);
/* Staple-worthy at now: nextUpdate still ahead. */
bool tls_ocsp_is_fresh(const struct tls_ocsp *o, time_t now);
const unsigned char *tls_ocsp_der(const struct tls_ocsp *o, size_t *len);
void tls_ocsp_free(struct tls_ocsp *o);

/* One certificate entry's staple. */
struct tls_ocsp_slot {
	const struct config_cert *cc; /* the entry; its ocsp path is read */
	struct tls_ocsp *resp;        /* RCU: NULL means nothing to staple */
	struct stat seen;             /* the file as last read, to notice a change */
};

/* The slot for a certificate entry (by address in the config), or NULL. */
struct tls_ocsp_slot *tls_ocsp_set_slot(struct tls_ocsp_set *set, const struct config_cert *cc);

/*
 * For one SSL_CTX: the leaf of each certificate it serves with a staple slot.
 * The status callback picks by the certificate OpenSSL chose for the handshake.
 */
struct tls_ocsp_staples {
	unsigned int n;
	struct {
		const X509 *leaf; /* the SSL_CTX's own, not a reference */
		struct tls_ocsp_slot *slot;
	} e[CONFIG_MAX_CERTS];
	struct tls_counters *ctr; /* the worker's */
};

/* For SSL_CTX_set_tlsext_status_cb, with a struct tls_ocsp_staples as its arg. */
int tls_ocsp_status_cb(SSL *ssl, void *arg);

#endif

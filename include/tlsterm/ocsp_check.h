/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An OCSP response file checked against the certificate it is to be stapled
 * with (RFC 6960). Used by the config check (lib/ctl) and by the TLS layer when
 * it loads or re-reads a response (lib/tls/tls_ocsp.c). What is required:
 * - the file is one DER OCSPResponse and nothing after it, at most 64 KiB;
 * - responseStatus successful, a basic response;
 * - exactly one SingleResponse, and its CertID is the leaf's under the issuer
 *   that follows it in the certificate file (the issuer must be there);
 * - certStatus good (revoked and unknown are refused: stapling them would
 *   only make clients fail, and the certificate wants replacing);
 * - thisUpdate not more than 5 minutes ahead of our clock, a nextUpdate
 *   (without one nothing says when it goes stale), later than thisUpdate and
 *   later than now;
 * - signed by the issuer itself, or by a responder certificate that the issuer
 *   signed, that carries id-kp-OCSPSigning and is valid now (RFC 6960 4.2.2.2).
 *   The issuer is not checked further: the certificate file's chain is what
 *   we already serve.
 */
#ifndef TLSTERM_OCSP_CHECK_H
#define TLSTERM_OCSP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define OCSP_FILE_MAX (64 * 1024)
#define OCSP_CLOCK_SKEW_S 300

struct ocsp_checked {
	unsigned char *der; /* the file's bytes, malloc'd; what is stapled */
	size_t len;
	time_t this_update;
	time_t next_update;
	bool revoked; /* set when the only fault is that the response says revoked */
};

/* Read and check ocsp_path for the chain in cert_path. 0, or -1 with one line in err. */
int ocsp_check_file(const char *ocsp_path, const char *cert_path, time_t now,
		    struct ocsp_checked *out, char *err, size_t errlen);

/* The same for bytes in memory (the fuzz target's entry); out->der is left NULL. */
int ocsp_check_der(const unsigned char *der, size_t len, const char *cert_path, time_t now,
		   struct ocsp_checked *out, char *err, size_t errlen);

void ocsp_checked_free(struct ocsp_checked *c);

#endif

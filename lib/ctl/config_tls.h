/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks of the TLS settings that need OpenSSL or the files they name:
 * suite and group lists, certificates and keys, session-ticket keys.
 * config.c owns the YAML and the positions; these functions only say what
 * is wrong and where inside the checked value, so the loader can point there.
 */
#ifndef TLSTERM_CONFIG_TLS_H
#define TLSTERM_CONFIG_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "config_why.h"

/* "a:b:c" lists in OpenSSL syntax, restricted to forward-secret AEAD. 0 or -1 with why. */
int tls_check_ciphersuites(const char *list, struct config_why *why);
int tls_check_ciphers(const char *list, struct config_why *why);
int tls_check_groups(const char *list, struct config_why *why);

enum tls_key_kind { TLS_KEY_RSA, TLS_KEY_ECDSA };

/* What SNI selects a certificate by: its key kind and its DNS names. */
struct tls_cert_names {
	enum tls_key_kind kind;
	unsigned int n;
	char **names; /* subjectAltName DNS entries, or the CN when there are none */
};

/*
 * The certificate file (PEM chain, leaf first) and its key: both parse, the
 * key is the leaf's, RSA >= 2048 or ECDSA P-256/P-384, the leaf is valid at
 * now and the chain is in order. On success fills names, to be released
 * with tls_cert_names_free() (also safe on a zeroed struct).
 */
int tls_check_cert(const char *cert_path, const char *key_path, time_t now,
		   struct tls_cert_names *names, struct config_why *why);
void tls_cert_names_free(struct tls_cert_names *names);

/* A name both serve with the same key kind (SNI could not choose between them), or NULL. */
const char *tls_cert_names_clash(const struct tls_cert_names *a, const struct tls_cert_names *b);

const char *tls_key_kind_name(enum tls_key_kind kind);

/* Session-ticket keys: 80-byte records (nginx's format), 1..8 of them, distinct names. */
#define TLS_TICKET_KEY_LEN 80
#define TLS_TICKET_KEYS_MAX 8
int tls_check_ticket_keys(const char *path, struct config_why *why);

/*
 * A private key file that group or others may read: 1 with why filled (the
 * caller refuses or warns, by tls.key_permissions), else 0. A missing file is
 * left to the reader's error.
 */
int tls_check_key_mode(const char *key_path, struct config_why *why);

/*
 * The OCSP response file (DER, as `openssl ocsp -respout` writes) for the
 * certificate file: see ocsp_check.h for what is checked. 0 or -1 with why.
 */
int tls_check_ocsp(const char *ocsp_path, const char *cert_path, time_t now,
		   struct config_why *why);

/* Shared with ocsp_check.c: a whole regular file (NULL with why), wiped by tls_free_file. */
unsigned char *tls_read_file(const char *path, size_t max, size_t *len, struct config_why *why);
void tls_free_file(unsigned char *buf, size_t len);
/* The PEM chain of a certificate file, leaf first (NULL with why). */
STACK_OF(X509) *tls_read_chain(const char *path, struct config_why *why);

#endif

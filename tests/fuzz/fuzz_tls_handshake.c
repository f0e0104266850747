/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the handshake driver (lib/tls/tls_handshake.c) with a
 * real listener context (lib/tls/tls_ctx.c: SNI, ALPN, tickets, the
 * record_size_limit extension): fuzzed client bytes, cut into up to four
 * pieces, must end in "more", "done" or "failed" with a well-formed answer,
 * never a crash or a leak. A failure must leave at most a few alert bytes
 * after whatever flight was already out. Seeds are real ClientHellos
 * (tests/fuzz/corpus/fuzz_tls_handshake/).
 *
 * Input: byte 0 picks the piece boundaries (2 bits each for 3 cuts, as
 * fractions of the rest); the rest is what the client sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <tlsterm/tls.h>

#include "tls_ctx.h"
#include "tls_handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct tls_listener_ctx lc;
static struct config_tls tls_cfg;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_tls_handshake: %s\n", what);
	ERR_print_errors_fp(stderr);
	abort();
}

/* A self-signed certificate for names, written as PEM files under dir. */
static void make_cert(const char *dir, const char *file, const char *group, const char *san)
{
	EVP_PKEY *key = EVP_EC_gen(group);
	X509 *x = X509_new();
	if (key == NULL || x == NULL)
		die("key");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1 || X509_sign(x, key, EVP_sha256()) == 0)
		die("certificate");
	X509_EXTENSION_free(ext);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.pem", dir, file);
	FILE *f = fopen(path, "w");
	if (f == NULL || PEM_write_X509(f, x) != 1)
		die("write cert");
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.key", dir, file);
	f = fopen(path, "w");
	if (f == NULL || PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1)
		die("write key");
	fclose(f);
	struct config_cert *c = &tls_cfg.certs[tls_cfg.n_certs++];
	snprintf(c->cert, sizeof(c->cert), "%s/%s.pem", dir, file);
	snprintf(c->key, sizeof(c->key), "%s/%s.key", dir, file);
	X509_free(x);
	EVP_PKEY_free(key);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	char dir[] = "/tmp/tt_fuzz_hs_XXXXXX";
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	tls_cfg.enabled = true;
	tls_cfg.min_version = 0x0303;
	tls_cfg.session_tickets = true;
	tls_cfg.n_alpn = 2;
	snprintf(tls_cfg.alpn[0], sizeof(tls_cfg.alpn[0]), "h2");
	snprintf(tls_cfg.alpn[1], sizeof(tls_cfg.alpn[1]), "http/1.1");
	snprintf(tls_cfg.groups, sizeof(tls_cfg.groups), "X25519:P-256:P-384");
	make_cert(dir, "site", "P-256", "DNS:tlsterm.test");
	make_cert(dir, "wild", "P-384", "DNS:*.wild.test");
	char err[256];
	if (tls_listener_ctx_init(&lc, &tls_cfg, err, sizeof(err)) != 0)
		die(err);
	struct config cfg = {.tickets = {.rotate_s = 3600}};
	if (tls_tickets_init(&cfg, err, sizeof(err)) != 0)
		die(err);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		die("cleanup");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t cuts = data[0];
	data++;
	size--;
	struct tls_hs hs;
	struct tls_hs_result res;
	if (tls_hs_start(&hs, lc.ctx[0]) != 0)
		die("tls_hs_start");
	enum tls_hs_status st = TLS_HS_MORE;
	size_t off = 0;
	for (int piece = 0; piece < 4 && st == TLS_HS_MORE && off < size; piece++) {
		size_t left = size - off;
		size_t n = piece == 3 ? left : left * ((cuts >> (2 * piece)) & 3) / 3;
		if (n == 0)
			n = left < 5 ? left : 5; /* at least a record header's worth */
		if (tls_hs_input(&hs, data + off, n) != 0)
			die("tls_hs_input");
		off += n;
		const uint8_t *out;
		st = tls_hs_step(&hs, &res);
		size_t after = tls_hs_output(&hs, &out);
		/* Whatever we send is a sequence of whole records with sane headers... */
		size_t last = 0;
		for (size_t p = 0; p + 5 <= after;) {
			size_t len = (size_t)out[p + 3] << 8 | out[p + 4];
			/* (OpenSSL's protocol_version alert echoes the client's odd version.) */
			if (out[p] < 20 || out[p] > 23 || (out[p] != 21 && out[p + 1] != 3) ||
			    len > 16384 + 256)
				die("we wrote a malformed record");
			last = p;
			p += 5 + len;
			if (p > after)
				die("we wrote a truncated record");
		}
		/* ...and a failure ends with an alert (type 21, or 23 once 1.3 encrypts). */
		if (st == TLS_HS_FAILED &&
		    (tls_hs_alert_sent(&hs) < 0 || after < 7 || (out[last] != 21 && out[last] != 23)))
			die("a failure without an alert");
		if (after > 0)
			tls_hs_consume(&hs, after);
	}
	tls_hs_free(&hs); /* done or not: the fuzzer keeps no connection */
	ERR_clear_error();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server-side cost of a TLS handshake in tlsterm's handshake driver
 * (lib/tls/tls_handshake.c over a tls_listener_ctx from lib/tls/tls_ctx.c),
 * against an unmodified OpenSSL client over memory BIOs, in one process.
 *
 * Only the server is timed: rdtsc around tls_hs_start, tls_hs_input,
 * tls_hs_step, tls_hs_output/consume and tls_hs_free, and the record layer's
 * set-up the connection does next with the hand-off's result
 * (tls_record_init13/12 on the ipsec-mb engine, then tls_record_fini),
 * summed per handshake.
 * The client's work sits between those readings and is left out. Beside each
 * workload, the crypto floor: the same process timing the server's
 * asymmetric operations alone with EVP (X25519 keygen + derive, and the
 * certificate key's signature), so the table shows what is not crypto.
 *
 * Cycles are TSC ticks. Prints a markdown table; it reports, never judges.
 * Knobs for experiments on the contexts tlsterm built (they change only this
 * process): -t N sets SSL_CTX_set_num_tickets, -r 0|1 clears or sets
 * SSL_MODE_RELEASE_BUFFERS.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x86intrin.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>

#include <tlsterm/tls.h>

#include "tls_ctx.h"
#include "tls_handshake.h"
#include "tls_record.h"

static char dir[] = "/tmp/tt_hsbench_XXXXXX";

static void die(const char *what)
{
	fprintf(stderr, "handshake_bench: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		die(cmd);
}

/* A self-signed certificate from the openssl command (the OpenSSL we link). */
static void make_cert(const char *name, const char *keyspec)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey %s -nodes -keyout %s.key -out %s.pem "
		 "-subj /CN=tlsterm.test -addext subjectAltName=DNS:tlsterm.test -days 30 "
		 ">/dev/null 2>&1",
		 dir, keyspec, name, name);
	run(cmd);
}

static void listener(struct tls_listener_ctx *lc, struct config_tls *t, const char *cert)
{
	memset(t, 0, sizeof(*t));
	t->enabled = true;
	t->min_version = TLS1_2_VERSION;
	t->session_tickets = true;
	snprintf(t->groups, sizeof(t->groups), "X25519:P-256:P-384");
	snprintf(t->ciphersuites, sizeof(t->ciphersuites),
		 "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
	snprintf(t->ciphers, sizeof(t->ciphers),
		 "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
		 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384");
	t->n_alpn = 2;
	snprintf(t->alpn[0], sizeof(t->alpn[0]), "h2");
	snprintf(t->alpn[1], sizeof(t->alpn[1]), "http/1.1");
	t->n_certs = 1;
	snprintf(t->certs[0].cert, sizeof(t->certs[0].cert), "%s/%s.pem", dir, cert);
	snprintf(t->certs[0].key, sizeof(t->certs[0].key), "%s/%s.key", dir, cert);
	char err[256];
	if (tls_listener_ctx_init(lc, t, err, sizeof(err)) != 0)
		die(err);
}

static struct tls_engine *engine; /* the record layer's (ipsec-mb, tlsterm's default) */
static const struct tls_record_events no_events;

static int num_tickets = -1;     /* -1: as tlsterm set it */
static int release_buffers = -1; /* -1: as tlsterm set it */

static void apply_knobs(struct tls_listener_ctx *lc)
{
	for (unsigned int i = 0; i < lc->n_ctx; i++) {
		if (num_tickets >= 0)
			SSL_CTX_set_num_tickets(lc->ctx[i], (size_t)num_tickets);
		if (release_buffers == 1)
			SSL_CTX_set_mode(lc->ctx[i], SSL_MODE_RELEASE_BUFFERS);
		else if (release_buffers == 0)
			SSL_CTX_clear_mode(lc->ctx[i], SSL_MODE_RELEASE_BUFFERS);
	}
}

struct workload {
	const char *name;
	struct tls_listener_ctx *lc;
	int version;         /* the client's only version */
	const char *ciphers; /* TLS 1.2 list, or NULL */
	bool resumed;
	double floor_ops;    /* filled: crypto floor, median cycles */
	double floor_min;
	int kind;            /* which floor: 0 ECDSA, 1 RSA-PSS, 2 none (PSK + DHE) */
};

/* One handshake; returns the server's cycles. *sess_out gets the client's session if asked. */
static uint64_t handshake(const struct workload *w, SSL_CTX *cctx, SSL_SESSION *sess,
			  SSL_SESSION **sess_out, bool *resumed)
{
	SSL *c = SSL_new(cctx);
	BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
	if (c == NULL || c_in == NULL || c_out == NULL)
		die("client");
	BIO_up_ref(c_in);
	BIO_up_ref(c_out);
	SSL_set_bio(c, c_in, c_out);
	SSL_set_connect_state(c);
	SSL_set_tlsext_host_name(c, "tlsterm.test");
	if (sess != NULL)
		SSL_set_session(c, sess);

	struct tls_hs hs;
	struct tls_hs_result res;
	uint64_t t0 = __rdtsc();
	if (tls_hs_start(&hs, w->lc->ctx[0]) != 0)
		die("tls_hs_start");
	uint64_t cyc = __rdtsc() - t0;
	enum tls_hs_status st = TLS_HS_MORE;
	char buf[16384];
	for (int round = 0; round < 20 && st == TLS_HS_MORE; round++) {
		SSL_do_handshake(c);
		int n;
		while ((n = BIO_read(c_out, buf, sizeof(buf))) > 0) {
			t0 = __rdtsc();
			int rc = tls_hs_input(&hs, buf, (size_t)n);
			cyc += __rdtsc() - t0;
			if (rc != 0)
				die("tls_hs_input");
		}
		t0 = __rdtsc();
		st = tls_hs_step(&hs, &res);
		const uint8_t *out;
		size_t len = tls_hs_output(&hs, &out);
		cyc += __rdtsc() - t0;
		if (len > 0) {
			if (BIO_write(c_in, out, (int)len) != (int)len)
				die("client BIO_write");
			t0 = __rdtsc();
			tls_hs_consume(&hs, len);
			cyc += __rdtsc() - t0;
		}
	}
	t0 = __rdtsc();
	tls_hs_free(&hs);
	int rc = -1;
	if (st == TLS_HS_DONE) {
		/* What lib/tls/tls_conn.c's hand_off does next: keys into the record layer. */
		struct tls_record rec;
		rc = res.version == TLS1_3_VERSION
			     ? tls_record_init13(&rec, engine, res.alg, res.client_secret,
						 res.server_secret, res.write_seq, &no_events, NULL)
			     : tls_record_init12(&rec, engine, res.alg, &res.kb, &no_events, NULL);
		/* ...and the key expansions the first records make, into schedules of our own. */
		static struct tls_aead_sched sched[2];
		if (rc == 0 && rec.rd.key.needs_sched)
			rc = tls_aead_key_expand(engine, &rec.rd.key, &sched[0]) |
			     tls_aead_key_expand(engine, &rec.wr.key, &sched[1]);
		tls_record_fini(&rec, NULL);
	}
	cyc += __rdtsc() - t0;
	if (st != TLS_HS_DONE || rc != 0 || SSL_do_handshake(c) != 1)
		die(w->name);
	*resumed = res.resumed;
	if (sess_out != NULL) {
		SSL_read(c, buf, sizeof(buf)); /* TLS 1.3 tickets come after the handshake */
		*sess_out = SSL_get1_session(c);
	}
	SSL_shutdown(c); /* a client freed without it marks its session not resumable */
	ERR_clear_error();
	SSL_free(c);
	BIO_free(c_in);
	BIO_free(c_out);
	return cyc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- the crypto floor: the asymmetric operations alone, with EVP ---- */

static EVP_PKEY *ec_key, *rsa_key, *x25519_peer;
static EVP_PKEY_CTX *x25519_gen;

static void floor_init(void)
{
	ec_key = EVP_EC_gen("P-256");
	rsa_key = EVP_RSA_gen(2048);
	x25519_gen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	if (ec_key == NULL || rsa_key == NULL || x25519_gen == NULL ||
	    EVP_PKEY_keygen_init(x25519_gen) != 1 || EVP_PKEY_keygen(x25519_gen, &x25519_peer) != 1)
		die("floor keys");
}

/* A server's key share: a fresh key pair and the shared secret with the client's. */
static uint64_t floor_x25519(void)
{
	uint8_t secret[32];
	size_t len = sizeof(secret);
	EVP_PKEY *k = NULL;
	uint64_t t0 = __rdtsc();
	if (EVP_PKEY_keygen(x25519_gen, &k) != 1)
		die("x25519 keygen");
	EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (d == NULL || EVP_PKEY_derive_init(d) != 1 ||
	    EVP_PKEY_derive_set_peer(d, x25519_peer) != 1 || EVP_PKEY_derive(d, secret, &len) != 1)
		die("x25519 derive");
	EVP_PKEY_CTX_free(d);
	EVP_PKEY_free(k);
	return __rdtsc() - t0;
}

/* CertificateVerify: 64 spaces, context string, 0, SHA-256 transcript hash (RFC 8446 §4.4.3). */
static uint64_t floor_sign(EVP_PKEY *key, bool pss)
{
	static uint8_t content[64 + 33 + 1 + 32];
	uint8_t sig[512];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint64_t t0 = __rdtsc();
	if (md == NULL || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
	    EVP_DigestSign(md, sig, &siglen, content, sizeof(content)) != 1)
		die("sign");
	uint64_t c = __rdtsc() - t0;
	EVP_MD_CTX_free(md);
	return c;
}

static void floor_measure(struct workload *w, unsigned int n)
{
	uint64_t *c = calloc(n, sizeof(*c));
	if (c == NULL)
		die("out of memory");
	for (unsigned int i = 0; i < n; i++) {
		c[i] = floor_x25519();
		if (w->kind == 0)
			c[i] += floor_sign(ec_key, false);
		else if (w->kind == 1)
			c[i] += floor_sign(rsa_key, true);
	}
	qsort(c, n, sizeof(*c), cmp_u64);
	w->floor_ops = (double)c[n / 2];
	w->floor_min = (double)c[0];
	free(c);
}

static void usage(void)
{
	fprintf(stderr, "usage: handshake_bench [-n handshakes] [-w warmup] [-o only-workload]\n"
			"                       [-t num_tickets] [-r release_buffers 0|1]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int n = 2000, warm = 100;
	const char *only = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "n:w:o:t:r:")) != -1) {
		switch (opt) {
		case 'n': n = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'w': warm = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'o': only = optarg; break;
		case 't': num_tickets = atoi(optarg); break;
		case 'r': release_buffers = atoi(optarg); break;
		default: usage();
		}
	}
	if (n == 0)
		usage();
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	make_cert("ec", "ec -pkeyopt ec_paramgen_curve:P-256");
	make_cert("rsa", "rsa:2048");
	char err[256];
	struct config cfg = {.tickets = {.rotate_s = 3600}};
	if (tls_tickets_init(&cfg, err, sizeof(err)) != 0)
		die(err);
	static struct config_tls t_ec, t_rsa;
	static struct tls_listener_ctx lc_ec, lc_rsa;
	listener(&lc_ec, &t_ec, "ec");
	listener(&lc_rsa, &t_rsa, "rsa");
	apply_knobs(&lc_ec);
	apply_knobs(&lc_rsa);
	floor_init();
	engine = tls_engine_create(TLS_ENGINE_IPSECMB);
	if (engine == NULL)
		die("ipsec-mb engine");

	struct workload wl[] = {
		{"TLS 1.3 ECDSA P-256 + X25519", &lc_ec, TLS1_3_VERSION, NULL, false, 0, 0, 0},
		{"TLS 1.3 RSA-2048 + X25519", &lc_rsa, TLS1_3_VERSION, NULL, false, 0, 0, 1},
		{"TLS 1.2 ECDHE-ECDSA-AES128-GCM", &lc_ec, TLS1_2_VERSION,
		 "ECDHE-ECDSA-AES128-GCM-SHA256", false, 0, 0, 0},
		{"TLS 1.3 resumed (PSK + X25519)", &lc_ec, TLS1_3_VERSION, NULL, true, 0, 0, 2},
	};
	uint64_t *c = calloc(n, sizeof(*c));
	if (c == NULL)
		die("out of memory");
	printf("| workload | handshakes | median | min | max | crypto floor median (min) | "
	       "median − floor |\n|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(wl) / sizeof(wl[0]); i++) {
		struct workload *w = &wl[i];
		if (only != NULL && strstr(w->name, only) == NULL)
			continue;
		SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
		/* X25519 is used; P-256 is there because TLS 1.2 asks that the client can verify
		 * the certificate's curve (RFC 8422 §5.1). */
		if (cctx == NULL || SSL_CTX_set1_groups_list(cctx, "X25519:P-256") != 1 ||
		    SSL_CTX_set_min_proto_version(cctx, w->version) != 1 ||
		    SSL_CTX_set_max_proto_version(cctx, w->version) != 1 ||
		    (w->ciphers && SSL_CTX_set_cipher_list(cctx, w->ciphers) != 1))
			die("client context");
		static const unsigned char alpn[] = "\x02h2\x08http/1.1";
		SSL_CTX_set_alpn_protos(cctx, alpn, sizeof(alpn) - 1);
		SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
		SSL_SESSION *sess = NULL;
		bool resumed;
		if (w->resumed)
			handshake(w, cctx, NULL, &sess, &resumed);
		unsigned int not_resumed = 0;
		for (unsigned int k = 0; k < warm + n; k++) {
			uint64_t cyc = handshake(w, cctx, sess, NULL, &resumed);
			if (resumed != w->resumed)
				not_resumed++;
			if (k >= warm)
				c[k - warm] = cyc;
		}
		if (not_resumed > 0)
			fprintf(stderr, "%s: %u handshakes not as expected (resumed %d)\n", w->name,
				not_resumed, !w->resumed);
		SSL_SESSION_free(sess);
		SSL_CTX_free(cctx);
		qsort(c, n, sizeof(*c), cmp_u64);
		floor_measure(w, n < 1000 ? n : 1000);
		printf("| %s | %u | %.0fk | %.0fk | %.0fk | %.0fk (%.0fk) | %.0fk |\n", w->name, n,
		       (double)c[n / 2] / 1e3, (double)c[0] / 1e3, (double)c[n - 1] / 1e3,
		       w->floor_ops / 1e3, w->floor_min / 1e3,
		       ((double)c[n / 2] - w->floor_ops) / 1e3);
		fflush(stdout);
	}
	free(c);
	tls_listener_ctx_fini(&lc_ec);
	tls_listener_ctx_fini(&lc_rsa);
	tls_tickets_fini();
	tls_engine_free(engine);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	run(err);
	return 0;
}

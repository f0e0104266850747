/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake driver (lib/tls/tls_handshake.c) and the listener contexts
 * (lib/tls/tls_ctx.c) against an unmodified OpenSSL client over memory BIOs:
 * every suite and version reaches the hand-off with the client's own secrets,
 * SNI picks the certificate (exact, wildcard, default, strict), the signature
 * algorithms pick RSA or ECDSA, ALPN follows our order, tickets resume, and
 * the NewSessionTicket we send (one) is counted for the record layer's sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <tlsterm/tls.h>

#include "tls_ctx.h"
#include "tls_handshake.h"

static char dir[] = "/tmp/tt_hs_XXXXXX";

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		abort();
	}
}

/* Self-signed certificates made with the openssl command (the same OpenSSL we link). */
static void make_cert(const char *name, const char *keyspec, const char *sans)
{
	run("cd %s && openssl req -x509 -newkey %s -nodes -keyout %s.key -out %s.pem "
	    "-subj /CN=%s -addext subjectAltName=%s -days 30 >/dev/null 2>&1",
	    dir, keyspec, name, name, name, sans);
}

static int group_setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	make_cert("site-ec", "ec -pkeyopt ec_paramgen_curve:P-256", "DNS:tlsterm.test");
	make_cert("site-rsa", "rsa:2048", "DNS:tlsterm.test");
	make_cert("wild", "ec -pkeyopt ec_paramgen_curve:P-256", "DNS:*.wild.test");
	make_cert("other", "ec -pkeyopt ec_paramgen_curve:P-384", "DNS:other.test");
	char err[256];
	struct config cfg = {.tickets = {.rotate_s = 3600}};
	return tls_tickets_init(&cfg, err, sizeof(err));
}

static int group_teardown(void **state)
{
	(void)state;
	tls_tickets_fini();
	run("rm -rf %s", dir);
	return 0;
}

static void add_cert(struct config_tls *t, const char *name)
{
	struct config_cert *c = &t->certs[t->n_certs++];
	snprintf(c->cert, sizeof(c->cert), "%s/%s.pem", dir, name);
	snprintf(c->key, sizeof(c->key), "%s/%s.key", dir, name);
}

static void base_tls(struct config_tls *t)
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
		 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
		 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
	add_cert(t, "site-ec");
	add_cert(t, "site-rsa");
	add_cert(t, "wild");
	add_cert(t, "other");
}

/* The client's view: its own keylog secrets. */
struct client_keys {
	uint8_t c_app[48], s_app[48];
	unsigned int len;
	uint8_t master[48];
};

static int client_idx;

static void client_keylog(const SSL *ssl, const char *line)
{
	struct client_keys *k = SSL_get_ex_data(ssl, client_idx);
	uint8_t *dst = NULL;
	if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0)
		dst = k->c_app;
	else if (strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0)
		dst = k->s_app;
	else if (strncmp(line, "CLIENT_RANDOM ", 14) == 0)
		dst = k->master;
	if (dst == NULL)
		return;
	const char *hex = strrchr(line, ' ') + 1;
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n && i < 48; i++)
		sscanf(hex + 2 * i, "%2hhx", &dst[i]);
	if (dst != k->master)
		k->len = (unsigned int)n;
}

struct pair {
	SSL_CTX *cctx;
	SSL *client;
	BIO *c_in, *c_out; /* the client's read and write BIOs (we hold extra references) */
	struct tls_hs hs;
	struct tls_hs_result res;
	struct client_keys keys;
	enum tls_hs_status st;
	int client_rc;
};

static SSL_CTX *client_ctx(int version)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	assert_non_null(c);
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	if (version) {
		SSL_CTX_set_min_proto_version(c, version);
		SSL_CTX_set_max_proto_version(c, version);
	}
	SSL_CTX_set_keylog_callback(c, client_keylog);
	return c;
}

/* Shuttle bytes both ways until both sides stop making progress. */
static void drive(struct pair *p)
{
	for (int round = 0; round < 20; round++) {
		p->client_rc = SSL_do_handshake(p->client);
		char buf[16384];
		int n;
		bool moved = false;
		while ((n = BIO_read(p->c_out, buf, sizeof(buf))) > 0) {
			assert_int_equal(tls_hs_input(&p->hs, buf, (size_t)n), 0);
			moved = true;
		}
		if (p->st == TLS_HS_MORE)
			p->st = tls_hs_step(&p->hs, &p->res);
		const uint8_t *out;
		size_t len = tls_hs_output(&p->hs, &out);
		if (len > 0) {
			assert_int_equal(BIO_write(p->c_in, out, (int)len), (int)len);
			tls_hs_consume(&p->hs, len);
			moved = true;
		}
		if (!moved && p->st != TLS_HS_MORE)
			break;
	}
	SSL_do_handshake(p->client);
	ERR_clear_error();
}

static void pair_start(struct pair *p, SSL_CTX *server_ctx, SSL_CTX *cctx, const char *sni)
{
	memset(p, 0, sizeof(*p));
	p->cctx = cctx;
	p->client = SSL_new(cctx);
	assert_non_null(p->client);
	SSL_set_ex_data(p->client, client_idx, &p->keys);
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	BIO_up_ref(p->c_in);
	BIO_up_ref(p->c_out);
	SSL_set_bio(p->client, p->c_in, p->c_out);
	SSL_set_connect_state(p->client);
	if (sni != NULL)
		SSL_set_tlsext_host_name(p->client, sni);
	assert_int_equal(tls_hs_start(&p->hs, server_ctx), 0);
	p->st = TLS_HS_MORE;
	drive(p);
}

static void pair_end(struct pair *p)
{
	tls_hs_free(&p->hs); /* after DONE too: the caller frees the SSL once it took the result */
	SSL_free(p->client);
	BIO_free(p->c_in);
	BIO_free(p->c_out);
}

static const char *peer_cn(SSL *client, char *buf, size_t len)
{
	X509 *x = SSL_get1_peer_certificate(client);
	assert_non_null(x);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)len);
	X509_free(x);
	return buf;
}

static void test_every_suite_hands_off_the_clients_secrets(void **state)
{
	(void)state;
	struct config_tls t;
	base_tls(&t);
	struct tls_listener_ctx lc;
	char err[256];
	assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
	static const struct {
		int version;
		const char *suite;
		uint16_t id;
		enum tls_aead_alg alg;
	} cases[] = {
		{TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", 0x1301, TLS_AEAD_AES_128_GCM},
		{TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", 0x1302, TLS_AEAD_AES_256_GCM},
		{TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", 0x1303, TLS_AEAD_CHACHA20_POLY1305},
		{TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B, TLS_AEAD_AES_128_GCM},
		{TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, TLS_AEAD_AES_256_GCM},
		{TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9, TLS_AEAD_CHACHA20_POLY1305},
		{TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, TLS_AEAD_AES_128_GCM},
		{TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, TLS_AEAD_CHACHA20_POLY1305},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SSL_CTX *cctx = client_ctx(cases[i].version);
		if (cases[i].version == TLS1_3_VERSION)
			assert_int_equal(SSL_CTX_set_ciphersuites(cctx, cases[i].suite), 1);
		else
			assert_int_equal(SSL_CTX_set_cipher_list(cctx, cases[i].suite), 1);
		struct pair p;
		pair_start(&p, lc.ctx[0], cctx, "tlsterm.test");
		assert_int_equal(p.st, TLS_HS_DONE);
		assert_int_equal(p.client_rc, 1);
		assert_int_equal(p.res.version, cases[i].version);
		assert_int_equal(p.res.cipher_id, cases[i].id);
		assert_int_equal(p.res.alg, cases[i].alg);
		assert_false(p.res.resumed);
		assert_string_equal(p.res.sni, "tlsterm.test");
		if (cases[i].version == TLS1_3_VERSION) {
			assert_int_equal(p.keys.len, tls_hash_len(p.res.hash));
			assert_memory_equal(p.res.client_secret, p.keys.c_app, p.keys.len);
			assert_memory_equal(p.res.server_secret, p.keys.s_app, p.keys.len);
			assert_int_equal(p.res.write_seq, 1); /* our one NewSessionTicket */
		} else {
			/* Our key block, from our master secret, equals one from the client's. */
			struct tls12_key_block kb;
			uint8_t cr[32], sr[32];
			SSL_get_client_random(p.client, cr, 32);
			SSL_get_server_random(p.client, sr, 32);
			assert_int_equal(tls12_key_block(p.res.alg, p.res.hash, p.keys.master, cr, sr,
							 &kb),
					 0);
			assert_memory_equal(&kb, &p.res.kb, sizeof(kb));
		}
		pair_end(&p);
		SSL_CTX_free(cctx);
	}
	tls_listener_ctx_fini(&lc);
}

static void test_sni_and_signature_algorithms_pick_the_certificate(void **state)
{
	(void)state;
	struct config_tls t;
	base_tls(&t);
	struct tls_listener_ctx lc;
	char err[256], cn[128];
	assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
	assert_int_equal(lc.n_ctx, 3); /* RSA and ECDSA for tlsterm.test share one */
	assert_int_equal(tls_listener_ctx_lookup(&lc, "TLSterm.Test."), 0);
	assert_int_equal(tls_listener_ctx_lookup(&lc, "a.wild.test"), 1);
	assert_int_equal(tls_listener_ctx_lookup(&lc, "a.b.wild.test"), -1);
	assert_int_equal(tls_listener_ctx_lookup(&lc, "wild.test"), -1);
	assert_int_equal(tls_listener_ctx_lookup(&lc, "other.test"), 2);

	static const struct {
		const char *sni, *cn;
	} cases[] = {
		{"other.test", "other"}, {"x.wild.test", "wild"}, {NULL, "site-ec"},
		{"unknown.test", "site-ec"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SSL_CTX *cctx = client_ctx(TLS1_3_VERSION);
		struct pair p;
		pair_start(&p, lc.ctx[0], cctx, cases[i].sni);
		assert_int_equal(p.st, TLS_HS_DONE);
		assert_string_equal(peer_cn(p.client, cn, sizeof(cn)), cases[i].cn);
		pair_end(&p);
		SSL_CTX_free(cctx);
	}
	/* A client that only verifies RSA signatures gets the RSA certificate. */
	SSL_CTX *cctx = client_ctx(TLS1_3_VERSION);
	assert_int_equal(SSL_CTX_set1_sigalgs_list(cctx, "rsa_pss_rsae_sha256"), 1);
	struct pair p;
	pair_start(&p, lc.ctx[0], cctx, "tlsterm.test");
	assert_int_equal(p.st, TLS_HS_DONE);
	assert_string_equal(peer_cn(p.client, cn, sizeof(cn)), "site-rsa");
	pair_end(&p);
	SSL_CTX_free(cctx);
	tls_listener_ctx_fini(&lc);

	/* strict_sni: an unknown name is refused with unrecognized_name. */
	t.strict_sni = true;
	assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
	cctx = client_ctx(0);
	pair_start(&p, lc.ctx[0], cctx, "unknown.test");
	assert_int_equal(p.st, TLS_HS_FAILED);
	assert_int_equal(tls_hs_alert_sent(&p.hs), SSL_AD_UNRECOGNIZED_NAME);
	pair_end(&p);
	SSL_CTX_free(cctx);
	tls_listener_ctx_fini(&lc);
}

static void test_alpn_follows_our_order_and_mismatch_is_fatal(void **state)
{
	(void)state;
	struct config_tls t;
	base_tls(&t);
	t.n_alpn = 2;
	snprintf(t.alpn[0], sizeof(t.alpn[0]), "h2");
	snprintf(t.alpn[1], sizeof(t.alpn[1]), "http/1.1");
	struct tls_listener_ctx lc;
	char err[256];
	assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
	SSL_CTX *cctx = client_ctx(0);
	static const unsigned char both[] = "\x08http/1.1\x02h2";
	assert_int_equal(SSL_CTX_set_alpn_protos(cctx, both, sizeof(both) - 1), 0);
	struct pair p;
	pair_start(&p, lc.ctx[0], cctx, "tlsterm.test");
	assert_int_equal(p.st, TLS_HS_DONE);
	assert_string_equal(p.res.alpn, "h2");
	pair_end(&p);
	static const unsigned char none[] = "\x02h3";
	assert_int_equal(SSL_CTX_set_alpn_protos(cctx, none, sizeof(none) - 1), 0);
	pair_start(&p, lc.ctx[0], cctx, "tlsterm.test");
	assert_int_equal(p.st, TLS_HS_FAILED);
	assert_int_equal(tls_hs_alert_sent(&p.hs), SSL_AD_NO_APPLICATION_PROTOCOL);
	pair_end(&p);
	SSL_CTX_free(cctx);
	tls_listener_ctx_fini(&lc);
}

/* Tickets from our keys resume, in both versions, also after a rotation. */
static void test_tickets_resume_across_rotation(void **state)
{
	(void)state;
	struct config_tls t;
	base_tls(&t);
	struct tls_listener_ctx lc;
	char err[256];
	assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
	static const int versions[] = {TLS1_3_VERSION, TLS1_2_VERSION};
	for (size_t v = 0; v < 2; v++) {
		SSL_CTX *cctx = client_ctx(versions[v]);
		struct pair p;
		pair_start(&p, lc.ctx[0], cctx, "tlsterm.test");
		assert_int_equal(p.st, TLS_HS_DONE);
		/* TLS 1.3 tickets arrive after the handshake: let the client read them. */
		char buf[64];
		SSL_read(p.client, buf, sizeof(buf));
		ERR_clear_error();
		SSL_SESSION *sess = SSL_get1_session(p.client);
		assert_non_null(sess);
		assert_int_equal(SSL_SESSION_is_resumable(sess), 1);
		SSL_shutdown(p.client); /* a client freed without it marks the session not resumable */
		pair_end(&p);

		tls_tickets_rotate(); /* the old key still decrypts */
		struct pair q;
		memset(&q, 0, sizeof(q));
		q.client = SSL_new(cctx);
		SSL_set_ex_data(q.client, client_idx, &q.keys);
		assert_int_equal(SSL_set_session(q.client, sess), 1);
		q.c_in = BIO_new(BIO_s_mem());
		q.c_out = BIO_new(BIO_s_mem());
		BIO_up_ref(q.c_in);
		BIO_up_ref(q.c_out);
		SSL_set_bio(q.client, q.c_in, q.c_out);
		SSL_set_connect_state(q.client);
		SSL_set_tlsext_host_name(q.client, "tlsterm.test");
		assert_int_equal(tls_hs_start(&q.hs, lc.ctx[0]), 0);
		q.st = TLS_HS_MORE;
		drive(&q);
		assert_int_equal(q.st, TLS_HS_DONE);
		assert_true(q.res.resumed);
		assert_int_equal(SSL_session_reused(q.client), 1);
		pair_end(&q);
		SSL_SESSION_free(sess);
		SSL_CTX_free(cctx);
	}
	tls_listener_ctx_fini(&lc);
}

/* One full handshake on ctx; returns the client's session (with its ticket). */
static SSL_SESSION *ticket_from(SSL_CTX *server, SSL_CTX *cctx)
{
	struct pair p;
	pair_start(&p, server, cctx, "tlsterm.test");
	assert_int_equal(p.st, TLS_HS_DONE);
	char buf[64];
	SSL_read(p.client, buf, sizeof(buf)); /* the NewSessionTickets */
	ERR_clear_error();
	SSL_SESSION *sess = SSL_get1_session(p.client);
	SSL_shutdown(p.client);
	pair_end(&p);
	return sess;
}

static bool resumes(SSL_CTX *server, SSL_CTX *cctx, SSL_SESSION *sess)
{
	struct pair q;
	memset(&q, 0, sizeof(q));
	q.client = SSL_new(cctx);
	SSL_set_ex_data(q.client, client_idx, &q.keys);
	assert_int_equal(SSL_set_session(q.client, sess), 1);
	q.c_in = BIO_new(BIO_s_mem());
	q.c_out = BIO_new(BIO_s_mem());
	BIO_up_ref(q.c_in);
	BIO_up_ref(q.c_out);
	SSL_set_bio(q.client, q.c_in, q.c_out);
	SSL_set_connect_state(q.client);
	SSL_set_tlsext_host_name(q.client, "tlsterm.test");
	assert_int_equal(tls_hs_start(&q.hs, server), 0);
	q.st = TLS_HS_MORE;
	drive(&q);
	assert_int_equal(q.st, TLS_HS_DONE);
	bool r = q.res.resumed;
	pair_end(&q);
	return r;
}

/*
 * A key file in nginx's format (80 bytes a key; the first encrypts) shared by
 * two machines: a ticket one issues, the other takes. A generated key (another
 * machine without the file) does not.
 */
static void test_shared_ticket_key_file(void **state)
{
	(void)state;
	struct config cfg = {.tickets = {.rotate_s = 3600}};
	char *path = cfg.tickets.key_file;
	snprintf(path, sizeof(cfg.tickets.key_file), "%.200s/tickets.key", dir);
	run("head -c 160 /dev/urandom > %s", path);
	struct config_tls t;
	base_tls(&t);
	struct tls_listener_ctx lc;
	char err[256];
	assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
	static const int versions[] = {TLS1_3_VERSION, TLS1_2_VERSION};
	for (size_t v = 0; v < 2; v++) {
		SSL_CTX *cctx = client_ctx(versions[v]);
		tls_tickets_fini();
		assert_int_equal(tls_tickets_init(&cfg, err, sizeof(err)), 0); /* machine A */
		SSL_SESSION *sess = ticket_from(lc.ctx[0], cctx);
		tls_tickets_rotate(); /* a shared file is never rotated locally */
		tls_tickets_fini();
		assert_int_equal(tls_tickets_init(&cfg, err, sizeof(err)), 0); /* machine B */
		assert_true(resumes(lc.ctx[0], cctx, sess));
		struct config own = {.tickets = {.rotate_s = 3600}};
		tls_tickets_fini();
		assert_int_equal(tls_tickets_init(&own, err, sizeof(err)), 0); /* machine C */
		assert_false(resumes(lc.ctx[0], cctx, sess));
		SSL_SESSION_free(sess);
		SSL_CTX_free(cctx);
	}
	/* A file that is not a whole number of keys is refused. */
	run("head -c 100 /dev/urandom > %s", path);
	tls_tickets_fini();
	assert_int_equal(tls_tickets_init(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "80 bytes"));
	struct config own = {.tickets = {.rotate_s = 3600}};
	assert_int_equal(tls_tickets_init(&own, err, sizeof(err)), 0);
	tls_listener_ctx_fini(&lc);
}

/* TLS 1.3: one NewSessionTicket with tickets on (each costs an encryption), none with them off. */
static void test_ticket_count_sets_the_write_sequence(void **state)
{
	(void)state;
	static const bool on[] = {true, false};
	for (size_t i = 0; i < 2; i++) {
		struct config_tls t;
		base_tls(&t);
		t.session_tickets = on[i];
		struct tls_listener_ctx lc;
		char err[256];
		assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
		SSL_CTX *cctx = client_ctx(TLS1_3_VERSION);
		struct pair p;
		pair_start(&p, lc.ctx[0], cctx, "tlsterm.test");
		assert_int_equal(p.st, TLS_HS_DONE);
		assert_int_equal(p.res.write_seq, on[i] ? 1 : 0);
		char buf[64];
		SSL_read(p.client, buf, sizeof(buf)); /* takes whatever tickets came */
		ERR_clear_error();
		SSL_SESSION *sess = SSL_get1_session(p.client);
		assert_non_null(sess);
		assert_int_equal(SSL_SESSION_is_resumable(sess), on[i] ? 1 : 0);
		SSL_SESSION_free(sess);
		pair_end(&p);
		SSL_CTX_free(cctx);
		tls_listener_ctx_fini(&lc);
	}
}

/* Garbage instead of a ClientHello fails with an alert, and nothing leaks (ASan). */
static void test_garbage_fails_the_handshake(void **state)
{
	(void)state;
	struct config_tls t;
	base_tls(&t);
	struct tls_listener_ctx lc;
	char err[256];
	assert_int_equal(tls_listener_ctx_init(&lc, &t, err, sizeof(err)), 0);
	struct tls_hs hs;
	struct tls_hs_result res;
	assert_int_equal(tls_hs_start(&hs, lc.ctx[0]), 0);
	static const char junk[] = "GET / HTTP/1.1\r\nHost: tlsterm.test\r\n\r\n";
	assert_int_equal(tls_hs_input(&hs, junk, sizeof(junk) - 1), 0);
	assert_int_equal(tls_hs_step(&hs, &res), TLS_HS_FAILED);
	const uint8_t *out;
	size_t n = tls_hs_output(&hs, &out);
	assert_int_equal(n, 7);
	assert_int_equal(out[0], 21); /* an alert record: fatal unexpected_message */
	assert_int_equal(out[5], 2);
	assert_int_equal(out[6], 10);
	assert_int_equal(tls_hs_alert_sent(&hs), 10);
	tls_hs_free(&hs);
	/* A ClientHello for TLS 1.1 only: protocol_version. */
	assert_int_equal(tls_hs_start(&hs, lc.ctx[0]), 0);
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_security_level(cctx, 0);
	SSL_CTX_set_min_proto_version(cctx, TLS1_1_VERSION);
	SSL_CTX_set_max_proto_version(cctx, TLS1_1_VERSION);
	SSL *c = SSL_new(cctx);
	BIO *ci = BIO_new(BIO_s_mem()), *co = BIO_new(BIO_s_mem());
	SSL_set_bio(c, ci, co);
	SSL_set_connect_state(c);
	SSL_do_handshake(c);
	char buf[4096];
	int m = BIO_read(co, buf, sizeof(buf));
	assert_true(m > 0);
	assert_int_equal(tls_hs_input(&hs, buf, (size_t)m), 0);
	assert_int_equal(tls_hs_step(&hs, &res), TLS_HS_FAILED);
	assert_int_equal(tls_hs_alert_sent(&hs), SSL_AD_PROTOCOL_VERSION);
	tls_hs_free(&hs);
	SSL_free(c);
	SSL_CTX_free(cctx);
	ERR_clear_error();
	tls_listener_ctx_fini(&lc);
}

int main(void)
{
	client_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_suite_hands_off_the_clients_secrets),
		cmocka_unit_test(test_sni_and_signature_algorithms_pick_the_certificate),
		cmocka_unit_test(test_alpn_follows_our_order_and_mismatch_is_fatal),
		cmocka_unit_test(test_tickets_resume_across_rotation),
		cmocka_unit_test(test_shared_ticket_key_file),
		cmocka_unit_test(test_ticket_count_sets_the_write_sequence),
		cmocka_unit_test(test_garbage_fails_the_handshake),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

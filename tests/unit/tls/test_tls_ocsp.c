/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OCSP stapling (lib/tls/tls_ocsp.c and the checks of lib/ctl/ocsp_check.c):
 * responses made here with OpenSSL's OCSP API for the certificates
 * scripts/certs.sh makes: good ones (signed by the CA, or by a delegated
 * responder) load; expired, for another certificate, with a broken signature,
 * signed by a certificate without OCSPSigning, revoked, without nextUpdate,
 * with two responses, with trailing bytes, or without the issuer in the
 * certificate file are refused. The refresh takes a changed file, keeps the
 * old response when the new file is bad, and stops stapling on "revoked".
 * A handshake with an unmodified OpenSSL client gets the response of the
 * certificate OpenSSL chose (RSA and ECDSA in one SSL_CTX), only when it asks,
 * and not once the response has expired.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <tlsterm/ocsp_check.h>
#include <tlsterm/tls.h>

#include "tls_ctx.h"
#include "tls_ocsp.h"

static char dir[] = "/tmp/tt_ocsp_XXXXXX";

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

static const char *path(const char *name)
{
	static char buf[8][256];
	static unsigned int next;
	char *p = buf[next++ % 8];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static X509 *read_cert(const char *name)
{
	FILE *f = fopen(path(name), "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static EVP_PKEY *read_pkey(const char *name)
{
	FILE *f = fopen(path(name), "r");
	EVP_PKEY *k;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	return k;
}

/* What a response says and how it is made. */
struct resp {
	const char *about;  /* the certificate its CertID names (default site-ecdsa.pem) */
	const char *signer; /* certificate and key file stem (default ca) */
	int status;         /* V_OCSP_CERTSTATUS_* */
	long this_off;      /* seconds from now */
	long next_off;
	bool no_next;
	bool two;       /* a second SingleResponse, for other-ecdsa */
	bool flip_sig;  /* the last byte of the signature changed */
	bool trailing;  /* a byte after the DER */
	bool sha256_id; /* CertID hashed with SHA-256 instead of SHA-1 */
};

static void add_status(OCSP_BASICRESP *bs, const char *about, X509 *issuer, const struct resp *r,
		       const EVP_MD *md)
{
	time_t now = time(NULL);
	X509 *leaf = read_cert(about);
	OCSP_CERTID *id = OCSP_cert_to_id(md, leaf, issuer);
	ASN1_TIME *tu = X509_time_adj_ex(NULL, 0, r->this_off, &now);
	ASN1_TIME *nu = r->no_next ? NULL : X509_time_adj_ex(NULL, 0, r->next_off, &now);
	bool revoked = r->status == V_OCSP_CERTSTATUS_REVOKED;

	assert_non_null(OCSP_basic_add1_status(bs, id, r->status,
					       revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0,
					       revoked ? tu : NULL, tu, nu));
	OCSP_CERTID_free(id);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	X509_free(leaf);
}

/* Write the response to dir/name. */
static void make_resp(const char *name, const struct resp *r)
{
	char cert[64], key[64];
	const char *signer = r->signer != NULL ? r->signer : "ca";
	X509 *issuer = read_cert("ca.pem"), *sx;
	EVP_PKEY *sk;
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL;
	int len;
	FILE *f;

	snprintf(cert, sizeof(cert), "%s.pem", signer);
	snprintf(key, sizeof(key), "%s.key", signer);
	sx = read_cert(cert);
	sk = read_pkey(key);
	add_status(bs, r->about != NULL ? r->about : "site-ecdsa.pem", issuer, r,
		   r->sha256_id ? EVP_sha256() : EVP_sha1());
	if (r->two)
		add_status(bs, "other-ecdsa.pem", issuer, r, EVP_sha1());
	/* no certificates in it when the signature is to be broken: then it is the last field */
	assert_int_equal(OCSP_basic_sign(bs, sx, sk, EVP_sha256(), NULL,
					 r->flip_sig ? OCSP_NOCERTS : 0), 1);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	len = i2d_OCSP_RESPONSE(resp, &der);
	assert_true(len > 0);
	if (r->flip_sig)
		der[len - 1] ^= 0x01;
	f = fopen(path(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(der, 1, (size_t)len, f), (size_t)len);
	if (r->trailing)
		fputc(0, f);
	fclose(f);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	EVP_PKEY_free(sk);
	X509_free(sx);
	X509_free(issuer);
}

static const struct resp good = { .status = V_OCSP_CERTSTATUS_GOOD, .this_off = -60,
				  .next_off = 86400 };

static int group_setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	run("bash '%s' '%s' >/dev/null", CERTS_SH, dir);
	/* a certificate file without its issuer */
	run("cd %s && openssl x509 -in site-ecdsa.pem -out leaf-only.pem", dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	run("rm -rf %s", dir);
	return 0;
}

/* Load name for site-ecdsa.pem (or cert); expect success, or an error containing want. */
static void expect_load(const char *name, const char *cert, const char *want)
{
	struct tls_ocsp *o = NULL;
	char err[512] = "";
	bool revoked;
	int rc = tls_ocsp_load(path(name), path(cert != NULL ? cert : "site-ecdsa.pem"),
			       time(NULL), &o, &revoked, err, sizeof(err));

	if (want == NULL) {
		if (rc != 0)
			fail_msg("%s: %s", name, err);
		tls_ocsp_free(o);
		return;
	}
	if (rc == 0)
		fail_msg("%s: loaded, expected \"%s\"", name, want);
	assert_null(o);
	if (strstr(err, want) == NULL)
		fail_msg("%s: got \"%s\", expected \"%s\"", name, err, want);
}

static void test_good_response_loads_with_its_bytes_and_times(void **state)
{
	(void)state;
	make_resp("good.der", &good);
	struct tls_ocsp *o;
	char err[512];
	bool revoked = true;
	time_t now = time(NULL);
	assert_int_equal(tls_ocsp_load(path("good.der"), path("site-ecdsa.pem"), now, &o,
				       &revoked, err, sizeof(err)), 0);
	assert_false(revoked);
	assert_true(o->this_update <= now - 59 && o->this_update >= now - 61);
	assert_true(o->next_update >= now + 86399 && o->next_update <= now + 86401);
	assert_true(tls_ocsp_is_fresh(o, now));
	assert_true(tls_ocsp_is_fresh(o, o->next_update - 1));
	assert_false(tls_ocsp_is_fresh(o, o->next_update));
	assert_false(tls_ocsp_is_fresh(NULL, now));

	/* the staple is the file, byte for byte */
	FILE *f = fopen(path("good.der"), "rb");
	unsigned char file[8192];
	size_t n = fread(file, 1, sizeof(file), f), len;
	fclose(f);
	const unsigned char *der = tls_ocsp_der(o, &len);
	assert_int_equal(len, n);
	assert_memory_equal(der, file, n);
	tls_ocsp_free(o);
}

static void test_delegated_responder_and_sha256_ids_are_accepted(void **state)
{
	(void)state;
	struct resp r = good;
	r.signer = "ocsp-responder";
	make_resp("delegated.der", &r);
	expect_load("delegated.der", NULL, NULL);
	r = good;
	r.sha256_id = true;
	make_resp("sha256.der", &r);
	expect_load("sha256.der", NULL, NULL);
}

static void test_bad_responses_are_refused_with_the_reason(void **state)
{
	(void)state;
	struct resp r;

	r = good, r.this_off = -7200, r.next_off = -60;
	make_resp("expired.der", &r);
	expect_load("expired.der", NULL, "it expired");

	r = good, r.about = "other-ecdsa.pem";
	make_resp("other.der", &r);
	expect_load("other.der", NULL, "another certificate of the same issuer");

	r = good, r.flip_sig = true;
	make_resp("badsig.der", &r);
	expect_load("badsig.der", NULL, "signature does not verify");

	r = good, r.signer = "other-ecdsa"; /* issued by the CA, but not for OCSP */
	make_resp("noeku.der", &r);
	expect_load("noeku.der", NULL, "lacks extendedKeyUsage OCSPSigning");

	r = good, r.signer = "expired"; /* the CA's too, and no longer valid either */
	make_resp("signer-expired.der", &r);
	expect_load("signer-expired.der", NULL, "OCSPSigning");

	r = good, r.status = V_OCSP_CERTSTATUS_REVOKED;
	make_resp("revoked.der", &r);
	expect_load("revoked.der", NULL, "revoked (keyCompromise)");

	r = good, r.status = V_OCSP_CERTSTATUS_UNKNOWN;
	make_resp("unknown.der", &r);
	expect_load("unknown.der", NULL, "status is unknown");

	r = good, r.no_next = true;
	make_resp("nonext.der", &r);
	expect_load("nonext.der", NULL, "no nextUpdate");

	r = good, r.this_off = 3600, r.next_off = 7200;
	make_resp("future.der", &r);
	expect_load("future.der", NULL, "in the future");

	r = good, r.two = true;
	make_resp("two.der", &r);
	expect_load("two.der", NULL, "exactly one response");

	r = good, r.trailing = true;
	make_resp("trailing.der", &r);
	expect_load("trailing.der", NULL, "1 bytes follow");

	expect_load("good.der", "leaf-only.pem", "issuer of");
	expect_load("site-ecdsa.pem", NULL, "not a DER OCSPResponse");
	expect_load("absent.der", NULL, "cannot open");
	run("head -c 100 %s/good.der > %s/cut.der", dir, dir);
	expect_load("cut.der", NULL, "not a DER OCSPResponse");
	run(": > %s/empty.der", dir);
	expect_load("empty.der", NULL, "expected 1..65536 bytes");
	/* a response for the RSA certificate does not do for the ECDSA one */
	r = good, r.about = "site-rsa.pem";
	make_resp("rsa.der", &r);
	expect_load("rsa.der", "site-rsa.pem", NULL);
	expect_load("rsa.der", NULL, "another certificate");

	/* the same checks from memory (the fuzz target's entry) */
	struct ocsp_checked c;
	char err[256];
	assert_int_equal(ocsp_check_der((const unsigned char *)"\x30\x03\x0a\x01\x01", 5,
					path("site-ecdsa.pem"), time(NULL), &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "malformedrequest"));
}

/* A config with one TLS listener serving site-ecdsa and site-rsa, each with a response. */
static struct config *staple_config(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct config_tls *t = &cfg->listeners[0].tls;
	static const char *const names[] = { "site-ecdsa", "site-rsa" };

	cfg->n_listeners = 1;
	cfg->listeners[0].port = 443;
	t->enabled = true;
	t->min_version = TLS1_2_VERSION;
	snprintf(t->groups, sizeof(t->groups), "X25519:P-256");
	for (unsigned int i = 0; i < 2; i++) {
		struct config_cert *c = &t->certs[t->n_certs++];
		snprintf(c->cert, sizeof(c->cert), "%s/%s.pem", dir, names[i]);
		snprintf(c->key, sizeof(c->key), "%s/%s.key", dir, names[i]);
		snprintf(c->ocsp, sizeof(c->ocsp), "%s/%s.der", dir, names[i]);
	}
	return cfg;
}

static void make_site_responses(void)
{
	struct resp r = good;
	make_resp("site-ecdsa.der", &r);
	r.about = "site-rsa.pem";
	make_resp("site-rsa.der", &r);
}

static bool file_bytes_equal(const char *name, const unsigned char *p, size_t len)
{
	unsigned char buf[8192];
	FILE *f = fopen(path(name), "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == len && memcmp(buf, p, n) == 0;
}

/* Replace dir/name with new content made by make_resp, with an mtime the refresh sees. */
static void touch_later(const char *name, int secs)
{
	run("touch -d '+%d seconds' %s/%s", secs, dir, name);
}

static void test_refresh_takes_changes_keeps_old_on_bad_and_drops_on_revoked(void **state)
{
	(void)state;
	make_site_responses();
	struct config *cfg = staple_config();
	char err[512];
	struct tls_ocsp_set *set = tls_ocsp_set_create(cfg, err, sizeof(err));
	if (set == NULL)
		fail_msg("%s", err);
	struct tls_ocsp_slot *s = tls_ocsp_set_slot(set, &cfg->listeners[0].tls.certs[0]);
	assert_non_null(s);
	assert_non_null(tls_ocsp_set_slot(set, &cfg->listeners[0].tls.certs[1]));
	assert_null(tls_ocsp_set_slot(set, &cfg->listeners[0].tls.certs[2]));
	struct tls_counters ctr = { 0 };

	/* unchanged: nothing read */
	const struct tls_ocsp *first = s->resp;
	tls_ocsp_set_refresh(set, &ctr);
	assert_ptr_equal(s->resp, first);
	assert_int_equal(ctr.ocsp_refresh_ok + ctr.ocsp_refresh_failed, 0);

	/* a new response: taken */
	struct resp r = good;
	r.next_off = 2 * 86400;
	make_resp("site-ecdsa.der", &r);
	touch_later("site-ecdsa.der", 2);
	tls_ocsp_set_refresh(set, &ctr);
	assert_int_equal(ctr.ocsp_refresh_ok, 1);
	assert_true(s->resp->next_update > time(NULL) + 86400 + 3600);
	assert_true(file_bytes_equal("site-ecdsa.der", s->resp->der, s->resp->len));

	/* a bad one: refused, the one before stays; not read again until it changes */
	const struct tls_ocsp *kept = s->resp;
	run("cp %s/site-ecdsa.pem %s/site-ecdsa.der", dir, dir);
	touch_later("site-ecdsa.der", 4);
	tls_ocsp_set_refresh(set, &ctr);
	assert_int_equal(ctr.ocsp_refresh_failed, 1);
	assert_ptr_equal(s->resp, kept);
	tls_ocsp_set_refresh(set, &ctr);
	assert_int_equal(ctr.ocsp_refresh_failed, 1);

	/* gone: counted, kept */
	run("rm %s/site-ecdsa.der", dir);
	tls_ocsp_set_refresh(set, &ctr);
	assert_int_equal(ctr.ocsp_refresh_failed, 2);
	assert_ptr_equal(s->resp, kept);

	/* revoked: stapling stops */
	r = good, r.status = V_OCSP_CERTSTATUS_REVOKED;
	make_resp("site-ecdsa.der", &r);
	tls_ocsp_set_refresh(set, &ctr);
	assert_int_equal(ctr.ocsp_refresh_failed, 3);
	assert_null(s->resp);
	assert_int_equal(ctr.ocsp_refresh_ok, 1);

	tls_ocsp_set_free(set);
	free(cfg);

	/* a set with a bad file is not made at all */
	cfg = staple_config();
	assert_null(tls_ocsp_set_create(cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "revoked"));
	free(cfg);
}

/* One handshake over memory BIOs; what the client got stapled (NULL: nothing), in *len. */
static unsigned char *handshake(SSL_CTX *sctx, bool ask, const char *sigalgs, long *len)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
	BIO *c2s = BIO_new(BIO_s_mem()), *s2c = BIO_new(BIO_s_mem());
	const unsigned char *resp = NULL;
	unsigned char *copy = NULL;

	BIO_up_ref(c2s);
	BIO_up_ref(s2c);
	SSL_set_bio(c, s2c, c2s);
	SSL_set_bio(s, c2s, s2c);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	SSL_set_tlsext_host_name(c, "tlsterm.test");
	assert_int_equal(SSL_set1_sigalgs_list(c, sigalgs), 1);
	if (ask)
		SSL_set_tlsext_status_type(c, TLSEXT_STATUSTYPE_ocsp);
	for (int i = 0; i < 20; i++) {
		int rc = SSL_do_handshake(c);
		int rs = SSL_do_handshake(s);
		if (rc == 1 && rs == 1)
			break;
	}
	assert_true(SSL_is_init_finished(c));
	*len = SSL_get_tlsext_status_ocsp_resp(c, &resp);
	if (*len > 0 && resp != NULL)
		copy = OPENSSL_memdup(resp, (size_t)*len);
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	return copy;
}

static void test_handshake_staples_the_chosen_certificates_response(void **state)
{
	(void)state;
	make_site_responses();
	struct config *cfg = staple_config();
	char err[512];
	struct tls_ocsp_set *set = tls_ocsp_set_create(cfg, err, sizeof(err));
	if (set == NULL)
		fail_msg("%s", err);
	struct tls_listener_ctx lc;
	assert_int_equal(tls_listener_ctx_init(&lc, &cfg->listeners[0].tls, err, sizeof(err)), 0);
	assert_int_equal(lc.n_ctx, 1); /* RSA and ECDSA share one context */
	struct tls_counters ctr = { 0 };
	assert_int_equal(tls_listener_ctx_staple(&lc, set, &ctr), 0);

	static const struct {
		int version;
		const char *sigalgs, *want;
	} cases[] = {
		{ TLS1_3_VERSION, "ECDSA+SHA256", "site-ecdsa.der" },
		{ TLS1_3_VERSION, "rsa_pss_rsae_sha256", "site-rsa.der" },
		{ TLS1_2_VERSION, "ECDSA+SHA256", "site-ecdsa.der" },
		{ TLS1_2_VERSION, "RSA+SHA256", "site-rsa.der" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long len;
		SSL_CTX_set_max_proto_version(lc.ctx[0], cases[i].version);
		unsigned char *got = handshake(lc.ctx[0], true, cases[i].sigalgs, &len);
		if (got == NULL)
			fail_msg("case %zu: nothing stapled", i);
		if (!file_bytes_equal(cases[i].want, got, (size_t)len))
			fail_msg("case %zu: not the response of %s", i, cases[i].want);
		OPENSSL_free(got);
		assert_int_equal(ctr.ocsp_staples_sent, i + 1);
	}
	SSL_CTX_set_max_proto_version(lc.ctx[0], TLS1_3_VERSION);

	/* not asked: nothing, and nothing counted */
	long len;
	assert_null(handshake(lc.ctx[0], false, "ECDSA+SHA256", &len));
	assert_int_equal(ctr.ocsp_staples_sent, 4);

	/* expired since it was read: not stapled, counted */
	struct tls_ocsp_slot *s = tls_ocsp_set_slot(set, &cfg->listeners[0].tls.certs[0]);
	s->resp->next_update = time(NULL) - 1;
	assert_null(handshake(lc.ctx[0], true, "ECDSA+SHA256", &len));
	assert_int_equal(ctr.ocsp_staples_expired, 1);
	assert_int_equal(ctr.ocsp_staples_sent, 4);
	/* the RSA one is still good */
	unsigned char *got = handshake(lc.ctx[0], true, "RSA+SHA256:rsa_pss_rsae_sha256", &len);
	assert_non_null(got);
	OPENSSL_free(got);
	assert_int_equal(ctr.ocsp_staples_sent, 5);

	tls_listener_ctx_fini(&lc);
	tls_ocsp_set_free(set);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_response_loads_with_its_bytes_and_times),
		cmocka_unit_test(test_delegated_responder_and_sha256_ids_are_accepted),
		cmocka_unit_test(test_bad_responses_are_refused_with_the_reason),
		cmocka_unit_test(test_refresh_takes_changes_keeps_old_on_bad_and_drops_on_revoked),
		cmocka_unit_test(test_handshake_staples_the_chosen_certificates_response),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

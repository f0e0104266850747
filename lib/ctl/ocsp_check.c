/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An OCSP response checked against the certificate it will be stapled with
 * (RFC 6960); the rules are listed in include/tlsterm/ocsp_check.h. OpenSSL
 * parses the DER; everything after that is ours, step by step, so each
 * refusal says exactly what is wrong with the file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tlsterm/ocsp_check.h>

#include "config_tls.h"

/* What one check needs, and where its verdict goes. */
struct ocsp_job {
	const char *ocsp_path; /* for messages */
	X509 *leaf;
	X509 *issuer;
	time_t now;
	struct ocsp_checked *out;
	struct config_why *why;
};

static int refuse(struct ocsp_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct ocsp_job *j, const char *fmt, ...)
{
	char msg[sizeof(j->why->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return config_why_at(j->why, 0, "%s: %s", j->ocsp_path, msg);
}

static bool asn1_time_to_time_t(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*out = timegm(&tm);
	return true;
}

static void utc_str(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "an unreadable date");
}

/* The one SingleResponse must be about our leaf, as issued by our issuer. */
static int check_cert_id(struct ocsp_job *j, OCSP_SINGLERESP *single)
{
	const OCSP_CERTID *theirs = OCSP_SINGLERESP_get0_id(single);
	ASN1_OBJECT *md_oid = NULL;
	OCSP_CERTID *ours;
	const EVP_MD *md;
	char name[64];
	int ret = 0;

	if (OCSP_id_get0_info(NULL, &md_oid, NULL, NULL, (OCSP_CERTID *)theirs) != 1)
		return refuse(j, "its response has an unreadable CertID");
	md = EVP_get_digestbyobj(md_oid);
	if (md == NULL) {
		OBJ_obj2txt(name, sizeof(name), md_oid, 0);
		return refuse(j, "its CertID is hashed with %s, which OpenSSL does not know", name);
	}
	ours = OCSP_cert_to_id(md, j->leaf, j->issuer);
	if (ours == NULL)
		return refuse(j, "cannot compute the certificate's CertID");
	if (OCSP_id_issuer_cmp(ours, theirs) != 0)
		ret = refuse(j, "it is about a certificate of another issuer, not this certificate's "
				"(%s)",
			     X509_NAME_oneline(X509_get_issuer_name(j->leaf), name, sizeof(name)));
	else if (OCSP_id_cmp(ours, theirs) != 0)
		ret = refuse(j, "it is about another certificate of the same issuer (another serial "
				"number)");
	OCSP_CERTID_free(ours);
	return ret;
}

/* RFC 6960 4.2.2.1: thisUpdate, nextUpdate; we also need nextUpdate to know when to stop. */
static int check_times(struct ocsp_job *j, ASN1_GENERALIZEDTIME *thisupd,
		       ASN1_GENERALIZEDTIME *nextupd)
{
	char a[64], b[64];

	if (!asn1_time_to_time_t(thisupd, &j->out->this_update))
		return refuse(j, "its thisUpdate does not parse");
	if (nextupd == NULL)
		return refuse(j, "it has no nextUpdate, so nothing says when it goes stale");
	if (!asn1_time_to_time_t(nextupd, &j->out->next_update))
		return refuse(j, "its nextUpdate does not parse");
	if (j->out->this_update > j->now + OCSP_CLOCK_SKEW_S) {
		utc_str(j->out->this_update, a, sizeof(a));
		return refuse(j, "its thisUpdate (%s) is in the future", a);
	}
	if (j->out->next_update <= j->out->this_update) {
		utc_str(j->out->this_update, a, sizeof(a));
		utc_str(j->out->next_update, b, sizeof(b));
		return refuse(j, "its nextUpdate (%s) is not after its thisUpdate (%s)", b, a);
	}
	if (j->out->next_update <= j->now) {
		utc_str(j->out->next_update, b, sizeof(b));
		return refuse(j, "it expired (nextUpdate %s)", b);
	}
	return 0;
}

/*
 * RFC 6960 4.2.2.2: the issuer signs its own responses, or delegates to a
 * responder certificate it issued with id-kp-OCSPSigning in extendedKeyUsage.
 */
static int check_signer(struct ocsp_job *j, OCSP_BASICRESP *bs)
{
	STACK_OF(X509) *extra = sk_X509_new_null();
	X509 *signer = NULL;
	int ret = -1;

	if (extra == NULL || sk_X509_push(extra, j->issuer) <= 0) {
		refuse(j, "out of memory");
		goto free_extra;
	}
	if (OCSP_resp_get0_signer(bs, &signer, extra) != 1 || signer == NULL) {
		refuse(j, "its signer is neither the issuer nor a certificate included in it");
		goto free_extra;
	}
	/* The signature alone: which certificate may sign is decided below. */
	if (OCSP_basic_verify(bs, extra, NULL, OCSP_NOVERIFY) != 1) {
		refuse(j, "its signature does not verify");
		goto free_extra;
	}
	if (X509_cmp(signer, j->issuer) == 0) {
		ret = 0;
		goto free_extra;
	}
	if (X509_check_issued(j->issuer, signer) != X509_V_OK ||
	    X509_verify(signer, X509_get0_pubkey(j->issuer)) != 1) {
		refuse(j, "it is signed by a responder certificate the issuer did not sign");
		goto free_extra;
	}
	if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0) {
		refuse(j, "its responder certificate lacks extendedKeyUsage OCSPSigning");
		goto free_extra;
	}
	if (X509_cmp_time(X509_get0_notAfter(signer), &j->now) <= 0 ||
	    X509_cmp_time(X509_get0_notBefore(signer), &j->now) >= 0) {
		refuse(j, "its responder certificate is not valid now");
		goto free_extra;
	}
	ret = 0;
free_extra:
	sk_X509_free(extra); /* the issuer is the chain's */
	return ret;
}

static int check_response(struct ocsp_job *j, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;
	ASN1_GENERALIZEDTIME *thisupd = NULL, *nextupd = NULL;
	OCSP_SINGLERESP *single;
	int status, reason, ret = -1;

	if (len == 0 || len > OCSP_FILE_MAX)
		return refuse(j, "expected 1..%d bytes of DER, got %zu", OCSP_FILE_MAX, len);
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	if (resp == NULL)
		return refuse(j, "not a DER OCSPResponse (openssl ocsp -respout writes one)");
	if ((size_t)(p - der) != len) {
		refuse(j, "%zu bytes follow the OCSPResponse", len - (size_t)(p - der));
		goto free_resp;
	}
	status = OCSP_response_status(resp);
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		refuse(j, "the responder answered %s, not successful",
		       OCSP_response_status_str(status));
		goto free_resp;
	}
	bs = OCSP_response_get1_basic(resp);
	if (bs == NULL) {
		refuse(j, "not a basic OCSP response");
		goto free_resp;
	}
	if (OCSP_resp_count(bs) != 1) {
		refuse(j, "expected exactly one response (for this certificate), got %d",
		       OCSP_resp_count(bs));
		goto free_basic;
	}
	single = OCSP_resp_get0(bs, 0);
	if (check_cert_id(j, single) < 0)
		goto free_basic;
	if (check_signer(j, bs) < 0)
		goto free_basic;
	status = OCSP_single_get0_status(single, &reason, NULL, &thisupd, &nextupd);
	if (check_times(j, thisupd, nextupd) < 0)
		goto free_basic;
	if (status == V_OCSP_CERTSTATUS_REVOKED) {
		j->out->revoked = true;
		refuse(j, "the certificate is revoked (%s); replace it",
		       OCSP_crl_reason_str(reason));
		goto free_basic;
	}
	if (status != V_OCSP_CERTSTATUS_GOOD) {
		refuse(j, "the certificate's status is %s, not good", OCSP_cert_status_str(status));
		goto free_basic;
	}
	ret = 0;
free_basic:
	OCSP_BASICRESP_free(bs);
free_resp:
	OCSP_RESPONSE_free(resp);
	return ret;
}

static int check_with_chain(const char *ocsp_path, const unsigned char *der, size_t len,
			    const char *cert_path, time_t now, struct ocsp_checked *out,
			    struct config_why *why)
{
	struct ocsp_job j = { .ocsp_path = ocsp_path, .now = now, .out = out, .why = why };
	STACK_OF(X509) *chain = tls_read_chain(cert_path, why);
	int ret = -1;

	if (chain == NULL)
		return -1;
	j.leaf = sk_X509_value(chain, 0);
	if (sk_X509_num(chain) < 2 ||
	    X509_check_issued(sk_X509_value(chain, 1), j.leaf) != X509_V_OK) {
		refuse(&j, "cannot be checked: the issuer of %s is not in it (put the issuing CA's "
			   "certificate after the leaf)",
		       cert_path);
		goto free_chain;
	}
	j.issuer = sk_X509_value(chain, 1);
	ret = check_response(&j, der, len);
free_chain:
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return ret;
}

static int why_to_err(int ret, const struct config_why *why, char *err, size_t errlen)
{
	if (ret < 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why->msg);
	return ret;
}

int ocsp_check_der(const unsigned char *der, size_t len, const char *cert_path, time_t now,
		   struct ocsp_checked *out, char *err, size_t errlen)
{
	struct config_why why = { 0 };

	memset(out, 0, sizeof(*out));
	return why_to_err(check_with_chain("response", der, len, cert_path, now, out, &why), &why,
			  err, errlen);
}

int ocsp_check_file(const char *ocsp_path, const char *cert_path, time_t now,
		    struct ocsp_checked *out, char *err, size_t errlen)
{
	struct config_why why = { 0 };
	unsigned char *der;
	size_t len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	der = tls_read_file(ocsp_path, OCSP_FILE_MAX, &len, &why);
	if (der == NULL)
		return why_to_err(-1, &why, err, errlen);
	ret = check_with_chain(ocsp_path, der, len, cert_path, now, out, &why);
	if (ret < 0) {
		free(der);
		return why_to_err(ret, &why, err, errlen);
	}
	out->der = der;
	out->len = len;
	return 0;
}

void ocsp_checked_free(struct ocsp_checked *c)
{
	free(c->der);
	memset(c, 0, sizeof(*c));
}

int tls_check_ocsp(const char *ocsp_path, const char *cert_path, time_t now,
		   struct config_why *why)
{
	struct ocsp_checked c;
	int ret;

	why->in_key = false;
	ret = ocsp_check_file(ocsp_path, cert_path, now, &c, why->msg, sizeof(why->msg));
	ocsp_checked_free(&c);
	return ret;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OCSP stapling: checked responses, their RCU-published slots, the control
 * thread's refresh and the workers' status callback (see tls_ocsp.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include <openssl/crypto.h>

#include <tlsterm/log.h>
#include <tlsterm/ocsp_check.h>
#include <tlsterm/tls.h>

#include "tls_ocsp.h"

struct tls_ocsp_set {
	unsigned int n;
	struct tls_ocsp_slot slot[]; /* one per certificate entry with an ocsp: file */
};

int tls_ocsp_load(const char *ocsp_path, const char *cert_path, time_t now,
		  struct tls_ocsp **out, bool *revoked, char *err, size_t errlen)
{
	struct ocsp_checked c;
	struct tls_ocsp *o;

	*out = NULL;
	*revoked = false;
	if (ocsp_check_file(ocsp_path, cert_path, now, &c, err, errlen) < 0) {
		*revoked = c.revoked;
		ocsp_checked_free(&c);
		return -1;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		snprintf(err, errlen, "%s: out of memory", ocsp_path);
		ocsp_checked_free(&c);
		return -1;
	}
	*o = (struct tls_ocsp){ .der = c.der, .len = c.len, .this_update = c.this_update,
				.next_update = c.next_update };
	*out = o;
	return 0;
}

bool tls_ocsp_is_fresh(const struct tls_ocsp *o, time_t now)
{
	return o != NULL && now < o->next_update;
}

const unsigned char *tls_ocsp_der(const struct tls_ocsp *o, size_t *len)
{
	*len = o->len;
	return o->der;
}

void tls_ocsp_free(struct tls_ocsp *o)
{
	if (o == NULL)
		return;
	free(o->der);
	free(o);
}

/* ---------------------------------------------------------------- the set */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

struct tls_ocsp_set *tls_ocsp_set_create(const struct config *cfg, char *err, size_t errlen)
{
	unsigned int n = 0;
	time_t now = time(NULL);
	struct tls_ocsp_set *set;

	for (unsigned int i = 0; i < cfg->n_listeners; i++)
		for (unsigned int j = 0; j < cfg->listeners[i].tls.n_certs; j++)
			n += cfg->listeners[i].tls.certs[j].ocsp[0] != '\0';
	set = calloc(1, sizeof(*set) + n * sizeof(set->slot[0]));
	if (set == NULL) {
		snprintf(err, errlen, "out of memory for OCSP responses");
		return NULL;
	}
	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		const struct config_tls *t = &cfg->listeners[i].tls;

		for (unsigned int j = 0; j < t->n_certs; j++) {
			const struct config_cert *cc = &t->certs[j];
			struct tls_ocsp_slot *s = &set->slot[set->n];
			bool revoked;

			if (cc->ocsp[0] == '\0')
				continue;
			s->cc = cc;
			set->n++;
			if (stat(cc->ocsp, &s->seen) != 0) {
				snprintf(err, errlen, "%s: %s", cc->ocsp, strerror(errno));
				tls_ocsp_set_free(set);
				return NULL;
			}
			if (tls_ocsp_load(cc->ocsp, cc->cert, now, &s->resp, &revoked, err,
					  errlen) < 0) {
				tls_ocsp_set_free(set);
				return NULL;
			}
			log_info("ocsp: %s for %s, good until %ld (unix time)", cc->ocsp, cc->cert,
				 (long)s->resp->next_update);
		}
	}
	return set;
}

struct tls_ocsp_slot *tls_ocsp_set_slot(struct tls_ocsp_set *set, const struct config_cert *cc)
{
	for (unsigned int i = 0; set != NULL && i < set->n; i++)
		if (set->slot[i].cc == cc)
			return &set->slot[i];
	return NULL;
}

/* The control thread's: workers reading the old response are done with it before it goes. */
static void publish(struct tls_ocsp_slot *s, struct tls_ocsp *o)
{
	struct tls_ocsp *old = rcu_xchg_pointer(&s->resp, o);

	if (old != NULL) {
		synchronize_rcu();
		tls_ocsp_free(old);
	}
}

static void refresh_slot(struct tls_ocsp_slot *s, time_t now, struct tls_counters *ctr)
{
	const struct config_cert *cc = s->cc;
	struct tls_ocsp *o;
	char err[CONFIG_ERR_LEN];
	struct stat st;
	bool revoked;

	if (stat(cc->ocsp, &st) != 0) {
		if (s->seen.st_ino != 0)
			log_warn("ocsp: %s: %s; keeping the response read before", cc->ocsp,
				 strerror(errno));
		memset(&s->seen, 0, sizeof(s->seen)); /* warn once; read it when it is back */
		ctr->ocsp_refresh_failed++;
		return;
	}
	if (same_file(&st, &s->seen))
		return;
	s->seen = st; /* a bad file is not read again until it changes */
	if (tls_ocsp_load(cc->ocsp, cc->cert, now, &o, &revoked, err, sizeof(err)) == 0) {
		publish(s, o);
		ctr->ocsp_refresh_ok++;
		log_info("ocsp: %s re-read, good until %ld (unix time)", cc->ocsp,
			 (long)o->next_update);
		return;
	}
	ctr->ocsp_refresh_failed++;
	if (revoked) {
		/* Stapling the last "good" would hide what the CA now says. */
		publish(s, NULL);
		log_err("ocsp: %s; no longer stapling for %s", err, cc->cert);
		return;
	}
	const struct tls_ocsp *cur = s->resp; /* ours: only this thread writes it */
	if (cur != NULL)
		log_warn("ocsp: %s; keeping the response read before (good until %ld, unix time)",
			 err, (long)cur->next_update);
	else
		log_warn("ocsp: %s; nothing to staple for %s", err, cc->cert);
}

void tls_ocsp_set_refresh(struct tls_ocsp_set *set, struct tls_counters *ctr)
{
	time_t now = time(NULL);

	for (unsigned int i = 0; set != NULL && i < set->n; i++)
		refresh_slot(&set->slot[i], now, ctr);
}

void tls_ocsp_set_free(struct tls_ocsp_set *set)
{
	if (set == NULL)
		return;
	for (unsigned int i = 0; i < set->n; i++)
		tls_ocsp_free(set->slot[i].resp);
	free(set);
}

/* ---------------------------------------------------------------- the worker's side */

/*
 * OpenSSL calls this during a handshake only when the client sent
 * status_request (RFC 6066 8), after it chose the certificate: with an RSA and
 * an ECDSA certificate in one SSL_CTX, SSL_get_certificate() says which.
 * OpenSSL takes ownership of the bytes it staples, so they are copied: one
 * allocation of about a KiB inside a handshake that makes many of its own.
 * time() is the vDSO's here, not a system call.
 */
int tls_ocsp_status_cb(SSL *ssl, void *arg)
{
	const struct tls_ocsp_staples *st = arg;
	const X509 *leaf = SSL_get_certificate(ssl);
	const struct tls_ocsp *o = NULL;
	const unsigned char *der;
	unsigned char *copy;
	size_t len;

	for (unsigned int i = 0; i < st->n; i++)
		if (st->e[i].leaf == leaf)
			o = rcu_dereference(st->e[i].slot->resp);
	if (o == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	if (!tls_ocsp_is_fresh(o, time(NULL))) {
		st->ctr->ocsp_staples_expired++;
		return SSL_TLSEXT_ERR_NOACK;
	}
	der = tls_ocsp_der(o, &len);
	copy = OPENSSL_memdup(der, len);
	if (copy == NULL || SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)len) != 1) {
		OPENSSL_free(copy);
		return SSL_TLSEXT_ERR_NOACK;
	}
	st->ctr->ocsp_staples_sent++;
	return SSL_TLSEXT_ERR_OK;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine-independent half of tls_aead.h: key lengths, key set-up,
 * expansion and wiping, and dispatch to the engine's table.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aead_priv.h"

unsigned int tls_aead_key_len(enum tls_aead_alg alg)
{
	switch (alg) {
	case TLS_AEAD_AES_128_GCM:
		return 16;
	case TLS_AEAD_AES_256_GCM:
	case TLS_AEAD_CHACHA20_POLY1305:
		return 32;
	}
	return 0;
}

struct tls_engine *tls_engine_create(enum tls_engine_kind kind)
{
	switch (kind) {
	case TLS_ENGINE_IPSECMB:
		return tls_engine_ipsecmb_create();
	case TLS_ENGINE_EVP:
		return tls_engine_evp_create();
	}
	return NULL;
}

void tls_engine_free(struct tls_engine *e)
{
	if (e != NULL)
		e->ops->free(e);
}

enum tls_engine_kind tls_engine_kind(const struct tls_engine *e)
{
	return e->ops->kind;
}

const char *tls_engine_name(const struct tls_engine *e)
{
	return e->ops->name;
}

int tls_aead_key_init(const struct tls_engine *e, struct tls_aead_key *k, enum tls_aead_alg alg,
		      const uint8_t *key)
{
	unsigned int len = tls_aead_key_len(alg);

	if (len == 0 || key == NULL)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->alg = (uint8_t)alg;
	k->engine = (uint8_t)e->ops->kind;
	k->needs_sched = e->ops->needs_sched(alg);
	memcpy(k->raw, key, len);
	return 0;
}

int tls_aead_key_expand(const struct tls_engine *e, struct tls_aead_key *k,
			struct tls_aead_sched *s)
{
	if (s == NULL || k->engine != (uint8_t)e->ops->kind)
		return -EINVAL;
	k->sched = s;
	int rc = e->ops->key_expand(e, k);
	if (rc != 0)
		tls_aead_key_detach(k);
	return rc;
}

struct tls_aead_sched *tls_aead_key_detach(struct tls_aead_key *k)
{
	struct tls_aead_sched *s = k->sched;

	if (s != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
	k->sched = NULL;
	return s;
}

void tls_aead_key_wipe(struct tls_aead_key *k)
{
	tls_aead_key_detach(k);
	OPENSSL_cleanse(k, sizeof(*k));
}

void tls_engine_run(struct tls_engine *e, struct tls_aead_op *ops, unsigned int n)
{
	e->ops->run(e, ops, n);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenSSL EVP engine: the reference the ipsec-mb engine is tested against,
 * and the fallback on CPUs without AES-NI. One cipher context per engine; the
 * key and nonce are set per record, the segments go through EVP_CipherUpdate
 * in place.
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "aead_priv.h"

#define N_ALGS 3

struct evp_engine {
	struct tls_engine base;
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *cipher[N_ALGS]; /* by enum tls_aead_alg, fetched once */
	int ctx_alg;                /* the cipher ctx holds now, or -1 */
};

static const char *const cipher_names[N_ALGS] = {
	[TLS_AEAD_AES_128_GCM] = "AES-128-GCM",
	[TLS_AEAD_AES_256_GCM] = "AES-256-GCM",
	[TLS_AEAD_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

static bool evp_needs_sched(enum tls_aead_alg alg)
{
	(void)alg;
	/* EVP expands the key in EVP_CipherInit_ex2 for every record: nothing to keep. */
	return false;
}

static int evp_key_expand(const struct tls_engine *e, struct tls_aead_key *k)
{
	(void)e;
	(void)k;
	return 0;
}

static int evp_op(struct evp_engine *ee, struct tls_aead_op *op)
{
	const struct tls_aead_key *k = op->key;
	EVP_CIPHER_CTX *ctx = ee->ctx;
	const EVP_CIPHER *cipher = NULL;
	int outl;

	if (k == NULL || k->alg >= N_ALGS || op->n_seg > TLS_AEAD_SEGS_MAX ||
	    op->aad_len > TLS_AEAD_AAD_MAX || op->tag == NULL)
		return -EINVAL;
	/*
	 * Passing the same cipher again would make OpenSSL free and allocate its
	 * provider context; NULL keeps it and only resets key, nonce and direction.
	 */
	if (ee->ctx_alg != k->alg)
		cipher = ee->cipher[k->alg];
	if (!EVP_CipherInit_ex2(ctx, cipher, k->raw, op->nonce, op->seal ? 1 : 0, NULL)) {
		ee->ctx_alg = -1;
		return -EINVAL;
	}
	ee->ctx_alg = k->alg;
	if (op->aad_len > 0 && !EVP_CipherUpdate(ctx, NULL, &outl, op->aad, op->aad_len))
		return -EINVAL;
	for (unsigned int i = 0; i < op->n_seg; i++) {
		const struct tls_aead_seg *s = &op->seg[i];

		/* A zero-length update with a NULL output would be taken as AAD. */
		if (s->len == 0)
			continue;
		if (!EVP_CipherUpdate(ctx, s->data, &outl, s->data, (int)s->len))
			return -EINVAL;
	}
	if (op->seal) {
		if (!EVP_CipherFinal_ex(ctx, op->tag, &outl) ||
		    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TLS_AEAD_TAG_LEN, op->tag))
			return -EINVAL;
		return 0;
	}
	/* The provider compares the tag in constant time (CRYPTO_memcmp) in Final. */
	if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TLS_AEAD_TAG_LEN, op->tag))
		return -EINVAL;
	if (!EVP_CipherFinal_ex(ctx, op->tag, &outl))
		return -EBADMSG;
	return 0;
}

static void evp_run(struct tls_engine *e, struct tls_aead_op *ops, unsigned int n)
{
	struct evp_engine *ee = (struct evp_engine *)e;

	for (unsigned int i = 0; i < n; i++) {
		ops[i].result = evp_op(ee, &ops[i]);
		/* After a failure, start the next record from a freshly set-up cipher. */
		if (ops[i].result != 0)
			ee->ctx_alg = -1;
	}
}

static void evp_free(struct tls_engine *e)
{
	struct evp_engine *ee = (struct evp_engine *)e;

	EVP_CIPHER_CTX_free(ee->ctx);
	for (unsigned int i = 0; i < N_ALGS; i++)
		EVP_CIPHER_free(ee->cipher[i]);
	free(ee);
}

static const struct tls_engine_ops evp_ops = {
	.name = "evp",
	.kind = TLS_ENGINE_EVP,
	.needs_sched = evp_needs_sched,
	.key_expand = evp_key_expand,
	.run = evp_run,
	.free = evp_free,
};

struct tls_engine *tls_engine_evp_create(void)
{
	struct evp_engine *ee = calloc(1, sizeof(*ee));

	if (ee == NULL)
		return NULL;
	ee->base.ops = &evp_ops;
	ee->ctx_alg = -1;
	ee->ctx = EVP_CIPHER_CTX_new();
	if (ee->ctx == NULL)
		goto free_engine;
	for (unsigned int i = 0; i < N_ALGS; i++) {
		ee->cipher[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		if (ee->cipher[i] == NULL)
			goto free_engine;
	}
	return &ee->base;

free_engine:
	evp_free(&ee->base);
	return NULL;
}

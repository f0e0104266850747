/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ipsec-mb engine. AES-GCM goes through the direct API (init, one update
 * per segment, finalize): it takes scattered segments as they come, and it
 * measured faster than the job API for GCM. ChaCha20-Poly1305 has two paths:
 * the direct API (segments) and the job API (one contiguous buffer only).
 * AUTO sends every record that sits in one buffer through the job API and the
 * others through the direct API: benchmarks/crypto_bench.c (results in
 * benchmarks/results/crypto-*.md, AVX-512 on AMD EPYC) measured the job API
 * 30-45% cheaper per byte up to 512 B, 10-25% at 1-1.4 KiB, and within noise
 * (+-5%) of the direct API from 2 KiB to 16 KiB, never clearly slower.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include "aead_priv.h"

static_assert(sizeof(struct gcm_key_data) <= TLS_AEAD_SCHED_BYTES,
	      "ipsec-mb's GCM key expansion must fit in struct tls_aead_key");

struct ipsecmb_engine {
	struct tls_engine base;
	IMB_MGR *mgr;
	IMB_ARCH arch;
	enum tls_chacha_path chacha_path;
	unsigned int job_seq; /* next slot in job_tag */
	struct gcm_context_data gcm_ctx;
	struct chacha20_poly1305_context_data chacha_ctx;
	/*
	 * Computed tags of job-API opens, one slot per job the manager can hold;
	 * the run loop drains completed jobs after every submit, so a slot is
	 * never reused while its job is in flight.
	 */
	uint8_t job_tag[IMB_MAX_JOBS][TLS_AEAD_TAG_LEN];
};

static bool ipsecmb_needs_sched(enum tls_aead_alg alg)
{
	return alg != TLS_AEAD_CHACHA20_POLY1305; /* both ChaCha20-Poly1305 APIs take the raw key */
}

static int ipsecmb_key_expand(const struct tls_engine *e, struct tls_aead_key *k)
{
	const struct ipsecmb_engine *ie = (const struct ipsecmb_engine *)e;
	struct gcm_key_data *gk = (struct gcm_key_data *)k->sched;

	switch (k->alg) {
	case TLS_AEAD_AES_128_GCM:
		IMB_AES128_GCM_PRE(ie->mgr, k->raw, gk);
		return 0;
	case TLS_AEAD_AES_256_GCM:
		IMB_AES256_GCM_PRE(ie->mgr, k->raw, gk);
		return 0;
	case TLS_AEAD_CHACHA20_POLY1305:
		return 0;
	}
	return -EINVAL;
}

static bool op_valid(const struct tls_aead_op *op)
{
	return op->key != NULL && op->key->engine == TLS_ENGINE_IPSECMB &&
	       op->key->alg <= TLS_AEAD_CHACHA20_POLY1305 && tls_aead_key_ready(op->key) &&
	       op->n_seg <= TLS_AEAD_SEGS_MAX &&
	       op->aad_len <= TLS_AEAD_AAD_MAX && op->tag != NULL;
}

static int tag_check(const uint8_t *computed, const uint8_t *received)
{
	return CRYPTO_memcmp(computed, received, TLS_AEAD_TAG_LEN) == 0 ? 0 : -EBADMSG;
}

static int gcm_op(struct ipsecmb_engine *ie, struct tls_aead_op *op)
{
	const struct gcm_key_data *gk = (const struct gcm_key_data *)op->key->sched;
	struct gcm_context_data *ctx = &ie->gcm_ctx;
	IMB_MGR *mgr = ie->mgr;
	uint8_t computed[TLS_AEAD_TAG_LEN];
	bool aes256 = op->key->alg == TLS_AEAD_AES_256_GCM;

	if (aes256)
		IMB_AES256_GCM_INIT(mgr, gk, ctx, op->nonce, op->aad, op->aad_len);
	else
		IMB_AES128_GCM_INIT(mgr, gk, ctx, op->nonce, op->aad, op->aad_len);
	for (unsigned int i = 0; i < op->n_seg; i++) {
		uint8_t *d = op->seg[i].data;
		uint64_t len = op->seg[i].len;

		if (len == 0)
			continue;
		if (op->seal && aes256)
			IMB_AES256_GCM_ENC_UPDATE(mgr, gk, ctx, d, d, len);
		else if (op->seal)
			IMB_AES128_GCM_ENC_UPDATE(mgr, gk, ctx, d, d, len);
		else if (aes256)
			IMB_AES256_GCM_DEC_UPDATE(mgr, gk, ctx, d, d, len);
		else
			IMB_AES128_GCM_DEC_UPDATE(mgr, gk, ctx, d, d, len);
	}
	if (op->seal) {
		if (aes256)
			IMB_AES256_GCM_ENC_FINALIZE(mgr, gk, ctx, op->tag, TLS_AEAD_TAG_LEN);
		else
			IMB_AES128_GCM_ENC_FINALIZE(mgr, gk, ctx, op->tag, TLS_AEAD_TAG_LEN);
		return 0;
	}
	if (aes256)
		IMB_AES256_GCM_DEC_FINALIZE(mgr, gk, ctx, computed, TLS_AEAD_TAG_LEN);
	else
		IMB_AES128_GCM_DEC_FINALIZE(mgr, gk, ctx, computed, TLS_AEAD_TAG_LEN);
	return tag_check(computed, op->tag);
}

static int chacha_direct_op(struct ipsecmb_engine *ie, struct tls_aead_op *op)
{
	const uint8_t *key = op->key->raw;
	struct chacha20_poly1305_context_data *ctx = &ie->chacha_ctx;
	IMB_MGR *mgr = ie->mgr;
	uint8_t computed[TLS_AEAD_TAG_LEN];

	IMB_CHACHA20_POLY1305_INIT(mgr, key, ctx, op->nonce, op->aad, op->aad_len);
	for (unsigned int i = 0; i < op->n_seg; i++) {
		uint8_t *d = op->seg[i].data;
		uint64_t len = op->seg[i].len;

		if (len == 0)
			continue;
		if (op->seal)
			IMB_CHACHA20_POLY1305_ENC_UPDATE(mgr, key, ctx, d, d, len);
		else
			IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, key, ctx, d, d, len);
	}
	if (op->seal) {
		IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, ctx, op->tag, TLS_AEAD_TAG_LEN);
		return 0;
	}
	IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, ctx, computed, TLS_AEAD_TAG_LEN);
	return tag_check(computed, op->tag);
}

/* The one non-empty segment of op, or NULL when there are none or several. */
static const struct tls_aead_seg *single_segment(const struct tls_aead_op *op)
{
	const struct tls_aead_seg *found = NULL;

	for (unsigned int i = 0; i < op->n_seg; i++) {
		if (op->seg[i].len == 0)
			continue;
		if (found != NULL)
			return NULL;
		found = &op->seg[i];
	}
	return found;
}

static bool chacha_use_job(const struct ipsecmb_engine *ie, const struct tls_aead_seg *s)
{
	/* AUTO takes the job API whenever it can: measured, see the top of this file. */
	return s != NULL && ie->chacha_path != TLS_CHACHA_DIRECT;
}

static void chacha_job_done(IMB_JOB *job)
{
	struct tls_aead_op *op = job->user_data;

	if (job->status != IMB_STATUS_COMPLETED)
		op->result = -EINVAL;
	else if (op->seal)
		op->result = 0;
	else
		op->result = tag_check(job->user_data2, op->tag);
}

static void chacha_job_submit(struct ipsecmb_engine *ie, struct tls_aead_op *op,
			      const struct tls_aead_seg *s)
{
	IMB_MGR *mgr = ie->mgr;
	IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
	uint8_t *computed = ie->job_tag[ie->job_seq++ % IMB_MAX_JOBS];

	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = op->seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = op->seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = op->key->raw;
	job->dec_keys = op->key->raw;
	job->key_len_in_bytes = 32;
	job->src = s->data;
	job->dst = s->data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = s->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = s->len;
	job->iv = op->nonce;
	job->iv_len_in_bytes = TLS_AEAD_NONCE_LEN;
	job->u.CHACHA20_POLY1305.aad = op->aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
	job->auth_tag_output = op->seal ? op->tag : computed;
	job->auth_tag_output_len_in_bytes = TLS_AEAD_TAG_LEN;
	job->user_data = op;
	job->user_data2 = computed;
	job = IMB_SUBMIT_JOB(mgr);
	while (job != NULL) {
		chacha_job_done(job);
		job = IMB_GET_COMPLETED_JOB(mgr);
	}
}

static void ipsecmb_run(struct tls_engine *e, struct tls_aead_op *ops, unsigned int n)
{
	struct ipsecmb_engine *ie = (struct ipsecmb_engine *)e;
	bool jobs = false;
	IMB_JOB *job;

	for (unsigned int i = 0; i < n; i++) {
		struct tls_aead_op *op = &ops[i];
		const struct tls_aead_seg *s;

		if (!op_valid(op)) {
			op->result = -EINVAL;
			continue;
		}
		if (op->key->alg != TLS_AEAD_CHACHA20_POLY1305) {
			op->result = gcm_op(ie, op);
			continue;
		}
		s = single_segment(op);
		if (chacha_use_job(ie, s)) {
			chacha_job_submit(ie, op, s);
			jobs = true;
		} else {
			op->result = chacha_direct_op(ie, op);
		}
	}
	if (!jobs)
		return;
	while ((job = IMB_FLUSH_JOB(ie->mgr)) != NULL)
		chacha_job_done(job);
}

static void ipsecmb_free(struct tls_engine *e)
{
	struct ipsecmb_engine *ie = (struct ipsecmb_engine *)e;

	if (ie->mgr != NULL)
		free_mb_mgr(ie->mgr);
	/* The GCM context holds key-dependent state of the last record. */
	OPENSSL_cleanse(ie, sizeof(*ie));
	free(ie);
}

static const struct tls_engine_ops ipsecmb_ops = {
	.name = "ipsec-mb",
	.kind = TLS_ENGINE_IPSECMB,
	.needs_sched = ipsecmb_needs_sched,
	.key_expand = ipsecmb_key_expand,
	.run = ipsecmb_run,
	.free = ipsecmb_free,
};

struct tls_engine *tls_engine_ipsecmb_create(void)
{
	struct ipsecmb_engine *ie;

	/* Without AES-NI ipsec-mb would run its slow emulation: EVP is the better fallback. */
	if ((imb_get_feature_flags() & IMB_FEATURE_AESNI) == 0)
		return NULL;
	/* Cache-line aligned for the contexts; C11 wants the size a multiple of it. */
	ie = aligned_alloc(64, (sizeof(*ie) + 63) & ~(size_t)63);
	if (ie == NULL)
		return NULL;
	memset(ie, 0, sizeof(*ie));
	ie->base.ops = &ipsecmb_ops;
	ie->chacha_path = TLS_CHACHA_AUTO;
	ie->mgr = alloc_mb_mgr(0);
	if (ie->mgr == NULL)
		goto free_engine;
	init_mb_mgr_auto(ie->mgr, &ie->arch);
	if (imb_get_errno(ie->mgr) != 0 || ie->arch == IMB_ARCH_NONE ||
	    ie->arch == IMB_ARCH_NOAESNI)
		goto free_engine;
	return &ie->base;

free_engine:
	ipsecmb_free(&ie->base);
	return NULL;
}

int tls_ipsecmb_set_chacha_path(struct tls_engine *e, enum tls_chacha_path path)
{
	if (e->ops != &ipsecmb_ops)
		return -EINVAL;
	((struct ipsecmb_engine *)e)->chacha_path = path;
	return 0;
}

const char *tls_ipsecmb_arch(const struct tls_engine *e)
{
	static const char *const names[IMB_ARCH_NUM] = {
		[IMB_ARCH_NONE] = "none",     [IMB_ARCH_NOAESNI] = "no-aesni",
		[IMB_ARCH_SSE] = "sse",       [IMB_ARCH_AVX] = "avx",
		[IMB_ARCH_AVX2] = "avx2",     [IMB_ARCH_AVX512] = "avx512",
	};
	const struct ipsecmb_engine *ie = (const struct ipsecmb_engine *)e;

	if (e->ops != &ipsecmb_ops || ie->arch >= IMB_ARCH_NUM)
		return NULL;
	return names[ie->arch];
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/tls: the crypto engines behind one small table of function
 * pointers, so tls_engine_run() never branches on which engine runs. Each
 * engine embeds struct tls_engine as its first member.
 */
#ifndef TLSTERM_TLS_AEAD_PRIV_H
#define TLSTERM_TLS_AEAD_PRIV_H

#include "tls_aead.h"

struct tls_engine_ops {
	const char *name;
	enum tls_engine_kind kind;
	/* Whether alg's keys run from an expansion (then key_expand fills it). */
	bool (*needs_sched)(enum tls_aead_alg alg);
	/* k->alg, k->engine, k->raw and k->sched are set; fill *k->sched. 0 or -EINVAL. */
	int (*key_expand)(const struct tls_engine *e, struct tls_aead_key *k);
	void (*run)(struct tls_engine *e, struct tls_aead_op *ops, unsigned int n);
	void (*free)(struct tls_engine *e);
};

struct tls_engine {
	const struct tls_engine_ops *ops;
};

/* Constructors; NULL when the engine cannot run here or memory ran out. */
struct tls_engine *tls_engine_evp_create(void);
struct tls_engine *tls_engine_ipsecmb_create(void);

/*
 * Which ipsec-mb interface seals and opens ChaCha20-Poly1305 records. The job
 * API only takes one contiguous buffer, so JOB still uses the direct API for
 * records in several segments. AUTO is the measured choice (see aead_ipsecmb.c);
 * tests and the benchmark force one or the other.
 */
enum tls_chacha_path {
	TLS_CHACHA_AUTO,
	TLS_CHACHA_DIRECT,
	TLS_CHACHA_JOB,
};
/* 0, or -EINVAL when e is not an ipsec-mb engine. */
int tls_ipsecmb_set_chacha_path(struct tls_engine *e, enum tls_chacha_path path);
/* The architecture ipsec-mb picked ("avx512", "avx2", "avx", "sse"). */
const char *tls_ipsecmb_arch(const struct tls_engine *e);

#endif

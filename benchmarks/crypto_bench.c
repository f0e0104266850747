/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD throughput of the lib/tls engines: cycles per byte and GB/s for seal and
 * open, in bursts of 32 records, at 64 B, 1 KiB and 16 KiB, for ipsec-mb (GCM
 * direct API; ChaCha20-Poly1305 direct API and job API) and OpenSSL EVP. A
 * second table finds where the ChaCha20-Poly1305 job API stops paying off,
 * which sets CHACHA_JOB_MAX in lib/tls/aead_ipsecmb.c.
 *
 * Cycles are TSC ticks (rdtsc), calibrated against CLOCK_MONOTONIC_RAW over
 * 100 ms. Each configuration runs REPS times; the table shows the median and
 * the best repetition, because other work on the machine only ever adds time.
 * Prints a markdown table to stdout; it reports, never judges.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <x86intrin.h>

#include "aead_priv.h"

#define BURST 32
#define REPS 7
#define MIN_BYTES_PER_REP (8u << 20) /* per direction, per repetition */
#define AAD_LEN 5                    /* a TLS 1.3 record header */

static double tsc_hz;

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void calibrate_tsc(void)
{
	uint64_t t0 = ns_now(), c0 = __rdtsc(), t1, c1;

	do
		t1 = ns_now();
	while (t1 - t0 < 100000000u);
	c1 = __rdtsc();
	tsc_hz = (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

struct config {
	const char *engine; /* row label */
	enum tls_engine_kind kind;
	enum tls_chacha_path chacha; /* ipsec-mb only */
	enum tls_aead_alg alg;
};

static const char *alg_name(enum tls_aead_alg alg)
{
	switch (alg) {
	case TLS_AEAD_AES_128_GCM:
		return "AES-128-GCM";
	case TLS_AEAD_AES_256_GCM:
		return "AES-256-GCM";
	case TLS_AEAD_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305";
	}
	return "?";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double seal_med, seal_min, open_med, open_min; /* cycles per byte */
};

static int measure(struct tls_engine *e, const struct config *c, uint32_t size,
		   struct result *r)
{
	static struct tls_aead_op seal[BURST], open[BURST];
	static struct tls_aead_key key;
	static struct tls_aead_sched sched;
	static uint8_t tags[BURST][TLS_AEAD_TAG_LEN];
	uint8_t *bufs[BURST], raw[32];
	double seal_cpb[REPS], open_cpb[REPS];
	unsigned int bursts = MIN_BYTES_PER_REP / (size * BURST) + 1;
	int rc = 0;

	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i * 13 + 5);
	if (tls_aead_key_init(e, &key, c->alg, raw) != 0 ||
	    (key.needs_sched && tls_aead_key_expand(e, &key, &sched) != 0))
		return -EINVAL;
	for (int i = 0; i < BURST; i++) {
		bufs[i] = aligned_alloc(64, (size + 63) & ~63u);
		if (bufs[i] == NULL)
			return -ENOMEM;
		memset(bufs[i], i, size);
		memset(&seal[i], 0, sizeof(seal[i]));
		seal[i].key = &key;
		seal[i].nonce[11] = (uint8_t)i;
		seal[i].aad[0] = 0x17;
		seal[i].aad_len = AAD_LEN;
		seal[i].seal = true;
		seal[i].n_seg = 1;
		seal[i].seg[0].data = bufs[i];
		seal[i].seg[0].len = size;
		seal[i].tag = tags[i];
		open[i] = seal[i];
		open[i].seal = false;
	}
	/* warm up caches, key schedule, the CPU's clock */
	for (unsigned int b = 0; b < bursts / 4 + 1; b++) {
		tls_engine_run(e, seal, BURST);
		tls_engine_run(e, open, BURST);
	}
	for (int rep = 0; rep < REPS; rep++) {
		uint64_t seal_cycles = 0, open_cycles = 0;

		for (unsigned int b = 0; b < bursts; b++) {
			uint64_t t0 = __rdtsc(), t1, t2;

			tls_engine_run(e, seal, BURST);
			t1 = __rdtsc();
			tls_engine_run(e, open, BURST);
			t2 = __rdtsc();
			seal_cycles += t1 - t0;
			open_cycles += t2 - t1;
			/* every open must succeed, or the numbers mean nothing */
			for (int i = 0; i < BURST; i++)
				if (seal[i].result != 0 || open[i].result != 0)
					rc = -EBADMSG;
		}
		seal_cpb[rep] = (double)seal_cycles / ((double)bursts * BURST * size);
		open_cpb[rep] = (double)open_cycles / ((double)bursts * BURST * size);
	}
	qsort(seal_cpb, REPS, sizeof(double), cmp_double);
	qsort(open_cpb, REPS, sizeof(double), cmp_double);
	r->seal_med = seal_cpb[REPS / 2];
	r->seal_min = seal_cpb[0];
	r->open_med = open_cpb[REPS / 2];
	r->open_min = open_cpb[0];
	for (int i = 0; i < BURST; i++)
		free(bufs[i]);
	tls_aead_key_wipe(&key);
	return rc;
}

static double gbps(double cpb)
{
	return tsc_hz / cpb / 1e9;
}

static struct tls_engine *engine_for(struct tls_engine *mb, struct tls_engine *evp,
				     const struct config *c)
{
	if (c->kind == TLS_ENGINE_EVP)
		return evp;
	if (mb != NULL)
		tls_ipsecmb_set_chacha_path(mb, c->chacha);
	return mb;
}

int main(void)
{
	static const struct config configs[] = {
		{"ipsec-mb GCM direct", TLS_ENGINE_IPSECMB, TLS_CHACHA_AUTO, TLS_AEAD_AES_128_GCM},
		{"ipsec-mb GCM direct", TLS_ENGINE_IPSECMB, TLS_CHACHA_AUTO, TLS_AEAD_AES_256_GCM},
		{"ipsec-mb ChaCha direct", TLS_ENGINE_IPSECMB, TLS_CHACHA_DIRECT,
		 TLS_AEAD_CHACHA20_POLY1305},
		{"ipsec-mb ChaCha job", TLS_ENGINE_IPSECMB, TLS_CHACHA_JOB,
		 TLS_AEAD_CHACHA20_POLY1305},
		{"EVP", TLS_ENGINE_EVP, TLS_CHACHA_AUTO, TLS_AEAD_AES_128_GCM},
		{"EVP", TLS_ENGINE_EVP, TLS_CHACHA_AUTO, TLS_AEAD_AES_256_GCM},
		{"EVP", TLS_ENGINE_EVP, TLS_CHACHA_AUTO, TLS_AEAD_CHACHA20_POLY1305},
	};
	static const uint32_t sizes[] = {64, 1024, 16384};
	static const uint32_t crossover[] = {64, 256, 512, 1024, 1369, 2048, 4096, 16384};
	struct tls_engine *evp = tls_engine_create(TLS_ENGINE_EVP);
	struct tls_engine *mb = tls_engine_create(TLS_ENGINE_IPSECMB);
	int failed = 0;

	if (evp == NULL) {
		fprintf(stderr, "crypto_bench: no EVP engine\n");
		return 1;
	}
	calibrate_tsc();
	printf("TSC %.3f GHz (calibrated against CLOCK_MONOTONIC_RAW over 100 ms); "
	       "ipsec-mb arch: %s; bursts of %d records, AAD %d B, one segment each; "
	       "median (best) of %d repetitions of >= %u MiB each way.\n\n",
	       tsc_hz / 1e9, mb != NULL ? tls_ipsecmb_arch(mb) : "unavailable (no AES-NI)",
	       BURST, AAD_LEN, REPS, MIN_BYTES_PER_REP >> 20);
	printf("| engine / API | algorithm | record | seal cycles/B | seal GB/s "
	       "| open cycles/B | open GB/s |\n");
	printf("|---|---|---:|---:|---:|---:|---:|\n");
	for (size_t c = 0; c < sizeof(configs) / sizeof(configs[0]); c++) {
		struct tls_engine *e = engine_for(mb, evp, &configs[c]);

		if (e == NULL)
			continue;
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct result r;

			if (measure(e, &configs[c], sizes[s], &r) != 0)
				failed = 1;
			printf("| %s | %s | %u B | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) "
			       "| %.2f (%.2f) |\n",
			       configs[c].engine, alg_name(configs[c].alg), sizes[s], r.seal_med,
			       r.seal_min, gbps(r.seal_med), gbps(r.seal_min), r.open_med,
			       r.open_min, gbps(r.open_med), gbps(r.open_min));
			fflush(stdout);
		}
	}
	if (mb != NULL) {
		printf("\nChaCha20-Poly1305 on ipsec-mb, direct API vs job API "
		       "(cycles/B, median (best); ratio < 1: the job API is faster)\n\n");
		printf("| record | seal direct | seal job | job/direct | open direct | open job "
		       "| job/direct |\n");
		printf("|---:|---:|---:|---:|---:|---:|---:|\n");
		for (size_t s = 0; s < sizeof(crossover) / sizeof(crossover[0]); s++) {
			struct config d = configs[2], j = configs[3];
			struct result rd, rj;

			tls_ipsecmb_set_chacha_path(mb, TLS_CHACHA_DIRECT);
			failed |= measure(mb, &d, crossover[s], &rd) != 0;
			tls_ipsecmb_set_chacha_path(mb, TLS_CHACHA_JOB);
			failed |= measure(mb, &j, crossover[s], &rj) != 0;
			printf("| %u B | %.2f (%.2f) | %.2f (%.2f) | %.3f | %.2f (%.2f) | "
			       "%.2f (%.2f) | %.3f |\n",
			       crossover[s], rd.seal_med, rd.seal_min, rj.seal_med, rj.seal_min,
			       rj.seal_med / rd.seal_med, rd.open_med, rd.open_min, rj.open_med,
			       rj.open_min, rj.open_med / rd.open_med);
			fflush(stdout);
		}
	}
	tls_engine_free(mb);
	tls_engine_free(evp);
	if (failed)
		fprintf(stderr, "crypto_bench: some operation failed: numbers are not valid\n");
	return failed;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker cycles per byte of tlsterm's TLS 1.3 send path alone (lib/tls): plaintext
 * as TCP hands it over (a chain of MSS-sized mbufs) through tls_record_tx, cut into
 * 16 KiB records, sealed in place by the engine in tls_burst_run, and the records
 * handed to the records() callback, which frees them (TCP's work after that is not
 * here). Real mbufs from the unit tests' EAL fixture, the real engine.
 *
 * Only the send path is timed: rdtsc around tls_record_tx + tls_burst_run for
 * each batch; filling the plaintext mbufs happens before. Median and minimum over
 * the batches, per engine, algorithm and segment size. Reports, never judges.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x86intrin.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <tlsterm/counters.h>

#include "eal_fixture.h"
#include "tls_record.h"

#define BATCH_BYTES (256u * 1024)

static uint64_t records_seen, bytes_seen;

static void ev_data(void *owner, struct rte_mbuf *m)
{
	(void)owner;
	rte_pktmbuf_free(m);
}

static void ev_records(void *owner, struct rte_mbuf *m)
{
	(void)owner;
	records_seen++;
	bytes_seen += m->pkt_len;
	rte_pktmbuf_free(m);
}

static void ev_closing(void *owner, enum tls_alert alert, bool received)
{
	(void)owner, (void)alert, (void)received;
}

static const struct tls_record_events events = {
	.data = ev_data,
	.records = ev_records,
	.closing = ev_closing,
};

static void die(const char *what)
{
	fprintf(stderr, "record_bench: %s\n", what);
	exit(1);
}

/* BATCH_BYTES of plaintext in mbufs of seg bytes, as TCP's receive queue holds it. */
static struct rte_mbuf *plaintext(struct rte_mempool *mp, uint16_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	for (uint32_t left = BATCH_BYTES; left > 0;) {
		uint16_t n = left < seg ? (uint16_t)left : seg;
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			die("out of mbufs");
		/* TCP payload sits after the frame's headers (Ethernet + IPv4 + TCP with timestamps). */
		m->data_off = (uint16_t)(RTE_PKTMBUF_HEADROOM + 66);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, n);
		if (p == NULL)
			die("segment too large for an mbuf");
		memset(p, (int)(left & 0xff), n);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
		left -= n;
	}
	return head;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void run(const char *engine_name, struct tls_engine *e, enum tls_aead_alg alg,
		const char *alg_name, uint16_t seg, unsigned int batches)
{
	struct rte_mempool *mp = eal_fixture_pool();
	struct tls_counters ctr;
	struct tls_record rec;
	uint8_t secret[TLS_SECRET_MAX];
	uint64_t *cyc = calloc(batches, sizeof(*cyc));

	memset(&ctr, 0, sizeof(ctr));
	memset(secret, 0x5a, sizeof(secret));
	struct tls_burst *b = tls_burst_create(e, mp, &ctr, 256, 0, SOCKET_ID_ANY);
	if (b == NULL || cyc == NULL ||
	    tls_record_init13(&rec, e, alg, secret, secret, 0, &events, NULL) != 0)
		die("set-up");
	/* Past the small records of a new connection, as on a connection in bulk transfer. */
	for (unsigned int i = 0; i < 4; i++) {
		if (tls_record_tx(&rec, b, plaintext(mp, seg), 1) != 0)
			die("tls_record_tx");
		while (tls_burst_run(b) > 0)
			;
	}
	records_seen = bytes_seen = 0;
	for (unsigned int i = 0; i < batches; i++) {
		struct rte_mbuf *m = plaintext(mp, seg);
		uint64_t t0 = __rdtsc();
		if (tls_record_tx(&rec, b, m, 1) != 0)
			die("tls_record_tx");
		while (tls_burst_run(b) > 0)
			;
		cyc[i] = __rdtsc() - t0;
		if (rec.out != NULL || tls_burst_pending(b) != 0)
			die("records left over");
	}
	qsort(cyc, batches, sizeof(*cyc), cmp_u64);
	printf("| %s | %s | %u | %.1f | %.3f | %.3f |\n", engine_name, alg_name, seg,
	       (double)bytes_seen / (double)records_seen, (double)cyc[batches / 2] / BATCH_BYTES,
	       (double)cyc[0] / BATCH_BYTES);
	tls_burst_cancel(b, &rec);
	tls_record_fini(&rec, b);
	tls_burst_free(b);
	free(cyc);
}

int main(int argc, char **argv)
{
	unsigned int batches = 400;
	int opt;
	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			die("usage: record_bench [-n batches]");
		batches = (unsigned int)atoi(optarg);
	}
	if (batches == 0)
		die("-n must be at least 1");
	if (eal_fixture_init() != 0)
		die("EAL");
	struct tls_engine *ipsecmb = tls_engine_create(TLS_ENGINE_IPSECMB);
	struct tls_engine *evp = tls_engine_create(TLS_ENGINE_EVP);
	if (evp == NULL)
		die("EVP engine");
	printf("# TLS 1.3 send path (tls_record_tx + tls_burst_run), %u KiB batches, %u batches\n\n",
	       BATCH_BYTES / 1024, batches);
	printf("| engine | AEAD | plaintext mbuf bytes | wire bytes / record | cycles / byte "
	       "median | min |\n|---|---|---:|---:|---:|---:|\n");
	static const uint16_t segs[] = {1448, 512};
	for (unsigned int s = 0; s < 2; s++) {
		if (ipsecmb != NULL) {
			run("ipsec-mb", ipsecmb, TLS_AEAD_AES_128_GCM, "AES-128-GCM", segs[s], batches);
			run("ipsec-mb", ipsecmb, TLS_AEAD_AES_256_GCM, "AES-256-GCM", segs[s], batches);
			run("ipsec-mb", ipsecmb, TLS_AEAD_CHACHA20_POLY1305, "ChaCha20-Poly1305",
			    segs[s], batches);
		}
		run("EVP", evp, TLS_AEAD_AES_128_GCM, "AES-128-GCM", segs[s], batches);
	}
	printf("\nTSC %.2f GHz\n", (double)rte_get_tsc_hz() / 1e9);
	if (ipsecmb != NULL)
		tls_engine_free(ipsecmb);
	tls_engine_free(evp);
	return 0;
}

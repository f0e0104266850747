/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one TLS connection slot costs in tlsterm's preallocated structures, for
 * benchmarks/tls_bench.sh and proxy_bench.sh's idle workload: the sizes of the private
 * structs, and the memory the worker's connection pools and flow table really take from
 * DPDK's heap when created as lib/tcp/tcp_stack.c, lib/tls/tls_worker.c and
 * lib/proxy/proxy_worker.c create them (same element sizes, counts and flags), and the
 * worker's key schedule cache (lib/tls/tls_sched_cache.c) at its default size. Starts EAL
 * (--no-huge, no shared config) to measure; prints key=value lines.
 *
 *   tls_sizes [MAX_CONNECTIONS]     (default 16384, tlsterm's default)
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "proxy_priv.h" /* lib/proxy, private */
#include "tcp_conn.h"   /* lib/tcp, private */
#include "tls_conn.h"   /* lib/tls, private */
#include "tls_sched_cache.h"

static uint64_t heap_used(void)
{
	struct rte_malloc_socket_stats st;
	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

/* A pool of n objects of size bytes with the flags lib/tcp, lib/tls and lib/proxy give theirs
 * (never DMA'd: objects may cross pages), or with contig also kept inside pages. */
static struct rte_mempool *size_pool(const char *name, unsigned int n, size_t size, bool contig)
{
	unsigned int flags = NET_STATE_POOL_FLAGS;
	if (contig)
		flags &= ~(unsigned int)RTE_MEMPOOL_F_NO_IOVA_CONTIG;
	return rte_mempool_create(name, n, (unsigned int)size, 0, 0, NULL, NULL, NULL, NULL,
				  (int)rte_socket_id(), flags);
}

int main(int argc, char **argv)
{
	unsigned int max_conns = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 16384;
	/* enough for tlsterm's largest (2 x the pools at max_connections 131072 is ~1.4 GB) */
	char mem[16];
	snprintf(mem, sizeof(mem), "%u", 256 + max_conns / 64);
	char *eal[] = {argv[0], "-l", "0", "--no-huge", "--no-shconf", "-m", mem, "--no-pci",
		       "--log-level=error", NULL};
	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "tls_sizes: EAL init failed\n");
		return 1;
	}
	struct rte_mempool_objsz tcp_sz, tls_sz;
	rte_mempool_calc_obj_size(sizeof(struct tcp_conn), NET_STATE_POOL_FLAGS, &tcp_sz);
	rte_mempool_calc_obj_size(sizeof(struct tls_conn), NET_STATE_POOL_FLAGS, &tls_sz);
	printf("sizeof_tcp_conn=%zu\n", sizeof(struct tcp_conn));
	printf("sizeof_tls_conn=%zu\n", sizeof(struct tls_conn));
	printf("sizeof_tls_hs=%zu\n", sizeof(struct tls_hs));
	printf("sizeof_tls_record=%zu\n", sizeof(struct tls_record));
	printf("sizeof_tcp_tuple=%zu\n", sizeof(struct tcp_tuple));
	printf("pool_obj_tcp_conn=%u\n", tcp_sz.total_size);
	printf("pool_obj_tls_conn=%u\n", tls_sz.total_size);
	/* An mbuf of app/tlsterm's pool: rte_pktmbuf_pool_create(..., RTE_MBUF_DEFAULT_BUF_SIZE). */
	struct rte_mempool_objsz mb_sz;
	rte_mempool_calc_obj_size(sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 0, &mb_sz);
	printf("pool_obj_mbuf=%u\n", mb_sz.total_size);

	/* As tcp_stack_create: table of 2 x max_conns, pool of max_conns + TCP_REAP_SLACK; the
	 * pools' flags as lib/tcp, lib/tls and lib/proxy give them (never DMA'd: objects may
	 * cross pages). */
	uint64_t h0 = heap_used();
	struct rte_hash_parameters hp = {
		.name = "sizes_table",
		.entries = max_conns * 2,
		.key_len = sizeof(struct tcp_tuple),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};
	struct rte_hash *table = rte_hash_create(&hp);
	uint64_t h1 = heap_used();
	struct rte_mempool *tcp_pool =
		size_pool("sizes_tcp", max_conns + TCP_REAP_SLACK, sizeof(struct tcp_conn), false);
	uint64_t h2 = heap_used();
	struct rte_mempool *tls_pool =
		size_pool("sizes_tls", max_conns, sizeof(struct tls_conn), false);
	uint64_t h3 = heap_used();
	if (table == NULL || tcp_pool == NULL || tls_pool == NULL) {
		fprintf(stderr, "tls_sizes: cannot create the table or pools (-m %s too small?)\n", mem);
		return 1;
	}
	/* For comparison, the tls_conn pool as it was before it took NO_IOVA_CONTIG: objects kept
	 * inside 4 KiB pages (without hugepages), as a pool that is DMA'd must be. */
	struct rte_mempool *tls_pool_ic =
		size_pool("sizes_tls_ic", max_conns, sizeof(struct tls_conn), true);
	uint64_t h4 = heap_used();
	printf("max_connections=%u\n", max_conns);
	if (tls_pool_ic != NULL)
		printf("heap_tls_pool_iova_contig=%" PRIu64 "\n", h4 - h3);
	rte_mempool_free(tls_pool_ic);
	printf("heap_flow_table=%" PRIu64 "\n", h1 - h0);
	printf("heap_tcp_pool=%" PRIu64 "\n", h2 - h1);
	printf("heap_tls_pool=%" PRIu64 "\n", h3 - h2);
	rte_mempool_free(tls_pool);

	/* As proxy_worker_create: a session and a built-in-service pool, max_conns each. */
	struct rte_mempool_objsz sess_sz, svc_sz;
	rte_mempool_calc_obj_size(sizeof(struct proxy_sess), NET_STATE_POOL_FLAGS, &sess_sz);
	rte_mempool_calc_obj_size(sizeof(struct service_conn), NET_STATE_POOL_FLAGS, &svc_sz);
	printf("sizeof_proxy_sess=%zu\n", sizeof(struct proxy_sess));
	printf("sizeof_service_conn=%zu\n", sizeof(struct service_conn));
	printf("pool_obj_proxy_sess=%u\n", sess_sz.total_size);
	printf("pool_obj_service_conn=%u\n", svc_sz.total_size);
	uint64_t h5 = heap_used();
	struct rte_mempool *sess_pool =
		size_pool("sizes_psess", max_conns, sizeof(struct proxy_sess), false);
	uint64_t h6 = heap_used();
	struct rte_mempool *svc_pool =
		size_pool("sizes_psvc", max_conns, sizeof(struct service_conn), false);
	uint64_t h7 = heap_used();
	if (sess_pool == NULL || svc_pool == NULL) {
		fprintf(stderr, "tls_sizes: cannot create the session pools\n");
		return 1;
	}
	printf("heap_proxy_sess_pool=%" PRIu64 "\n", h6 - h5);
	printf("heap_service_pool=%" PRIu64 "\n", h7 - h6);

	/* As tls_worker_create with crypto.key_schedules unset: max_conns / 2, at least 1024. */
	static struct tls_counters ctr;
	unsigned int n_scheds = tls_default_key_schedules(max_conns);
	uint64_t h8 = heap_used();
	struct tls_sched_cache *scheds = tls_sched_cache_create(n_scheds, 0, &ctr, (int)rte_socket_id());
	uint64_t h9 = heap_used();
	if (scheds == NULL) {
		fprintf(stderr, "tls_sizes: cannot create the key schedule cache\n");
		return 1;
	}
	printf("key_schedules=%u\n", n_scheds);
	printf("heap_key_schedules=%" PRIu64 "\n", h9 - h8);
	tls_sched_cache_free(scheds);
	rte_mempool_free(svc_pool);
	rte_mempool_free(sess_pool);
	rte_mempool_free(tcp_pool);
	rte_hash_free(table);
	rte_eal_cleanup();
	return 0;
}

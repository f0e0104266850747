/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include <openssl/crypto.h>

#include <tlsterm/log.h>

#include "dump_filter.h"

/*
 * The secure heap's size (a power of two) and smallest block. A P-256 key is
 * about 100 bytes there and an RSA-2048 key about 1.2 KiB; each worker loads
 * its own copy of every key. When the heap is full, OpenSSL's secure
 * allocations fail (the key load then fails and says so): 4 MiB is some
 * 3000 RSA keys.
 */
#define SECURE_HEAP_SIZE (4u << 20)
#define SECURE_HEAP_MIN 32

static void *plain_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

/* Read by any thread that frees OpenSSL memory (workers too); written by the control thread. */
static bool wipe_all = true;

void dump_filter_wipe_all(bool on)
{
	__atomic_store_n(&wipe_all, on, __ATOMIC_SEQ_CST);
}

static void wiping_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p == NULL)
		return;
	if (__atomic_load_n(&wipe_all, __ATOMIC_RELAXED))
		OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

/* realloc() would free the old block unwiped when it moves it: move it ourselves. */
static void *wiping_realloc(void *p, size_t n, const char *file, int line)
{
	size_t old;
	void *q;

	if (!__atomic_load_n(&wipe_all, __ATOMIC_RELAXED))
		return realloc(p, n);
	if (p == NULL)
		return plain_malloc(n, file, line);
	if (n == 0) {
		wiping_free(p, file, line);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old)
		return p;
	q = malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old);
	wiping_free(p, file, line);
	return q;
}

int dump_filter_wipe_freed(void)
{
	return CRYPTO_set_mem_functions(plain_malloc, wiping_realloc, wiping_free) == 1 ? 0 : -1;
}

int dump_filter_secure_heap(const struct config *cfg)
{
	int rc;

	if (cfg->dump_core_memory) {
		log_warn("dump_core_memory: true: core dumps will hold keys and traffic");
		return 0;
	}
	if (CRYPTO_secure_malloc_initialized())
		return 0;
	rc = CRYPTO_secure_malloc_init(SECURE_HEAP_SIZE, SECURE_HEAP_MIN);
	if (rc == 0) {
		log_err("cannot make OpenSSL's secure heap (%u KiB) for the keys",
			SECURE_HEAP_SIZE >> 10);
		return -1;
	}
	if (rc == 2) /* made and out of dumps, but not locked: it may be swapped out */
		log_warn("OpenSSL's secure heap could not be locked in memory (RLIMIT_MEMLOCK)");
	return 0;
}

static int dontdump(void *addr, size_t len)
{
	if (addr == NULL || len == 0)
		return 0;
	if (madvise(addr, len, MADV_DONTDUMP) != 0) {
		log_err("madvise(MADV_DONTDUMP) at %p (%zu bytes): %s", addr, len,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int dontdump_list(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
	return dontdump(msl->base_va, msl->len);
}

/* Memory DPDK maps while running (hugepage mode) is dumpable again until marked. */
static void on_mem_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	(void)arg;
	if (type == RTE_MEM_EVENT_ALLOC)
		dontdump((void *)(uintptr_t)addr, len);
}

int dump_filter_ports(const struct config *cfg)
{
	char line[512], path[256];
	uintptr_t lo, hi;
	int ret = 0;
	FILE *maps;

	if (cfg->dump_core_memory)
		return 0;
	maps = fopen("/proc/self/maps", "r");
	if (maps == NULL) {
		log_err("/proc/self/maps: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		path[0] = '\0';
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %*s %*s %*s %255s", &lo, &hi, path) < 2)
			continue;
		if (strncmp(path, "socket:[", 8) == 0 && dontdump((void *)lo, hi - lo) != 0)
			ret = -1;
	}
	fclose(maps);
	return ret;
}

int dump_filter_dpdk(const struct config *cfg)
{
	if (cfg->dump_core_memory)
		return 0;
	if (rte_memseg_list_walk(dontdump_list, NULL) != 0)
		return -1;
	/* --no-huge and legacy memory are mapped whole at start: no events to follow */
	if (rte_mem_event_callback_register("tlsterm_dontdump", on_mem_event, NULL) != 0 &&
	    rte_errno != ENOTSUP) {
		log_err("cannot follow DPDK memory growth to keep it out of core dumps: %s",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

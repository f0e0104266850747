/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL inside a fuzzer, as tests/unit/eal_fixture.c does it for the unit tests. */
#ifndef TLSTERM_FUZZ_EAL_H
#define TLSTERM_FUZZ_EAL_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mempool;

/*
 * --no-huge --no-pci --no-shconf on lcore 0 with memory_mb of memory, and a
 * net_ring0 port when ring_port. Returns rte_eal_init()'s result.
 */
int fuzz_eal_init(const char *prog, unsigned int memory_mb, bool ring_port);

/*
 * Start the net_ring0 port with one RX and one TX queue of 1024, RX mbufs from
 * pool; what is sent on it comes back on its RX queue. 0, or -1 on failure.
 */
int fuzz_ring_port_start(struct rte_mempool *pool, uint16_t *port);

#endif

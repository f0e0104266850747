/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two-worker lib/net harness shared by fuzz_packet (IPv4) and fuzz_ipv6:
 * EAL with a net_ring0 port, one pool, two net contexts joined by steering,
 * and the operation loop. A target gives only what differs: its config and
 * the packet its output op sends.
 *
 * Input: one configuration byte (handed to the target's make_config), then a
 * sequence of operations, each one opcode byte followed by its arguments:
 *   op % 8 == 0..2  frame:    u16 length (big endian, & 0x7ff), bytes;
 *                   op 2 has a second u16 after the length: the frame goes
 *                   in two segments, cut after that many bytes
 *   op % 8 == 3     output:   two argument bytes, read by the target's output
 *   op % 8 == 4     time:     byte * 50 ms later, then net_timers()
 *   op % 8 == 5     announce
 *   op % 8 == 6     worker 1 polls its steering ring
 *   op % 8 == 7     flush and free what was sent
 *
 * After each input, with everything flushed and drained, the pool must hold
 * exactly the mbufs the layer says it holds, and none once the contexts are
 * torn down; otherwise abort().
 */
#ifndef TLSTERM_FUZZ_NET_H
#define TLSTERM_FUZZ_NET_H

#include <stdint.h>
#include <stddef.h>

#include <rte_ether.h>

struct config;
struct net_ctx;
struct rte_mempool;

/* The port's MAC in every target (its IPv6 link-local is fe80::ff:fe00:1). */
extern const struct rte_ether_addr fuzz_net_mac;

struct fuzz_net_target {
	const char *name; /* the program, for EAL and abort messages */
	/*
	 * Fill in the port's addresses and the neighbor tables from the
	 * configuration byte; cfg arrives zeroed with one port named "edge",
	 * mbufs_per_worker and arp.timeout_s set.
	 */
	void (*make_config)(struct config *cfg, uint8_t b);
	/* The output op: build a packet from pool by arg and send it from ctx's port 0. */
	void (*output)(struct net_ctx *ctx, struct rte_mempool *pool, const uint8_t arg[2]);
};

/* For LLVMFuzzerInitialize: EAL, the pool and the ring port. */
int fuzz_net_init(const struct fuzz_net_target *t);

/* For LLVMFuzzerTestOneInput: run one input as described above. */
int fuzz_net_run(const struct fuzz_net_target *t, const uint8_t *data, size_t size);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keep secrets out of core dumps (unless dump_core_memory: true): DPDK's
 * memory (mbufs hold plaintext, the TLS connection pools hold traffic keys)
 * is marked MADV_DONTDUMP, and OpenSSL's secure heap, which OpenSSL itself
 * mlocks and marks MADV_DONTDUMP, holds the private keys and ticket keys.
 * Core dumps stay on: what is left in them is what a crash needs to be read.
 */
#ifndef TLSTERM_DUMP_FILTER_H
#define TLSTERM_DUMP_FILTER_H

#include <stdbool.h>

#include <tlsterm/config.h>

/*
 * First thing in main(), before OpenSSL allocates anything: OpenSSL's frees
 * go through us, and while wiping is on (from here until
 * dump_filter_wipe_all(false)) every block it frees is wiped first. OpenSSL
 * 3.0's key decoders leave the PKCS#8 DER of a private key in freed memory
 * (seen in core dumps here: one copy per load); this catches those and any
 * like them. 0, or -1 if it came too late.
 */
int dump_filter_wipe_freed(void);

/*
 * Wipe every block OpenSSL frees (true), or only leave it to OpenSSL (false):
 * on while keys are loaded (start-up, and a reload), off while serving, where
 * OpenSSL wipes the handshake secrets it frees itself and a memset of every
 * freed block costs some 5-10% of a handshake's cycles (handshake_bench, here).
 */
void dump_filter_wipe_all(bool on);

/*
 * Before any long-lived key is loaded (the config check's keys are wiped and
 * gone by then): OpenSSL's secure heap, where private-key numbers (BN_secure)
 * and ticket keys (OPENSSL_secure_zalloc) go. 0, or -1 when it cannot be made.
 */
int dump_filter_secure_heap(const struct config *cfg);

/*
 * After rte_eal_init(): every DPDK memory segment list, and memory DPDK maps
 * later (hugepage mode grows on demand), marked MADV_DONTDUMP. 0 or -1.
 */
int dump_filter_dpdk(const struct config *cfg);

/*
 * After the ports started: memory the kernel maps for a port's frames
 * (net_af_packet's PACKET_MMAP rings, "socket:[inode]" in /proc/self/maps)
 * holds packets as on the wire, plaintext on a port to the backends: marked
 * MADV_DONTDUMP too. 0 or -1.
 */
int dump_filter_ports(const struct config *cfg);

#endif

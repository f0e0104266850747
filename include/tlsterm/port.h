/* SPDX-License-Identifier: BSD-3-Clause */
/* Bringing DPDK ports up and down (start-up and shutdown only). */
#ifndef TLSTERM_PORT_H
#define TLSTERM_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include <tlsterm/config.h>

/* True when device names a PCI function ("0000:01:00.0" or "01:00.0"), not a vdev. */
bool port_device_is_pci(const char *device);

/* The ethdev name DPDK gives the device: the vdev name before the first ',', or the PCI address. */
void port_device_name(const char *device, char *name, size_t len);

/*
 * Configure and start the port for cp with one RX/TX queue pair per worker;
 * queue q takes its mbufs from pools[q]. RSS with a symmetric key where the
 * device supports it; multi-segment transmit where it does (*tx_chains says
 * so: else the workers copy chains into one mbuf). On failure returns a
 * negative errno and says why in err.
 */
int port_start(const struct config_port *cp, unsigned int n_queues,
	       struct rte_mempool *const pools[], uint16_t *port_id, struct rte_ether_addr *mac,
	       bool *tx_chains, char *err, size_t errlen);

void port_stop(uint16_t port_id);

/*
 * The symmetric RSS key every port uses (40 bytes), and the redirection
 * table size software steering assumes: entry i sends to queue i % queues.
 */
#define PORT_RETA_SIZE 128
const uint8_t *port_rss_key(void);

#endif

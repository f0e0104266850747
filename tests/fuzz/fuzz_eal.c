/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "fuzz_eal.h"

int fuzz_eal_init(const char *prog, unsigned int memory_mb, bool ring_port)
{
	char mem[16];
	snprintf(mem, sizeof(mem), "-m%u", memory_mb);
	char *argv[] = {(char *)prog, "-l0", "--no-huge", "--no-pci", "--no-shconf", mem,
			"--log-level=error", ring_port ? "--vdev=net_ring0" : NULL, NULL};
	int argc = ring_port ? 8 : 7;
	return rte_eal_init(argc, argv);
}

int fuzz_ring_port_start(struct rte_mempool *pool, uint16_t *port)
{
	struct rte_eth_conf conf = {0};

	if (rte_eth_dev_get_port_by_name("net_ring0", port) != 0 ||
	    rte_eth_dev_configure(*port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(*port, 0, 1024, 0, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(*port, 0, 1024, 0, NULL) != 0 || rte_eth_dev_start(*port) != 0)
		return -1;
	return 0;
}

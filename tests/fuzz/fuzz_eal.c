/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include <rte_eal.h>

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

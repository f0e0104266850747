/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <tlsterm/port.h>

#include "eal_args.h"

/* One argument: an option prefix ("-l", "--vdev=", or "") glued to its value. */
static void add(struct eal_args *a, const char *prefix, const char *val)
{
	char *slot = a->storage[a->argc];
	snprintf(slot, sizeof(a->storage[0]), "%s%s", prefix, val);
	a->argv[a->argc++] = slot;
}

void eal_args_build(struct eal_args *a, const struct config *cfg)
{
	char num[16];
	bool any_pci = false;

	a->argc = 0;
	add(a, "", "tlsterm");
	/* "lcore@cpu" items need EAL's --lcores; a plain list is -l. */
	add(a, strchr(cfg->dpdk.lcores, '@') != NULL ? "--lcores=" : "-l", cfg->dpdk.lcores);
	snprintf(num, sizeof(num), "%u", cfg->dpdk.memory_mb);
	add(a, "-m", num);
	if (cfg->dpdk.no_huge)
		add(a, "", "--no-huge");
	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		const char *dev = cfg->ports[i].device;
		if (port_device_is_pci(dev)) {
			add(a, "-a", dev);
			any_pci = true;
		} else {
			add(a, "--vdev=", dev);
		}
	}
	if (!any_pci)
		add(a, "", "--no-pci");
	for (unsigned int i = 0; i < cfg->dpdk.n_eal_args; i++)
		add(a, "", cfg->dpdk.eal_args[i]);
	a->argv[a->argc] = NULL;
}

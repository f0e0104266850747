/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLSTERM_APP_EAL_ARGS_H
#define TLSTERM_APP_EAL_ARGS_H

#include <tlsterm/config.h>

#define EAL_ARGS_MAX (16 + 2 * CONFIG_MAX_PORTS + CONFIG_MAX_EAL_ARGS)

struct eal_args {
	int argc;
	char *argv[EAL_ARGS_MAX + 1];
	char storage[EAL_ARGS_MAX][CONFIG_DEVICE_LEN + 16];
};

/* EAL's command line from dpdk: and ports: (vdevs, PCI allow-list). */
void eal_args_build(struct eal_args *a, const struct config *cfg);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* A backend pool on one worker: which server takes the next connection. */
#ifndef TLSTERM_PROXY_POOL_H
#define TLSTERM_PROXY_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <tlsterm/config.h>

struct proxy_health;

struct pool_server {
	int current;            /* smooth weighted round robin's running weight */
	unsigned int active;    /* this worker's connections to it */
};

struct pool {
	const struct config_backend *cfg;
	unsigned int index;     /* in config.backends: where its health lives */
	const struct proxy_health *health;
	struct pool_server servers[CONFIG_MAX_SERVERS];
};

void pool_init(struct pool *p, const struct config_backend *cfg, unsigned int index,
	       const struct proxy_health *health);

/*
 * The server for a new connection from client_key (the client's address, for
 * source_hash), skipping those in the tried mask, those down and those at
 * max_connections; -1 when none can take it.
 */
int pool_pick(struct pool *p, uint32_t client_key, uint32_t tried);

/* Whether server i is up (health checks). */
bool pool_server_up(const struct pool *p, unsigned int i);

#endif

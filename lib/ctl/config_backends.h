/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks of the reverse-proxy settings that need no YAML: backend names,
 * server addresses, health-check requests, the access log's directory.
 * config.c owns the YAML and the positions; these functions only say what
 * is wrong and where inside the checked value, so the loader can point there.
 */
#ifndef TLSTERM_CONFIG_BACKENDS_H
#define TLSTERM_CONFIG_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>

#include <tlsterm/config.h>

#include "config_why.h"

/* echo and discard: served by tlsterm itself, so no backend may take their names. */
bool backend_is_builtin(const char *name);

/* 1..CONFIG_NAME_LEN-1 bytes of [A-Za-z0-9_.-]; a definition may not take a built-in's name. */
int backend_check_name(const char *s, size_t len, bool defining, struct config_why *why);

/* "a.b.c.d:port" into srv's address and port; weight and limits are left alone. */
int backend_parse_server(const char *s, size_t len, struct config_server *srv,
			 struct config_why *why);

/* What an HTTP health check sends: a request path and a Host header value. */
int backend_check_http_path(const char *s, size_t len, struct config_why *why);
int backend_check_http_host(const char *s, size_t len, struct config_why *why);

void backend_defaults(struct config_backend *b);

/* Index of the backend with this name in cfg->backends, or -1. */
int backend_find(const struct config *cfg, const char *name);

/* The access log can be created: its directory exists and the path is not a directory. */
int access_log_check(const char *path, struct config_why *why);

#endif

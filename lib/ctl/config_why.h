/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why a value failed a check in config_tls.c or config_backends.c, and where:
 * the loader (config.c) turns the offset into the exact file:line:col.
 */
#ifndef TLSTERM_CONFIG_WHY_H
#define TLSTERM_CONFIG_WHY_H

#include <stdbool.h>
#include <stddef.h>

struct config_why {
	size_t at;   /* byte offset of the offending part of the value (0: the whole value) */
	bool in_key; /* certificate checks: the key file is at fault, not the certificate */
	char msg[256];
};

/* Fill why (at, then a printf-style message); returns -1 for the caller to return. */
int config_why_at(struct config_why *why, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

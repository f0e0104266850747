/* SPDX-License-Identifier: BSD-3-Clause */
/* Built-in services a listener can name as its backend: "echo", "discard". */
#ifndef TLSTERM_SERVICES_H
#define TLSTERM_SERVICES_H

#include <string.h>

#include <tlsterm/tcp.h>

extern const struct tcp_upper_ops service_echo_ops;
extern const struct tcp_upper_ops service_discard_ops;

/* The service called name, or NULL. */
const struct tcp_upper_ops *service_find(const char *name);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The access log: one line per proxied connection. A worker fills a fixed
 * record and puts it on its own ring; the control thread takes the records
 * off and writes the lines (workers never touch files).
 */
#ifndef TLSTERM_ACCESS_LOG_H
#define TLSTERM_ACCESS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tlsterm/config.h>

enum access_end {
	ACCESS_END_DONE,           /* both sides finished */
	ACCESS_END_CLIENT_ABORT,   /* the client reset or vanished: the backend was reset */
	ACCESS_END_BACKEND_ABORT,  /* the backend reset: the client was reset */
	ACCESS_END_NO_SERVER,      /* no server up or with room, or every connect failed */
	ACCESS_END_IDLE,           /* idle timeout */
	ACCESS_END_SHUTDOWN,       /* tlsterm stopped */
};

struct access_record {
	uint64_t start_tsc, end_tsc;
	uint64_t bytes_up, bytes_down; /* client to backend, backend to client (plaintext) */
	struct ip_addr client_addr;
	struct ip_addr server_addr;    /* family 0: no server */
	uint16_t client_port, listen_port, server_port;
	uint16_t tls_version;          /* 0: plain TCP */
	uint8_t end;                   /* enum access_end */
	bool resumed;
	char backend[32];
	char sni[64];
	char alpn[24];
	char cipher[48];
};

/* One line, no newline; returns its length (truncated to len - 1). */
int access_log_format(const struct access_record *r, double tsc_per_ns, int64_t tsc0,
		      int64_t wall0_ns, char *buf, size_t len);

#endif

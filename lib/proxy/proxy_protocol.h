/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PROXY protocol header tlsterm sends first on a backend connection
 * (HAProxy's spec, "The PROXY protocol", versions 1 and 2), so the backend
 * learns the client's address and, in v2, what the TLS handshake chose.
 */
#ifndef TLSTERM_PROXY_PROTOCOL_H
#define TLSTERM_PROXY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest header we write: v2 with every TLV at its longest. */
#define PP_HEADER_MAX 1024

struct pp_info {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t src_addr[16];   /* the client, network order (4 bytes used for AF_INET) */
	uint8_t dst_addr[16];   /* the address the client connected to */
	uint16_t src_port;      /* host order */
	uint16_t dst_port;
	/* v2 TLVs; NULL or empty: left out. */
	bool tls;               /* the client connection was TLS: PP2_TYPE_SSL is sent */
	const char *alpn;       /* PP2_TYPE_ALPN (0x01) */
	const char *authority;  /* PP2_TYPE_AUTHORITY (0x02): the SNI */
	const char *tls_version;/* PP2_SUBTYPE_SSL_VERSION (0x21), e.g. "TLSv1.3" */
	const char *cipher;     /* PP2_SUBTYPE_SSL_CIPHER (0x23), e.g. "TLS_AES_128_GCM_SHA256" */
	const char *sig_alg;    /* PP2_SUBTYPE_SSL_SIG_ALG (0x24), e.g. "ECDSA-SHA256" */
	const char *key_alg;    /* PP2_SUBTYPE_SSL_KEY_ALG (0x25), e.g. "EC256" / "RSA2048" */
};

/* "PROXY TCP4 src dst sport dport\r\n" into buf; returns its length, or -1 if it doesn't fit. */
int pp_v1_write(const struct pp_info *pi, char *buf, size_t len);

/* The binary v2 header (PROXY command, TCP over IPv4/IPv6) with TLVs; length or -1. */
int pp_v2_write(const struct pp_info *pi, uint8_t *buf, size_t len);

#endif

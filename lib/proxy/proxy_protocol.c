/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PROXY protocol header, versions 1 (text) and 2 (binary), as HAProxy's
 * "The PROXY protocol" describes them. Both writers measure first and write
 * second through the same code, so a header that doesn't fit leaves buf as
 * it was and the two passes can never disagree on the length.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy_protocol.h"

/* v2 §2.2: the 12-byte signature, then version 2 / command PROXY. */
static const uint8_t pp2_signature[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};
#define PP2_VERSION_PROXY 0x21
#define PP2_FAM_TCP4 0x11
#define PP2_FAM_TCP6 0x21
#define PP2_FIXED_LEN 16 /* signature, ver_cmd, fam, len */

#define PP2_TYPE_ALPN 0x01
#define PP2_TYPE_AUTHORITY 0x02
#define PP2_TYPE_SSL 0x20
#define PP2_SUBTYPE_SSL_VERSION 0x21
#define PP2_SUBTYPE_SSL_CIPHER 0x23
#define PP2_SUBTYPE_SSL_SIG_ALG 0x24
#define PP2_SUBTYPE_SSL_KEY_ALG 0x25
#define PP2_CLIENT_SSL 0x01
#define PP2_TLV_HEAD 3     /* type, length_hi, length_lo */
#define PP2_SSL_FIXED 5    /* client, verify */
#define PP2_LEN_MAX 0xffff /* every length field is 16 bits */

/*
 * Where the header goes. With buf NULL nothing is written and off just
 * counts; otherwise the caller has already checked that off never passes cap.
 */
struct pp_out {
	uint8_t *buf;
	size_t cap;
	size_t off;
};

static void put(struct pp_out *o, const void *src, size_t n)
{
	if (o->buf != NULL && o->off <= o->cap && n <= o->cap - o->off)
		memcpy(o->buf + o->off, src, n);
	o->off += n;
}

static void put_u8(struct pp_out *o, uint8_t v)
{
	put(o, &v, 1);
}

static void put_be16(struct pp_out *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(o, b, sizeof(b));
}

static void put_be32(struct pp_out *o, uint32_t v)
{
	put_be16(o, (uint16_t)(v >> 16));
	put_be16(o, (uint16_t)v);
}

static void put_str(struct pp_out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_port(struct pp_out *o, uint16_t port)
{
	char digits[5];
	size_t n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + port % 10);
		port /= 10;
	} while (port != 0);
	put(o, digits + sizeof(digits) - n, n);
}

static size_t addr_len(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

static bool present(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* The text form of one address (RFC 5952 for IPv6, as inet_ntop gives it). */
static bool put_addr_text(struct pp_out *o, int family, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(family, addr, text, sizeof(text)) == NULL)
		return false;
	put_str(o, text);
	return true;
}

static bool v1_emit(const struct pp_info *pi, struct pp_out *o)
{
	put_str(o, pi->family == AF_INET ? "PROXY TCP4 " : "PROXY TCP6 ");
	if (!put_addr_text(o, pi->family, pi->src_addr))
		return false;
	put_u8(o, ' ');
	if (!put_addr_text(o, pi->family, pi->dst_addr))
		return false;
	put_u8(o, ' ');
	put_port(o, pi->src_port);
	put_u8(o, ' ');
	put_port(o, pi->dst_port);
	put_str(o, "\r\n");
	return true;
}

/* No NUL is written: the header goes on the wire, and len == the header's length is enough. */
int pp_v1_write(const struct pp_info *pi, char *buf, size_t len)
{
	struct pp_out measure = { .buf = NULL };
	struct pp_out out = { .buf = (uint8_t *)buf, .cap = len };

	if (pi == NULL || addr_len(pi->family) == 0 || !v1_emit(pi, &measure))
		return -1;
	if (buf == NULL || measure.off > len)
		return -1;
	v1_emit(pi, &out);
	return (int)out.off;
}

static void put_tlv(struct pp_out *o, uint8_t type, const char *value)
{
	if (!present(value))
		return;
	put_u8(o, type);
	put_be16(o, (uint16_t)strlen(value));
	put_str(o, value);
}

static size_t tlv_size(const char *value)
{
	return present(value) ? PP2_TLV_HEAD + strlen(value) : 0;
}

/* The PP2_TYPE_SSL value: client bits, verify, then the sub-TLVs. */
static size_t ssl_value_len(const struct pp_info *pi)
{
	return PP2_SSL_FIXED + tlv_size(pi->tls_version) + tlv_size(pi->cipher) +
	       tlv_size(pi->sig_alg) + tlv_size(pi->key_alg);
}

static void v2_emit(const struct pp_info *pi, struct pp_out *o, uint16_t payload_len)
{
	size_t alen = addr_len(pi->family);

	put(o, pp2_signature, sizeof(pp2_signature));
	put_u8(o, PP2_VERSION_PROXY);
	put_u8(o, pi->family == AF_INET ? PP2_FAM_TCP4 : PP2_FAM_TCP6);
	put_be16(o, payload_len);
	put(o, pi->src_addr, alen);
	put(o, pi->dst_addr, alen);
	put_be16(o, pi->src_port);
	put_be16(o, pi->dst_port);
	put_tlv(o, PP2_TYPE_ALPN, pi->alpn);
	put_tlv(o, PP2_TYPE_AUTHORITY, pi->authority);
	if (!pi->tls)
		return; /* the SSL sub-TLVs only exist inside PP2_TYPE_SSL */
	put_u8(o, PP2_TYPE_SSL);
	put_be16(o, (uint16_t)ssl_value_len(pi));
	put_u8(o, PP2_CLIENT_SSL);
	/* verify 0 (X509_V_OK), as HAProxy sends it without a client certificate */
	put_be32(o, 0);
	put_tlv(o, PP2_SUBTYPE_SSL_VERSION, pi->tls_version);
	put_tlv(o, PP2_SUBTYPE_SSL_CIPHER, pi->cipher);
	put_tlv(o, PP2_SUBTYPE_SSL_SIG_ALG, pi->sig_alg);
	put_tlv(o, PP2_SUBTYPE_SSL_KEY_ALG, pi->key_alg);
}

int pp_v2_write(const struct pp_info *pi, uint8_t *buf, size_t len)
{
	struct pp_out measure = { .buf = NULL };
	struct pp_out out = { .buf = buf, .cap = len };
	size_t payload;

	if (pi == NULL || addr_len(pi->family) == 0)
		return -1;
	v2_emit(pi, &measure, 0);
	/* Every TLV lies inside the payload: if its 16-bit length holds, so do theirs. */
	payload = measure.off - PP2_FIXED_LEN;
	if (payload > PP2_LEN_MAX || buf == NULL || measure.off > len)
		return -1;
	v2_emit(pi, &out, (uint16_t)payload);
	return (int)out.off;
}

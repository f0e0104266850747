/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/net's IPv6 path (ipv6.c, icmpv6.c, ndp.c): every
 * received frame goes through net_input() on a port with an IPv6 address,
 * mixed with the other things a worker loop does (sending IPv6 through NDP,
 * timers, announcements, steering to a second worker). fuzz_packet covers
 * the IPv4 side; the two share their harness and input format (fuzz_net.h).
 * Here:
 *   output op: destination byte, payload length byte (a UDP/IPv6 packet)
 *   configuration byte: bits 0-1 IPv6 prefix (64, 48, 120, 128; with 128 the
 *   port has ipv6_gateway fe80::fe and ignores router advertisements, with the
 *   others it learns routers from them, ipv6.accept_ra), bit 2 IPv4 too, bits
 *   3-4 NDP pending_max (1, 2, 4, 64), bits 5-6 neighbor cache_size (4, 8, 16,
 *   1024), bit 7 the tight extension-header bounds (1 header, 16 bytes) instead
 *   of the defaults (4, 256).
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <tlsterm/config.h>
#include <tlsterm/net.h>

#include "fuzz_net.h"

#define OUR_IP RTE_IPV4(198u, 18, 0, 1)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2001:2:0:18::1; its link-local address is fe80::ff:fe00:1 (from fuzz_net_mac) */
static const uint8_t our_ip6[16] = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0x01};

static void make_config(struct config *cfg, uint8_t b)
{
	static const uint8_t prefixes[] = {64, 48, 120, 128};
	static const unsigned int pending[] = {1, 2, 4, 64};
	static const unsigned int cache[] = {4, 8, 16, 1024};
	struct config_port *p = &cfg->ports[0];
	p->has_ipv6 = true;
	memcpy(p->ipv6_addr, our_ip6, 16);
	p->ipv6_prefix = prefixes[b & 3];
	p->has_ipv6_gateway = (b & 3) == 3;
	memcpy(p->ipv6_gateway, (const uint8_t[16]){ 0xfe, 0x80, [15] = 0xfe }, 16);
	cfg->ipv6.accept_ra = (b & 3) != 3;
	p->has_ipv4 = (b & 4) != 0;
	p->ipv4_addr = rte_cpu_to_be_32(OUR_IP);
	p->ipv4_prefix = 16;
	cfg->arp.pending_max = 4;
	cfg->arp.cache_size = 16;
	cfg->ipv6.pending_max = pending[(b >> 3) & 3];
	cfg->ipv6.neighbor_cache_size = cache[(b >> 5) & 3];
	cfg->ipv6.neighbor_timeout_s = 5;
	cfg->ipv6.ext_headers_max = (b & 0x80) ? 1 : 4;
	cfg->ipv6.ext_bytes_max = (b & 0x80) ? 16 : 256;
}

/*
 * A UDP packet from us to an on-link host (2001:2:0:18::N), a link-local one
 * (fe80::N, top bit), or (both top bits) one off-link.
 */
static void output(struct net_ctx *ctx, struct rte_mempool *pool, const uint8_t a[2])
{
	uint8_t dst[16] = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18};
	if ((a[0] & 0xc0) == 0xc0)
		dst[6] = 0x77;
	else if (a[0] & 0x80)
		memcpy(dst, (const uint8_t[]){0xfe, 0x80, 0, 0, 0, 0, 0, 0}, 8);
	dst[15] = a[0] & 0x3f;
	uint16_t l4_len = (uint16_t)(8 + a[1]);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ipv6_hdr) + l4_len));
	memset(p, 0, sizeof(struct rte_ipv6_hdr) + l4_len);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)p;
	ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ih->payload_len = rte_cpu_to_be_16(l4_len);
	ih->proto = IPPROTO_UDP;
	ih->hop_limits = 64;
	memcpy(ih->src_addr, our_ip6, 16);
	memcpy(ih->dst_addr, dst, 16);
	net_output_ipv6(ctx, 0, m, dst);
}

static const struct fuzz_net_target target = {
	.name = "fuzz_ipv6",
	.make_config = make_config,
	.output = output,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_net_init(&target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net_run(&target, data, size);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/net: every received frame goes through
 * net_input(), mixed with the other things a worker loop does (sending IPv4
 * through ARP, timers, announcements, steering to a second worker).
 *
 * The input format and the mbuf checks are fuzz_net.h's. Here:
 *   output op: destination byte, payload length byte (a UDP/IPv4 packet)
 *   configuration byte: bits 0-1 prefix (16, 24, 31, 32), bit 2 gateway,
 *   bits 3-4 ARP pending_max (1, 2, 4, 64), bits 5-6 ARP cache_size
 *   (4, 8, 16, 1024), bit 7 port without IPv4.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <tlsterm/config.h>
#include <tlsterm/net.h>

#include "fuzz_net.h"

#define OUR_IP RTE_IPV4(198u, 18, 0, 1)
#define GATEWAY_IP RTE_IPV4(198u, 18, 0, 254)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void make_config(struct config *cfg, uint8_t b)
{
	static const uint8_t prefixes[] = {16, 24, 31, 32};
	static const unsigned int pending[] = {1, 2, 4, 64};
	static const unsigned int cache[] = {4, 8, 16, 1024};
	struct config_port *p = &cfg->ports[0];
	p->has_ipv4 = (b & 0x80) == 0;
	p->ipv4_addr = rte_cpu_to_be_32(OUR_IP);
	p->ipv4_prefix = prefixes[b & 3];
	p->has_gateway = (b & 4) != 0;
	p->ipv4_gateway = rte_cpu_to_be_32(GATEWAY_IP);
	cfg->arp.pending_max = pending[(b >> 3) & 3];
	cfg->arp.cache_size = cache[(b >> 5) & 3];
}

/* A UDP packet from us, to an on-link host or (top bit) an off-link one. */
static void output(struct net_ctx *ctx, struct rte_mempool *pool, const uint8_t a[2])
{
	uint32_t dst = (a[0] & 0x80) != 0 ? RTE_IPV4(203u, 0, 113, a[0] & 0x7f)
					  : RTE_IPV4(198u, 18, 0, a[0]);
	uint16_t l4_len = (uint16_t)(8 + a[1]);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ipv4_hdr) + l4_len));
	memset(p, 0, sizeof(struct rte_ipv4_hdr) + l4_len);
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)p;
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ih) + l4_len));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_UDP;
	ih->src_addr = rte_cpu_to_be_32(OUR_IP);
	ih->dst_addr = rte_cpu_to_be_32(dst);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	net_output_ipv4(ctx, 0, m, ih->dst_addr);
}

static const struct fuzz_net_target target = {
	.name = "fuzz_packet",
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

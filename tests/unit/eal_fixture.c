/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_mbuf.h>

#include "eal_fixture.h"

const struct rte_ether_addr fixture_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};
const struct rte_ether_addr fixture_peer_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x02}};

const uint8_t fixture_ip6[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0x01 };
const uint8_t fixture_peer_ip6[16] = { 0x20, 0x01, 0, 0x02, 0, 0, 0, 0x18, [15] = 0x02 };

static struct rte_mempool *pool;
static uint16_t ring_port;
static int initialised;

int eal_fixture_init(void)
{
	if (initialised)
		return initialised > 0 ? 0 : -1;
	/* 256 MB: an ACL with IPv6 entries holds an rte_lpm6, whose first table alone is 64 MB. */
	char *argv[] = {"unit", "-l0", "--no-huge", "--no-pci", "--no-shconf", "-m256",
			"--vdev=net_ring0", "--log-level=error", NULL};
	initialised = -1;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("unit_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL || rte_eth_dev_get_port_by_name("net_ring0", &ring_port) != 0)
		return -1;
	struct rte_eth_conf conf = {0};
	if (rte_eth_dev_configure(ring_port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(ring_port, 0, 1024, 0, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(ring_port, 0, 1024, 0, NULL) != 0 ||
	    rte_eth_dev_start(ring_port) != 0)
		return -1;
	initialised = 1;
	return 0;
}

struct rte_mempool *eal_fixture_pool(void)
{
	return pool;
}

void fixture_config(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "unit");
	cfg->n_ports = 1;
	struct config_port *p = &cfg->ports[0];
	snprintf(p->name, sizeof(p->name), "edge");
	snprintf(p->device, sizeof(p->device), "net_ring0");
	p->has_ipv4 = true;
	p->ipv4_addr = rte_cpu_to_be_32(FIXTURE_IP);
	p->ipv4_prefix = FIXTURE_PREFIX;
	p->has_gateway = true;
	p->ipv4_gateway = rte_cpu_to_be_32(RTE_IPV4(198u, 18, 0, 254));
	/* Smaller than the defaults: the fixture's pool holds 4095 mbufs in 256 MB of EAL memory. */
	cfg->mbufs_per_worker = 4095;
	cfg->tcp.max_connections = 1024;
	cfg->tcp.syn_backlog = 64;
}

void fixture_config_ipv6(struct config *cfg)
{
	fixture_config(cfg);
	cfg->ports[0].has_ipv6 = true;
	memcpy(cfg->ports[0].ipv6_addr, fixture_ip6, 16);
	cfg->ports[0].ipv6_prefix = FIXTURE_PREFIX6;
}

int fixture_net_ctx(struct net_ctx *ctx, struct worker_counters *ctr, const struct config *cfg)
{
	memset(ctr, 0, sizeof(*ctr));
	if (net_ctx_init(ctx, cfg, 0, 1, pool, ctr) != 0) {
		fprintf(stderr, "fixture: net_ctx_init failed\n");
		return -1;
	}
	ctx->ports[0].port_id = ring_port;
	ctx->ports[0].queue_id = 0;
	ctx->ports[0].mac = fixture_mac;
	return 0;
}

int fixture_group_setup(void **state)
{
	(void)state;
	return eal_fixture_init();
}

int fixture_net_begin(struct fixture_net *t)
{
	if (fixture_net_ctx(&t->ctx, &t->ctr, &t->cfg) != 0)
		return -1;
	fixture_drain(&t->ctx);
	t->in_use = rte_mempool_in_use_count(pool);
	return 0;
}

unsigned int fixture_net_end(struct fixture_net *t)
{
	fixture_drain(&t->ctx);
	net_ctx_fini(&t->ctx);
	return rte_mempool_in_use_count(pool);
}

void fixture_inject(struct net_ctx *ctx, const void *data, uint16_t len)
{
	struct rte_mbuf *m = fixture_frame(data, len);
	if (m == NULL) {
		/* Not a result to assert on: the pool is sized for every test, so this is a leak. */
		fprintf(stderr, "fixture: no mbuf for a %u-byte frame\n", len);
		abort();
	}
	net_input(ctx, 0, m);
}

unsigned int fixture_collect(struct net_ctx *ctx, struct rte_mbuf **out, unsigned int max)
{
	net_tx_flush(ctx);
	unsigned int n = 0;
	while (n < max) {
		uint16_t got = rte_eth_rx_burst(ring_port, 0, out + n, (uint16_t)(max - n));
		if (got == 0)
			break;
		n += got;
	}
	return n;
}

struct rte_mbuf *fixture_frame(const void *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return NULL;
	void *p = rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, data, len);
	return m;
}

uint64_t fixture_total_drops(const struct worker_counters *ctr)
{
	uint64_t n = 0;
	for (unsigned int i = 0; i < DROP__COUNT; i++)
		n += ctr->drops[i];
	return n;
}

uint16_t fixture_put_eth(void *buf, const struct rte_ether_addr *dst,
			 const struct rte_ether_addr *src, uint16_t ethertype)
{
	struct rte_ether_hdr eh = {.ether_type = rte_cpu_to_be_16(ethertype)};
	rte_ether_addr_copy(dst, &eh.dst_addr);
	rte_ether_addr_copy(src, &eh.src_addr);
	memcpy(buf, &eh, sizeof(eh));
	return sizeof(eh);
}

uint16_t fixture_put_ipv4(void *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	struct rte_ipv4_hdr ih = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(ih) + l4_len)),
		.packet_id = rte_cpu_to_be_16(0x1234),
		.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG),
		.time_to_live = 64,
		.next_proto_id = proto,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = rte_cpu_to_be_32(dst),
	};
	ih.hdr_checksum = rte_ipv4_cksum(&ih);
	memcpy(buf, &ih, sizeof(ih));
	return sizeof(ih);
}

uint16_t fixture_put_ipv6(void *buf, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
			  uint8_t hop_limit, uint16_t plen)
{
	struct rte_ipv6_hdr ih = {
		.vtc_flow = rte_cpu_to_be_32(6u << 28),
		.payload_len = rte_cpu_to_be_16(plen),
		.proto = nh,
		.hop_limits = hop_limit,
	};
	memcpy(ih.src_addr, src, 16);
	memcpy(ih.dst_addr, dst, 16);
	memcpy(buf, &ih, sizeof(ih));
	return sizeof(ih);
}

/* The checksum over the pseudo-header (RFC 8200 8.1) and the message, written out plainly. */
static uint16_t icmpv6_sum(const void *msg, uint16_t len, const uint8_t src[16],
			   const uint8_t dst[16])
{
	uint8_t buf[40 + 2048];
	if (len > 2048)
		return 0;
	memcpy(buf, src, 16);
	memcpy(buf + 16, dst, 16);
	buf[32] = 0;
	buf[33] = 0;
	buf[34] = (uint8_t)(len >> 8);
	buf[35] = (uint8_t)len;
	buf[36] = buf[37] = buf[38] = 0;
	buf[39] = IPPROTO_ICMPV6;
	memcpy(buf + 40, msg, len);
	return rte_raw_cksum(buf, 40u + len);
}

void fixture_icmpv6_cksum(void *msg, uint16_t len, const uint8_t src[16], const uint8_t dst[16])
{
	uint8_t *p = msg;
	p[2] = p[3] = 0;
	uint16_t sum = (uint16_t)~icmpv6_sum(p, len, src, dst);
	memcpy(p + 2, &sum, sizeof(sum));
}

bool fixture_icmpv6_cksum_ok(const void *msg, uint16_t len, const uint8_t src[16],
			     const uint8_t dst[16])
{
	return icmpv6_sum(msg, len, src, dst) == 0xffff;
}

uint16_t fixture_put_arp(void *buf, uint16_t opcode, const struct rte_ether_addr *sha,
			 uint32_t sip, const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_arp_hdr ah = {
		.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER),
		.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
		.arp_hlen = RTE_ETHER_ADDR_LEN,
		.arp_plen = 4,
		.arp_opcode = rte_cpu_to_be_16(opcode),
	};
	rte_ether_addr_copy(sha, &ah.arp_data.arp_sha);
	rte_ether_addr_copy(tha, &ah.arp_data.arp_tha);
	ah.arp_data.arp_sip = rte_cpu_to_be_32(sip);
	ah.arp_data.arp_tip = rte_cpu_to_be_32(tip);
	memcpy(buf, &ah, sizeof(ah));
	return sizeof(ah);
}

uint16_t fixture_put_icmp(void *buf, uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
			  const void *payload, uint16_t len)
{
	struct rte_icmp_hdr ic = {
		.icmp_type = type,
		.icmp_code = code,
		.icmp_ident = rte_cpu_to_be_16(id),
		.icmp_seq_nb = rte_cpu_to_be_16(seq),
	};
	uint8_t *p = buf;
	memcpy(p, &ic, sizeof(ic));
	if (len > 0)
		memcpy(p + sizeof(ic), payload, len);
	uint16_t sum = (uint16_t)~rte_raw_cksum(p, sizeof(ic) + len);
	memcpy(p + offsetof(struct rte_icmp_hdr, icmp_cksum), &sum, sizeof(sum));
	return (uint16_t)(sizeof(ic) + len);
}

uint16_t fixture_put_echo_request(void *buf, uint16_t id, uint16_t seq, const void *payload,
				  uint16_t len)
{
	uint8_t *p = buf;
	uint16_t n = fixture_put_eth(p, &fixture_mac, &fixture_peer_mac, RTE_ETHER_TYPE_IPV4);
	n += fixture_put_ipv4(p + n, FIXTURE_PEER_IP, FIXTURE_IP, IPPROTO_ICMP,
			      (uint16_t)(sizeof(struct rte_icmp_hdr) + len));
	n += fixture_put_icmp(p + n, RTE_IP_ICMP_ECHO_REQUEST, 0, id, seq, payload, len);
	return n;
}

void fixture_free(struct rte_mbuf **m, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

unsigned int fixture_drain(struct net_ctx *ctx)
{
	struct rte_mbuf *out[64];
	unsigned int total = 0, n;
	do {
		n = fixture_collect(ctx, out, RTE_DIM(out));
		fixture_free(out, n);
		total += n;
	} while (n > 0);
	return total;
}

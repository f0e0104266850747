/* SPDX-License-Identifier: BSD-3-Clause */
/* Port start-up: queues per worker, RSS, descriptors. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include <tlsterm/log.h>
#include <tlsterm/port.h>

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024

/*
 * A symmetric Toeplitz key: a repeated 16-bit pattern makes the hash of
 * (a, b) equal the hash of (b, a), so both directions of a flow land on one
 * queue. Our owner(tuple) hash in software follows the same rule.
 */
static uint8_t symmetric_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

const uint8_t *port_rss_key(void)
{
	return symmetric_rss_key;
}

/* Entry i → queue i % nq, the table tcp_owner() computes with. */
static void port_program_reta(uint16_t pid, const char *pname, unsigned int nq, uint16_t reta_size)
{
	if (reta_size < PORT_RETA_SIZE || reta_size % PORT_RETA_SIZE != 0)
		return; /* software steering corrects whatever the device does */
	struct rte_eth_rss_reta_entry64 reta[reta_size / RTE_ETH_RETA_GROUP_SIZE];
	memset(reta, 0, sizeof(reta));
	for (uint16_t i = 0; i < reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)((i % PORT_RETA_SIZE) % nq);
	}
	if (rte_eth_dev_rss_reta_update(pid, reta, reta_size) != 0)
		log_warn("port %s: could not program the RSS table; software steering corrects it",
			 pname);
}

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool port_device_is_pci(const char *d)
{
	/* [dddd:]bb:dd.f */
	if (strlen(d) >= 12 && hex_run(d, 4) && d[4] == ':')
		d += 5;
	return strlen(d) >= 7 && hex_run(d, 2) && d[2] == ':' && hex_run(d + 3, 2) &&
	       d[5] == '.' && d[6] >= '0' && d[6] <= '7' && (d[7] == '\0' || d[7] == ',');
}

void port_device_name(const char *device, char *name, size_t len)
{
	size_t n = strcspn(device, ",");
	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
}

static int port_configure(uint16_t pid, const char *pname, unsigned int nq,
			  const struct rte_eth_dev_info *info, char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	if (nq > 1 && info->flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = symmetric_rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(symmetric_rss_key);
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & info->flow_type_rss_offloads;
	}
	/* TCP segments leave as chains (header + slices of the send queue). Drivers take them
	 * only when asked to (vector paths assume one segment); af_xdp in DPDK 22.11 cannot. */
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	int rc = rte_eth_dev_configure(pid, (uint16_t)nq, (uint16_t)nq, &conf);
	if (rc < 0)
		snprintf(err, errlen, "port %s: configure failed: %s", pname, rte_strerror(-rc));
	return rc;
}

int port_start(const struct config_port *cp, unsigned int n_queues,
	       struct rte_mempool *const pools[], uint16_t *port_id, struct rte_ether_addr *mac,
	       bool *tx_chains, char *err, size_t errlen)
{
	char dev[CONFIG_DEVICE_LEN];
	port_device_name(cp->device, dev, sizeof(dev));
	uint16_t pid;
	int rc = rte_eth_dev_get_port_by_name(dev, &pid);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: no DPDK device named %s (probe failed?)", cp->name,
			 dev);
		return -ENODEV;
	}
	struct rte_eth_dev_info info;
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: cannot read device info: %s", cp->name,
			 rte_strerror(-rc));
		return rc;
	}
	if (info.max_rx_queues < n_queues || info.max_tx_queues < n_queues) {
		snprintf(err, errlen,
			 "port %s: device offers %u queue pairs, tlsterm needs %u (one per worker)%s",
			 cp->name, RTE_MIN(info.max_rx_queues, info.max_tx_queues), n_queues,
			 strncmp(dev, "net_af_packet", 13) == 0 ? "; add qpairs=N to its device" : "");
		return -EINVAL;
	}
	rc = port_configure(pid, cp->name, n_queues, &info, err, errlen);
	if (rc < 0)
		return rc;
	*tx_chains = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	uint16_t nb_rxd = PORT_RX_DESC, nb_txd = PORT_TX_DESC;
	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	int socket = rte_eth_dev_socket_id(pid);
	for (unsigned int q = 0; q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(pid, (uint16_t)q, nb_rxd, (unsigned int)socket, NULL,
					    pools[q]);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(pid, (uint16_t)q, nb_txd, (unsigned int)socket,
						    NULL);
		if (rc < 0) {
			snprintf(err, errlen, "port %s: queue %u setup failed: %s", cp->name, q,
				 rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: start failed: %s", cp->name, rte_strerror(-rc));
		return rc;
	}
	if (n_queues > 1 && info.flow_type_rss_offloads != 0)
		port_program_reta(pid, cp->name, n_queues, info.reta_size);
	/*
	 * NDP reaches us at solicited-node multicast MACs. A device that refuses
	 * all-multicast (some virtual ones) still delivers them when promiscuous,
	 * as the test bed's veth ends are, so a refusal is not fatal.
	 */
	if (cp->has_ipv6)
		(void)rte_eth_allmulticast_enable(pid);
	rte_eth_macaddr_get(pid, mac);
	*port_id = pid;
	return 0;
}

void port_stop(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}

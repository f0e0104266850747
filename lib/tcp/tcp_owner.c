/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * owner(tuple): which worker a connection belongs to. A Toeplitz hash with
 * the symmetric key the ports are configured with (lib/net/port.c), so both
 * directions of a flow, and the NIC's RSS, agree.
 */
#include <rte_byteorder.h>
#include <rte_thash.h>

#include <tlsterm/port.h>

#include "tcp_conn.h"

unsigned int tcp_owner(const struct tcp_tuple *t, unsigned int n_workers)
{
	if (n_workers <= 1)
		return 0;
	uint32_t words[3] = {
		rte_be_to_cpu_32(t->raddr[0]),
		rte_be_to_cpu_32(t->laddr[0]),
		((uint32_t)rte_be_to_cpu_16(t->rport) << 16) | rte_be_to_cpu_16(t->lport),
	};
	uint32_t h = rte_softrss(words, 3, port_rss_key());
	return (h & (PORT_RETA_SIZE - 1)) % n_workers;
}

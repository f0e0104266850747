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

/*
 * The hash input is the NIC's: source address, destination address, then
 * both ports (the peer is the source of what we receive). The key repeats
 * every 16 bits, so swapping the addresses (4 or 16 bytes each) and the
 * ports gives the same hash: both directions agree, in either family.
 */
unsigned int tcp_owner(const struct tcp_tuple *t, unsigned int n_workers)
{
	if (n_workers <= 1)
		return 0;
	uint32_t words[9];
	unsigned int n = 0;
	unsigned int addr_words = t->family == 6 ? 4 : 1;
	for (unsigned int i = 0; i < addr_words; i++)
		words[n++] = rte_be_to_cpu_32(t->raddr[i]);
	for (unsigned int i = 0; i < addr_words; i++)
		words[n++] = rte_be_to_cpu_32(t->laddr[i]);
	words[n++] = ((uint32_t)rte_be_to_cpu_16(t->rport) << 16) | rte_be_to_cpu_16(t->lport);
	uint32_t h = rte_softrss(words, n, port_rss_key());
	return (h & (PORT_RETA_SIZE - 1)) % n_workers;
}

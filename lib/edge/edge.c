/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One worker's edge: the decisions TCP and net ask for before they spend any
 * state on a client (include/tlsterm/edge.h). Limits are per worker: flows
 * are spread over workers by their 4-tuple, so one client's connections may
 * land on several, each counting its own share (README "Edge protection").
 */
#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "edge_priv.h"

/*
 * net's ICMP and ICMPv6 echo hook: answered only for allowed sources, and at
 * most icmp_echo_per_s for both families together (one bucket: the limit is
 * on the replies this worker sends, whichever family asks).
 */
static int icmp_echo_admit(void *arg, uint8_t family, const uint32_t addr[4])
{
	struct edge *e = arg;
	if (!edge_acl_allows(e->acl, family, addr))
		return DROP_EDGE_ACL;
	if (e->icmp_echo_off || !edge_rate_take(&e->icmp_echo, &e->icmp_tat, e->net->now))
		return DROP_ICMP_RATE;
	return -1;
}

/* Word i (network order) of an IPv6 mask of prefix bits. */
static uint32_t prefix_word(unsigned int prefix, unsigned int i)
{
	unsigned int bits = prefix > 32 * i ? prefix - 32 * i : 0;
	if (bits >= 32)
		return UINT32_MAX;
	return bits == 0 ? 0 : rte_cpu_to_be_32(~(UINT32_MAX >> bits));
}

struct edge *edge_create(const struct config *cfg, const struct edge_acl *acl,
			 struct net_ctx *net)
{
	const struct config_edge *ce = &cfg->edge;
	struct edge *e = rte_zmalloc_socket("edge", sizeof(*e), RTE_CACHE_LINE_SIZE,
					    (int)rte_socket_id());
	if (e == NULL)
		return NULL;
	e->acl = acl;
	e->net = net;
	e->ctr = net->ctr;
	e->max_conns = ce->max_connections;
	e->new_conn = edge_rate_make(ce->new_per_s, ce->burst, net->tsc_hz);
	e->icmp_echo = edge_rate_make(ce->icmp_echo_per_s, ce->icmp_echo_per_s, net->tsc_hz);
	e->icmp_echo_off = ce->icmp_echo_per_s == 0;
	e->closed_silent = ce->closed_ports == CONFIG_CLOSED_DROP;
	for (unsigned int i = 0; i < 4; i++)
		e->v6_mask[i] = prefix_word(ce->ipv6_prefix, i);
	if (ce->new_per_s != 0 || ce->max_connections != 0) {
		e->clients = edge_clients_create(ce->table_size);
		if (e->clients == NULL) {
			rte_free(e);
			return NULL;
		}
	}
	net->icmp_echo_admit = icmp_echo_admit;
	net->edge_arg = e;
	return e;
}

void edge_free(struct edge *e)
{
	if (e == NULL)
		return;
	if (e->net->edge_arg == e) {
		e->net->icmp_echo_admit = NULL;
		e->net->edge_arg = NULL;
	}
	edge_clients_free(e->clients);
	rte_free(e);
}

int edge_check_source(struct edge *e, uint8_t family, const uint32_t addr[4])
{
	return edge_acl_allows(e->acl, family, addr) ? -1 : DROP_EDGE_ACL;
}

int edge_check_syn(struct edge *e, uint8_t family, const uint32_t addr[4])
{
	if (e->clients == NULL)
		return -1;
	struct edge_client *c = edge_client_get(e, family, addr, true);
	c->seen = e->net->now;
	if (e->max_conns != 0 && c->conns >= e->max_conns)
		return DROP_EDGE_CLIENT_CONNS;
	if (!edge_rate_take(&e->new_conn, &c->tat, e->net->now))
		return DROP_EDGE_CLIENT_RATE;
	return -1;
}

bool edge_conn_opened(struct edge *e, uint8_t family, const uint32_t addr[4], bool *counted)
{
	*counted = false;
	if (e->clients == NULL || e->max_conns == 0)
		return true;
	struct edge_client *c = edge_client_get(e, family, addr, true);
	c->seen = e->net->now;
	if (c->conns >= e->max_conns)
		return false;
	c->conns++;
	*counted = true;
	return true;
}

void edge_conn_closed(struct edge *e, uint8_t family, const uint32_t addr[4])
{
	if (e->clients == NULL)
		return;
	/* Gone when a flood evicted it: the count went with it, and the client starts afresh. */
	struct edge_client *c = edge_client_get(e, family, addr, false);
	if (c != NULL && c->conns > 0) {
		c->conns--;
		c->seen = e->net->now;
	}
}

bool edge_closed_ports_silent(const struct edge *e)
{
	return e->closed_silent;
}

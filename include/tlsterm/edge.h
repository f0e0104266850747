/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Edge protection: what is decided about a client before any per-connection
 * state is spent. Sits between net and tcp: TCP asks it on every segment for
 * a listener port (the ACL), on every SYN (per-client rate and concurrency)
 * and when a passive connection starts and ends (the concurrent count); net
 * asks it before answering an ICMP echo (through the hook in struct net_ctx).
 *
 * Two objects, both built from the config at start-up (no malloc on the
 * packet path) and held by pointer so a reload can swap them later:
 *  - struct edge_acl: the CIDR allow/deny lists in an rte_lpm (IPv4) and an
 *    rte_lpm6 (IPv6), read-only once made, so all workers may share one;
 *  - struct edge: one per worker, the per-client table and rate limiters.
 * Addresses are passed as (family, uint32_t[4]) like struct tcp_tuple, IPv4
 * in [0], so IPv6 fits without changing the calls.
 */
#ifndef TLSTERM_EDGE_H
#define TLSTERM_EDGE_H

#include <stdbool.h>
#include <stdint.h>

#include <tlsterm/config.h>
#include <tlsterm/counters.h>
#include <tlsterm/net.h>

struct edge_acl;
struct edge;

/*
 * The ACL of cfg->edge under a unique name (rte_lpm names are process-wide).
 * *rc is 0, or a negative errno when it could not be made (NULL then too).
 * With no lists and default allow there is nothing to decide: NULL with
 * *rc 0, which edge_acl_allows() reads as "allow". Control thread only.
 */
struct edge_acl *edge_acl_create(const struct config_edge *cfg, const char *name, int *rc);
void edge_acl_free(struct edge_acl *acl);
/* Longest prefix wins; an address no entry covers gets the default. */
bool edge_acl_allows(const struct edge_acl *acl, uint8_t family, const uint32_t addr[4]);

/*
 * One worker's edge: counters from net->ctr, the shared acl (may be NULL).
 * Registers the ICMP echo hook in net. Start-up only; NULL on no memory.
 */
struct edge *edge_create(const struct config *cfg, const struct edge_acl *acl,
			 struct net_ctx *net);
void edge_free(struct edge *e);

/* -1 when the source may talk to a listener, else the drop reason (DROP_EDGE_ACL). */
int edge_check_source(struct edge *e, uint8_t family, const uint32_t addr[4]);

/*
 * A SYN for a listener from addr: -1 to go on (and a token is spent), or the
 * drop reason (the client's bucket is empty, or it has max_connections open).
 */
int edge_check_syn(struct edge *e, uint8_t family, const uint32_t addr[4]);

/*
 * A passive connection is being made (SYN queue or returning cookie): false
 * when addr already has max_connections open (drop it: DROP_EDGE_CLIENT_CONNS).
 * *counted says whether it was counted; each counted one is matched by one
 * edge_conn_closed() for the same address.
 */
bool edge_conn_opened(struct edge *e, uint8_t family, const uint32_t addr[4], bool *counted);
void edge_conn_closed(struct edge *e, uint8_t family, const uint32_t addr[4]);

/* true: segments to a port without a listener get silence instead of RST. */
bool edge_closed_ports_silent(const struct edge *e);

/* Clients in the per-client table now (tests). */
unsigned int edge_client_count(const struct edge *e);

#endif

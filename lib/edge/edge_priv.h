/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/edge: one worker's edge state and how its files call each other. */
#ifndef TLSTERM_EDGE_PRIV_H
#define TLSTERM_EDGE_PRIV_H

#include <tlsterm/edge.h>

#include "rate.h"

/*
 * What the edge remembers about one source address. The table is fixed-size
 * and set-associative: a set holds CLIENT_WAYS entries and a new address
 * takes over the least useful one of its set (see clients.c).
 */
struct edge_client {
	uint32_t addr[4]; /* network order; IPv4 in [0]; IPv6 cut to per_client.ipv6_prefix */
	uint8_t family;   /* 0: free */
	uint32_t conns;   /* passive connections open now */
	uint64_t tat;     /* new-connection bucket (rate.h) */
	uint64_t seen;    /* TSC of the last SYN or connection event */
};

#define CLIENT_WAYS 8

struct edge_clients {
	uint32_t set_mask;
	uint32_t seed; /* random: which set an address lands in is not for the sender to choose */
	unsigned int used;
	struct edge_client entries[]; /* (set_mask + 1) * CLIENT_WAYS */
};

struct edge {
	const struct edge_acl *acl;
	struct net_ctx *net;
	struct worker_counters *ctr;
	struct edge_clients *clients; /* NULL when per-client limits are off */
	uint32_t v6_mask[4];          /* network order: the per_client.ipv6_prefix bits of a key */
	struct edge_rate new_conn;    /* per client */
	unsigned int max_conns;       /* per client; 0: no limit */
	struct edge_rate icmp_echo;   /* per worker */
	uint64_t icmp_tat;
	bool icmp_echo_off;           /* icmp_echo_per_s: 0 */
	bool closed_silent;
};

/* clients.c */
struct edge_clients *edge_clients_create(unsigned int size);
void edge_clients_free(struct edge_clients *t);
/*
 * The entry for src (an IPv6 source by its per_client.ipv6_prefix); created
 * (possibly evicting another) when create is set, else NULL if none.
 */
struct edge_client *edge_client_get(struct edge *e, uint8_t family, const uint32_t src[4],
				    bool create);

#endif

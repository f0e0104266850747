/* SPDX-License-Identifier: BSD-3-Clause */
/* The poll-mode worker: one per worker lcore, owning its queues and state. */
#ifndef TLSTERM_WORKER_H
#define TLSTERM_WORKER_H

#include <stdbool.h>

#include <tlsterm/counters.h>
#include <tlsterm/edge.h>
#include <tlsterm/net.h>
#include <tlsterm/tcp.h>
#include <tlsterm/proxy.h>
#include <tlsterm/tls.h>

struct worker {
	struct worker_counters ctr; /* written only by this worker */
	struct net_ctx net;
	struct edge *edge; /* its ACL pointer is shared by all workers */
	struct tcp_stack *tcp;
	struct tls_worker *tls;
	struct proxy_worker *proxy;
	unsigned int lcore_id;
	volatile bool stop; /* set by the control thread */
	volatile bool running;
} __rte_cache_aligned;

/* rte_eal_remote_launch() entry point; arg is a struct worker. */
int worker_main(void *arg);

#endif

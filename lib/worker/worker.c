/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One loop iteration (DESIGN.md): rx burst on every owned queue → classify
 * and handle → steered frames → timers → tx burst → quiescent state.
 */
#include <urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include <tlsterm/worker.h>

#define RX_BURST 32
#define TIMER_PERIOD_MS 10
/*
 * An idle iteration takes well under a microsecond; one that took longer than this
 * had the thread taken off its CPU (or an interrupt) inside it, and its time is not
 * the worker's own: it goes to neither idle_cycles nor busy_cycles.
 */
#define IDLE_STALL_US 20

/* A receive burst copies at most RX_BURST frames out of a ring: well under this. */
#define RX_DEVICE_STALL_US 50

/* since: the TSC just before the first poll (the iteration's start); stall: the TSC span of
 * RX_DEVICE_STALL_US. */
static unsigned int worker_rx(struct worker *w, uint64_t since, uint64_t stall)
{
	struct net_ctx *ctx = &w->net;
	unsigned int total = 0;
	for (unsigned int pi = 0; pi < ctx->n_ports; pi++) {
		struct rte_mbuf *pkts[RX_BURST];
		const struct net_port *p = &ctx->ports[pi];
		uint16_t n = rte_eth_rx_burst(p->port_id, p->queue_id, pkts, RX_BURST);
		if (n == 0)
			continue;
		/* The clock is read only when frames came: idle polls stay cheap. */
		uint64_t now = rte_rdtsc();
		if (now - since < stall)
			ctx->ctr->port[pi].rx_device_cycles += now - since;
		else
			ctx->ctr->port[pi].device_stalls++;
		for (uint16_t i = 0; i < n; i++) {
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			net_input(ctx, pi, pkts[i]);
		}
		total += n;
		since = rte_rdtsc();
	}
	return total;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct net_ctx *ctx = &w->net;
	const uint64_t timer_period = ctx->tsc_hz * TIMER_PERIOD_MS / 1000;
	const uint64_t idle_stall = ctx->tsc_hz * IDLE_STALL_US / 1000000;
	const uint64_t rx_stall = ctx->tsc_hz * RX_DEVICE_STALL_US / 1000000;
	uint64_t next_timer = 0;

	rcu_register_thread();
	w->running = true;
	ctx->now = rte_rdtsc();
	if (ctx->worker_id == 0)
		net_announce(ctx);

	while (!w->stop) {
		uint64_t start = rte_rdtsc();
		ctx->now = start;
		uint64_t steered_before = w->ctr.steered_in;
		unsigned int work = worker_rx(w, start, rx_stall);
		net_steer_poll(ctx);
		net_impair_poll(ctx);
		work += (unsigned int)(w->ctr.steered_in - steered_before);
		if (start >= next_timer) {
			net_timers(ctx);
			next_timer = start + timer_period;
			work++; /* its scans are the worker's own time: busy, never a stall */
		}
		if (w->tls != NULL)
			work += tls_worker_poll(w->tls); /* all records of the iteration, one burst */
		if (w->proxy != NULL)
			work += proxy_worker_poll(w->proxy);
		if (w->tcp != NULL)
			work += tcp_timers(w->tcp);
		net_tx_flush(ctx);
		w->ctr.iterations++;
		/*
		 * busy_cycles is TSC time, so it counts time the thread spent preempted inside a
		 * busy iteration. idle_cycles (idle iterations that ran through) lets a reader
		 * who knows the thread's on-CPU time (schedstat) take the idle polling out of it
		 * and get the worker's busy time on its CPU, which preemption does not inflate.
		 */
		uint64_t took = rte_rdtsc() - start;
		if (work != 0) {
			w->ctr.busy_cycles += took;
		} else {
			w->ctr.idle_iterations++;
			if (took < idle_stall)
				w->ctr.idle_cycles += took;
			else
				w->ctr.idle_stalls++;
		}
		rcu_quiescent_state();
	}
	if (w->proxy != NULL)
		proxy_worker_stop(w->proxy);
	if (w->tcp != NULL)
		tcp_flush_output(w->tcp); /* what the stop sent (FINs) */
	net_tx_flush(ctx);
	rcu_unregister_thread();
	w->running = false;
	return 0;
}

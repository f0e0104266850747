/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlsterm: command line → config → EAL → ports → workers, then the main
 * lcore becomes the control thread until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include <tlsterm/admin.h>
#include <tlsterm/config.h>
#include <tlsterm/log.h>
#include <tlsterm/port.h>
#include <tlsterm/services.h>
#include <tlsterm/stats.h>
#include <tlsterm/proxy.h>
#include <tlsterm/tls.h>
#include <tlsterm/worker.h>

#include "access_writer.h"
#include "dump_filter.h"
#include "eal_args.h"
#include "reload.h"

#define MBUF_CACHE 256
#define CONTROL_TICK_US 100000

struct app {
	struct config *cfg;
	unsigned int n_workers;
	struct edge_acl *acl;        /* edge.acl, read by every worker; NULL: all allowed */
	struct worker *workers[NET_MAX_WORKERS];
	struct rte_mempool *pools[NET_MAX_WORKERS];
	unsigned int n_ports_started;
	uint16_t port_ids[CONFIG_MAX_PORTS];
	bool tx_chains[CONFIG_MAX_PORTS]; /* the port sends mbuf chains as they are */
	struct rte_ether_addr macs[CONFIG_MAX_PORTS];
	unsigned int mbufs_at_start;
	struct access_writer access;
	struct admin *admin; /* NULL without an admin: section */
	/* counters the control thread writes (OCSP refreshes); summed with the workers' */
	struct worker_counters control_ctr;
	struct reload reload; /* the configuration generations */
	/* what the last admin scrape showed (admin_collect) */
	struct worker_counters scrape_sum;
	const struct worker_counters *scrape_workers[NET_MAX_WORKERS];
	struct metrics_pool scrape_pools[NET_MAX_WORKERS];
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
static volatile sig_atomic_t reopen_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	reopen_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: tlsterm -c FILE [--check]\n"
		     "       tlsterm --version\n"
		     "  -c, --config FILE  configuration (YAML)\n"
		     "      --check        validate the configuration and exit (0 ok, 1 bad)\n"
		     "  -V, --version      print the version and exit\n");
}

static unsigned int mbufs_in_use(const struct app *a)
{
	unsigned int n = 0;
	for (unsigned int w = 0; w < a->n_workers; w++)
		n += rte_mempool_in_use_count(a->pools[w]);
	return n;
}

static int create_workers(struct app *a)
{
	unsigned int w = 0, lcore;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		int socket = (int)rte_lcore_to_socket_id(lcore);
		char name[RTE_MEMPOOL_NAMESIZE];
		snprintf(name, sizeof(name), "mbufs_w%u", w);
		a->pools[w] = rte_pktmbuf_pool_create(name, a->cfg->mbufs_per_worker, MBUF_CACHE, 0,
						      RTE_MBUF_DEFAULT_BUF_SIZE, socket);
		a->workers[w] = rte_zmalloc_socket("worker", sizeof(struct worker), RTE_CACHE_LINE_SIZE,
						   socket);
		if (a->pools[w] == NULL || a->workers[w] == NULL) {
			log_err("worker %u: cannot allocate its mbuf pool or context: %s", w,
				rte_strerror(rte_errno));
			return -1;
		}
		a->workers[w]->lcore_id = lcore;
		w++;
	}
	return 0;
}

static int start_ports(struct app *a)
{
	char err[CONFIG_ERR_LEN];
	for (unsigned int i = 0; i < a->cfg->n_ports; i++) {
		const struct config_port *cp = &a->cfg->ports[i];
		if (port_start(cp, a->n_workers, a->pools, &a->port_ids[i], &a->macs[i],
			       &a->tx_chains[i], err, sizeof(err)) != 0) {
			log_err("%s", err);
			return -1;
		}
		a->n_ports_started++;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		rte_ether_format_addr(mac, sizeof(mac), &a->macs[i]);
		log_info("port %s: %s, mac %s, %u queue pair(s)%s", cp->name, cp->device, mac,
			 a->n_workers,
			 a->tx_chains[i] ? "" : "; sends single segments only: chains are copied");
	}
	return 0;
}

static int init_worker_contexts(struct app *a)
{
	struct net_ctx *ctxs[NET_MAX_WORKERS];
	for (unsigned int w = 0; w < a->n_workers; w++) {
		struct worker *wk = a->workers[w];
		if (net_ctx_init(&wk->net, a->cfg, w, a->n_workers, a->pools[w], &wk->ctr) != 0) {
			log_err("worker %u: cannot set up its network context", w);
			return -1;
		}
		for (unsigned int i = 0; i < a->cfg->n_ports; i++) {
			wk->net.ports[i].port_id = a->port_ids[i];
			wk->net.ports[i].queue_id = (uint16_t)w;
			wk->net.ports[i].mac = a->macs[i];
			wk->net.ports[i].tx_chains = a->tx_chains[i];
		}
		ctxs[w] = &wk->net;
	}
	if (net_steer_connect(ctxs, a->n_workers) != 0) {
		log_err("cannot create the steering rings: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* Each worker gets its own edge and TCP stack and listens on every configured port. */
static int init_tcp(struct app *a)
{
	int rc;
	a->acl = edge_acl_create(&a->cfg->edge, "edge_acl", &rc);
	if (rc != 0) {
		log_err("cannot build the edge ACL: %s", strerror(-rc));
		return -1;
	}
	for (unsigned int w = 0; w < a->n_workers; w++) {
		struct worker *wk = a->workers[w];
		wk->edge = edge_create(a->cfg, a->acl, &wk->net);
		if (wk->edge == NULL) {
			log_err("worker %u: cannot create its edge state (edge.per_client.table_size?)",
				w);
			return -1;
		}
		wk->tcp = tcp_stack_create(a->cfg, &wk->net);
		if (wk->tcp == NULL) {
			log_err("worker %u: cannot create its TCP stack: %s", w, rte_strerror(rte_errno));
			return -1;
		}
		tcp_stack_set_edge(wk->tcp, wk->edge);
		tcp_stack_batch_output(wk->tcp, true); /* the worker loop flushes in tcp_timers */
		char err[CONFIG_ERR_LEN];
		wk->tls = tls_worker_create(a->cfg, &wk->net, reload_first_tls(&a->reload, w), err,
					    sizeof(err));
		if (wk->tls == NULL) {
			log_err("worker %u: %s", w, err);
			return -1;
		}
		reload_tls_handed_over(&a->reload, w);
		wk->proxy = proxy_worker_create(a->cfg, &wk->net, wk->tcp, wk->tls,
						reload_first_proxy(&a->reload, w), err, sizeof(err));
		if (wk->proxy == NULL) {
			log_err("worker %u: %s", w, err);
			return -1;
		}
		reload_proxy_handed_over(&a->reload, w);
	}
	for (unsigned int i = 0; i < a->cfg->n_listeners; i++) {
		const struct config_listener *l = &a->cfg->listeners[i];
		if (l->redirect_https) {
			log_info("listener: port %u, redirect to https (%u)", l->port,
				 l->redirect_code);
			continue;
		}
		log_info("listener: port %u%s, backend %s%s", l->port, l->tls.enabled ? ", TLS" : "",
			 l->backend,
			 l->proxy_protocol == CONFIG_PROXY_V1   ? ", PROXY v1"
			 : l->proxy_protocol == CONFIG_PROXY_V2 ? ", PROXY v2"
								: "");
	}
	return 0;
}

/*
 * Workers never log: the control thread reports the health checks' verdicts
 * (the current generation's; a reload carries the verdicts of servers it keeps).
 */
static void log_health_changes(const struct config *cfg, const struct proxy_health *h,
			       bool seen[CONFIG_MAX_BACKENDS][CONFIG_MAX_SERVERS])
{
	for (unsigned int b = 0; b < cfg->n_backends; b++) {
		for (unsigned int s = 0; s < cfg->backends[b].n_servers; s++) {
			bool up = proxy_health_up(h, b, s);
			if (up == seen[b][s])
				continue;
			seen[b][s] = up;
			const struct config_server *sv = &cfg->backends[b].servers[s];
			char text[IP_ADDR_PORT_STR_LEN];
			log_msg(up ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "backend %s: server %s is %s",
				cfg->backends[b].name,
				ip_addr_port_str(&sv->addr, sv->port, text, sizeof(text)),
				up ? "up" : "DOWN");
		}
	}
}

static void drain_access_log(struct app *a)
{
	struct rte_ring *rings[NET_MAX_WORKERS] = {0};
	for (unsigned int w = 0; w < a->n_workers; w++)
		if (a->workers[w] != NULL && a->workers[w]->proxy != NULL)
			rings[w] = proxy_worker_access_ring(a->workers[w]->proxy);
	access_writer_drain(&a->access, rings, a->n_workers);
}

/*
 * A scrape sums the workers while they run. Their counters are plain uint64_t
 * written by one worker each: on x86-64 an aligned 8-byte load is never torn,
 * so a value is at worst a moment old.
 */
static void admin_collect(void *arg, struct metrics_input *in)
{
	struct app *a = arg;
	unsigned int conns = 0, time_wait = 0;

	a->scrape_sum = a->control_ctr;
	*in = (struct metrics_input){ .cfg = a->cfg, .sum = &a->scrape_sum,
				      .workers = a->scrape_workers, .n_workers = a->n_workers,
				      .tsc_hz = rte_get_tsc_hz(), .has_conns = true,
				      .pools = a->scrape_pools, .n_pools = a->n_workers };
	for (unsigned int w = 0; w < a->n_workers; w++) {
		const struct worker *wk = a->workers[w];

		worker_counters_add(&a->scrape_sum, &wk->ctr);
		a->scrape_workers[w] = &wk->ctr;
		conns += tcp_conn_count(wk->tcp);
		time_wait += tcp_time_wait_count(wk->tcp);
		in->tls_open += tls_worker_conn_count(wk->tls);
		unsigned int sched_size;
		in->tls_key_schedules += tls_worker_key_schedules(wk->tls, &sched_size);
		in->tls_key_schedules_size += sched_size;
		in->proxy_sessions += proxy_worker_sessions(wk->proxy);
		snprintf(a->scrape_pools[w].name, sizeof(a->scrape_pools[w].name), "%s",
			 a->pools[w]->name);
		a->scrape_pools[w].in_use = rte_mempool_in_use_count(a->pools[w]);
		a->scrape_pools[w].size = a->pools[w]->size;
	}
	in->tcp_open = conns >= time_wait ? conns - time_wait : 0; /* two racy reads */
	in->tcp_time_wait = time_wait;
	in->has_reload = true;
	in->generation = a->reload.current->id;
	in->reloads_ok = a->reload.results[RELOAD_OK];
	in->reloads_failed = a->reload.results[RELOAD_FAILED];
	in->reloads_refused = a->reload.results[RELOAD_REFUSED];
}

/* Keys load again during a reload: OpenSSL's freed blocks are wiped meanwhile (dump_filter.h). */
static unsigned int reload_now(struct app *a, const char *trigger, char *reply, size_t len)
{
	dump_filter_wipe_all(true);
	unsigned int status = reload_run(&a->reload, a->workers, trigger, reply, len);
	dump_filter_wipe_all(false);
	return status;
}

static unsigned int admin_reload(void *arg, char *reply, size_t len)
{
	return reload_now(arg, "admin: POST /reload", reply, len);
}

static int start_admin(struct app *a)
{
	const struct admin_ops ops = { .collect = admin_collect, .reload = admin_reload, .arg = a };
	char err[CONFIG_ERR_LEN];

	if (!a->cfg->admin.enabled)
		return 0;
	a->admin = admin_start(&a->cfg->admin, &ops, err, sizeof(err));
	if (a->admin == NULL) {
		log_err("%s", err);
		return -1;
	}
	log_info("admin API on %s:%u%s", inet_ntoa((struct in_addr){ a->cfg->admin.ipv4 }),
		 admin_port(a->admin), a->cfg->admin.token[0] != '\0' ? ", bearer token" : "");
	return 0;
}

static uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Until the next tick, serve the admin API as requests come (or just sleep without one). */
static void control_wait(struct app *a)
{
	uint64_t until = monotonic_us() + CONTROL_TICK_US, now;

	if (a->admin == NULL) {
		usleep(CONTROL_TICK_US);
		return;
	}
	while (!stop_requested && (now = monotonic_us()) < until)
		admin_poll(a->admin, (unsigned int)((until - now + 999) / 1000));
}

static void control_loop(struct app *a)
{
	bool seen[CONFIG_MAX_BACKENDS][CONFIG_MAX_SERVERS];
	memset(seen, 1, sizeof(seen)); /* servers start up */
	uint64_t seen_generation = a->reload.current->id;
	uint64_t ocsp_ticks = 0;
	uint64_t ticks = 0;
	while (!stop_requested) {
		const struct generation *g = a->reload.current;
		/* the current generation's period: a reload may change it */
		uint64_t rotate_every = (uint64_t)g->cfg->tickets.rotate_s * 1000000 / CONTROL_TICK_US;
		if (++ticks >= rotate_every) {
			ticks = 0;
			tls_tickets_rotate();
		}
		if (g->id != seen_generation) {
			/* what the new generation starts from is no change to report */
			seen_generation = g->id;
			for (unsigned int b = 0; b < g->cfg->n_backends; b++)
				for (unsigned int s = 0; s < g->cfg->backends[b].n_servers; s++)
					seen[b][s] = proxy_health_up(g->health, b, s);
		}
		log_health_changes(g->cfg, g->health, seen);
		/* the current generation's responses, on its period */
		if (++ocsp_ticks >= (uint64_t)g->cfg->tls.ocsp_refresh_s * 1000000 / CONTROL_TICK_US) {
			ocsp_ticks = 0;
			tls_ocsp_set_refresh(g->ocsp, &a->control_ctr.tls);
		}
		drain_access_log(a);
		if (reopen_requested) {
			reopen_requested = 0;
			access_writer_reopen(&a->access); /* log rotation */
			int rc = log_reopen();
			if (rc != 0)
				log_warn("log %s: cannot reopen: %s", a->cfg->log.file, strerror(-rc));
			else
				log_info("SIGUSR1: log files reopened");
		}
		if (reload_requested) {
			char reply[ADMIN_REPLY_LEN];
			reload_requested = 0;
			reload_now(a, "SIGHUP", reply, sizeof(reply));
		}
		reload_reap(&a->reload);
		control_wait(a);
	}
}

static void report_and_release(struct app *a)
{
	struct worker_counters sum = a->control_ctr;
	unsigned int held = 0, conns = 0, time_wait = 0, tls_conns = 0, sessions = 0;
	for (unsigned int w = 0; w < a->n_workers; w++) {
		if (a->workers[w] == NULL)
			continue;
		worker_counters_add(&sum, &a->workers[w]->ctr);
		held += net_mbufs_held(&a->workers[w]->net);
		if (a->workers[w]->tls != NULL)
			tls_conns += tls_worker_conn_count(a->workers[w]->tls);
		if (a->workers[w]->proxy != NULL)
			sessions += proxy_worker_sessions(a->workers[w]->proxy);
		if (a->workers[w]->tcp != NULL) {
			conns += tcp_conn_count(a->workers[w]->tcp);
			time_wait += tcp_time_wait_count(a->workers[w]->tcp);
			held += tcp_mbufs_held(a->workers[w]->tcp);
		}
	}
	for (unsigned int w = 0; w < a->n_workers && conns > time_wait; w++) {
		char open[512];
		if (a->workers[w] != NULL && a->workers[w]->tcp != NULL &&
		    tcp_open_describe(a->workers[w]->tcp, open, sizeof(open)) > 0)
			log_info("stats: worker %u tcp open at stop: %s", w, open);
	}
	/* TIME_WAIT is a closed connection's quarantine, not an open one. */
	log_info("stats: tcp_connections_open=%u tcp_time_wait=%u tls_connections_open=%u "
		 "proxy_sessions=%u",
		 conns - time_wait, time_wait, tls_conns, sessions);
	stats_log(a->cfg, &sum, rte_get_tsc_hz());
	if (a->n_workers > 0 && a->pools[a->n_workers - 1] != NULL) {
		unsigned int now = mbufs_in_use(a);
		log_info("stats: mbufs in_use_at_start=%u in_use_at_stop=%u held=%u leaked=%d",
			 a->mbufs_at_start, now, held, (int)now - (int)held - (int)a->mbufs_at_start);
	}

	struct net_ctx *ctxs[NET_MAX_WORKERS];
	for (unsigned int w = 0; w < a->n_workers && a->workers[w] != NULL; w++)
		ctxs[w] = &a->workers[w]->net;
	if (a->n_workers > 0 && a->workers[a->n_workers - 1] != NULL)
		net_steer_disconnect(ctxs, a->n_workers);
	for (unsigned int w = 0; w < a->n_workers; w++) {
		if (a->workers[w] == NULL)
			continue;
		tcp_stack_free(a->workers[w]->tcp); /* tells TLS and the proxy every connection ended */
		if (a->workers[w]->proxy != NULL) {
			struct rte_ring *ring = proxy_worker_access_ring(a->workers[w]->proxy);
			access_writer_drain(&a->access, &ring, 1);
		}
		proxy_worker_free(a->workers[w]->proxy);
		tls_worker_free(a->workers[w]->tls);
		edge_free(a->workers[w]->edge);
		net_ctx_fini(&a->workers[w]->net);
	}
	for (unsigned int i = 0; i < a->n_ports_started; i++) {
		/* What the device lost before any worker saw it (a full RX ring, no mbuf). */
		struct rte_eth_stats es;
		if (rte_eth_stats_get(a->port_ids[i], &es) == 0)
			log_info("stats: port %s device imissed=%" PRIu64 " ierrors=%" PRIu64
				 " rx_nombuf=%" PRIu64 " oerrors=%" PRIu64,
				 a->cfg->ports[i].name, es.imissed, es.ierrors, es.rx_nombuf,
				 es.oerrors);
		port_stop(a->port_ids[i]);
	}
	for (unsigned int w = 0; w < a->n_workers; w++) {
		rte_free(a->workers[w]);
		rte_mempool_free(a->pools[w]);
	}
	edge_acl_free(a->acl);
	a->acl = NULL;
}

static int run(struct app *a)
{
	struct eal_args eal;
	eal_args_build(&eal, a->cfg);
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		log_err("DPDK EAL init failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	int rc = 1;
	a->n_workers = rte_lcore_count() - 1;
	if (a->n_workers == 0 || a->n_workers > NET_MAX_WORKERS) {
		log_err("dpdk.lcores gives %u workers; need 1..%d", a->n_workers, NET_MAX_WORKERS);
		goto out_eal;
	}
	if (dump_filter_dpdk(a->cfg) != 0 || dump_filter_secure_heap(a->cfg) != 0)
		goto out_eal;
	char err[CONFIG_ERR_LEN];
	if (tls_tickets_init(a->cfg, err, sizeof(err)) != 0) {
		log_err("tickets: %s", err);
		goto out_eal;
	}
	if (access_writer_open(&a->access, a->cfg->access_log.file) != 0) {
		log_err("access log %s: %s", a->cfg->access_log.file, strerror(errno));
		goto out_eal;
	}
	if (create_workers(a) != 0)
		goto out_release;
	/* Generation 1: every worker's contexts, pools and OCSP responses (keys load here). */
	if (reload_init(&a->reload, a->cfg, a->workers, a->n_workers, rte_get_tsc_hz(), err,
			sizeof(err)) != 0) {
		log_err("%s", err);
		goto out_release;
	}
	if (start_ports(a) != 0 || dump_filter_ports(a->cfg) != 0 ||
	    init_worker_contexts(a) != 0 || init_tcp(a) != 0)
		goto out_release;

	a->mbufs_at_start = mbufs_in_use(a);
	dump_filter_wipe_all(false); /* the keys are loaded: see dump_filter.h */
	install_signals();
	for (unsigned int w = 0; w < a->n_workers; w++)
		rte_eal_remote_launch(worker_main, a->workers[w], a->workers[w]->lcore_id);
	log_info("tlsterm %s running: %u worker(s), %u port(s); SIGINT or SIGTERM stops it",
		 TLSTERM_VERSION, a->n_workers, a->cfg->n_ports);

	bool admin_ok = start_admin(a) == 0;
	if (admin_ok)
		control_loop(a);
	admin_stop(a->admin);
	a->admin = NULL;

	log_info("stopping");
	for (unsigned int w = 0; w < a->n_workers; w++)
		a->workers[w]->stop = true;
	rte_eal_mp_wait_lcore();
	rc = admin_ok ? 0 : 1;
out_release:
	report_and_release(a);
	reload_fini(&a->reload);
	access_writer_close(&a->access);
	tls_tickets_fini();
out_eal:
	rte_eal_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *path = NULL;
	bool check = false;
	int c;

	if (dump_filter_wipe_freed() != 0)
		fprintf(stderr, "tlsterm: OpenSSL allocated before main(): its freed memory is not wiped\n");
	while ((c = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'V':
			printf("tlsterm %s (%s)\n", TLSTERM_VERSION, rte_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}

	char err[CONFIG_ERR_LEN];
	struct app a = {0};
	a.cfg = config_load(path, err, sizeof(err));
	if (a.cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		for (unsigned int i = 0; i < a.cfg->n_warnings; i++)
			fprintf(stderr, "%s\n", a.cfg->warnings[i]);
		printf("%s: configuration ok\n", path);
		config_free(a.cfg);
		return 0;
	}
	if (log_open(a.cfg->log.level, a.cfg->log.file) != 0) {
		fprintf(stderr, "%s: cannot open log file %s\n", path, a.cfg->log.file);
		config_free(a.cfg);
		return 1;
	}
	for (unsigned int i = 0; i < a.cfg->n_warnings; i++)
		log_warn("%s", a.cfg->warnings[i]);
	int rc = run(&a);
	config_free(a.cfg);
	log_close();
	return rc;
}

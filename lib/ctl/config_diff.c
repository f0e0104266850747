/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a reload may change. Every field of struct config is either named here
 * as live (taken from the new file), or named as restart-only (compared, and a
 * difference refuses the reload with the field's name). Anything not named at
 * all is refused too: the comparison works on a scratch copy of the new config
 * in which every named field is overwritten with the old value, so the bytes
 * that still differ afterwards belong to a field this file does not know (a
 * section added later). Refusing it by default is the point: a setting that
 * silently does not change on reload is worse than one that asks for a restart.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlsterm/config.h>

struct diff {
	const struct config *old;
	struct config *scratch; /* the new config, old values copied over what is checked */
	char *err;
	size_t errlen;
	bool refused;
};

static const void *old_of(const struct diff *d, const void *field)
{
	return (const char *)d->old + ((const char *)field - (const char *)d->scratch);
}

static void refuse(struct diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(struct diff *d, const char *fmt, ...)
{
	if (d->refused)
		return; /* the first difference is the one reported */
	d->refused = true;
	char name[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	snprintf(d->err, d->errlen, "%s: %s: changing it needs a restart", d->old->path, name);
}

/* A restart-only field of n bytes: equal, or the reload is refused. */
static void fixed(struct diff *d, void *field, size_t n, const char *name)
{
	if (memcmp(field, old_of(d, field), n) != 0)
		refuse(d, "%s", name);
	memcpy(field, old_of(d, field), n);
}

/* A restart-only string (bytes after the NUL are not compared). */
static void fixed_str(struct diff *d, char *field, size_t n, const char *name)
{
	if (strncmp(field, old_of(d, field), n) != 0)
		refuse(d, "%s", name);
	memcpy(field, old_of(d, field), n);
}

/* A field a reload changes: accepted as it is. */
static void live(struct diff *d, void *field, size_t n)
{
	memcpy(field, old_of(d, field), n);
}

#define FIXED(d, f, name) fixed((d), &(f), sizeof(f), (name))
#define FIXED_STR(d, f, name) fixed_str((d), (f), sizeof(f), (name))
#define LIVE(d, f) live((d), &(f), sizeof(f))

static void diff_dpdk(struct diff *d, struct config_dpdk *n)
{
	const struct config_dpdk *o = &d->old->dpdk;
	FIXED_STR(d, n->lcores, "dpdk.lcores");
	FIXED(d, n->memory_mb, "dpdk.memory_mb");
	FIXED(d, n->no_huge, "dpdk.no_huge");
	FIXED(d, n->n_eal_args, "dpdk.eal_args");
	for (unsigned int i = 0; i < o->n_eal_args && i < n->n_eal_args; i++)
		if (strcmp(o->eal_args[i], n->eal_args[i]) != 0)
			refuse(d, "dpdk.eal_args[%u]", i);
	LIVE(d, n->eal_args); /* pointers: compared as strings above */
}

static void diff_ports(struct diff *d, struct config *n)
{
	char name[96];
	FIXED(d, n->n_ports, "ports");
	for (unsigned int i = 0; i < CONFIG_MAX_PORTS; i++) {
		struct config_port *p = &n->ports[i];
		snprintf(name, sizeof(name), "ports[%u].name", i);
		FIXED_STR(d, p->name, name);
		snprintf(name, sizeof(name), "ports[%u].device", i);
		FIXED_STR(d, p->device, name);
		snprintf(name, sizeof(name), "ports[%u].ipv4", i);
		FIXED(d, p->has_ipv4, name);
		FIXED(d, p->ipv4_addr, name);
		FIXED(d, p->ipv4_prefix, name);
		snprintf(name, sizeof(name), "ports[%u].gateway", i);
		FIXED(d, p->has_gateway, name);
		FIXED(d, p->ipv4_gateway, name);
		snprintf(name, sizeof(name), "ports[%u].ipv6", i);
		FIXED(d, p->has_ipv6, name);
		FIXED(d, p->ipv6_addr, name);
		FIXED(d, p->ipv6_prefix, name);
		snprintf(name, sizeof(name), "ports[%u].ipv6_gateway", i);
		FIXED(d, p->has_ipv6_gateway, name);
		FIXED(d, p->ipv6_gateway, name);
		snprintf(name, sizeof(name), "ports[%u].impair", i);
		FIXED(d, p->impair.rx, name);
		FIXED(d, p->impair.tx, name);
		FIXED(d, p->impair.seed, name);
		FIXED(d, p->impair.drop_permille, name);
		FIXED(d, p->impair.duplicate_permille, name);
		FIXED(d, p->impair.reorder_permille, name);
		FIXED(d, p->impair.delay_ms, name);
	}
}

/* Everything under tls: but `enabled` (which decides how the port listens) is live. */
static void live_tls(struct diff *d, struct config_tls *t)
{
	LIVE(d, t->n_certs);
	LIVE(d, t->certs);
	LIVE(d, t->min_version);
	LIVE(d, t->ciphersuites);
	LIVE(d, t->ciphers);
	LIVE(d, t->groups);
	LIVE(d, t->n_alpn);
	LIVE(d, t->alpn);
	LIVE(d, t->strict_sni);
	LIVE(d, t->session_tickets);
}

static void diff_listeners(struct diff *d, struct config *n)
{
	char name[96];
	FIXED(d, n->n_listeners, "listeners");
	for (unsigned int i = 0; i < CONFIG_MAX_LISTENERS; i++) {
		struct config_listener *l = &n->listeners[i];
		const struct config_listener *o = &d->old->listeners[i];
		snprintf(name, sizeof(name), "listeners[%u].port", i);
		FIXED(d, l->port, name);
		/*
		 * One backend pool for another is live (a new session takes the new one);
		 * a built-in service or the redirect answers with other TCP callbacks.
		 */
		snprintf(name, sizeof(name), "listeners[%u].family", i);
		FIXED(d, l->family, name); /* which families TCP listens for */
		snprintf(name, sizeof(name), "listeners[%u].backend", i);
		if (o->backend_index >= 0 && l->backend_index >= 0) {
			LIVE(d, l->backend);
			LIVE(d, l->backend_index);
		} else {
			FIXED_STR(d, l->backend, name);
			FIXED(d, l->backend_index, name);
		}
		snprintf(name, sizeof(name), "listeners[%u].tls", i);
		FIXED(d, l->tls.enabled, name);
		live_tls(d, &l->tls);
		LIVE(d, l->proxy_protocol); /* a new session's header (none for a built-in) */
		snprintf(name, sizeof(name), "listeners[%u].redirect_https", i);
		FIXED(d, l->redirect_https, name);
		snprintf(name, sizeof(name), "listeners[%u].redirect_code", i);
		FIXED(d, l->redirect_code, name);
		snprintf(name, sizeof(name), "listeners[%u].redirect_port", i);
		FIXED(d, l->redirect_port, name);
	}
}

/*
 * Backends are live: a generation has its own pools and health table (a
 * server kept by name, address and port keeps its verdict), and a session
 * keeps the pool it started with. Names, servers and their number may all
 * change; a listener then names its pool in the new generation.
 */
static void live_backends(struct diff *d, struct config *n)
{
	for (unsigned int b = 0; b < CONFIG_MAX_BACKENDS; b++) {
		struct config_backend *be = &n->backends[b];
		LIVE(d, be->name);
		LIVE(d, be->n_servers);
		for (unsigned int s = 0; s < CONFIG_MAX_SERVERS; s++) {
			struct config_server *sv = &be->servers[s];
			LIVE(d, sv->addr);
			LIVE(d, sv->zone);
			LIVE(d, sv->port_index);
			LIVE(d, sv->port);
			LIVE(d, sv->weight);
			LIVE(d, sv->max_connections);
		}
		LIVE(d, be->balance);
		LIVE(d, be->connect_timeout_ms);
		LIVE(d, be->retries);
		LIVE(d, be->health.type);
		LIVE(d, be->health.path);
		LIVE(d, be->health.host);
		LIVE(d, be->health.interval_ms);
		LIVE(d, be->health.timeout_ms);
		LIVE(d, be->health.rise);
		LIVE(d, be->health.fall);
	}
	LIVE(d, n->n_backends);
}

static void diff_rest(struct diff *d, struct config *n)
{
	FIXED(d, n->tcp.max_connections, "tcp.max_connections");
	FIXED(d, n->tcp.syn_backlog, "tcp.syn_backlog");
	FIXED(d, n->tcp.rcv_buffer, "tcp.rcv_buffer");
	FIXED(d, n->tcp.snd_buffer, "tcp.snd_buffer");
	FIXED_STR(d, n->tcp.congestion_control, "tcp.congestion_control");
	FIXED(d, n->tcp.keepalive_s, "tcp.keepalive_s");
	FIXED(d, n->tcp.keepalive_interval_s, "tcp.keepalive_interval_s");
	FIXED(d, n->tcp.local_port_first, "tcp.local_port_first");
	FIXED(d, n->tcp.local_port_last, "tcp.local_port_last");

	LIVE(d, n->log.level);
	FIXED_STR(d, n->log.file, "log.file");

	FIXED(d, n->arp.cache_size, "arp.cache_size");
	FIXED(d, n->arp.timeout_s, "arp.timeout_s");
	FIXED(d, n->arp.pending_max, "arp.pending_max");

	LIVE(d, n->limits.handshake_timeout_ms);
	LIVE(d, n->limits.idle_timeout_ms);
	LIVE(d, n->limits.redirect_timeout_ms);
	FIXED(d, n->limits.redirect_connections, "limits.redirect_connections");

	/* the workers' rings exist only when it was set at start */
	FIXED_STR(d, n->access_log.file, "access_log.file");

	LIVE(d, n->tickets.rotate_s);
	LIVE(d, n->tickets.key_file); /* read again at every reload */

	FIXED_STR(d, n->crypto.engine, "crypto.engine");
	FIXED(d, n->crypto.key_schedules, "crypto.key_schedules");

	FIXED(d, n->admin.enabled, "admin");
	FIXED(d, n->admin.ipv4, "admin.listen");
	FIXED(d, n->admin.port, "admin.listen");
	FIXED_STR(d, n->admin.token, "admin.token");

	FIXED(d, n->mbufs_per_worker, "mbufs_per_worker");
	LIVE(d, n->path);

	LIVE(d, n->tls.key_permissions); /* keys are read again, and checked, at every reload */
	LIVE(d, n->tls.ocsp_refresh_s);  /* the control loop reads the current generation's */
	FIXED(d, n->dump_core_memory, "dump_core_memory"); /* marked once at start */
	LIVE(d, n->n_warnings);          /* not settings: what the load had to say */
	LIVE(d, n->warnings);

	FIXED(d, n->ipv6.ext_headers_max, "ipv6.ext_headers_max");
	FIXED(d, n->ipv6.ext_bytes_max, "ipv6.ext_bytes_max");
	FIXED(d, n->ipv6.neighbor_cache_size, "ipv6.neighbor_cache_size");
	FIXED(d, n->ipv6.neighbor_timeout_s, "ipv6.neighbor_timeout_s");
	FIXED(d, n->ipv6.pending_max, "ipv6.pending_max");
	FIXED(d, n->ipv6.icmp_errors_per_s, "ipv6.icmp_errors_per_s");
	FIXED(d, n->ipv6.accept_ra, "ipv6.accept_ra");

	/* The ACL and the per-client table are built once per worker at start. */
	FIXED(d, n->edge.n_allow, "edge.acl.allow");
	FIXED(d, n->edge.allow, "edge.acl.allow");
	FIXED(d, n->edge.n_deny, "edge.acl.deny");
	FIXED(d, n->edge.deny, "edge.acl.deny");
	FIXED(d, n->edge.acl_default, "edge.acl.default");
	FIXED(d, n->edge.closed_ports, "edge.closed_ports");
	FIXED(d, n->edge.icmp_echo_per_s, "edge.icmp_echo_per_s");
	FIXED(d, n->edge.new_per_s, "edge.per_client.new_per_s");
	FIXED(d, n->edge.burst, "edge.per_client.burst");
	FIXED(d, n->edge.max_connections, "edge.per_client.max_connections");
	FIXED(d, n->edge.table_size, "edge.per_client.table_size");
	FIXED(d, n->edge.ipv6_prefix, "edge.per_client.ipv6_prefix");
	FIXED(d, n->edge.max_half_open, "edge.max_half_open");
	FIXED(d, n->edge.max_handshaking, "edge.max_handshaking");
}

int config_reload_check(const struct config *old, const struct config *new, char *err,
			size_t errlen)
{
	struct diff d = { .old = old, .err = err, .errlen = errlen };
	d.scratch = malloc(sizeof(*d.scratch));
	if (d.scratch == NULL) {
		snprintf(err, errlen, "%s: out of memory", old->path);
		return -1;
	}
	memcpy(d.scratch, new, sizeof(*d.scratch));
	diff_dpdk(&d, &d.scratch->dpdk);
	diff_ports(&d, d.scratch);
	diff_listeners(&d, d.scratch);
	live_backends(&d, d.scratch);
	diff_rest(&d, d.scratch);
	/* Whatever still differs is a field named nowhere above: refused by default. */
	if (!d.refused) {
		const unsigned char *a = (const unsigned char *)d.scratch;
		const unsigned char *b = (const unsigned char *)old;
		for (size_t i = 0; i < sizeof(*d.scratch); i++) {
			if (a[i] != b[i]) {
				refuse(&d, "a setting at byte %zu of struct config that this "
					   "version cannot change live", i);
				break;
			}
		}
	}
	free(d.scratch);
	return d.refused ? -1 : 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the config loader (lib/ctl/config.c): any bytes must
 * give either a config or one "file:line:col: message" line, never a crash,
 * a leak (config_free must release everything) or a multi-line message; and
 * a config it accepts must pass the reload check against itself.
 * Seeds: tests/fuzz/corpus/fuzz_config/. Certificate paths and access-log
 * directories in the seeds need not exist: a failed file check is an answer
 * like any other.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlsterm/config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A listener names a built-in (index -1, no PROXY header) or the backend at its index. */
static bool listener_backend_ok(const struct config *cfg, const struct config_listener *l)
{
	if (l->redirect_https) /* no backend at all, plain HTTP only */
		return l->backend_index == -1 && l->backend[0] == '\0' && !l->tls.enabled &&
		       l->proxy_protocol == CONFIG_PROXY_OFF &&
		       (l->redirect_code == 301 || l->redirect_code == 308);
	if (l->backend_index == -1)
		return l->proxy_protocol == CONFIG_PROXY_OFF &&
		       (strcmp(l->backend, "echo") == 0 || strcmp(l->backend, "discard") == 0);
	return l->backend_index >= 0 && (unsigned int)l->backend_index < cfg->n_backends &&
	       strcmp(cfg->backends[l->backend_index].name, l->backend) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_LEN];
	struct config *cfg;

	cfg = config_parse("fuzz.yaml", (const char *)data, size, err, sizeof(err));
	if (cfg == NULL) {
		/* the contract callers rely on: one non-empty line, with a position */
		if (err[0] == '\0' || strchr(err, '\n') != NULL ||
		    strncmp(err, "fuzz.yaml:", 10) != 0)
			abort();
		return 0;
	}
	/* what the loader promised about a config it accepted */
	if (cfg->n_ports < 1 || cfg->n_ports > CONFIG_MAX_PORTS || config_lcore_count(cfg) < 2 ||
	    cfg->dpdk.n_eal_args > CONFIG_MAX_EAL_ARGS)
		abort();
	for (unsigned int i = 0; i < cfg->dpdk.n_eal_args; i++)
		if (cfg->dpdk.eal_args[i] == NULL || cfg->dpdk.eal_args[i][0] == '\0')
			abort();
	if (cfg->n_backends > CONFIG_MAX_BACKENDS)
		abort();
	for (unsigned int i = 0; i < cfg->n_backends; i++) {
		const struct config_backend *b = &cfg->backends[i];

		if (b->name[0] == '\0' || b->n_servers < 1 || b->n_servers > CONFIG_MAX_SERVERS ||
		    b->retries >= CONFIG_MAX_SERVERS || b->health.timeout_ms > b->health.interval_ms ||
		    b->health.path[0] != '/')
			abort();
		for (unsigned int j = 0; j < b->n_servers; j++)
			if (b->servers[j].port == 0 || b->servers[j].weight < 1 ||
			    b->servers[j].weight > 256)
				abort();
	}
	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		const struct config_listener *l = &cfg->listeners[i];
		const struct config_tls *tls = &l->tls;

		if (!listener_backend_ok(cfg, l))
			abort();
		if (tls->enabled &&
		    (tls->n_certs < 1 || tls->n_certs > CONFIG_MAX_CERTS ||
		     (tls->min_version != 0x0303 && tls->min_version != 0x0304) ||
		     tls->n_alpn > CONFIG_MAX_ALPN || tls->ciphersuites[0] == '\0' ||
		     tls->ciphers[0] == '\0' || tls->groups[0] == '\0'))
			abort();
	}
	if (cfg->limits.handshake_timeout_ms < 100 || cfg->limits.idle_timeout_ms < 1000 ||
	    cfg->tickets.rotate_s < 60 || cfg->crypto.engine[0] == '\0')
		abort();
	/*
	 * A reload of the same file is always allowed: the reload check
	 * (lib/ctl/config_diff.c) compares bytes, so parsing must leave none
	 * (padding, bytes after a string's NUL) that differ between two loads.
	 */
	struct config *again = config_parse("fuzz.yaml", (const char *)data, size, err, sizeof(err));
	if (again == NULL || config_reload_check(cfg, again, err, sizeof(err)) != 0)
		abort();
	config_free(again);
	config_free(cfg);
	return 0;
}

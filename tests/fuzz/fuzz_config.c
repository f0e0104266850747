/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the config loader (lib/ctl/config.c): any bytes must
 * give either a config or one "file:line:col: message" line, never a crash,
 * a leak (config_free must release everything) or a multi-line message.
 * Seeds: tests/fuzz/corpus/fuzz_config/. Certificate paths in the seeds need
 * not exist: a failed file check is an answer like any other.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlsterm/config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		const struct config_tls *tls = &cfg->listeners[i].tls;

		if (tls->enabled &&
		    (tls->n_certs < 1 || tls->n_certs > CONFIG_MAX_CERTS ||
		     (tls->min_version != 0x0303 && tls->min_version != 0x0304) ||
		     tls->n_alpn > CONFIG_MAX_ALPN || tls->ciphersuites[0] == '\0' ||
		     tls->ciphers[0] == '\0' || tls->groups[0] == '\0'))
			abort();
	}
	if (cfg->limits.handshake_timeout_ms < 100 || cfg->tickets.rotate_s < 60 ||
	    cfg->crypto.engine[0] == '\0')
		abort();
	config_free(cfg);
	return 0;
}

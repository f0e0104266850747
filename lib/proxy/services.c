/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in services for listeners without a real backend: echo (RFC 862)
 * and discard (RFC 863). For diagnostics, tests and benchmarks.
 */
#include <tlsterm/services.h>

/* Echo only as much as the send side can take: a peer that doesn't read slows its own writes. */
static void echo_pump(struct tcp_conn *c)
{
	for (;;) {
		uint32_t space = tcp_send_space(c);
		struct rte_mbuf *m = tcp_recv(c, space);
		if (m == NULL)
			break;
		if (tcp_send(c, m) != 0) {
			rte_pktmbuf_free(m);
			tcp_abort(c);
			return;
		}
	}
	if (tcp_peer_done(c))
		tcp_shutdown_write(c); /* half-close carried across */
}

static void discard_pump(struct tcp_conn *c)
{
	struct rte_mbuf *m;
	while ((m = tcp_recv(c, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	if (tcp_peer_done(c))
		tcp_shutdown_write(c);
}

const struct tcp_upper_ops service_echo_ops = {
	.readable = echo_pump,
	.writable = echo_pump,
};

const struct tcp_upper_ops service_discard_ops = {
	.readable = discard_pump,
};

const struct tcp_upper_ops *service_find(const char *name)
{
	if (strcmp(name, "echo") == 0)
		return &service_echo_ops;
	if (strcmp(name, "discard") == 0)
		return &service_discard_ops;
	return NULL;
}

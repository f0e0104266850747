/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters to Prometheus text and to JSON. The counters live in tables here
 * (metrics_table.h) that drive both outputs and the shutdown log, so /metrics,
 * /stats and the log cannot drift apart; drops, alerts, redirect outcomes,
 * gauges and pools have labels of their own and are written out by hand.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlsterm/metrics.h>

#include "metrics_table.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define WC(field) offsetof(struct worker_counters, field)
#define PC(field) offsetof(struct port_counters, field)
#define OUT_INITIAL 16384 /* a scrape of two ports and two workers is about 12 KiB */

/* A growing text; after a failed allocation it stops growing and the result is dropped. */
struct out {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		char *grown = realloc(o->s, o->cap * 2);
		if (grown == NULL) {
			o->oom = true;
			return;
		}
		o->s = grown;
		o->cap *= 2;
	}
}

/* A string inside quotes: Prometheus label values escape \ " and newline; JSON all controls. */
static void put_quoted(struct out *o, const char *s, bool json)
{
	put(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == '"')
			put(o, "\\%c", c);
		else if (c == '\n')
			put(o, "\\n");
		else if (json && c < 0x20)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

static bool out_start(struct out *o)
{
	*o = (struct out){ .s = malloc(OUT_INITIAL), .cap = OUT_INITIAL };
	if (o->s == NULL)
		return false;
	o->s[0] = '\0';
	return true;
}

static char *out_finish(struct out *o, size_t *len)
{
	if (o->oom) {
		free(o->s);
		return NULL;
	}
	*len = o->len;
	return o->s;
}

/* ---------------------------------------------------------------- the counters */

const struct counter metrics_counters[] = {
	{ "tlsterm_arp_requests_sent_total", NULL, "ARP requests sent to resolve a next hop.",
	  "net", "arp_requests_sent", WC(arp_requests_sent) },
	{ "tlsterm_arp_replies_sent_total", NULL, "ARP replies sent for our addresses.", "net",
	  "arp_replies_sent", WC(arp_replies_sent) },
	{ "tlsterm_arp_cache_evictions_total", NULL, "ARP cache entries evicted to make room.",
	  "net", "arp_cache_evictions", WC(arp_cache_evictions) },
	{ "tlsterm_icmp_echo_replies_total", NULL, "ICMP echo replies sent.", "net",
	  "icmp_echo_replies", WC(icmp_echo_replies) },
	{ "tlsterm_ndp_solicits_sent_total", NULL,
	  "IPv6 neighbor solicitations sent to resolve a next hop.", "net", "ndp_solicits_sent",
	  WC(ndp_solicits_sent) },
	{ "tlsterm_ndp_adverts_sent_total", NULL,
	  "IPv6 neighbor advertisements sent (answers and announcements).", "net",
	  "ndp_adverts_sent", WC(ndp_adverts_sent) },
	{ "tlsterm_ndp_cache_evictions_total", NULL,
	  "IPv6 neighbor cache entries evicted to make room.", "net", "ndp_cache_evictions",
	  WC(ndp_cache_evictions) },
	{ "tlsterm_ndp_ra_accepted_total", NULL,
	  "IPv6 router advertisements validated and taken (ipv6.accept_ra).", "net",
	  "ndp_ra_accepted", WC(ndp_ra_accepted) },
	{ "tlsterm_ndp_routers_expired_total", NULL,
	  "IPv6 default routers dropped when their router lifetime ran out.", "net",
	  "ndp_routers_expired", WC(ndp_routers_expired) },
	{ "tlsterm_icmpv6_echo_replies_total", NULL, "ICMPv6 echo replies sent.", "net",
	  "icmpv6_echo_replies", WC(icmpv6_echo_replies) },
	{ "tlsterm_icmpv6_too_big_total", NULL,
	  "ICMPv6 packet-too-big messages that lowered a connection's MSS.", "net",
	  "icmpv6_too_big", WC(icmpv6_too_big) },
	{ "tlsterm_icmpv6_errors_sent_total", NULL, "ICMPv6 error messages sent.", "net",
	  "icmpv6_errors_sent", WC(icmpv6_errors_sent) },
	{ "tlsterm_icmpv6_errors_rate_limited_total", NULL,
	  "ICMPv6 errors not sent because of ipv6.icmp_errors_per_s.", "net",
	  "icmpv6_errors_rate_limited", WC(icmpv6_errors_rate_limited) },
	{ "tlsterm_steered_packets_total", "direction=\"out\"",
	  "Packets handed to the worker that owns their flow (out) or received that way (in).",
	  "net", "steered_out", WC(steered_out) },
	{ "tlsterm_steered_packets_total", "direction=\"in\"", NULL, "net", "steered_in",
	  WC(steered_in) },
	{ "tlsterm_impair_duplicated_total", NULL, "Frames duplicated by the port impairment.",
	  "net", "impair_duplicated", WC(impair_duplicated) },
	{ "tlsterm_impair_reordered_total", NULL, "Frames held back by the port impairment.",
	  "net", "impair_reordered", WC(impair_reordered) },

	{ "tlsterm_tcp_connections_opened_total", "direction=\"active\"",
	  "TCP connections opened: by us (active) or by a peer's SYN (passive).", "tcp",
	  "active_opens", WC(tcp.active_opens) },
	{ "tlsterm_tcp_connections_opened_total", "direction=\"passive\"", NULL, "tcp",
	  "passive_opens", WC(tcp.passive_opens) },
	{ "tlsterm_tcp_connections_established_total", NULL,
	  "TCP connections that reached ESTABLISHED.", "tcp", "established",
	  WC(tcp.established) },
	{ "tlsterm_tcp_connections_closed_total", NULL, "TCP connections closed, for any reason.",
	  "tcp", "closed", WC(tcp.closed) },
	{ "tlsterm_tcp_resets_received_total", NULL, "TCP resets received and accepted.", "tcp",
	  "resets_received", WC(tcp.resets_received) },
	{ "tlsterm_tcp_resets_sent_total", NULL, "TCP resets sent.", "tcp", "resets_sent",
	  WC(tcp.resets_sent) },
	{ "tlsterm_tcp_timeouts_total", NULL,
	  "TCP connections ended by a timer (retransmission, keepalive, FIN_WAIT_2).", "tcp",
	  "timeouts", WC(tcp.timeouts) },
	{ "tlsterm_tcp_segments_total", "direction=\"in\"", "TCP segments received and sent.",
	  "tcp", "segs_in", WC(tcp.segs_in) },
	{ "tlsterm_tcp_segments_total", "direction=\"out\"", NULL, "tcp", "segs_out",
	  WC(tcp.segs_out) },
	{ "tlsterm_tcp_retransmissions_total", NULL, "TCP segments sent again.", "tcp",
	  "retransmits", WC(tcp.retransmits) },
	{ "tlsterm_tcp_rto_expiries_total", NULL, "TCP retransmission timer expiries.", "tcp",
	  "rto_expiries", WC(tcp.rto_expiries) },
	{ "tlsterm_tcp_fast_retransmits_total", NULL, "TCP fast retransmits (duplicate ACKs, SACK).",
	  "tcp", "fast_retransmits", WC(tcp.fast_retransmits) },
	{ "tlsterm_tcp_tail_loss_probes_total", NULL,
	  "TCP tail loss probes: the last segment sent again after two round trips without an ACK.",
	  "tcp", "tail_loss_probes", WC(tcp.tail_loss_probes) },
	{ "tlsterm_tcp_lost_retransmits_total", NULL,
	  "TCP recovery rounds restarted because a retransmitted segment was lost too.", "tcp",
	  "lost_retransmits", WC(tcp.lost_retransmits) },
	{ "tlsterm_tcp_out_of_order_segments_total", NULL,
	  "TCP segments received ahead of a hole and queued.", "tcp", "ooo_segments",
	  WC(tcp.ooo_segments) },
	{ "tlsterm_tcp_duplicate_segments_total", NULL, "TCP segments received twice.", "tcp",
	  "dup_segments", WC(tcp.dup_segments) },
	{ "tlsterm_tcp_challenge_acks_total", NULL, "TCP challenge ACKs sent (RFC 5961).", "tcp",
	  "challenge_acks", WC(tcp.challenge_acks) },
	{ "tlsterm_tcp_syncookies_sent_total", NULL, "SYN-ACKs sent with a SYN cookie.", "tcp",
	  "syncookies_sent", WC(tcp.syncookies_sent) },
	{ "tlsterm_tcp_syncookies_accepted_total", NULL,
	  "Connections made from a valid SYN cookie.", "tcp", "syncookies_accepted",
	  WC(tcp.syncookies_accepted) },
	{ "tlsterm_tcp_zero_window_probes_total", NULL, "TCP zero-window probes sent.", "tcp",
	  "zero_window_probes", WC(tcp.zero_window_probes) },
	{ "tlsterm_tcp_keepalive_probes_total", NULL, "TCP keepalive probes sent.", "tcp",
	  "keepalive_probes", WC(tcp.keepalive_probes) },
	{ "tlsterm_tcp_time_wait_recycled_total", NULL,
	  "TIME_WAIT connections reused for a new SYN.", "tcp", "time_wait_recycled",
	  WC(tcp.time_wait_recycled) },
	{ "tlsterm_tcp_fsm_illegal_total", NULL,
	  "TCP transitions the state table forbids: a bug if ever above 0.", "tcp",
	  "fsm_illegal", WC(tcp.fsm_illegal) },

	{ "tlsterm_tls_handshakes_started_total", NULL, "TLS handshakes started.", "tls",
	  "handshakes_started", WC(tls.handshakes_started) },
	{ "tlsterm_tls_handshakes_total", "version=\"1.3\",result=\"ok\"",
	  "TLS handshakes ended, by version and result (a failed or timed-out one has no "
	  "version).",
	  "tls", "handshakes_tls13", WC(tls.handshakes_tls13) },
	{ "tlsterm_tls_handshakes_total", "version=\"1.2\",result=\"ok\"", NULL, "tls",
	  "handshakes_tls12", WC(tls.handshakes_tls12) },
	{ "tlsterm_tls_handshakes_total", "version=\"unknown\",result=\"failed\"", NULL, "tls",
	  "handshakes_failed", WC(tls.handshakes_failed) },
	{ "tlsterm_tls_handshakes_total", "version=\"unknown\",result=\"timeout\"", NULL, "tls",
	  "handshake_timeouts", WC(tls.handshake_timeouts) },
	{ "tlsterm_tls_handshakes_resumed_total", NULL,
	  "TLS handshakes that resumed a session (a subset of the ok ones).", "tls",
	  "handshakes_resumed", WC(tls.handshakes_resumed) },
	{ "tlsterm_tls_handshake_cycles_total", NULL,
	  "TSC cycles spent in OpenSSL handshakes; divide by tlsterm_tsc_hz for seconds.", "tls",
	  "handshake_cycles", WC(tls.handshake_cycles) },
	{ "tlsterm_tls_records_total", "direction=\"open\"",
	  "TLS records decrypted (open) and encrypted (seal) by the record layer.", "tls",
	  "records_opened", WC(tls.records_opened) },
	{ "tlsterm_tls_records_total", "direction=\"seal\"", NULL, "tls", "records_sealed",
	  WC(tls.records_sealed) },
	{ "tlsterm_tls_bytes_total", "direction=\"open\"",
	  "Application bytes decrypted (open) and encrypted (seal).", "tls", "bytes_opened",
	  WC(tls.bytes_opened) },
	{ "tlsterm_tls_bytes_total", "direction=\"seal\"", NULL, "tls", "bytes_sealed",
	  WC(tls.bytes_sealed) },
	{ "tlsterm_tls_bursts_total", NULL, "Crypto engine submissions (one per busy iteration).",
	  "tls", "bursts", WC(tls.bursts) },
	{ "tlsterm_tls_key_expansions_total", NULL,
	  "AEAD keys expanded into a key schedule lent from the worker's cache (at a "
	  "connection's first record, and again after it gave its schedule back).",
	  "tls", "key_expansions", WC(tls.key_expansions) },
	{ "tlsterm_tls_key_schedules_taken_over_total", NULL,
	  "Key schedules taken from a connection with nothing in flight because none was "
	  "free (crypto.key_schedules too small for the connections moving data).",
	  "tls", "key_schedules_taken_over", WC(tls.key_schedules_taken_over) },
	{ "tlsterm_tls_key_schedules_swept_total", NULL,
	  "Key schedules given back by connections idle for a second or more.", "tls",
	  "key_schedules_swept", WC(tls.key_schedules_swept) },
	{ "tlsterm_tls_key_updates_total", "direction=\"received\"",
	  "TLS 1.3 KeyUpdate messages received and sent.", "tls", "key_updates_received",
	  WC(tls.key_updates_received) },
	{ "tlsterm_tls_key_updates_total", "direction=\"sent\"", NULL, "tls", "key_updates_sent",
	  WC(tls.key_updates_sent) },
	{ "tlsterm_tls_ocsp_staples_total", "result=\"sent\"",
	  "Clients that asked for an OCSP staple (status_request): stapled (sent), or not "
	  "because the response had passed its nextUpdate (expired).",
	  "tls", "ocsp_staples_sent", WC(tls.ocsp_staples_sent) },
	{ "tlsterm_tls_ocsp_staples_total", "result=\"expired\"", NULL, "tls",
	  "ocsp_staples_expired", WC(tls.ocsp_staples_expired) },
	{ "tlsterm_tls_ocsp_refreshes_total", "result=\"ok\"",
	  "OCSP response files re-read after they changed: taken (ok), or refused or missing "
	  "(failed; the response before stays until it expires).",
	  "tls", "ocsp_refresh_ok", WC(tls.ocsp_refresh_ok) },
	{ "tlsterm_tls_ocsp_refreshes_total", "result=\"failed\"", NULL, "tls",
	  "ocsp_refresh_failed", WC(tls.ocsp_refresh_failed) },

	{ "tlsterm_proxy_sessions_total", NULL, "Client connections handed to a backend pool.",
	  "proxy", "sessions", WC(proxy.sessions) },
	{ "tlsterm_proxy_connects_total", NULL, "Backend connections attempted.", "proxy",
	  "connects", WC(proxy.connects) },
	{ "tlsterm_proxy_connect_failures_total", NULL,
	  "Backend connections refused or reset before established.", "proxy",
	  "connect_failures", WC(proxy.connect_failures) },
	{ "tlsterm_proxy_connect_timeouts_total", NULL, "Backend connections that timed out.",
	  "proxy", "connect_timeouts", WC(proxy.connect_timeouts) },
	{ "tlsterm_proxy_retries_total", NULL, "Failed connects tried again on another server.",
	  "proxy", "retries", WC(proxy.retries) },
	{ "tlsterm_proxy_no_server_total", NULL,
	  "Clients closed because no server was up or had room.", "proxy", "no_server",
	  WC(proxy.no_server) },
	{ "tlsterm_proxy_idle_timeouts_total", NULL, "Sessions closed for being idle.", "proxy",
	  "idle_timeouts", WC(proxy.idle_timeouts) },
	{ "tlsterm_proxy_aborts_total", NULL, "Sessions reset because one side reset.", "proxy",
	  "aborts", WC(proxy.aborts) },
	{ "tlsterm_proxy_bytes_total", "direction=\"up\"",
	  "Plaintext bytes proxied client to backend (up) and backend to client (down).",
	  "proxy", "bytes_up", WC(proxy.bytes_up) },
	{ "tlsterm_proxy_bytes_total", "direction=\"down\"", NULL, "proxy", "bytes_down",
	  WC(proxy.bytes_down) },
	{ "tlsterm_proxy_access_log_dropped_total", NULL,
	  "Access-log records lost because the ring to the control thread was full.", "proxy",
	  "access_log_dropped", WC(proxy.access_log_dropped) },

	{ "tlsterm_edge_redirect_connections_total", NULL,
	  "Connections accepted on redirect_https listeners.", "edge", "redirect_connections",
	  WC(edge.redirect_connections) },
	{ "tlsterm_edge_redirect_timeouts_total", NULL,
	  "Redirect requests not complete in time (408).", "edge", "redirect_timeouts",
	  WC(edge.redirect_timeouts) },
	{ "tlsterm_edge_redirect_incomplete_total", NULL,
	  "Redirect clients that closed before a whole request.", "edge", "redirect_incomplete",
	  WC(edge.redirect_incomplete) },
	{ "tlsterm_edge_redirect_no_state_total", NULL,
	  "Redirect connections reset: no state slot free.", "edge", "redirect_no_state",
	  WC(edge.redirect_no_state) },
	{ "tlsterm_edge_redirect_send_failed_total", NULL,
	  "Redirect answers that could not be sent (no mbuf or send space).", "edge",
	  "redirect_send_failed", WC(edge.redirect_send_failed) },
	{ "tlsterm_edge_client_evictions_total", NULL,
	  "Per-client table entries with live state taken over for another address.", "edge",
	  "client_evictions", WC(edge.client_evictions) },
	{ "tlsterm_edge_half_open_capped_total", NULL,
	  "SYNs answered with a cookie because edge.max_half_open was reached.", "edge",
	  "half_open_capped", WC(edge.half_open_capped) },
	{ "tlsterm_edge_handshakes_refused_total", NULL,
	  "Connections reset at once: edge.max_handshaking TLS handshakes were under way.",
	  "edge", "handshakes_refused", WC(edge.handshakes_refused) },
};
const unsigned int metrics_n_counters = N_ELEMS(metrics_counters);

const struct labelled_counter metrics_port_counters[] = {
	{ "tlsterm_port_rx_packets_total", "Frames received on the port by the workers.",
	  "rx_packets", PC(rx_packets) },
	{ "tlsterm_port_rx_bytes_total", "Bytes received on the port by the workers.", "rx_bytes",
	  PC(rx_bytes) },
	{ "tlsterm_port_tx_packets_total", "Frames sent on the port.", "tx_packets",
	  PC(tx_packets) },
	{ "tlsterm_port_tx_bytes_total", "Bytes sent on the port.", "tx_bytes", PC(tx_bytes) },
	{ "tlsterm_port_rx_device_cycles_total",
	  "TSC cycles the workers spent in the device's receive calls that brought frames.",
	  "rx_device_cycles", PC(rx_device_cycles) },
	{ "tlsterm_port_tx_device_cycles_total",
	  "TSC cycles the workers spent in the device's transmit calls.", "tx_device_cycles",
	  PC(tx_device_cycles) },
	{ "tlsterm_port_device_stalls_total",
	  "Device calls left out of the device cycles: they took so long that the worker must "
	  "have been preempted in them.", "device_stalls", PC(device_stalls) },
	{ "tlsterm_port_tx_copied_total",
	  "Frames built as mbuf chains (TCP segments) copied into one mbuf before sending, "
	  "because the device does not send chains (no multi-segment transmit).", "tx_copied",
	  PC(tx_copied) },
};
const unsigned int metrics_n_port_counters = N_ELEMS(metrics_port_counters);

const struct labelled_counter metrics_worker_counters[] = {
	{ "tlsterm_worker_iterations_total", "Poll loop iterations of the worker.", "iterations",
	  WC(iterations) },
	{ "tlsterm_worker_idle_iterations_total", "Poll loop iterations that found nothing to do.",
	  "idle_iterations", WC(idle_iterations) },
	{ "tlsterm_worker_busy_cycles_total",
	  "TSC cycles spent in iterations that did work; divide by tlsterm_tsc_hz for seconds.",
	  "busy_cycles", WC(busy_cycles) },
	{ "tlsterm_worker_idle_cycles_total",
	  "TSC cycles of idle iterations that ran without a stall; the thread's on-CPU time minus "
	  "these is its busy time on the CPU, which preemption does not inflate.",
	  "idle_cycles", WC(idle_cycles) },
	{ "tlsterm_worker_idle_stalls_total",
	  "Idle iterations that took over 20 us (the thread was preempted or interrupted).",
	  "idle_stalls", WC(idle_stalls) },
};
const unsigned int metrics_n_worker_counters = N_ELEMS(metrics_worker_counters);

/* ---------------------------------------------------------------- Prometheus */

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} n, the value escaped. */
static void sample1(struct out *o, const char *name, const char *label, const char *value,
		    uint64_t n)
{
	put(o, "%s{%s=", name, label);
	put_quoted(o, value, false);
	put(o, "} %" PRIu64 "\n", n);
}

static void prom_ports(struct out *o, const struct metrics_input *in)
{
	for (unsigned int f = 0; f < metrics_n_port_counters; f++) {
		const struct labelled_counter *c = &metrics_port_counters[f];

		family(o, c->name, "counter", c->help);
		for (unsigned int p = 0; p < in->cfg->n_ports; p++)
			sample1(o, c->name, "port", in->cfg->ports[p].name,
				counter_at(&in->sum->port[p], c->off));
	}
}

/* An alert as a label value or JSON key: its name, or unassigned_N for a code with none. */
static const char *alert_label(unsigned int a, char *buf, size_t size)
{
	const char *name = tls_alert_name(a);

	if (name != NULL)
		return name;
	snprintf(buf, size, "unassigned_%u", a);
	return buf;
}

static void prom_alerts(struct out *o, const char *name, const char *help, const uint64_t *by)
{
	char buf[16];

	family(o, name, "counter", help);
	for (unsigned int a = 0; a < 256; a++)
		if (by[a] != 0)
			sample1(o, name, "alert", alert_label(a, buf, sizeof(buf)), by[a]);
}

static void prom_workers(struct out *o, const struct metrics_input *in)
{
	char id[16];

	for (unsigned int f = 0; f < metrics_n_worker_counters; f++) {
		const struct labelled_counter *c = &metrics_worker_counters[f];

		family(o, c->name, "counter", c->help);
		for (unsigned int w = 0; w < in->n_workers; w++) {
			snprintf(id, sizeof(id), "%u", w);
			sample1(o, c->name, "worker", id, counter_at(in->workers[w], c->off));
		}
	}
}

static void prom_gauge(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "gauge", help);
	put(o, "%s %" PRIu64 "\n", name, v);
}

char *metrics_prometheus(const struct metrics_input *in, size_t *len)
{
	const struct worker_counters *s = in->sum;
	struct out o;

	if (!out_start(&o))
		return NULL;
	prom_gauge(&o, "tlsterm_tsc_hz", "TSC ticks per second: the unit of the *_cycles counters.",
		   in->tsc_hz);
	prom_ports(&o, in);
	family(&o, "tlsterm_drops_total", "counter", "Frames dropped, by reason.");
	for (unsigned int r = 0; r < DROP__COUNT; r++)
		sample1(&o, "tlsterm_drops_total", "reason", drop_reason_name(r), s->drops[r]);
	family(&o, "tlsterm_edge_redirect_answers_total", "counter",
	       "Port-80 redirect requests answered, by outcome.");
	for (unsigned int r = REDIRECT_OK; r < REDIRECT__COUNT; r++)
		sample1(&o, "tlsterm_edge_redirect_answers_total", "outcome",
			redirect_outcome_name(r), s->edge.redirect_outcomes[r]);
	for (unsigned int i = 0; i < metrics_n_counters; i++) {
		const struct counter *c = &metrics_counters[i];

		if (i == 0 || strcmp(c->name, metrics_counters[i - 1].name) != 0)
			family(&o, c->name, "counter", c->help);
		if (c->labels != NULL)
			put(&o, "%s{%s} %" PRIu64 "\n", c->name, c->labels, counter_at(s, c->off));
		else
			put(&o, "%s %" PRIu64 "\n", c->name, counter_at(s, c->off));
	}
	prom_alerts(&o, "tlsterm_tls_alerts_sent_total", "TLS alerts sent, by description.",
		    s->tls.alerts_sent);
	prom_alerts(&o, "tlsterm_tls_alerts_received_total", "TLS alerts received, by description.",
		    s->tls.alerts_received);
	prom_workers(&o, in);
	if (in->has_conns) {
		prom_gauge(&o, "tlsterm_tcp_connections_open", "TCP connections open, TIME_WAIT "
			   "not included.", in->tcp_open);
		prom_gauge(&o, "tlsterm_tcp_connections_time_wait",
			   "TCP connections in TIME_WAIT.", in->tcp_time_wait);
		prom_gauge(&o, "tlsterm_tls_connections_open", "TLS connections open.",
			   in->tls_open);
		prom_gauge(&o, "tlsterm_tls_key_schedules_in_use", "Expanded AEAD keys (1 KiB "
			   "each) lent to connections that moved data in the last second or two.",
			   in->tls_key_schedules);
		prom_gauge(&o, "tlsterm_tls_key_schedules_size", "Expanded AEAD keys the workers "
			   "can lend (crypto.key_schedules per worker).", in->tls_key_schedules_size);
		prom_gauge(&o, "tlsterm_proxy_sessions_open", "Proxy sessions open.",
			   in->proxy_sessions);
	}
	if (in->has_reload) {
		prom_gauge(&o, "tlsterm_config_generation", "Configuration generation new "
			   "connections get: 1 at start, one more per successful reload.",
			   in->generation);
		family(&o, "tlsterm_reloads_total", "counter", "Reloads (POST /reload, SIGHUP) by "
		       "result: ok, failed (bad file, certificate or key), refused (needs a "
		       "restart).");
		sample1(&o, "tlsterm_reloads_total", "result", "ok", in->reloads_ok);
		sample1(&o, "tlsterm_reloads_total", "result", "failed", in->reloads_failed);
		sample1(&o, "tlsterm_reloads_total", "result", "refused", in->reloads_refused);
	}
	if (in->n_pools > 0) {
		family(&o, "tlsterm_mempool_in_use", "gauge", "Mbufs taken from the pool.");
		for (unsigned int p = 0; p < in->n_pools; p++)
			sample1(&o, "tlsterm_mempool_in_use", "pool", in->pools[p].name,
				in->pools[p].in_use);
		family(&o, "tlsterm_mempool_size", "gauge", "Mbufs the pool holds in all.");
		for (unsigned int p = 0; p < in->n_pools; p++)
			sample1(&o, "tlsterm_mempool_size", "pool", in->pools[p].name,
				in->pools[p].size);
	}
	return out_finish(&o, len);
}

/* ---------------------------------------------------------------- JSON */

/* "key": n, with a comma before every member but the first. */
static void member(struct out *o, bool *first, const char *key, uint64_t n)
{
	put(o, "%s", *first ? "" : ",");
	*first = false;
	put_quoted(o, key, true);
	put(o, ":%" PRIu64, n);
}

static void json_alerts(struct out *o, const char *key, const uint64_t *by)
{
	char buf[16];
	bool first = true;

	put(o, "\"%s\":{", key);
	for (unsigned int a = 0; a < 256; a++)
		if (by[a] != 0)
			member(o, &first, alert_label(a, buf, sizeof(buf)), by[a]);
	put(o, "}");
}

char *metrics_json(const struct metrics_input *in, size_t *len)
{
	const struct worker_counters *s = in->sum;
	bool first;
	struct out o;

	if (!out_start(&o))
		return NULL;
	put(&o, "{\"tsc_hz\":%" PRIu64 ",\"ports\":{", in->tsc_hz);
	for (unsigned int p = 0; p < in->cfg->n_ports; p++) {
		put(&o, "%s", p > 0 ? "," : "");
		put_quoted(&o, in->cfg->ports[p].name, true);
		put(&o, ":{");
		first = true;
		for (unsigned int f = 0; f < metrics_n_port_counters; f++)
			member(&o, &first, metrics_port_counters[f].key,
			       counter_at(&s->port[p], metrics_port_counters[f].off));
		put(&o, "}");
	}
	put(&o, "},\"drops\":{");
	first = true;
	for (unsigned int r = 0; r < DROP__COUNT; r++)
		member(&o, &first, drop_reason_name(r), s->drops[r]);
	put(&o, "}");
	for (unsigned int i = 0; i < metrics_n_counters; i++) {
		const struct counter *c = &metrics_counters[i];

		if (i == 0 || strcmp(c->section, metrics_counters[i - 1].section) != 0) {
			put(&o, "%s,\"%s\":{", i > 0 ? "}" : "", c->section);
			first = true;
		}
		member(&o, &first, c->key, counter_at(s, c->off));
	}
	put(&o, "},\"tls_alerts\":{");
	json_alerts(&o, "sent", s->tls.alerts_sent);
	put(&o, ",");
	json_alerts(&o, "received", s->tls.alerts_received);
	put(&o, "},\"workers\":[");
	for (unsigned int w = 0; w < in->n_workers; w++) {
		put(&o, "%s{", w > 0 ? "," : "");
		first = true;
		member(&o, &first, "worker", w);
		for (unsigned int f = 0; f < metrics_n_worker_counters; f++)
			member(&o, &first, metrics_worker_counters[f].key,
			       counter_at(in->workers[w], metrics_worker_counters[f].off));
		put(&o, "}");
	}
	put(&o, "]");
	if (in->has_conns)
		put(&o,
		    ",\"connections\":{\"tcp_open\":%u,\"tcp_time_wait\":%u,\"tls_open\":%u,"
		    "\"proxy_sessions\":%u,\"tls_key_schedules\":%u}",
		    in->tcp_open, in->tcp_time_wait, in->tls_open, in->proxy_sessions,
		    in->tls_key_schedules);
	if (in->has_reload)
		put(&o,
		    ",\"reload\":{\"generation\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64
		    ",\"refused\":%" PRIu64 "}",
		    in->generation, in->reloads_ok, in->reloads_failed, in->reloads_refused);
	put(&o, ",\"mempools\":[");
	for (unsigned int p = 0; p < in->n_pools; p++) {
		put(&o, "%s{\"pool\":", p > 0 ? "," : "");
		put_quoted(&o, in->pools[p].name, true);
		put(&o, ",\"in_use\":%u,\"size\":%u}", in->pools[p].in_use, in->pools[p].size);
	}
	put(&o, "]}\n");
	return out_finish(&o, len);
}

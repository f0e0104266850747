/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include <tlsterm/log.h>
#include <tlsterm/stats.h>

void stats_log(const struct config *cfg, const struct worker_counters *s, uint64_t tsc_hz)
{
	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		const struct port_counters *p = &s->port[i];
		log_info("stats: port %s rx_packets=%" PRIu64 " rx_bytes=%" PRIu64
			 " tx_packets=%" PRIu64 " tx_bytes=%" PRIu64,
			 cfg->ports[i].name, p->rx_packets, p->rx_bytes, p->tx_packets, p->tx_bytes);
	}
	uint64_t total = 0;
	for (unsigned int r = 0; r < DROP__COUNT; r++) {
		total += s->drops[r];
		if (s->drops[r] != 0)
			log_info("stats: drop %s=%" PRIu64, drop_reason_name(r), s->drops[r]);
	}
	log_info("stats: drops_total=%" PRIu64 " arp_requests_sent=%" PRIu64
		 " arp_replies_sent=%" PRIu64 " arp_cache_evictions=%" PRIu64
		 " icmp_echo_replies=%" PRIu64 " steered_out=%" PRIu64 " steered_in=%" PRIu64
		 " impair_duplicated=%" PRIu64 " impair_reordered=%" PRIu64,
		 total, s->arp_requests_sent, s->arp_replies_sent, s->arp_cache_evictions,
		 s->icmp_echo_replies, s->steered_out, s->steered_in, s->impair_duplicated,
		 s->impair_reordered);
	log_info("stats: ndp_solicits_sent=%" PRIu64 " ndp_adverts_sent=%" PRIu64
		 " ndp_cache_evictions=%" PRIu64 " ndp_ra_accepted=%" PRIu64
		 " ndp_routers_expired=%" PRIu64 " icmpv6_echo_replies=%" PRIu64
		 " icmpv6_too_big=%" PRIu64 " icmpv6_errors_sent=%" PRIu64
		 " icmpv6_errors_rate_limited=%" PRIu64,
		 s->ndp_solicits_sent, s->ndp_adverts_sent, s->ndp_cache_evictions,
		 s->ndp_ra_accepted, s->ndp_routers_expired, s->icmpv6_echo_replies,
		 s->icmpv6_too_big, s->icmpv6_errors_sent, s->icmpv6_errors_rate_limited);
	const struct tcp_counters *t = &s->tcp;
	log_info("stats: tcp active_opens=%" PRIu64 " passive_opens=%" PRIu64 " established=%" PRIu64
		 " closed=%" PRIu64 " resets_received=%" PRIu64 " resets_sent=%" PRIu64
		 " timeouts=%" PRIu64,
		 t->active_opens, t->passive_opens, t->established, t->closed, t->resets_received,
		 t->resets_sent, t->timeouts);
	log_info("stats: tcp segs_in=%" PRIu64 " segs_out=%" PRIu64 " retransmits=%" PRIu64
		 " rto_expiries=%" PRIu64 " fast_retransmits=%" PRIu64 " tail_loss_probes=%" PRIu64
		 " lost_retransmits=%" PRIu64 " ooo_segments=%" PRIu64
		 " dup_segments=%" PRIu64 " challenge_acks=%" PRIu64 " syncookies_sent=%" PRIu64
		 " syncookies_accepted=%" PRIu64 " zero_window_probes=%" PRIu64
		 " keepalive_probes=%" PRIu64 " time_wait_recycled=%" PRIu64
		 " fsm_illegal=%" PRIu64,
		 t->segs_in, t->segs_out, t->retransmits, t->rto_expiries, t->fast_retransmits,
		 t->tail_loss_probes, t->lost_retransmits,
		 t->ooo_segments, t->dup_segments, t->challenge_acks, t->syncookies_sent,
		 t->syncookies_accepted, t->zero_window_probes, t->keepalive_probes,
		 t->time_wait_recycled, t->fsm_illegal);
	const struct tls_counters *l = &s->tls;
	log_info("stats: tls handshakes_started=%" PRIu64 " handshakes_tls13=%" PRIu64
		 " handshakes_tls12=%" PRIu64 " handshakes_resumed=%" PRIu64
		 " handshakes_failed=%" PRIu64 " handshake_timeouts=%" PRIu64
		 " handshake_cycles=%" PRIu64,
		 l->handshakes_started, l->handshakes_tls13, l->handshakes_tls12,
		 l->handshakes_resumed, l->handshakes_failed, l->handshake_timeouts,
		 l->handshake_cycles);
	log_info("stats: tls records_opened=%" PRIu64 " records_sealed=%" PRIu64
		 " bytes_opened=%" PRIu64 " bytes_sealed=%" PRIu64 " bursts=%" PRIu64
		 " key_updates_received=%" PRIu64 " key_updates_sent=%" PRIu64,
		 l->records_opened, l->records_sealed, l->bytes_opened, l->bytes_sealed, l->bursts,
		 l->key_updates_received, l->key_updates_sent);
	log_info("stats: tls ocsp_staples_sent=%" PRIu64 " ocsp_staples_expired=%" PRIu64
		 " ocsp_refresh_ok=%" PRIu64 " ocsp_refresh_failed=%" PRIu64,
		 l->ocsp_staples_sent, l->ocsp_staples_expired, l->ocsp_refresh_ok,
		 l->ocsp_refresh_failed);
	for (unsigned int a = 0; a < 256; a++) {
		if (l->alerts_sent[a] != 0)
			log_info("stats: tls alert_sent %u=%" PRIu64, a, l->alerts_sent[a]);
		if (l->alerts_received[a] != 0)
			log_info("stats: tls alert_received %u=%" PRIu64, a, l->alerts_received[a]);
	}
	const struct proxy_counters *x = &s->proxy;
	log_info("stats: proxy sessions=%" PRIu64 " connects=%" PRIu64 " connect_failures=%" PRIu64
		 " connect_timeouts=%" PRIu64 " retries=%" PRIu64 " no_server=%" PRIu64
		 " idle_timeouts=%" PRIu64 " aborts=%" PRIu64 " bytes_up=%" PRIu64
		 " bytes_down=%" PRIu64,
		 x->sessions, x->connects, x->connect_failures, x->connect_timeouts, x->retries,
		 x->no_server, x->idle_timeouts, x->aborts, x->bytes_up, x->bytes_down);
	const struct edge_counters *e = &s->edge;
	log_info("stats: edge redirect_connections=%" PRIu64 " redirect_timeouts=%" PRIu64
		 " redirect_incomplete=%" PRIu64 " redirect_no_state=%" PRIu64
		 " redirect_send_failed=%" PRIu64,
		 e->redirect_connections, e->redirect_timeouts, e->redirect_incomplete,
		 e->redirect_no_state, e->redirect_send_failed);
	log_info("stats: edge client_evictions=%" PRIu64 " half_open_capped=%" PRIu64
		 " handshakes_refused=%" PRIu64,
		 e->client_evictions, e->half_open_capped, e->handshakes_refused);
	for (unsigned int o = REDIRECT_OK; o < REDIRECT__COUNT; o++)
		if (e->redirect_outcomes[o] != 0)
			log_info("stats: edge redirect %s=%" PRIu64, redirect_outcome_name(o),
				 e->redirect_outcomes[o]);
	log_info("stats: iterations=%" PRIu64 " idle_iterations=%" PRIu64
		 " busy_cycles=%" PRIu64 " tsc_hz=%" PRIu64,
		 s->iterations, s->idle_iterations, s->busy_cycles, tsc_hz);
}

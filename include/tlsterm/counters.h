/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker counters. Each worker writes only its own struct (no atomics);
 * the control thread sums them when asked. Every drop has a reason here.
 */
#ifndef TLSTERM_COUNTERS_H
#define TLSTERM_COUNTERS_H

#include <stdint.h>
#include <rte_common.h>

#include <tlsterm/config.h>

/* X(enum suffix, metric label) */
#define DROP_REASONS(X)                                   \
	X(RUNT, "runt")                                   \
	X(ETH_DST, "eth_dst_not_ours")                    \
	X(ETH_SRC, "eth_src_invalid")                     \
	X(ETHERTYPE, "ethertype_unsupported")             \
	X(ARP_MALFORMED, "arp_malformed")                 \
	X(ARP_OPCODE, "arp_opcode")                       \
	X(ARP_NOT_OURS, "arp_not_ours")                   \
	X(ARP_SPOOF, "arp_sender_is_us")                  \
	X(IPV4_VERSION, "ipv4_version")                   \
	X(IPV4_IHL, "ipv4_ihl")                           \
	X(IPV4_LENGTH, "ipv4_length")                     \
	X(IPV4_CHECKSUM, "ipv4_checksum")                 \
	X(IPV4_FRAGMENT, "ipv4_fragment")                 \
	X(IPV4_OPTIONS, "ipv4_options")                   \
	X(IPV4_SRC, "ipv4_src_invalid")                   \
	X(IPV4_NOT_OURS, "ipv4_dst_not_ours")             \
	X(IP_PROTO, "ip_proto_unsupported")               \
	X(ICMP_MALFORMED, "icmp_malformed")               \
	X(ICMP_CHECKSUM, "icmp_checksum")                 \
	X(ICMP_TYPE, "icmp_type_ignored")                 \
	X(TCP_NO_LISTENER, "tcp_no_listener")             \
	X(IPV6, "ipv6_unsupported")                       \
	X(IPV6_VERSION, "ipv6_version")                   \
	X(IPV6_LENGTH, "ipv6_length")                     \
	X(IPV6_HOP_LIMIT, "ipv6_hop_limit")               \
	X(IPV6_SRC, "ipv6_src_invalid")                   \
	X(IPV6_NOT_OURS, "ipv6_dst_not_ours")             \
	X(IPV6_EXT, "ipv6_ext_header")                    \
	X(IPV6_EXT_LIMIT, "ipv6_ext_limit")               \
	X(IPV6_FRAGMENT, "ipv6_fragment")                 \
	X(ICMPV6_MALFORMED, "icmpv6_malformed")           \
	X(ICMPV6_CHECKSUM, "icmpv6_checksum")             \
	X(ICMPV6_TYPE, "icmpv6_type_ignored")             \
	X(NDP_MALFORMED, "ndp_malformed")                 \
	X(NDP_NOT_OURS, "ndp_not_ours")                   \
	X(NDP_SPOOF, "ndp_target_is_us")                  \
	X(NDP_ROUTER_IGNORED, "ndp_router_message_ignored") \
	X(NDP_RA_HOP_LIMIT, "ndp_ra_hop_limit")           \
	X(NDP_RA_SOURCE, "ndp_ra_source")                 \
	X(NDP_RA_CODE, "ndp_ra_code")                     \
	X(NDP_RA_LENGTH, "ndp_ra_length")                 \
	X(NDP_RA_OPTIONS, "ndp_ra_options")               \
	X(NDP_RA_ROUTERS_FULL, "ndp_ra_routers_full")     \
	X(NDP_QUEUE_FULL, "ndp_queue_full")               \
	X(NDP_UNRESOLVED, "ndp_unresolved")               \
	X(ICMPV6_TOO_BIG_INVALID, "icmpv6_too_big_invalid") \
	X(ICMPV6_TOO_BIG_STALE, "icmpv6_too_big_stale")   \
	X(TX_FULL, "tx_queue_full")                       \
	X(ARP_QUEUE_FULL, "arp_queue_full")               \
	X(ARP_UNRESOLVED, "arp_unresolved")               \
	X(NO_ROUTE, "no_route")                           \
	X(NO_MBUF, "no_mbuf")                             \
	X(STEER_FULL, "steer_ring_full")                  \
	X(TCP_HEADER, "tcp_header")                       \
	X(TCP_CHECKSUM, "tcp_checksum")                   \
	X(TCP_OPTIONS, "tcp_options")                     \
	X(TCP_FLAGS, "tcp_flags")                         \
	X(TCP_NO_CONN, "tcp_no_connection")               \
	X(TCP_OUT_OF_WINDOW, "tcp_out_of_window")         \
	X(TCP_PAWS, "tcp_paws")                           \
	X(TCP_BAD_ACK, "tcp_bad_ack")                     \
	X(TCP_RST_IGNORED, "tcp_rst_ignored")             \
	X(TCP_SYN_QUEUE_FULL, "tcp_syn_queue_full")       \
	X(TCP_CONN_LIMIT, "tcp_connection_limit")         \
	X(TCP_OOO_LIMIT, "tcp_ooo_limit")                 \
	X(TCP_RCV_BUFFER_FULL, "tcp_receive_buffer_full") \
	X(TCP_AFTER_FIN, "tcp_data_after_fin")             \
	X(IMPAIR, "impair_drop")                          \
	X(EDGE_ACL, "edge_acl_denied")                    \
	X(EDGE_CLIENT_RATE, "edge_client_rate")           \
	X(EDGE_CLIENT_CONNS, "edge_client_connections")   \
	X(ICMP_RATE, "icmp_echo_rate_limited")

enum drop_reason {
#define X(e, s) DROP_##e,
	DROP_REASONS(X)
#undef X
	DROP__COUNT
};

const char *drop_reason_name(enum drop_reason r);

/* The name of a TLS alert description (RFC 8446 6, IANA registry), or NULL if unassigned. */
const char *tls_alert_name(unsigned int description);

/*
 * How a port-80 redirect request ended (lib/edge/http_redirect.c).
 * X(enum suffix, metric label, HTTP status; 0 for the listener's 301/308).
 */
#define REDIRECT_OUTCOMES(X)                          \
	X(PENDING, "pending", 0)                      \
	X(OK, "redirected", 0)                        \
	X(BAD_METHOD, "bad_method", 400)              \
	X(BAD_TARGET, "bad_target", 400)              \
	X(BAD_VERSION, "bad_version", 400)            \
	X(HTTP09, "http09", 400)                      \
	X(H2_PREFACE, "h2_preface", 400)              \
	X(LINE_END, "bad_line_end", 400)             \
	X(BAD_FIELD, "bad_field", 400)                \
	X(OBS_FOLD, "obs_fold", 400)                  \
	X(HOST_MISSING, "host_missing", 400)          \
	X(HOST_DUPLICATE, "host_duplicate", 400)      \
	X(HOST_INVALID, "host_invalid", 400)          \
	X(LINE_TOO_LONG, "uri_too_long", 414)         \
	X(HEADERS_TOO_LARGE, "headers_too_large", 431) \
	X(TOO_MANY_FIELDS, "too_many_fields", 431)

enum redirect_outcome {
#define X(e, s, code) REDIRECT_##e,
	REDIRECT_OUTCOMES(X)
#undef X
	REDIRECT__COUNT
};

const char *redirect_outcome_name(enum redirect_outcome o);

struct port_counters {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	/*
	 * TSC cycles inside the device's burst calls: what the PMD costs the worker (for
	 * net_af_packet a system call, the kernel's transmit path and copies; a few cycles per
	 * frame on a native PMD). rx counts the polls that brought frames (and an empty one
	 * just before them). A call that took far longer than its work can (the thread was
	 * preempted in it) goes to device_stalls instead: a preempted poll finds frames
	 * waiting afterwards, so counting it would charge the device for the wait.
	 */
	uint64_t rx_device_cycles;
	uint64_t tx_device_cycles;
	uint64_t device_stalls;
	uint64_t tx_copied; /* chains copied into one mbuf: the device sends single segments only */
};

struct worker_counters {
	struct port_counters port[CONFIG_MAX_PORTS];
	uint64_t drops[DROP__COUNT];
	uint64_t arp_requests_sent;
	uint64_t arp_replies_sent;
	uint64_t arp_cache_evictions;
	uint64_t icmp_echo_replies;
	uint64_t ndp_solicits_sent;
	uint64_t ndp_adverts_sent;
	uint64_t ndp_cache_evictions;
	uint64_t ndp_ra_accepted;     /* router advertisements taken (ipv6.accept_ra) */
	uint64_t ndp_routers_expired; /* default routers whose lifetime ran out */
	uint64_t icmpv6_echo_replies;
	uint64_t icmpv6_too_big;           /* packet-too-big about one of our connections, applied */
	uint64_t icmpv6_errors_sent;
	uint64_t icmpv6_errors_rate_limited; /* an error we would have sent, over the rate */
	uint64_t impair_duplicated;
	uint64_t impair_reordered;
	uint64_t steered_out;
	uint64_t steered_in;
	struct tcp_counters {
		uint64_t active_opens;
		uint64_t passive_opens;
		uint64_t established;
		uint64_t closed;
		uint64_t resets_received;
		uint64_t resets_sent;
		uint64_t timeouts;
		uint64_t segs_in;
		uint64_t segs_out;
		uint64_t retransmits;
		uint64_t rto_expiries;
		uint64_t fast_retransmits;
		uint64_t tail_loss_probes;  /* RFC 8985 §7: the last segment resent after 2 RTT of quiet */
		uint64_t lost_retransmits;  /* recovery went over its holes again: a resent one was lost */
		uint64_t ooo_segments;
		uint64_t dup_segments;
		uint64_t challenge_acks;
		uint64_t syncookies_sent;
		uint64_t syncookies_accepted;
		uint64_t zero_window_probes;
		uint64_t keepalive_probes;
		uint64_t time_wait_recycled;
		uint64_t fsm_illegal; /* a transition the table forbids: a bug if ever non-zero */
	} tcp;
	struct tls_counters {
		uint64_t handshakes_started;
		uint64_t handshakes_tls13;
		uint64_t handshakes_tls12;
		uint64_t handshakes_failed;
		uint64_t handshakes_resumed;
		uint64_t handshake_timeouts;
		uint64_t handshake_cycles; /* TSC cycles inside OpenSSL, over all handshakes */
		uint64_t records_opened;
		uint64_t records_sealed;
		uint64_t bytes_opened;     /* application plaintext bytes */
		uint64_t bytes_sealed;
		uint64_t bursts;           /* engine submissions */
		uint64_t key_expansions;   /* keys expanded into a lent schedule */
		uint64_t key_schedules_taken_over; /* ... by taking one from an unpinned record */
		uint64_t key_schedules_swept;      /* given back after an idle second */
		uint64_t key_updates_received;
		uint64_t key_updates_sent;
		uint64_t ocsp_staples_sent;    /* the client asked (status_request) and got one */
		uint64_t ocsp_staples_expired; /* asked, but the response is past nextUpdate */
		uint64_t ocsp_refresh_ok;      /* control thread only: a changed file taken */
		uint64_t ocsp_refresh_failed;  /* control thread only: a file refused or missing */
		uint64_t alerts_sent[256];     /* by description */
		uint64_t alerts_received[256];
	} tls;
	struct proxy_counters {
		uint64_t sessions;          /* client connections handed to a backend pool */
		uint64_t connects;          /* backend connections attempted */
		uint64_t connect_failures;  /* refused or reset before established */
		uint64_t connect_timeouts;
		uint64_t retries;           /* a failed connect tried on another server */
		uint64_t no_server;         /* no server up or with room: the client was closed */
		uint64_t idle_timeouts;
		uint64_t aborts;            /* one side reset, so the other was */
		uint64_t bytes_up;          /* client to backend (plaintext) */
		uint64_t bytes_down;        /* backend to client */
		uint64_t access_log_dropped; /* the ring to the control thread was full */
	} proxy;
	struct edge_counters {
		uint64_t redirect_connections;     /* accepted on a redirect_https listener */
		uint64_t redirect_outcomes[REDIRECT__COUNT]; /* answered, by outcome */
		uint64_t redirect_timeouts;        /* no complete request in time: 408 */
		uint64_t redirect_incomplete;      /* the client closed before a whole request */
		uint64_t redirect_no_state;        /* the state pool was empty: reset */
		uint64_t redirect_send_failed;     /* no mbuf or send space for the answer: reset */
		uint64_t client_evictions;   /* per-client entries taken over for another address */
		uint64_t half_open_capped;   /* SYNs answered with a cookie: max_half_open reached */
		uint64_t handshakes_refused; /* reset at once: max_handshaking reached */
	} edge;
	uint64_t iterations;
	uint64_t idle_iterations;
	uint64_t busy_cycles; /* TSC cycles spent in iterations that did work */
	uint64_t idle_cycles; /* TSC cycles of idle iterations that ran without a stall */
	uint64_t idle_stalls; /* idle iterations that took over 20 µs: preempted or interrupted */
} __rte_cache_aligned;

/* dst += src, field by field (used by the control thread to sum workers). */
void worker_counters_add(struct worker_counters *dst, const struct worker_counters *src);

#endif

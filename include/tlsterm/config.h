/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The validated, immutable configuration. Built once by config_load() on the
 * control thread; workers only ever read it (later through RCU snapshots).
 */
#ifndef TLSTERM_CONFIG_H
#define TLSTERM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_PORTS 8
#define CONFIG_MAX_EAL_ARGS 32
#define CONFIG_NAME_LEN 32
#define CONFIG_DEVICE_LEN 256
#define CONFIG_ERR_LEN 512
#define CONFIG_MAX_WARNINGS 8

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

struct config_dpdk {
	char lcores[64];        /* EAL "-l" list; the first lcore is the control thread */
	unsigned int memory_mb; /* EAL "-m" */
	bool no_huge;
	unsigned int n_eal_args;
	char *eal_args[CONFIG_MAX_EAL_ARGS]; /* passed to EAL verbatim, after ours */
};

/*
 * Seeded impairment of one port, for tests and labs (off by default): each
 * frame in the chosen directions may be dropped, duplicated, held back so
 * later frames overtake it, and delayed. Rates are per mille.
 */
struct config_impair {
	bool rx;
	bool tx;
	unsigned int seed;
	unsigned int drop_permille;
	unsigned int duplicate_permille;
	unsigned int reorder_permille;
	unsigned int delay_ms;
};

/* An address of either family, network order: IPv4 in bytes 0..3, the rest zero. */
struct ip_addr {
	uint8_t family; /* 4 or 6; 0: none */
	uint8_t bytes[16];
};

/* Buffer sizes for the two formatters below, with room to spare. */
#define IP_ADDR_STR_LEN 48
#define IP_ADDR_PORT_STR_LEN 56

/* "198.19.0.2" or "2001:2:0:19::2" into buf; "-" for none. Returns buf. */
const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len);
/* "198.19.0.2:8080" or "[2001:2:0:19::2]:8080"; "-" for none. Returns buf. */
const char *ip_addr_port_str(const struct ip_addr *a, uint16_t port, char *buf, size_t len);

struct config_port {
	char name[CONFIG_NAME_LEN];
	char device[CONFIG_DEVICE_LEN]; /* vdev spec ("net_af_packet0,iface=x") or PCI address */
	bool has_ipv4;
	uint32_t ipv4_addr;   /* network byte order */
	uint8_t ipv4_prefix;  /* 0..32 */
	bool has_gateway;
	uint32_t ipv4_gateway; /* network byte order; next hop for off-link peers */
	bool has_ipv6;
	uint8_t ipv6_addr[16]; /* global unicast; the link-local one comes from the MAC */
	uint8_t ipv6_prefix;   /* 1..128 */
	bool has_ipv6_gateway;
	uint8_t ipv6_gateway[16]; /* link-local or on-link; next hop for off-link IPv6 peers */
	struct config_impair impair;
};

#define CONFIG_MAX_LISTENERS 16

#define CONFIG_MAX_CERTS 16
#define CONFIG_MAX_ALPN 8
#define CONFIG_PATH_LEN 256
#define CONFIG_ALPN_LEN 256 /* RFC 7301 3.1: names of 1..255 bytes */

/* One certificate entry of a TLS listener: the PEM chain (leaf first) and its key. */
struct config_cert {
	char cert[CONFIG_PATH_LEN]; /* resolved against the config file's directory */
	char key[CONFIG_PATH_LEN];
	char ocsp[CONFIG_PATH_LEN]; /* a DER OCSPResponse to staple; empty: none (default) */
};

/*
 * TLS on a listener. Suites and groups use OpenSSL's list syntax and are
 * checked at load time; the defaults are forward-secret AEAD only.
 */
struct config_tls {
	bool enabled;                  /* the listener has a tls: section */
	unsigned int n_certs;          /* >= 1 when enabled; the first is the default (no SNI) */
	struct config_cert certs[CONFIG_MAX_CERTS];
	uint16_t min_version;          /* 0x0303 ("1.2", default) or 0x0304 ("1.3") */
	char ciphersuites[256];        /* TLS 1.3 */
	char ciphers[512];             /* TLS 1.2 */
	char groups[128];              /* default "X25519:P-256:P-384" */
	unsigned int n_alpn;
	char alpn[CONFIG_MAX_ALPN][CONFIG_ALPN_LEN]; /* in preference order */
	bool strict_sni;               /* unknown server names get unrecognized_name */
	bool session_tickets;          /* default true */
};

/* A port tlsterm accepts connections on, and what serves them. */
enum config_proxy_protocol {
	CONFIG_PROXY_OFF, /* default */
	CONFIG_PROXY_V1,
	CONFIG_PROXY_V2,
};

/* Which clients a listener takes. */
enum config_family {
	CONFIG_FAMILY_ANY, /* default: IPv4 and IPv6 */
	CONFIG_FAMILY_IPV4,
	CONFIG_FAMILY_IPV6,
};

struct config_listener {
	unsigned int port;             /* 1..65535 */
	enum config_family family;     /* default any */
	char backend[CONFIG_NAME_LEN]; /* a name under backends:, or built-in "echo" / "discard" */
	int backend_index;             /* index into config.backends, or -1 for a built-in */
	struct config_tls tls;
	enum config_proxy_protocol proxy_protocol; /* toward the backend; off with a built-in */
	bool redirect_https;           /* instead of a backend: answer HTTP/1.x with a redirect */
	unsigned int redirect_code;    /* 301 (default) or 308 */
	unsigned int redirect_port;    /* added to the Location's host; 0 (default): none */
};

#define CONFIG_MAX_BACKENDS 16
#define CONFIG_MAX_SERVERS 32

enum config_balance {
	CONFIG_BALANCE_ROUND_ROBIN, /* default; smooth weighted */
	CONFIG_BALANCE_LEAST_CONN,
	CONFIG_BALANCE_SOURCE_HASH,
};

enum config_health_type {
	CONFIG_HEALTH_TCP,  /* default: a connect that completes */
	CONFIG_HEALTH_HTTP, /* an HTTP/1.1 GET of path answered 2xx or 3xx */
};

/* One backend server: "ip:port", or { address: "ip:port", weight: N, max_connections: N }. */
struct config_server {
	struct ip_addr addr;          /* IPv4 or IPv6 */
	char zone[CONFIG_NAME_LEN];   /* "[fe80::1%inside]": the port a link-local server is on */
	int port_index;               /* that port's index; -1 (no zone): found by address */
	uint16_t port;                /* host order */
	unsigned int weight;          /* 1..256, default 1 */
	unsigned int max_connections; /* per worker; 0 = no limit (default) */
};

struct config_health {
	enum config_health_type type;
	char path[256];           /* HTTP: default "/" */
	char host[256];           /* HTTP Host header: default the server's address */
	unsigned int interval_ms; /* default 2000 */
	unsigned int timeout_ms;  /* default 1000 */
	unsigned int rise;        /* good checks in a row to come up: default 2 */
	unsigned int fall;        /* bad checks in a row to go down: default 3 */
};

/* A pool of servers a listener proxies to (backends: { NAME: {...} }). */
struct config_backend {
	char name[CONFIG_NAME_LEN];
	unsigned int n_servers; /* >= 1 */
	struct config_server servers[CONFIG_MAX_SERVERS];
	enum config_balance balance;
	unsigned int connect_timeout_ms; /* default 3000 */
	unsigned int retries;            /* other servers tried after a failed connect: default 2 */
	struct config_health health;
};

struct config_limits {
	unsigned int handshake_timeout_ms; /* default 10000 */
	unsigned int idle_timeout_ms;      /* no byte either way for this long: close; default 300000 */
	unsigned int redirect_timeout_ms;  /* a whole request within this, or 408; default 5000 */
	unsigned int redirect_connections; /* unanswered redirect requests per worker; default 1024 */
	/* idle_timeout_ms also closes built-in service (echo/discard) connections, TLS or not */
};

/* One line per finished connection, written by the control thread. */
struct config_access_log {
	char file[CONFIG_PATH_LEN]; /* empty: no access log (default) */
};

/* Session-ticket keys: the control thread's. */
struct config_tickets {
	unsigned int rotate_s;           /* new key every rotate_s; default 3600 */
	char key_file[CONFIG_PATH_LEN];  /* empty: generated; else 1..8 80-byte nginx-format keys,
					  * the first encrypts, all decrypt */
};

/* What a private-key file that others may read gets at load. */
enum config_key_permissions {
	CONFIG_KEY_PERMISSIONS_REFUSE, /* default: an error, nothing starts */
	CONFIG_KEY_PERMISSIONS_WARN,   /* a warning at load, then served */
};

/* TLS settings shared by every listener (the top-level tls: section). */
struct config_tls_global {
	enum config_key_permissions key_permissions;
	unsigned int ocsp_refresh_s; /* OCSP files re-read (when changed) this often; default 3600 */
};

/* Record-layer crypto. */
struct config_crypto {
	char engine[16]; /* "ipsec-mb" (default) or "evp" */
	/* Expanded AEAD keys a worker lends to connections moving data (1 KiB each, two per
	 * connection); 0 (default): tcp.max_connections / 2, at least 1024. */
	unsigned int key_schedules;
};

struct config_tcp {
	unsigned int max_connections; /* per worker, TIME_WAIT included; default 16384 */
	unsigned int syn_backlog;     /* half-open per listener before SYN cookies; default 1024 */
	unsigned int rcv_buffer;      /* bytes per connection; default 262144 */
	unsigned int snd_buffer;      /* bytes per connection; default 262144 */
	char congestion_control[16];  /* "cubic" (default) or "newreno" */
	unsigned int keepalive_s;          /* idle seconds before probing; 0 = off (default) */
	unsigned int keepalive_interval_s; /* between probes; default 75 */
	/* source ports of backend connections; default 32768..60999 (Linux's) */
	unsigned int local_port_first;
	unsigned int local_port_last;
};

struct config_log {
	enum log_level level; /* default info */
	char file[256];       /* empty: stderr */
};

struct config_arp {
	unsigned int cache_size;   /* entries per worker, power of two; default 1024 */
	unsigned int timeout_s;    /* entry lifetime; default 300 */
	unsigned int pending_max;  /* packets waiting on resolution per worker; default 64 */
};

/* IPv6 input bounds and the neighbor cache (NDP, RFC 4861) of each worker. */
struct config_ipv6 {
	unsigned int ext_headers_max;    /* extension headers walked per packet; default 4 */
	unsigned int ext_bytes_max;      /* their total length in bytes; default 256 */
	unsigned int neighbor_cache_size; /* entries per worker, power of two; default 1024 */
	unsigned int neighbor_timeout_s; /* entry lifetime; default 300 */
	unsigned int pending_max;        /* packets waiting on resolution per worker; default 64 */
	unsigned int icmp_errors_per_s;  /* ICMPv6 errors sent per worker and second; default 100 */
	bool accept_ra;                  /* default routers from advertisements; default off */
};

#define CONFIG_MAX_ACL 256 /* CIDRs in each of edge.acl.allow and edge.acl.deny */

/* One CIDR of the edge ACL, IPv4 or IPv6. */
struct config_cidr {
	uint8_t family;    /* 4 or 6 */
	uint8_t prefix;    /* 0..32 (IPv4), 0..128 (IPv6) */
	uint32_t addr;     /* IPv4: network byte order, host bits zero */
	uint8_t addr6[16]; /* IPv6: host bits zero */
};

/* What an address in neither list gets (longest prefix wins among the listed ones). */
enum config_acl_default {
	CONFIG_ACL_ALLOW, /* default */
	CONFIG_ACL_DENY,
};

enum config_closed_ports {
	CONFIG_CLOSED_RST,  /* default: a segment to a port without a listener gets RST */
	CONFIG_CLOSED_DROP, /* silence */
};

/*
 * Edge protection (lib/edge): who may talk to the listeners, and how much.
 * Every limit is per worker (README "Edge protection" says why).
 */
struct config_edge {
	unsigned int n_allow, n_deny;
	struct config_cidr allow[CONFIG_MAX_ACL];
	struct config_cidr deny[CONFIG_MAX_ACL];
	enum config_acl_default acl_default;
	enum config_closed_ports closed_ports;
	unsigned int icmp_echo_per_s; /* echo replies per second; default 1000, 0 = none */
	unsigned int new_per_s;       /* per_client: new connections per second; 0 = off (default) */
	unsigned int burst;           /* per_client: bucket depth; default new_per_s */
	unsigned int max_connections; /* per_client: at once; 0 = off (default) */
	unsigned int table_size;      /* per_client: entries, power of two; default 65536 */
	unsigned int ipv6_prefix;     /* per_client: IPv6 sources count per this prefix, 32..128; 64 */
	unsigned int max_half_open;   /* SYN_RCVD connections beyond which SYNs get cookies; 8192 */
	unsigned int max_handshaking; /* TLS handshakes at once; default 4096 */
};

#define CONFIG_ADMIN_TOKEN_LEN 256

/* The admin HTTP API (metrics, stats, health, reload) on a kernel socket, served by the
 * control thread. */
struct config_admin {
	bool enabled;   /* an admin: section was given; none means no admin API (default) */
	uint32_t ipv4;  /* listen address, network byte order */
	uint16_t port;  /* host order */
	char token[CONFIG_ADMIN_TOKEN_LEN]; /* bearer token; empty: none (loopback only) */
};

struct config {
	char path[256];
	struct config_dpdk dpdk;
	unsigned int n_ports;
	struct config_port ports[CONFIG_MAX_PORTS];
	unsigned int n_listeners;
	struct config_listener listeners[CONFIG_MAX_LISTENERS];
	struct config_tcp tcp;
	struct config_log log;
	struct config_arp arp;
	struct config_ipv6 ipv6;
	unsigned int n_backends;
	struct config_backend backends[CONFIG_MAX_BACKENDS];
	struct config_limits limits;
	struct config_access_log access_log;
	struct config_tickets tickets;
	struct config_crypto crypto;
	struct config_admin admin;
	struct config_edge edge;
	struct config_tls_global tls;
	unsigned int mbufs_per_worker; /* default 8191 */
	bool dump_core_memory; /* false (default): packet memory and keys stay out of core dumps */
	unsigned int n_warnings;  /* accepted, but worth telling: "file:line:col: warning: ..." */
	char warnings[CONFIG_MAX_WARNINGS][CONFIG_ERR_LEN];
};

/*
 * Parse and validate. On failure returns NULL and writes one line of the form
 * "file:line:col: message" into err. Unknown keys are errors.
 */
struct config *config_load(const char *path, char *err, size_t errlen);

/* Same, from memory; name is used in error messages in place of a path. */
struct config *config_parse(const char *name, const char *text, size_t len,
			    char *err, size_t errlen);

void config_free(struct config *cfg);

/*
 * Set the top-level defaults a file is parsed over (the values of every key the file may
 * leave out; lists start empty). The loader starts from them, and so do the unit tests'
 * hand-built configs, so both see the same values.
 */
void config_defaults(struct config *cfg);

/*
 * Whether a running tlsterm configured with old can take new by a reload.
 * 0, or -1 with "file: field: changing it needs a restart" in err for the
 * first field that only a restart can change. A field this check does not
 * know is refused too (lib/ctl/config_diff.c says why).
 */
int config_reload_check(const struct config *old, const struct config *new, char *err,
			size_t errlen);

/* Number of lcores in dpdk.lcores, or -1 if the list does not parse. */
int config_lcore_count(const struct config *cfg);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reverse-proxy part of config validation that is about values, not
 * YAML: names, server addresses, health-check requests and the access log.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config_backends.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))


static const char *const builtins[] = { "echo", "discard" };

bool backend_is_builtin(const char *name)
{
	for (size_t i = 0; i < N_ELEMS(builtins); i++)
		if (strcmp(name, builtins[i]) == 0)
			return true;
	return false;
}

/* Backend names end up in metric labels and log lines: keep them tame. */
int backend_check_name(const char *s, size_t len, bool defining, struct config_why *why)
{
	if (len < 1 || len > CONFIG_NAME_LEN - 1)
		return config_why_at(why, 0, "expected a name of 1..%d characters from [A-Za-z0-9_.-], "
				      "got %zu characters",
			      CONFIG_NAME_LEN - 1, len);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return config_why_at(why, i, "expected a name from [A-Za-z0-9_.-], found '%c'",
				      c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (defining && backend_is_builtin(s))
		return config_why_at(why, 0, "\"%s\" is a built-in service; name the backend otherwise",
			      s);
	return 0;
}

/* Strict decimal port: digits only, no leading zero, 1..65535. */
static bool parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/*
 * "[2001:2:0:19::2]:8080": an IPv6 server in brackets, as in a URL (RFC 3986
 * 3.2.2); a link-local one may name its port after '%' (RFC 4007 11.2's zone
 * index, here a port's name): "[fe80::1%inside]:8080".
 */
static int parse_server6(const char *s, size_t len, struct config_server *srv,
			 struct config_why *why)
{
	const char *expected = "expected \"[ipv6]:port\" like \"[2001:2:0:19::2]:8080\"";
	const char *close = memchr(s, ']', len);
	char host[INET6_ADDRSTRLEN];
	struct in6_addr a;
	size_t host_len;

	if (s[0] != '[')
		return config_why_at(why, 0, "%s: an IPv6 address goes in brackets", expected);
	if (close == NULL)
		return config_why_at(why, 0, "%s, the ']' is missing", expected);
	host_len = (size_t)(close - s - 1);
	const char *pct = memchr(s, '%', host_len + 1);
	if (pct != NULL) {
		size_t zone_at = (size_t)(pct + 1 - s), zone_len = (size_t)(close - pct - 1);
		if (backend_check_name(pct + 1, zone_len, false, why) < 0) {
			why->at += zone_at;
			return -1;
		}
		memcpy(srv->zone, pct + 1, zone_len);
		srv->zone[zone_len] = '\0';
		host_len = (size_t)(pct - s - 1);
	}
	if (host_len == 0 || host_len >= sizeof(host))
		return config_why_at(why, 1, "%s, the address is not an IPv6 address", expected);
	memcpy(host, s + 1, host_len);
	host[host_len] = '\0';
	if (inet_pton(AF_INET6, host, &a) != 1)
		return config_why_at(why, 1, "%s, \"%s\" is not an IPv6 address", expected, host);
	if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_MULTICAST(&a) ||
	    IN6_IS_ADDR_V4MAPPED(&a))
		return config_why_at(why, 1, "%s is not a server address (unspecified, loopback, "
				     "multicast or IPv4-mapped)", host);
	if (srv->zone[0] != '\0' && !IN6_IS_ADDR_LINKLOCAL(&a))
		return config_why_at(why, (size_t)(pct - s),
				     "a port after '%%' is for link-local addresses (fe80::/10) "
				     "only; %s is reached by its prefix", host);
	if ((size_t)(close - s) + 1 == len || close[1] != ':')
		return config_why_at(why, (size_t)(close - s) + 1, "%s, the port is missing",
				     expected);
	if (!parse_port(close + 2, len - (size_t)(close - s) - 2, &srv->port))
		return config_why_at(why, (size_t)(close - s) + 2, "expected a port 1..65535 after ':'");
	srv->addr.family = 6;
	memcpy(srv->addr.bytes, a.s6_addr, 16);
	return 0;
}

int backend_parse_server(const char *s, size_t len, struct config_server *srv,
			 struct config_why *why)
{
	const char *expected = "expected \"a.b.c.d:port\"";
	const char *colon = memchr(s, ':', len);
	char host[INET_ADDRSTRLEN];
	size_t host_len;
	struct in_addr a;
	uint32_t h;

	srv->zone[0] = '\0';
	srv->port_index = -1; /* resolve_zones() sets it for a zone */

	/* "[2001:db8::1]:80", or a bare IPv6 address with its many colons */
	if ((len > 0 && s[0] == '[') || (colon != NULL && memchr(colon + 1, ':',
								  len - (size_t)(colon + 1 - s))))
		return parse_server6(s, len, srv, why);
	if (colon == NULL)
		return config_why_at(why, 0, "%s, the port is missing", expected);
	host_len = (size_t)(colon - s);
	/* inet_pton alone is strict: four decimal octets, no leading zeros, no spaces */
	if (host_len == 0 || host_len >= sizeof(host))
		return config_why_at(why, 0, "%s, the address is not a dotted quad", expected);
	memcpy(host, s, host_len);
	host[host_len] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return config_why_at(why, 0, "%s, \"%s\" is not a dotted quad", expected, host);
	h = ntohl(a.s_addr);
	if (h == 0 || h == UINT32_MAX || (h >> 28) == 0xe || (h >> 24) == 127)
		return config_why_at(why, 0, "%s is not a server address (unspecified, broadcast, "
				      "multicast or loopback)",
			      host);
	if (!parse_port(colon + 1, len - host_len - 1, &srv->port))
		return config_why_at(why, host_len + 1, "expected a port 1..65535 after ':'");
	memset(&srv->addr, 0, sizeof(srv->addr));
	srv->addr.family = 4;
	memcpy(srv->addr.bytes, &a.s_addr, 4);
	return 0;
}

/*
 * RFC 9112 3.2.1: the origin-form request target, sent as written. Bytes
 * that would break the request line (space, CTL) or need encoding are refused.
 */
int backend_check_http_path(const char *s, size_t len, struct config_why *why)
{
	if (len == 0 || s[0] != '/')
		return config_why_at(why, 0, "expected a path starting with '/'");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return config_why_at(why, i, "spaces, control and non-ASCII characters are not "
					      "allowed in a path; percent-encode them");
		if (c == '#')
			return config_why_at(why, i, "a fragment (#...) is never sent to a server");
	}
	return 0;
}

/* RFC 9110 7.2: uri-host [ ":" port ]; reg-name characters, or an IPv6 literal in brackets. */
int backend_check_http_host(const char *s, size_t len, struct config_why *why)
{
	if (len == 0)
		return config_why_at(why, 0, "expected a host name like app.local or app.local:8080");
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '[' ||
		      c == ']'))
			return config_why_at(why, i, "expected a host name like app.local or "
					      "app.local:8080; this character is not allowed");
	}
	return 0;
}

void backend_defaults(struct config_backend *b)
{
	b->balance = CONFIG_BALANCE_ROUND_ROBIN;
	b->connect_timeout_ms = 3000;
	b->retries = 2;
	b->health.type = CONFIG_HEALTH_TCP;
	snprintf(b->health.path, sizeof(b->health.path), "/");
	b->health.host[0] = '\0';
	b->health.interval_ms = 2000;
	b->health.timeout_ms = 1000;
	b->health.rise = 2;
	b->health.fall = 3;
}

int backend_find(const struct config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_backends; i++)
		if (strcmp(cfg->backends[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Checked at load so a typo in the directory fails at --check, not when the
 * first connection closes. Whether the daemon's user may write there is not:
 * --check often runs as somebody else.
 */
int access_log_check(const char *path, struct config_why *why)
{
	const char *slash = strrchr(path, '/');
	char dir[CONFIG_PATH_LEN];
	struct stat st;

	if (path[0] == '\0' || path[strlen(path) - 1] == '/')
		return config_why_at(why, 0, "expected a file path, not a directory");
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) != 0)
		return config_why_at(why, 0, "directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return config_why_at(why, 0, "%s is not a directory", dir);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return config_why_at(why, 0, "%s is a directory", path);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <tlsterm/access_log.h>

static const char *end_name(uint8_t end)
{
	static const char *const names[] = {
		[ACCESS_END_DONE] = "done",
		[ACCESS_END_CLIENT_ABORT] = "client_abort",
		[ACCESS_END_BACKEND_ABORT] = "backend_abort",
		[ACCESS_END_NO_SERVER] = "no_server",
		[ACCESS_END_IDLE] = "idle_timeout",
		[ACCESS_END_SHUTDOWN] = "shutdown",
	};
	return end < sizeof(names) / sizeof(names[0]) ? names[end] : "unknown";
}

static const char *version_name(uint16_t v)
{
	return v == 0x0304 ? "TLSv1.3" : v == 0x0303 ? "TLSv1.2" : "-";
}

static const char *or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

/*
 * "2026-11-26T19:30:00.123Z client=198.18.0.2:51234 listener=443 tls=TLSv1.3
 * cipher=... resumed=0 sni=... alpn=... backend=app server=198.19.0.2:8082
 * up=123 down=456 duration_ms=12.345 end=done". Names are kept without spaces
 * (SNI and ALPN come from the client: anything odd is replaced by '?').
 */
int access_log_format(const struct access_record *r, double tsc_per_ns, int64_t tsc0,
		      int64_t wall0_ns, char *buf, size_t len)
{
	int64_t ns = wall0_ns + (int64_t)((double)((int64_t)r->start_tsc - tsc0) / tsc_per_ns);
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char sni[sizeof(r->sni)], alpn[sizeof(r->alpn)];
	snprintf(sni, sizeof(sni), "%s", or_dash(r->sni));
	snprintf(alpn, sizeof(alpn), "%s", or_dash(r->alpn));
	for (char *p = sni; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '?';
	for (char *p = alpn; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '?';
	char client[IP_ADDR_PORT_STR_LEN], server[IP_ADDR_PORT_STR_LEN];
	ip_addr_port_str(&r->client_addr, r->client_port, client, sizeof(client));
	ip_addr_port_str(&r->server_addr, r->server_port, server, sizeof(server));
	double ms = (double)(r->end_tsc - r->start_tsc) / tsc_per_ns / 1e6;
	int n = snprintf(buf, len,
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ client=%s listener=%u "
			 "tls=%s cipher=%s resumed=%d sni=%s alpn=%s backend=%s "
			 "server=%s up=%" PRIu64 " down=%" PRIu64
			 " duration_ms=%.3f end=%s",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (int)(ns / 1000000 % 1000), client, r->listen_port, version_name(r->tls_version), or_dash(r->cipher),
			 r->resumed ? 1 : 0, sni, alpn, or_dash(r->backend), server, r->bytes_up, r->bytes_down, ms, end_name(r->end));
	if (n < 0)
		return 0;
	return (size_t)n >= len ? (int)len - 1 : n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Addresses of either family in their usual text form (RFC 5952 for IPv6, as inet_ntop writes). */
#include <arpa/inet.h>
#include <stdio.h>

#include <tlsterm/config.h>

const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len)
{
	int af = a->family == 6 ? AF_INET6 : AF_INET;
	if (a->family == 0 || inet_ntop(af, a->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "-");
	return buf;
}

const char *ip_addr_port_str(const struct ip_addr *a, uint16_t port, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	if (a->family == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u",
			 ip_addr_str(a, host, sizeof(host)), port);
	return buf;
}

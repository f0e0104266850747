/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin HTTP API. libmicrohttpd runs in external polling mode with its
 * own epoll set, so the control thread waits on one file descriptor and no
 * thread is started. Everything is bounded: connections, their lifetime,
 * their memory and request bodies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <tlsterm/admin.h>
#include <tlsterm/log.h>

#define ADMIN_MEMORY_LIMIT (32 * 1024) /* per connection: request line, headers, buffers */
#define ADMIN_BACKLOG 16u
#define DIGEST_LEN 32

struct admin {
	struct MHD_Daemon *mhd;
	struct admin_ops ops;
	int epoll_fd;
	unsigned int port;
	bool has_token;
	unsigned char token_digest[DIGEST_LEN]; /* SHA-256: compared in constant time */
	char last_error[256];                   /* libmicrohttpd's last complaint */
};

/* One request's state, from its headers to its completion. */
struct request {
	size_t body;   /* body bytes seen, all discarded */
	bool answered; /* a response went out early (body too large) */
};

/* libmicrohttpd hands its own printf formats */
static void on_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void on_log(void *cls, const char *fmt, va_list ap)
{
	struct admin *a = cls;
	size_t n;

	vsnprintf(a->last_error, sizeof(a->last_error), fmt, ap);
	n = strlen(a->last_error);
	while (n > 0 && (a->last_error[n - 1] == '\n' || a->last_error[n - 1] == '\r'))
		a->last_error[--n] = '\0';
	if (a->mhd != NULL) /* during start-up the caller reports it */
		log_debug("admin: %s", a->last_error);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)conn;
	(void)why;
	free(*req_cls);
	*req_cls = NULL;
}

static bool sha256(const void *data, size_t len, unsigned char out[DIGEST_LEN])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == DIGEST_LEN;
}

/*
 * RFC 6750 2.1: "Authorization: Bearer <token>", the scheme in any case.
 * Digests are compared, so the time taken tells nothing about the token,
 * not even its length.
 */
static bool authorized(const struct admin *a, struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char digest[DIGEST_LEN];

	if (!a->has_token)
		return true;
	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return false;
	v += 7;
	while (*v == ' ')
		v++;
	return sha256(v, strlen(v), digest) &&
	       CRYPTO_memcmp(digest, a->token_digest, DIGEST_LEN) == 0;
}

/* Queue a response; body is copied unless owned says libmicrohttpd may free() it. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     char *body, size_t len, bool owned, const char *header,
			     const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL) {
		if (owned)
			free(body);
		return MHD_NO; /* libmicrohttpd closes the connection */
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    (header != NULL && MHD_add_response_header(r, header, value) != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text, const char *header, const char *value)
{
	return reply(conn, status, "text/plain; charset=utf-8", (char *)text, strlen(text), false,
		     header, value);
}

static enum MHD_Result serve_metrics(struct admin *a, struct MHD_Connection *conn, bool json)
{
	struct metrics_input in = { 0 };
	size_t len = 0;
	char *body;

	a->ops.collect(a->ops.arg, &in);
	body = json ? metrics_json(&in, &len) : metrics_prometheus(&in, &len);
	if (body == NULL)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL,
				  NULL);
	return reply(conn, MHD_HTTP_OK, json ? "application/json" : "text/plain; version=0.0.4",
		     body, len, true, NULL, NULL);
}

static enum MHD_Result serve_reload(struct admin *a, struct MHD_Connection *conn)
{
	char body[ADMIN_REPLY_LEN];
	unsigned int status;

	if (a->ops.reload == NULL) {
		snprintf(body, sizeof(body), "{\"error\":\"reload is not available\"}\n");
		status = MHD_HTTP_NOT_IMPLEMENTED;
	} else {
		body[0] = '\0';
		status = a->ops.reload(a->ops.arg, body, sizeof(body));
	}
	return reply(conn, status, "application/json", body, strlen(body), false, NULL, NULL);
}

enum endpoint { EP_METRICS, EP_STATS, EP_HEALTHZ, EP_RELOAD };

static const struct route {
	const char *path;
	bool post; /* POST only; the others take GET and HEAD */
} routes[] = {
	[EP_METRICS] = { "/metrics", false },
	[EP_STATS] = { "/stats", false },
	[EP_HEALTHZ] = { "/healthz", false },
	[EP_RELOAD] = { "/reload", true },
};

static enum MHD_Result serve(struct admin *a, struct MHD_Connection *conn, const char *url,
			     const char *method)
{
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	unsigned int ep;

	/* before routing, so a stranger learns nothing, not even which paths exist */
	if (!authorized(a, conn))
		return reply_text(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized\n",
				  MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"tlsterm\"");
	for (ep = 0; ep < sizeof(routes) / sizeof(routes[0]); ep++)
		if (strcmp(url, routes[ep].path) == 0)
			break;
	if (ep == sizeof(routes) / sizeof(routes[0]))
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL, NULL);
	if (routes[ep].post ? !post : !get) /* RFC 9110 15.5.6: say what is allowed */
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				  MHD_HTTP_HEADER_ALLOW, routes[ep].post ? "POST" : "GET, HEAD");
	switch ((enum endpoint)ep) {
	case EP_METRICS:
		return serve_metrics(a, conn, false);
	case EP_STATS:
		return serve_metrics(a, conn, true);
	case EP_HEALTHZ:
		return reply_text(conn, MHD_HTTP_OK, "ok\n", NULL, NULL);
	case EP_RELOAD:
		return serve_reload(a, conn);
	}
	return MHD_NO;
}

/* A declared body over the limit; a chunked one is caught while it arrives. */
static bool body_too_large(struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);

	return v != NULL && strtoull(v, NULL, 10) > ADMIN_BODY_MAX;
}

/*
 * Called once when the headers are in, then for each piece of body, then
 * once more with none: the answer goes out on that last call. An early
 * answer is possible only on the first call (libmicrohttpd refuses one in
 * the middle of a body), so a chunked body that grows too large is cut off.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct request *rq = *req_cls;

	(void)version;
	(void)upload_data;
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		*req_cls = rq;
		if (!body_too_large(conn))
			return MHD_YES;
		rq->answered = true; /* libmicrohttpd closes the connection after it */
		return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n",
				  NULL, NULL);
	}
	if (*upload_data_size > 0) {
		rq->body += *upload_data_size;
		*upload_data_size = 0;
		return rq->answered || rq->body <= ADMIN_BODY_MAX ? MHD_YES : MHD_NO;
	}
	if (rq->answered)
		return MHD_YES;
	return serve(cls, conn, url, method);
}

struct admin *admin_start(const struct config_admin *cfg, const struct admin_ops *ops, char *err,
			  size_t errlen)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(cfg->port),
				   .sin_addr.s_addr = cfg->ipv4 };
	const union MHD_DaemonInfo *info;
	char addr[INET_ADDRSTRLEN];
	struct admin *a;

	inet_ntop(AF_INET, &cfg->ipv4, addr, sizeof(addr));
	if (ops == NULL || ops->collect == NULL) {
		snprintf(err, errlen, "admin: no way to collect the counters");
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "admin: out of memory");
		return NULL;
	}
	a->ops = *ops;
	a->has_token = cfg->token[0] != '\0';
	if (a->has_token && !sha256(cfg->token, strlen(cfg->token), a->token_digest)) {
		snprintf(err, errlen, "admin: cannot hash the token (SHA-256 unavailable)");
		goto free_admin;
	}
	/* MHD_USE_EPOLL without MHD_USE_INTERNAL_POLLING_THREAD: we poll its epoll fd */
	a->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG, cfg->port, NULL, NULL, on_request, a,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&sin,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)ADMIN_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)ADMIN_CONNECTION_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)ADMIN_MEMORY_LIMIT,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, ADMIN_BACKLOG,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, a,
		MHD_OPTION_END);
	if (a->mhd == NULL) {
		snprintf(err, errlen, "admin: cannot listen on %s:%u: %s", addr, cfg->port,
			 a->last_error[0] != '\0' ? a->last_error : "libmicrohttpd refused");
		goto free_admin;
	}
	info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		snprintf(err, errlen, "admin: libmicrohttpd has no epoll descriptor");
		goto stop_daemon;
	}
	a->epoll_fd = info->epoll_fd;
	info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_BIND_PORT);
	a->port = info != NULL ? info->port : cfg->port;
	return a;

stop_daemon:
	MHD_stop_daemon(a->mhd);
free_admin:
	OPENSSL_cleanse(a->token_digest, sizeof(a->token_digest));
	free(a);
	return NULL;
}

unsigned int admin_port(const struct admin *a)
{
	return a->port;
}

void admin_poll(struct admin *a, unsigned int max_wait_ms)
{
	struct pollfd p = { .fd = a->epoll_fd, .events = POLLIN };
	MHD_UNSIGNED_LONG_LONG due;
	int timeout = (int)max_wait_ms;

	/* a connection's timeout may come first */
	if (MHD_get_timeout(a->mhd, &due) == MHD_YES && due < (MHD_UNSIGNED_LONG_LONG)timeout)
		timeout = (int)due;
	if (poll(&p, 1, timeout) < 0 && errno != EINTR)
		log_warn("admin: poll: %s", strerror(errno));
	MHD_run(a->mhd);
}

void admin_stop(struct admin *a)
{
	if (a == NULL)
		return;
	MHD_stop_daemon(a->mhd);
	OPENSSL_cleanse(a->token_digest, sizeof(a->token_digest));
	free(a);
}

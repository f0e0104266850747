/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fast TLS client for benchmarks/tls_bench.sh (OpenSSL, one thread, non-blocking where it
 * matters). It reports; it never judges. Modes:
 *
 *   send   HOST PORT  one connection: N bytes in large SSL_write calls, then close_notify,
 *                     then wait for the server to close (so every byte was taken)
 *   echo   HOST PORT  one connection: N bytes out and the same N bytes back, concurrently
 *                     (poll; one SSL object is not thread-safe), then close_notify
 *   resume HOST PORT  connect + handshake + close in a loop for S seconds, resuming the
 *                     session of the first connection (TLS 1.3: its ticket)
 *   hold   HOST PORT  open N connections, complete their handshakes, print a line, keep them
 *                     open idle for S seconds (or until a signal ends the process), then close
 *
 * Options: -b BYTES -s SECONDS -n CONNS -c TLS1.3-SUITE -C TLS1.2-CIPHER -2 (TLS 1.2 only)
 * Output: one line of key=value pairs on stdout; errors on stderr and exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define CHUNK (256 * 1024)

static struct sockaddr_in peer;
static uint64_t opt_bytes = 1ull << 30;
static double opt_seconds = 10;
static unsigned int opt_conns = 10000;
static const char *opt_suite;  /* TLS 1.3 */
static const char *opt_cipher; /* TLS 1.2 */
static bool opt_tls12;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tls_blast: %s: %s\n", what, errno ? strerror(errno) : "");
	ERR_print_errors_fp(stderr);
	exit(1);
}

static SSL_CTX *make_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (opt_tls12)
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (opt_suite != NULL && SSL_CTX_set_ciphersuites(ctx, opt_suite) != 1)
		die("ciphersuite");
	if (opt_cipher != NULL && SSL_CTX_set_cipher_list(ctx, opt_cipher) != 1)
		die("cipher");
	/* The certificate is not verified: the handshake's signature still is checked. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

static int tcp_socket(bool nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		die("socket");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) != 0 && errno != EINPROGRESS)
		die("connect");
	return fd;
}

static SSL *blocking_connect(SSL_CTX *ctx, int *fdp, SSL_SESSION *sess)
{
	int fd = tcp_socket(false);
	SSL *ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1)
		die("SSL_new");
	SSL_set_tlsext_host_name(ssl, "tlsterm.test");
	if (sess != NULL)
		SSL_set_session(ssl, sess);
	if (SSL_connect(ssl) != 1)
		die("handshake");
	*fdp = fd;
	return ssl;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		die("fcntl");
}

/* Read until the peer closes (close_notify or EOF), at most `timeout` seconds. */
static uint64_t drain_until_close(SSL *ssl, int fd, double timeout)
{
	static char buf[CHUNK];
	uint64_t got = 0;
	double end = now() + timeout;
	set_nonblock(fd);
	while (now() < end) {
		int n = SSL_read(ssl, buf, sizeof(buf));
		if (n > 0) {
			got += (uint64_t)n;
			continue;
		}
		int e = SSL_get_error(ssl, n);
		if (e == SSL_ERROR_WANT_READ) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			poll(&p, 1, 100);
			continue;
		}
		return got; /* closed (cleanly or not) */
	}
	fprintf(stderr, "tls_blast: the server did not close within %.0f s\n", timeout);
	exit(1);
}

static void describe(SSL *ssl)
{
	printf("version=%s cipher=%s ", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}

static int mode_send(SSL_CTX *ctx)
{
	static char buf[CHUNK];
	memset(buf, 'x', sizeof(buf));
	int fd;
	SSL *ssl = blocking_connect(ctx, &fd, NULL);
	double t0 = now(), end = t0 + opt_seconds;
	uint64_t sent = 0;
	while (sent < opt_bytes && now() < end) {
		size_t len = opt_bytes - sent < CHUNK ? (size_t)(opt_bytes - sent) : CHUNK;
		int n = SSL_write(ssl, buf, (int)len);
		if (n <= 0)
			die("SSL_write");
		sent += (uint64_t)n;
	}
	SSL_shutdown(ssl); /* our close_notify: the server closes after taking everything */
	drain_until_close(ssl, fd, 30);
	double t1 = now();
	describe(ssl);
	printf("bytes_sent=%" PRIu64 " bytes_received=0 seconds=%.6f\n", sent, t1 - t0);
	SSL_free(ssl);
	close(fd);
	return 0;
}

static int mode_echo(SSL_CTX *ctx)
{
	static char out[CHUNK], in[CHUNK];
	memset(out, 'e', sizeof(out));
	int fd;
	SSL *ssl = blocking_connect(ctx, &fd, NULL);
	set_nonblock(fd);
	double t0 = now(), end = t0 + opt_seconds, last_progress = t0;
	uint64_t sent = 0, got = 0, target = opt_bytes;
	bool sending = true;
	while (got < target || sending) {
		bool progress = false, want_write = false;
		if (sending) {
			if (sent >= target || now() >= end) {
				sending = false;
				target = sent; /* stop at what went out */
			} else {
				size_t len = target - sent < CHUNK ? (size_t)(target - sent) : CHUNK;
				int n = SSL_write(ssl, out, (int)len);
				if (n > 0) {
					sent += (uint64_t)n;
					progress = true;
				} else {
					int e = SSL_get_error(ssl, n);
					if (e == SSL_ERROR_WANT_WRITE)
						want_write = true;
					else if (e != SSL_ERROR_WANT_READ)
						die("SSL_write");
				}
			}
		}
		for (;;) {
			int n = SSL_read(ssl, in, sizeof(in));
			if (n > 0) {
				got += (uint64_t)n;
				progress = true;
				continue;
			}
			int e = SSL_get_error(ssl, n);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				break;
			fprintf(stderr, "tls_blast: echo: the server closed after %" PRIu64
				" of %" PRIu64 " bytes\n", got, sent);
			exit(1);
		}
		if (progress) {
			last_progress = now();
			continue;
		}
		if (now() - last_progress > 10) {
			fprintf(stderr, "tls_blast: echo stalled for 10 s: sent %" PRIu64 " got %" PRIu64
				"\n", sent, got);
			exit(1);
		}
		struct pollfd p = {.fd = fd, .events = POLLIN | (want_write ? POLLOUT : 0)};
		poll(&p, 1, 100);
	}
	double t1 = now();
	SSL_shutdown(ssl);
	describe(ssl);
	printf("bytes_sent=%" PRIu64 " bytes_received=%" PRIu64 " seconds=%.6f\n", sent, got, t1 - t0);
	SSL_free(ssl);
	close(fd);
	return 0;
}

static SSL_SESSION *ticket; /* the newest session the server gave us */
static bool got_ticket;
static int new_session(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	if (ticket != NULL)
		SSL_SESSION_free(ticket);
	ticket = sess;
	got_ticket = true;
	return 1; /* we keep the reference */
}

/* TLS 1.3 tickets come after the handshake: read until one arrives (at most 2 s). */
static void wait_ticket(SSL *ssl, int fd)
{
	char b[256];
	double end = now() + 2;
	set_nonblock(fd);
	while (!got_ticket && now() < end) {
		int n = SSL_read(ssl, b, sizeof(b));
		if (n <= 0 && SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ)
			break;
		if (!got_ticket) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			poll(&p, 1, 50);
		}
	}
}

static int mode_resume(SSL_CTX *ctx)
{
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session);
	int fd;
	/*
	 * First connection: a full handshake, and its ticket (TLS 1.3: after the handshake).
	 * Every later connection offers a fresh copy of that session (i2d/d2i, as s_client
	 * -sess_in does): offering one TLS 1.3 SSL_SESSION object again and again resumed only
	 * once with OpenSSL 3.0's client, and tlsterm sends no new ticket after a resumed TLS 1.3
	 * handshake to move on to.
	 */
	SSL *ssl = blocking_connect(ctx, &fd, NULL);
	wait_ticket(ssl, fd);
	if (ticket == NULL) {
		fprintf(stderr, "tls_blast: resume: no session ticket from the server\n");
		return 1;
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	SSL_CTX_sess_set_new_cb(ctx, NULL);
	unsigned char *der = NULL;
	int der_len = i2d_SSL_SESSION(ticket, &der);
	if (der_len <= 0)
		die("i2d_SSL_SESSION");
	uint64_t conns = 0, reused = 0;
	double t0 = now(), end = t0 + opt_seconds;
	SSL *last = NULL;
	while (now() < end) {
		const unsigned char *p = der;
		SSL_SESSION *use = d2i_SSL_SESSION(NULL, &p, der_len);
		if (use == NULL)
			die("d2i_SSL_SESSION");
		ssl = blocking_connect(ctx, &fd, use);
		SSL_SESSION_free(use);
		conns++;
		reused += SSL_session_reused(ssl) ? 1 : 0;
		/* Like s_time: no close_notify, the socket just closes. */
		SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		close(fd);
		if (last != NULL)
			SSL_free(last);
		last = ssl;
	}
	double t1 = now();
	describe(last);
	SSL_free(last);
	printf("connections=%" PRIu64 " reused=%" PRIu64 " seconds=%.6f\n", conns, reused, t1 - t0);
	OPENSSL_free(der);
	return 0;
}

struct held {
	SSL *ssl;
	int fd;
	bool done;
};

static int mode_hold(SSL_CTX *ctx)
{
	struct held *h = calloc(opt_conns, sizeof(*h));
	struct pollfd *p = calloc(opt_conns, sizeof(*p));
	unsigned int *idx = calloc(opt_conns, sizeof(*idx));
	if (h == NULL || p == NULL || idx == NULL)
		die("calloc");
	const unsigned int in_flight_max = 64; /* handshakes under way at once */
	unsigned int opened = 0, done = 0, in_flight = 0;
	double t0 = now(), last_progress = t0;
	while (done < opt_conns) {
		while (opened < opt_conns && in_flight < in_flight_max) {
			struct held *c = &h[opened++];
			c->fd = tcp_socket(true);
			c->ssl = SSL_new(ctx);
			if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
				die("SSL_new");
			SSL_set_tlsext_host_name(c->ssl, "tlsterm.test");
			SSL_set_connect_state(c->ssl);
			in_flight++;
		}
		unsigned int np = 0;
		for (unsigned int i = 0; i < opened; i++) {
			if (h[i].done)
				continue;
			int r = SSL_do_handshake(h[i].ssl);
			if (r == 1) {
				h[i].done = true;
				done++;
				in_flight--;
				last_progress = now();
				continue;
			}
			int e = SSL_get_error(h[i].ssl, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				fprintf(stderr, "tls_blast: hold: handshake %u failed after %u done\n", i, done);
				ERR_print_errors_fp(stderr);
				return 1;
			}
			p[np] = (struct pollfd){.fd = h[i].fd,
						.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
			idx[np++] = i;
		}
		if (np > 0)
			poll(p, np, 100);
		if (now() - last_progress > 15) {
			fprintf(stderr, "tls_blast: hold: no handshake completed for 15 s (%u of %u done)\n",
				done, opt_conns);
			return 1;
		}
	}
	double t1 = now();
	/* Take what the server sent after the handshake (TLS 1.3 tickets) off the sockets. */
	char b[512];
	for (unsigned int i = 0; i < opt_conns; i++) {
		set_nonblock(h[i].fd);
		SSL_read(h[i].ssl, b, sizeof(b));
	}
	describe(h[0].ssl);
	printf("established=%u seconds=%.6f\n", done, t1 - t0);
	fflush(stdout);
	/* Idle until the hold time is over (or a signal ends the process and the kernel closes). */
	double end = now() + opt_seconds;
	while (now() < end)
		usleep(200000);
	for (unsigned int i = 0; i < opt_conns; i++) {
		SSL_shutdown(h[i].ssl);
		SSL_free(h[i].ssl);
		close(h[i].fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int o;
	while ((o = getopt(argc, argv, "b:s:n:c:C:2")) != -1) {
		switch (o) {
		case 'b': opt_bytes = strtoull(optarg, NULL, 0); break;
		case 's': opt_seconds = strtod(optarg, NULL); break;
		case 'n': opt_conns = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': opt_suite = optarg; break;
		case 'C': opt_cipher = optarg; break;
		case '2': opt_tls12 = true; break;
		default: goto usage;
		}
	}
	if (argc - optind != 3)
		goto usage;
	const char *mode = argv[optind];
	peer.sin_family = AF_INET;
	peer.sin_port = htons((uint16_t)atoi(argv[optind + 2]));
	if (inet_pton(AF_INET, argv[optind + 1], &peer.sin_addr) != 1)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	SSL_CTX *ctx = make_ctx();
	if (strcmp(mode, "send") == 0)
		return mode_send(ctx);
	if (strcmp(mode, "echo") == 0)
		return mode_echo(ctx);
	if (strcmp(mode, "resume") == 0)
		return mode_resume(ctx);
	if (strcmp(mode, "hold") == 0)
		return mode_hold(ctx);
usage:
	fprintf(stderr, "usage: tls_blast [-b BYTES] [-s SECONDS] [-n CONNS] [-c SUITE] [-C CIPHER] [-2]"
		" send|echo|resume|hold HOST PORT\n");
	return 2;
}

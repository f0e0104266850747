/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session-ticket keys (RFC 5077 layout, nginx's 80-byte key format: 16-byte
 * name, 32-byte HMAC-SHA256 secret, 32-byte AES-256-CBC key). The control
 * thread owns them and publishes each set with RCU; the workers' OpenSSL
 * ticket callback reads the current set. The first key encrypts, all decrypt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <tlsterm/log.h>
#include <tlsterm/tls.h>

#include "tls_tickets.h"

static struct tls_ticket_keys *current; /* RCU-published */
static bool from_file;                   /* a shared key file: never rotated here */

static void keys_free(struct tls_ticket_keys *k)
{
	if (k == NULL)
		return;
	EVP_CIPHER_free(k->aes_cbc);
	OPENSSL_cleanse(k, sizeof(*k));
	if (CRYPTO_secure_allocated(k))
		OPENSSL_secure_free(k);
	else
		OPENSSL_free(k);
}

static struct tls_ticket_keys *keys_alloc(void)
{
	struct tls_ticket_keys *k = OPENSSL_secure_zalloc(sizeof(struct tls_ticket_keys)) ?:
				    OPENSSL_zalloc(sizeof(struct tls_ticket_keys));
	if (k == NULL)
		return NULL;
	k->aes_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	if (k->aes_cbc == NULL) {
		keys_free(k);
		return NULL;
	}
	return k;
}

/* read(2), not stdio: a FILE's buffer would leave the keys in freed memory, unwiped. */
static int read_key_file(const char *path, struct tls_ticket_keys *k, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	uint8_t buf[TLS_TICKET_KEY_LEN * TLS_TICKET_KEYS_MAX + 1];
	size_t n = 0;
	for (;;) {
		ssize_t got = read(fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n == sizeof(buf))
			break;
	}
	close(fd);
	int rc = 0;
	if (n == 0 || n % TLS_TICKET_KEY_LEN != 0 || n > TLS_TICKET_KEY_LEN * TLS_TICKET_KEYS_MAX) {
		snprintf(err, errlen, "%s: expected 1 to %d keys of %d bytes, got %zu bytes", path,
			 TLS_TICKET_KEYS_MAX, TLS_TICKET_KEY_LEN, n);
		rc = -1;
	} else {
		k->n = (unsigned int)(n / TLS_TICKET_KEY_LEN);
		for (unsigned int i = 0; i < k->n; i++) {
			const uint8_t *p = buf + i * TLS_TICKET_KEY_LEN;
			memcpy(k->key[i].name, p, 16);
			memcpy(k->key[i].hmac, p + 16, 32);
			memcpy(k->key[i].aes, p + 48, 32);
		}
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int new_key(struct tls_ticket_key *key)
{
	return RAND_bytes(key->name, sizeof(key->name)) == 1 &&
			       RAND_priv_bytes(key->hmac, sizeof(key->hmac)) == 1 &&
			       RAND_priv_bytes(key->aes, sizeof(key->aes)) == 1
		       ? 0
		       : -1;
}

static void publish(struct tls_ticket_keys *k)
{
	struct tls_ticket_keys *old = rcu_xchg_pointer(&current, k);
	if (old != NULL) {
		synchronize_rcu(); /* no worker still reads the old set */
		keys_free(old);
	}
}

int tls_tickets_init(const struct config *cfg, char *err, size_t errlen)
{
	struct tls_ticket_keys *k = keys_alloc();
	if (k == NULL) {
		snprintf(err, errlen, "out of memory for ticket keys");
		return -1;
	}
	from_file = cfg->tickets.key_file[0] != '\0';
	if (from_file) {
		if (read_key_file(cfg->tickets.key_file, k, err, errlen) != 0) {
			keys_free(k);
			return -1;
		}
	} else {
		k->n = 1;
		if (new_key(&k->key[0]) != 0) {
			snprintf(err, errlen, "no randomness for ticket keys");
			keys_free(k);
			return -1;
		}
	}
	publish(k);
	return 0;
}

void tls_tickets_rotate(void)
{
	if (from_file)
		return; /* shared with other machines: they rotate together by replacing the file */
	struct tls_ticket_keys *old = rcu_dereference(current);
	struct tls_ticket_keys *k = keys_alloc();
	if (k == NULL || new_key(&k->key[0]) != 0) {
		log_warn("tickets: cannot make a new key; keeping the current one");
		keys_free(k);
		return;
	}
	/* The new key encrypts; the one before it keeps decrypting tickets already out. */
	k->n = 1;
	for (unsigned int i = 0; old != NULL && i < old->n && k->n < TLS_TICKET_ROTATED_KEEP; i++)
		k->key[k->n++] = old->key[i];
	publish(k);
}

void tls_tickets_fini(void)
{
	publish(NULL);
}

/*
 * OpenSSL's ticket callback (SSL_CTX_set_tlsext_ticket_key_evp_cb): 1 = done,
 * 2 = decrypted, and issue a fresh ticket, 0 = unknown key (full handshake),
 * -1 = error.
 */
int tls_ticket_key_cb(SSL *ssl, unsigned char name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
		      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	const struct tls_ticket_keys *k = rcu_dereference(current);
	if (k == NULL || k->n == 0)
		return enc ? -1 : 0;
	const struct tls_ticket_key *key = NULL;
	unsigned int idx = 0;
	if (enc) {
		key = &k->key[0];
		memcpy(name, key->name, 16);
		if (RAND_bytes(iv, 16) != 1)
			return -1;
	} else {
		for (idx = 0; idx < k->n; idx++)
			if (CRYPTO_memcmp(name, k->key[idx].name, 16) == 0)
				break;
		if (idx == k->n)
			return 0;
		key = &k->key[idx];
	}
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)key->hmac,
						  sizeof(key->hmac)),
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_MAC_CTX_set_params(hctx, params) != 1)
		return -1;
	if (EVP_CipherInit_ex(cctx, k->aes_cbc, NULL, key->aes, iv, enc) != 1)
		return -1;
	/*
	 * Decrypted: 2 asks OpenSSL for a fresh ticket. TLS 1.3 clients use a ticket
	 * once (RFC 8446 §C.4), so every resumption hands out the next one. TLS 1.2
	 * clients keep theirs; renew only what an old key sealed.
	 */
	if (enc)
		return 1;
	return (SSL_version(ssl) == TLS1_3_VERSION || idx > 0) ? 2 : 1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS part of config validation that needs OpenSSL: suites, groups,
 * certificates, keys and ticket keys. Lists are checked entry by entry
 * against what we serve (forward secrecy and AEAD only, and only what the
 * record layer implements: AES-GCM and ChaCha20-Poly1305), then whole by
 * OpenSSL on a scratch SSL_CTX so its parser agrees with ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config_tls.h"

/* PEM chains and keys are a few KiB; the cap keeps a wrong path (a log, a device) cheap. */
#define TLS_FILE_MAX (1024 * 1024)
#define RSA_BITS_MIN 2048
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))


/* ---------------------------------------------------------------- lists */

/* One entry of a ':' list: list[at..at+len). */
struct entry {
	size_t at;
	size_t len;
	char s[128];
};

/*
 * Next entry at or after *pos; false at the end. Entries are names only:
 * OpenSSL's other separators, operators (!, +, -, @) and empty entries are
 * refused so that what is written is exactly what is offered.
 */
static bool next_entry(const char *list, size_t *pos, struct entry *e, struct config_why *why,
		       int *err)
{
	size_t len = strlen(list);
	const char *colon;

	*err = 0;
	if (*pos > len)
		return false;
	colon = strchr(list + *pos, ':');
	e->at = *pos;
	e->len = (colon != NULL ? (size_t)(colon - list) : len) - *pos;
	*pos += e->len + 1;
	if (e->len == 0 || e->len >= sizeof(e->s)) {
		*err = config_why_at(why, e->at, "expected names separated by ':', found an %s entry",
			      e->len == 0 ? "empty" : "overlong");
		return false;
	}
	memcpy(e->s, list + e->at, e->len);
	e->s[e->len] = '\0';
	for (size_t i = 0; i < e->len; i++) {
		char c = e->s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			*err = config_why_at(why, e->at,
				      "\"%s\": expected a name (no spaces, commas or OpenSSL "
				      "operators like ! + @)",
				      e->s);
			return false;
		}
	}
	return true;
}

/* An earlier entry of the list with the same canonical id. */
static bool seen_before(const int *ids, unsigned int n, int id)
{
	for (unsigned int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static SSL_CTX *scratch_ctx(struct config_why *why)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		config_why_at(why, 0, "cannot create an OpenSSL context to check the list");
	return ctx;
}

/* RFC 8446 B.4: we serve the AEAD suites our record layer implements; not CCM. */
static const char *const tls13_suites[] = {
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
};

int tls_check_ciphersuites(const char *list, struct config_why *why)
{
	int ids[N_ELEMS(tls13_suites)];
	unsigned int n = 0;
	struct entry e;
	size_t pos = 0;
	SSL_CTX *ctx;
	int err, ok;

	while (next_entry(list, &pos, &e, why, &err)) {
		int id = -1;

		for (unsigned int i = 0; i < N_ELEMS(tls13_suites); i++)
			if (strcmp(e.s, tls13_suites[i]) == 0)
				id = (int)i;
		if (id < 0)
			return config_why_at(why, e.at,
				      "\"%s\" is not a TLS 1.3 suite we serve; expected "
				      "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 or "
				      "TLS_CHACHA20_POLY1305_SHA256%s",
				      e.s,
				      strstr(e.s, "CCM") != NULL ? " (CCM is not supported)" : "");
		if (seen_before(ids, n, id))
			return config_why_at(why, e.at, "\"%s\" is listed twice", e.s);
		ids[n++] = id;
	}
	if (err < 0)
		return err;
	ctx = scratch_ctx(why);
	if (ctx == NULL)
		return -1;
	ok = SSL_CTX_set_ciphersuites(ctx, list);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok == 1 ? 0 : config_why_at(why, 0, "OpenSSL refuses the suite list");
}

/* Why a TLS 1.2 cipher is not one we serve, or NULL when it is. */
static const char *cipher_refusal(const SSL_CIPHER *c)
{
	int kx = SSL_CIPHER_get_kx_nid(c), auth = SSL_CIPHER_get_auth_nid(c);
	int enc = SSL_CIPHER_get_cipher_nid(c);

	if (enc == NID_undef)
		return "no encryption (NULL)";
	if (kx == NID_kx_rsa)
		return "RSA key exchange (no forward secrecy)";
	if (kx == NID_kx_dhe)
		return "finite-field DHE key exchange";
	if (kx != NID_kx_ecdhe)
		return "not an ECDHE key exchange";
	if (auth != NID_auth_rsa && auth != NID_auth_ecdsa)
		return "anonymous (no certificate)";
	if (!SSL_CIPHER_is_aead(c))
		return "CBC with HMAC, not an AEAD";
	if (enc == NID_aes_128_ccm || enc == NID_aes_256_ccm)
		return "CCM is not supported";
	if (enc != NID_aes_128_gcm && enc != NID_aes_256_gcm && enc != NID_chacha20_poly1305)
		return "a cipher the record layer does not implement";
	return NULL;
}

/*
 * Set one name on the scratch context and find the single TLS 1.2 cipher it
 * selects. The list OpenSSL keeps also holds the TLS 1.3 suites: skipped.
 */
static const SSL_CIPHER *cipher_by_name(SSL_CTX *ctx, const char *name, int *n_selected)
{
	STACK_OF(SSL_CIPHER) *sk;
	const SSL_CIPHER *found = NULL;

	*n_selected = 0;
	if (SSL_CTX_set_cipher_list(ctx, name) != 1) {
		ERR_clear_error();
		return NULL;
	}
	sk = SSL_CTX_get_ciphers(ctx);
	for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);

		if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any)
			continue; /* a TLS 1.3 suite */
		found = c;
		(*n_selected)++;
	}
	return found;
}

int tls_check_ciphers(const char *list, struct config_why *why)
{
	int ids[64];
	unsigned int n = 0;
	struct entry e;
	size_t pos = 0;
	SSL_CTX *ctx = scratch_ctx(why);
	int err = 0;

	if (ctx == NULL)
		return -1;
	while (next_entry(list, &pos, &e, why, &err)) {
		int n_selected;
		const SSL_CIPHER *c = cipher_by_name(ctx, e.s, &n_selected);
		const char *refusal;

		if (c == NULL) {
			bool tls13 = strncmp(e.s, "TLS_", 4) == 0;

			err = config_why_at(why, e.at, "\"%s\" is not a TLS 1.2 cipher OpenSSL knows%s",
				     e.s, tls13 ? " (TLS 1.3 suites go in ciphersuites)" : "");
			break;
		}
		if (n_selected != 1 || strcmp(SSL_CIPHER_get_name(c), e.s) != 0) {
			err = config_why_at(why, e.at,
				     "\"%s\" selects %d ciphers; name each cipher instead", e.s,
				     n_selected);
			break;
		}
		refusal = cipher_refusal(c);
		if (refusal != NULL) {
			err = config_why_at(why, e.at,
				     "\"%s\": %s; expected ECDHE-ECDSA or ECDHE-RSA with AES-GCM "
				     "or CHACHA20-POLY1305",
				     e.s, refusal);
			break;
		}
		if (seen_before(ids, n, SSL_CIPHER_get_protocol_id(c))) {
			err = config_why_at(why, e.at, "\"%s\" is listed twice", e.s);
			break;
		}
		if (n == N_ELEMS(ids)) {
			err = config_why_at(why, e.at, "more than %zu ciphers", N_ELEMS(ids));
			break;
		}
		ids[n++] = SSL_CIPHER_get_protocol_id(c);
	}
	if (err == 0 && SSL_CTX_set_cipher_list(ctx, list) != 1)
		err = config_why_at(why, 0, "OpenSSL refuses the cipher list");
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return err;
}

/* The groups we serve and the names OpenSSL takes for each. */
static const struct {
	const char *names[3];
} tls_groups[] = {
	{ { "X25519" } },
	{ { "P-256", "prime256v1", "secp256r1" } },
	{ { "P-384", "secp384r1" } },
};

static int group_id(const char *name)
{
	for (unsigned int g = 0; g < N_ELEMS(tls_groups); g++)
		for (unsigned int i = 0; i < N_ELEMS(tls_groups[g].names); i++)
			if (tls_groups[g].names[i] != NULL &&
			    strcmp(name, tls_groups[g].names[i]) == 0)
				return (int)g;
	return -1;
}

int tls_check_groups(const char *list, struct config_why *why)
{
	int ids[N_ELEMS(tls_groups)];
	unsigned int n = 0;
	struct entry e;
	size_t pos = 0;
	SSL_CTX *ctx;
	int err, ok;

	while (next_entry(list, &pos, &e, why, &err)) {
		int id = group_id(e.s);

		if (id < 0)
			return config_why_at(why, e.at,
				      "\"%s\" is not a group we serve; expected X25519, P-256 or "
				      "P-384",
				      e.s);
		if (seen_before(ids, n, id))
			return config_why_at(why, e.at, "\"%s\" is listed twice (or under another name)",
				      e.s);
		ids[n++] = id;
	}
	if (err < 0)
		return err;
	ctx = scratch_ctx(why);
	if (ctx == NULL)
		return -1;
	ok = SSL_CTX_set1_groups_list(ctx, list);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok == 1 ? 0 : config_why_at(why, 0, "OpenSSL refuses the group list");
}

/* ---------------------------------------------------------------- files */

/* Secrets are wiped before the memory goes back. */
static void free_secret(unsigned char *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

/*
 * A whole regular file of at most max bytes. Devices and FIFOs are refused
 * (PEM parsing /dev/zero would never end), and opened without blocking so
 * that a FIFO with no writer cannot hang the check. read(2) straight into
 * our buffer, not stdio: a FILE's own buffer would keep a copy of a key in
 * freed memory that nobody wipes.
 */
unsigned char *tls_read_file(const char *path, size_t max, size_t *len, struct config_why *why)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	unsigned char *buf = NULL;
	size_t got = 0;
	struct stat st;

	if (fd < 0) {
		config_why_at(why, 0, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		config_why_at(why, 0, "%s is not a regular file", path);
		goto close_file;
	}
	if (st.st_size > (off_t)max) {
		config_why_at(why, 0, "%s is larger than %zu bytes", path, max);
		goto close_file;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		config_why_at(why, 0, "out of memory reading %s", path);
		goto close_file;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			config_why_at(why, 0, "cannot read %s%s%s", path, n < 0 ? ": " : "",
				      n < 0 ? strerror(errno) : " (it shrank)");
			free_secret(buf, (size_t)st.st_size + 1);
			buf = NULL;
			goto close_file;
		}
		got += (size_t)n;
	}
	*len = got;
close_file:
	close(fd);
	return buf;
}

void tls_free_file(unsigned char *buf, size_t len)
{
	free_secret(buf, len);
}

/* What open() would refuse to say: an absent file is reported by the reader instead. */
int tls_check_key_mode(const char *key_path, struct config_why *why)
{
	struct stat st;

	why->in_key = true;
	if (stat(key_path, &st) != 0)
		return 0;
	if ((st.st_mode & 077) == 0)
		return 0;
	config_why_at(why, 0, "%s is readable by others (mode %04o)", key_path,
		      (unsigned int)(st.st_mode & 07777));
	return 1;
}

/* ---------------------------------------------------------------- certificates */

/* A key on disk must not make us prompt: encrypted keys simply fail. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool pem_ended_cleanly(void)
{
	unsigned long e = ERR_peek_last_error();
	bool clean = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;

	ERR_clear_error();
	return clean;
}

/* The chain in the file, leaf first; an empty stack is an error the caller names. */
STACK_OF(X509) *tls_read_chain(const char *path, struct config_why *why)
{
	STACK_OF(X509) *chain = NULL;
	unsigned char *text;
	size_t len = 0;
	BIO *bio = NULL;
	X509 *x;

	text = tls_read_file(path, TLS_FILE_MAX, &len, why);
	if (text == NULL)
		return NULL;
	bio = BIO_new_mem_buf(text, (int)len);
	chain = sk_X509_new_null();
	if (bio == NULL || chain == NULL) {
		config_why_at(why, 0, "out of memory reading %s", path);
		goto free_chain;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) != NULL) {
		if (sk_X509_push(chain, x) <= 0) {
			X509_free(x);
			config_why_at(why, 0, "out of memory reading %s", path);
			goto free_chain;
		}
	}
	if (!pem_ended_cleanly()) {
		config_why_at(why, 0, "%s: certificate %d does not parse as PEM", path,
		       sk_X509_num(chain) + 1);
		goto free_chain;
	}
	if (sk_X509_num(chain) == 0) {
		config_why_at(why, 0, "%s holds no PEM certificate", path);
		goto free_chain;
	}
	goto free_text;

free_chain:
	sk_X509_pop_free(chain, X509_free);
	chain = NULL;
free_text:
	BIO_free(bio);
	free(text);
	return chain;
}

static EVP_PKEY *read_key(const char *path, struct config_why *why)
{
	EVP_PKEY *pkey = NULL;
	unsigned char *text;
	size_t len = 0;
	BIO *bio;

	text = tls_read_file(path, TLS_FILE_MAX, &len, why);
	if (text == NULL)
		return NULL;
	bio = BIO_new_mem_buf(text, (int)len);
	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (pkey == NULL)
		config_why_at(why, 0,
		       "%s: no PEM private key (or an encrypted one: keys must be unencrypted)",
		       path);
	ERR_clear_error();
	BIO_free(bio);
	free_secret(text, len);
	return pkey;
}

/* RSA >= 2048 bits, or ECDSA on P-256 or P-384. */
static int check_key_kind(EVP_PKEY *pkey, enum tls_key_kind *kind, struct config_why *why)
{
	char group[64] = "";

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < RSA_BITS_MIN)
			return config_why_at(why, 0, "RSA key of %d bits; at least %d are needed",
				      EVP_PKEY_get_bits(pkey), RSA_BITS_MIN);
		*kind = TLS_KEY_RSA;
		return 0;
	case EVP_PKEY_EC:
		EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL);
		if (strcmp(group, "prime256v1") != 0 && strcmp(group, "secp384r1") != 0)
			return config_why_at(why, 0,
				      "ECDSA key on %s; expected P-256 (prime256v1) or P-384 "
				      "(secp384r1)",
				      group[0] != '\0' ? group : "an unnamed curve");
		*kind = TLS_KEY_ECDSA;
		return 0;
	default:
		return config_why_at(why, 0, "%s key; expected RSA (%d bits or more) or ECDSA P-256/P-384",
			      EVP_PKEY_get0_type_name(pkey) != NULL ? EVP_PKEY_get0_type_name(pkey)
								    : "an unknown",
			      RSA_BITS_MIN);
	}
}

static void time_str(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "an unreadable date");
}

/*
 * A leaf outside its validity is refused rather than warned about: clients
 * would fail every handshake, and a terminator that starts anyway looks
 * healthy while serving nothing.
 */
static int check_validity(X509 *leaf, time_t now, struct config_why *why)
{
	const ASN1_TIME *nb = X509_get0_notBefore(leaf), *na = X509_get0_notAfter(leaf);
	char when[64];

	if (X509_cmp_time(na, &now) <= 0) {
		time_str(na, when, sizeof(when));
		return config_why_at(why, 0, "certificate expired on %s", when);
	}
	if (X509_cmp_time(nb, &now) >= 0) {
		time_str(nb, when, sizeof(when));
		return config_why_at(why, 0, "certificate is not valid before %s", when);
	}
	return 0;
}

/* Each certificate after the leaf must have issued the one before it. */
static int check_chain_order(STACK_OF(X509) *chain, struct config_why *why)
{
	for (int i = 1; i < sk_X509_num(chain); i++)
		if (X509_check_issued(sk_X509_value(chain, i), sk_X509_value(chain, i - 1)) !=
		    X509_V_OK)
			return config_why_at(why, 0,
				      "certificate %d in the file did not issue certificate %d "
				      "(the chain goes leaf first, then each issuer)",
				      i + 1, i);
	return 0;
}

static int add_name(struct tls_cert_names *names, const unsigned char *s, int len)
{
	char **grown;
	char *copy;

	if (len <= 0 || memchr(s, '\0', (size_t)len) != NULL)
		return 0; /* not a name a client could send */
	grown = realloc(names->names, (names->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	names->names = grown;
	copy = strndup((const char *)s, (size_t)len);
	if (copy == NULL)
		return -1;
	names->names[names->n++] = copy;
	return 0;
}

/* RFC 6125 6.4.4: the CN counts only when there is no DNS subjectAltName. */
static int collect_names(X509 *leaf, struct tls_cert_names *names)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	X509_NAME *subject = X509_get_subject_name(leaf);
	int ret = 0, cn;

	for (int i = 0; i < sk_GENERAL_NAME_num(sans) && ret == 0; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type == GEN_DNS)
			ret = add_name(names, ASN1_STRING_get0_data(gn->d.dNSName),
				       ASN1_STRING_length(gn->d.dNSName));
	}
	GENERAL_NAMES_free(sans);
	if (ret == 0 && names->n == 0 && subject != NULL &&
	    (cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)) >= 0) {
		ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn));

		ret = add_name(names, ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
	}
	ERR_clear_error();
	return ret;
}

int tls_check_cert(const char *cert_path, const char *key_path, time_t now,
		   struct tls_cert_names *names, struct config_why *why)
{
	STACK_OF(X509) *chain;
	EVP_PKEY *pkey = NULL;
	X509 *leaf;
	int ret = -1;

	memset(names, 0, sizeof(*names));
	why->in_key = false;
	chain = tls_read_chain(cert_path, why);
	if (chain == NULL)
		return -1;
	leaf = sk_X509_value(chain, 0);
	if (check_chain_order(chain, why) < 0 || check_validity(leaf, now, why) < 0)
		goto free_chain;
	why->in_key = true;
	pkey = read_key(key_path, why);
	if (pkey == NULL)
		goto free_chain;
	if (X509_check_private_key(leaf, pkey) != 1) {
		config_why_at(why, 0, "key does not match certificate %s", cert_path);
		goto free_key;
	}
	if (check_key_kind(pkey, &names->kind, why) < 0)
		goto free_key;
	why->in_key = false;
	if (collect_names(leaf, names) < 0) {
		config_why_at(why, 0, "out of memory reading the names of %s", cert_path);
		tls_cert_names_free(names);
		goto free_key;
	}
	ret = 0;
free_key:
	EVP_PKEY_free(pkey);
free_chain:
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return ret;
}

void tls_cert_names_free(struct tls_cert_names *names)
{
	for (unsigned int i = 0; i < names->n; i++)
		free(names->names[i]);
	free(names->names);
	names->names = NULL;
	names->n = 0;
}

const char *tls_cert_names_clash(const struct tls_cert_names *a, const struct tls_cert_names *b)
{
	if (a->kind != b->kind)
		return NULL; /* RSA and ECDSA share names: the client's signature algorithms pick */
	for (unsigned int i = 0; i < b->n; i++)
		for (unsigned int j = 0; j < a->n; j++)
			if (strcasecmp(b->names[i], a->names[j]) == 0) /* DNS names ignore case */
				return b->names[i];
	return NULL;
}

const char *tls_key_kind_name(enum tls_key_kind kind)
{
	return kind == TLS_KEY_RSA ? "RSA" : "ECDSA";
}

/* ---------------------------------------------------------------- ticket keys */

/* nginx ssl_session_ticket_key layout: 16-byte name, 32-byte HMAC secret, 32-byte AES key. */
#define TICKET_NAME_LEN 16

int tls_check_ticket_keys(const char *path, struct config_why *why)
{
	unsigned char *keys;
	size_t len = 0, n;
	int ret = 0;

	why->in_key = false;
	keys = tls_read_file(path, TLS_FILE_MAX, &len, why);
	if (keys == NULL)
		return -1;
	n = len / TLS_TICKET_KEY_LEN;
	if (len % TLS_TICKET_KEY_LEN != 0 || n == 0 || n > TLS_TICKET_KEYS_MAX)
		ret = config_why_at(why, 0,
			     "%s holds %zu bytes; expected 1..%d keys of %d bytes (16 name, 32 "
			     "HMAC, 32 AES)",
			     path, len, TLS_TICKET_KEYS_MAX, TLS_TICKET_KEY_LEN);
	for (size_t i = 1; i < n && ret == 0; i++)
		for (size_t j = 0; j < i && ret == 0; j++)
			if (memcmp(keys + i * TLS_TICKET_KEY_LEN, keys + j * TLS_TICKET_KEY_LEN,
				   TICKET_NAME_LEN) == 0)
				ret = config_why_at(why, 0,
					     "%s: keys %zu and %zu have the same name (first 16 "
					     "bytes), so a ticket could not say which decrypts it",
					     path, j + 1, i + 1);
	free_secret(keys, len);
	return ret;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML configuration loader.
 *
 * libfyaml builds a document tree; we then walk it with one table of keys per
 * mapping (struct schema). Each key names the function that parses its value,
 * so the schema reads in one place and every value goes through one checked
 * path. Anything not in a table is an error: a typo must never be silently
 * ignored in a program that owns the NICs.
 *
 * Every error is one line, "file:line:col: message", with 1-based positions
 * pointing at the offending node. Only the first error is reported.
 *
 * The TLS keys are parsed here like the rest; what needs OpenSSL or the
 * files they name (suites, groups, certificates, ticket keys) is checked by
 * config_tls.c, which says where inside a value the fault is.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tlsterm/config.h>

#include "config_backends.h"
#include "config_tls.h"

#define LCORES_MIN 2  /* the control thread and at least one worker */
#define LCORES_MAX 17 /* the control thread and up to 16 workers */
/*
 * Highest lcore id we accept. EAL itself refuses ids >= RTE_MAX_LCORE (128 in
 * the distribution builds); we keep the loader free of DPDK headers and only
 * bound the id so the duplicate check can use a small bitmap.
 */
#define LCORE_ID_MAX 1023
/* Config files are a few KiB; refusing huge ones keeps a typo'd path cheap. */
#define CONFIG_FILE_MAX (1024 * 1024)
/*
 * eal_args are copied into fixed slots of CONFIG_DEVICE_LEN + 16 bytes when
 * the EAL command line is built (app/tlsterm/eal_args.h); longer strings would
 * be cut there silently, so they are refused here.
 */
#define EAL_ARG_LEN_MAX (CONFIG_DEVICE_LEN - 1)
#define SCHEMA_MAX_KEYS 20
#define PATH_LEN 96 /* "backends.<31 chars>.servers[31].max_connections" */
/* Longest scalar kept when decoding; longer ones are only measured, and refused. */
#define TEXT_MAX 1023
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* 1-based position in the input; 0:0 when unknown (file-level errors). */
struct pos {
	int line;
	int col;
};

struct loader {
	const char *name; /* file path or config_parse() name, for messages */
	const char *text; /* the YAML source, which token marks index */
	size_t len;
	char *err;
	size_t errlen;
	bool failed;
	struct fy_diag *diag; /* collects libfyaml errors instead of printing them */
	struct config *cfg;   /* warnings go here; tls: is read before the listeners need it */
};

/*
 * The node being parsed and its dotted path. An empty value ("key:") has no
 * position of its own: errors then point at near (its key), or failing that
 * at the enclosing item.
 */
struct item {
	struct fy_node *node; /* may be NULL for an absent value */
	struct fy_node *near;
	const char *path; /* "dpdk.memory_mb", "ports[1].name"; "" for the root */
	const struct item *up;
};

struct field;
typedef int (*field_fn)(struct loader *ld, const struct field *f, const struct item *it, void *obj);

/* One accepted key of a mapping. */
struct field {
	const char *key;
	field_fn parse;
	bool required;
	bool hidden;		  /* not listed among the allowed keys */
	bool pow2;		  /* a power of two: for table sizes used as masks */
	size_t off;		  /* destination inside the object the mapping fills */
	unsigned long lo, hi;	  /* bounds: of the integer, or of the string length */
	const struct schema *sub; /* for nested mappings */
	const char *const *choices; /* parse_choice: names of the enum's values, NULL-ended */
};

struct schema {
	const struct field *fields;
	unsigned int n_fields;
};

/* Key and value nodes of each field seen in one mapping, indexed like fields[]. */
struct seen {
	struct fy_node *key[SCHEMA_MAX_KEYS];
	struct fy_node *val[SCHEMA_MAX_KEYS];
};

/* ---------------------------------------------------------------- errors */

static struct pos scalar_pos(struct fy_node *n)
{
	struct fy_token *t = fy_node_get_scalar_token(n);
	const struct fy_mark *m = t != NULL ? fy_token_start_mark(t) : NULL;
	enum fy_node_style style = fy_node_get_style(n);
	/* the mark is past an opening quote or an alias's '*': point at those */
	int lead =
		style == FYNS_SINGLE_QUOTED || style == FYNS_DOUBLE_QUOTED || style == FYNS_ALIAS;

	if (m == NULL)
		return (struct pos){ 0, 0 };
	return (struct pos){ m->line + 1, m->column + 1 - lead }; /* libfyaml marks are 0-based */
}

/*
 * libfyaml 0.7 has no public accessor for where a mapping or sequence starts.
 * Its node report does know (the '{', '[' or '-', or the first key of a block
 * mapping), and with our diag in collect mode it hands the position back
 * instead of printing it. It yields nothing for some block collections whose
 * last value is empty; callers fall back to the first child.
 */
static struct pos reported_pos(struct loader *ld, struct fy_node *n)
{
	struct pos p = { 0, 0 };
	struct fy_diag_error *e;
	void *iter = NULL;

	fy_diag_reset_error(ld->diag);
	fy_diag_node_report(ld->diag, n, FYET_ERROR, "position");
	e = fy_diag_errors_iterate(ld->diag, &iter);
	if (e != NULL && e->line > 0 && e->column > 0)
		p = (struct pos){ e->line, e->column }; /* already 1-based */
	fy_diag_reset_error(ld->diag);
	return p;
}

static struct pos node_pos(struct loader *ld, struct fy_node *n, struct fy_node *near);

static struct pos first_child_pos(struct loader *ld, struct fy_node *n)
{
	void *iter = NULL;

	if (fy_node_is_mapping(n)) {
		struct fy_node_pair *pair = fy_node_mapping_iterate(n, &iter);

		if (pair != NULL)
			return node_pos(ld, fy_node_pair_key(pair), fy_node_pair_value(pair));
	} else if (fy_node_is_sequence(n)) {
		struct fy_node *first = fy_node_sequence_iterate(n, &iter);

		if (first != NULL)
			return node_pos(ld, first, NULL);
	}
	return (struct pos){ 0, 0 };
}

static struct pos node_pos(struct loader *ld, struct fy_node *n, struct fy_node *near)
{
	struct pos p = { 0, 0 };

	if (n != NULL && fy_node_is_scalar(n)) {
		p = scalar_pos(n);
	} else if (n != NULL) {
		p = reported_pos(ld, n);
		if (p.line == 0)
			p = first_child_pos(ld, n);
	}
	if (p.line == 0 && near != NULL && near != n)
		p = node_pos(ld, near, NULL);
	return p;
}

static struct pos item_pos(struct loader *ld, const struct item *it)
{
	struct pos p = node_pos(ld, it->node, it->near);

	if (p.line == 0)
		p = it->up != NULL ? item_pos(ld, it->up) : (struct pos){ 1, 1 };
	return p;
}

/* Messages must stay on one line whatever the input holds. */
static void flatten(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static void fail_vpos(struct loader *ld, struct pos p, const char *path, const char *fmt,
		      va_list ap) __attribute__((format(printf, 4, 0)));
static int fail_pos(struct loader *ld, struct pos p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_item(struct loader *ld, const struct item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_vpos(struct loader *ld, struct pos p, const char *path, const char *fmt,
		      va_list ap)
{
	char msg[CONFIG_ERR_LEN];

	if (ld->failed)
		return; /* the first error is the one worth reading */
	ld->failed = true;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ld->err == NULL || ld->errlen == 0)
		return;
	snprintf(ld->err, ld->errlen, "%s:%d:%d: %s%s%s", ld->name, p.line, p.col, path,
		 path[0] != '\0' ? ": " : "", msg);
	flatten(ld->err);
}

static int fail_pos(struct loader *ld, struct pos p, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_vpos(ld, p, path, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error about the item's value, prefixed with its path. */
static int fail_item(struct loader *ld, const struct item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_vpos(ld, item_pos(ld, it), it->path, fmt, ap);
	va_end(ap);
	return -1;
}

/* A warning about the item's value, kept in the config for whoever loaded it to show. */
static void warn_item(struct loader *ld, const struct item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn_item(struct loader *ld, const struct item *it, const char *fmt, ...)
{
	struct config *cfg = ld->cfg;
	struct pos p = item_pos(ld, it);
	char msg[CONFIG_ERR_LEN / 2];
	va_list ap;

	if (cfg == NULL || cfg->n_warnings == CONFIG_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(cfg->warnings[cfg->n_warnings], CONFIG_ERR_LEN, "%s:%d:%d: warning: %s: %s",
		 ld->name, p.line, p.col, it->path, msg);
	flatten(cfg->warnings[cfg->n_warnings++]);
}

/* ---------------------------------------------------------------- scalars */

/* A scalar's decoded text: the first TEXT_MAX bytes, NUL-terminated, and its full length. */
struct text {
	size_t len;
	char s[TEXT_MAX + 1];
};

/*
 * Decode a scalar through libfyaml's chunk iterator rather than
 * fy_node_get_scalar(): 0.7.12 sizes the latter's buffer from a length hint
 * its scanner gets wrong for some escaped or folded quoted scalars, and then
 * returns cut text and leaks the iterator (fy_atom_format_text() returns
 * early without fy_atom_iter_finish()). The iterator needs no hint.
 */
static bool scalar_text(struct fy_node *n, struct text *t)
{
	struct fy_token *tok = fy_node_get_scalar_token(n);
	const struct fy_iter_chunk *c = NULL;
	struct fy_token_iter *iter;
	int err = 0;

	t->len = 0;
	t->s[0] = '\0';
	if (tok == NULL)
		return true; /* an empty value ("key:") has no token */
	iter = fy_token_iter_create(tok);
	if (iter == NULL)
		return false;
	while ((c = fy_token_iter_chunk_next(iter, c, &err)) != NULL) {
		if (t->len < TEXT_MAX)
			memcpy(t->s + t->len, c->str,
			       c->len < TEXT_MAX - t->len ? c->len : TEXT_MAX - t->len);
		t->len += c->len;
	}
	t->s[t->len < TEXT_MAX ? t->len : TEXT_MAX] = '\0';
	fy_token_iter_destroy(iter);
	return err == 0;
}

static bool is_plain_scalar(struct fy_node *n)
{
	return n != NULL && fy_node_is_scalar(n) && fy_node_get_style(n) == FYNS_PLAIN;
}

/* YAML 1.2 core schema nulls; only meaningful for plain scalars. */
static bool node_is_null(struct fy_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	struct text t;

	if (n == NULL)
		return true;
	if (!is_plain_scalar(n) || !scalar_text(n, &t))
		return false;
	for (size_t i = 0; i < N_ELEMS(nulls); i++)
		if (strcmp(t.s, nulls[i]) == 0 && t.len == strlen(nulls[i]))
			return true;
	return false;
}

/*
 * libfyaml 0.7 decodes runs of '' escapes in single-quoted scalars wrongly
 * ('a''''b' reads as a''') and can leak while doing so; fixed upstream in 0.9.5
 * (commit c0a716e "atom: Correctly handle streams of single quoted single
 * quotes"). Look at the source text between the quotes, before anything
 * decodes the scalar.
 */
static bool has_quote_escape(struct loader *ld, struct fy_node *n)
{
	struct fy_token *t = fy_node_get_scalar_token(n);
	const struct fy_mark *start, *end;

	if (t == NULL || fy_node_get_style(n) != FYNS_SINGLE_QUOTED)
		return false;
	start = fy_token_start_mark(t);
	end = fy_token_end_mark(t);
	if (start == NULL || end == NULL || start->input_pos > end->input_pos ||
	    end->input_pos > ld->len)
		return true; /* cannot tell: refuse rather than risk it */
	for (size_t i = start->input_pos; i + 1 < end->input_pos; i++)
		if (ld->text[i] == '\'' && ld->text[i + 1] == '\'')
			return true;
	return false;
}

/* YAML features a config has no use for; refusing them keeps every value plain data. */
static int check_plain_node(struct loader *ld, const struct item *it)
{
	struct fy_token *tag;

	if (it->node == NULL)
		return 0;
	if (has_quote_escape(ld, it->node))
		return fail_item(ld, it,
				 "'' inside single quotes is not supported; use double quotes");
	if (fy_node_is_alias(it->node))
		return fail_item(ld, it, "aliases (*name) are not supported");
	tag = fy_node_get_tag_token(it->node); /* its text is not needed, so not decoded */
	if (tag != NULL) {
		const struct fy_mark *m = fy_token_start_mark(tag);

		if (m == NULL)
			return fail_item(ld, it, "tags (!name) are not supported");
		return fail_pos(ld, (struct pos){ m->line + 1, m->column + 1 }, it->path,
				"tags (!name) are not supported");
	}
	return 0;
}

/* Quote a value for a message: escaped, and cut so the line stays short. */
static void quote(char *buf, size_t size, const char *s, size_t len)
{
	const size_t shown = 40;
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; i < len && i < shown && o + 6 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	snprintf(buf + o, size - o, "%s\"", i < len ? "..." : "");
}

/* What the user wrote, for "got ..." in messages. */
static const char *describe(struct fy_node *n, char *buf, size_t size)
{
	struct text t;

	if (node_is_null(n))
		return "nothing (null)";
	if (fy_node_is_mapping(n))
		return "a mapping";
	if (fy_node_is_sequence(n))
		return "a sequence";
	scalar_text(n, &t);
	quote(buf, size, t.s, t.len);
	return buf;
}

/* "expected <what>, got <the value as written>": most parsers' error. */
static int fail_expected(struct loader *ld, const struct item *it, const char *what)
{
	char buf[64];

	return fail_item(ld, it, "expected %s, got %s", what, describe(it->node, buf, sizeof(buf)));
}

/* Strict decimal: digits only, no sign, no leading zero (YAML 1.1 reads 010 as octal). */
static bool parse_decimal(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (max - (unsigned long)(s[i] - '0')) / 10)
			return false; /* would exceed max: also catches overflow */
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

static int scalar_uint(struct loader *ld, const struct field *f, const struct item *it,
		       unsigned long *out)
{
	const char *what = f->pow2 ? "a power of two" : "an integer";
	/* numbers are never quoted: "512" is a string */
	bool plain = is_plain_scalar(it->node);
	unsigned long v = 0;
	struct text t;
	char buf[64];

	if (!plain || !scalar_text(it->node, &t) || t.len > TEXT_MAX ||
	    !parse_decimal(t.s, t.len, f->hi, &v) || v < f->lo || (f->pow2 && (v & (v - 1)) != 0))
		return fail_item(ld, it, "expected %s %lu..%lu, got %s%s", what, f->lo, f->hi,
				 describe(it->node, buf, sizeof(buf)),
				 it->node != NULL && fy_node_is_scalar(it->node) && !plain
					 ? " (quoted, so a string)"
					 : "");
	*out = v;
	return 0;
}

/* Any non-null scalar without NUL bytes, quoted or not, of at most TEXT_MAX bytes. */
static int scalar_string(struct loader *ld, const struct item *it, const char *expected,
			 struct text *t)
{
	if (it->node == NULL || !fy_node_is_scalar(it->node) || node_is_null(it->node))
		return fail_expected(ld, it, expected);
	if (!scalar_text(it->node, t))
		return fail_item(ld, it, "cannot decode the value (out of memory?)");
	if (t->len > TEXT_MAX)
		return fail_item(ld, it, "expected %s, got %zu characters", expected, t->len);
	if (memchr(t->s, '\0', t->len) != NULL)
		return fail_item(ld, it, "expected %s, got a string with a NUL byte", expected);
	return 0;
}

/* ---------------------------------------------------------------- lcores */

/*
 * EAL "-l" syntax: "0-3,8,10-11". We also require ascending order: EAL makes
 * the lowest id the main (control) lcore whatever the order, so "3,1" would
 * not mean what it seems to say.
 * Returns the lcore count, or -1 with the reason in why.
 */
static int lcores_parse(const char *s, size_t len, char *why, size_t whylen)
{
	unsigned char used[(LCORE_ID_MAX + 8) / 8] = { 0 };
	unsigned long lo, hi;
	long prev = -1;
	unsigned int item = 0;
	size_t i = 0;
	int count = 0;

	while (i <= len) {
		/* the item is s[i..end); a range "lo-hi" if it holds a '-' */
		const char *end = memchr(s + i, ',', len - i);
		const char *dash, *at;
		unsigned long cpu;

		if (end == NULL)
			end = s + len;
		item++;
		/* "lcore@cpu" pins one lcore to a CPU (EAL's --lcores), so there can be more
		 * workers than CPUs, e.g. "0@0,1@1,2@1" for two workers on a 2-CPU test bed. */
		at = memchr(s + i, '@', (size_t)(end - (s + i)));
		if (at != NULL) {
			if (!parse_decimal(at + 1, (size_t)(end - at - 1), LCORE_ID_MAX, &cpu) ||
			    memchr(s + i, '-', (size_t)(at - (s + i))) != NULL) {
				snprintf(why, whylen, "item %u: expected lcore@cpu, both ids 0..%d",
					 item, LCORE_ID_MAX);
				return -1;
			}
			end = at; /* the lcore id is what comes before the '@' */
		}
		dash = memchr(s + i, '-', (size_t)(end - (s + i)));
		if (!parse_decimal(s + i, (size_t)((dash != NULL ? dash : end) - (s + i)),
				   LCORE_ID_MAX, &lo) ||
		    (dash != NULL &&
		     !parse_decimal(dash + 1, (size_t)(end - dash - 1), LCORE_ID_MAX, &hi))) {
			snprintf(why, whylen, "item %u is not an lcore id 0..%d or a range a-b",
				 item, LCORE_ID_MAX);
			return -1;
		}
		if (dash == NULL)
			hi = lo;
		if (hi < lo) {
			snprintf(why, whylen, "range %lu-%lu is reversed", lo, hi);
			return -1;
		}
		for (unsigned long id = lo; id <= hi; id++) {
			if (used[id / 8] & (1u << (id % 8))) {
				snprintf(why, whylen, "lcore %lu is listed twice", id);
				return -1;
			}
			if ((long)id < prev) {
				snprintf(why, whylen,
					 "lcores must be in ascending order "
					 "(EAL makes the lowest the control thread)");
				return -1;
			}
			used[id / 8] |= (unsigned char)(1u << (id % 8));
			prev = (long)id;
			count++;
		}
		if (at != NULL) /* skip the "@cpu" */
			end = memchr(at, ',', len - (size_t)(at - s)) ?: s + len;
		i = (size_t)(end - s) + 1; /* past the ',' (or past the end) */
	}
	return count;
}

int config_lcore_count(const struct config *cfg)
{
	char why[128];

	if (cfg == NULL)
		return -1;
	return lcores_parse(cfg->dpdk.lcores, strnlen(cfg->dpdk.lcores, sizeof(cfg->dpdk.lcores)),
			    why, sizeof(why));
}

/* ---------------------------------------------------------------- IPv4 */

/* Strict dotted quad: four decimal octets, no leading zeros. Host order. */
static bool ipv4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		size_t start = i;
		unsigned long v;

		while (i < len && s[i] != '.')
			i++;
		if (!parse_decimal(s + start, i - start, 255, &v))
			return false;
		a = a << 8 | (uint32_t)v;
		if (octet < 3) {
			if (i == len)
				return false;
			i++; /* the '.' */
		}
	}
	if (i != len)
		return false;
	*out = a;
	return true;
}

static uint32_t prefix_mask(unsigned int prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

static void ipv4_str(char *buf, size_t size, uint32_t a)
{
	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* Can this address be a host on subnet/prefix? Host order. */
static int check_host_addr(struct loader *ld, const struct item *it, uint32_t a, uint32_t subnet,
			   unsigned int prefix)
{
	uint32_t mask = prefix_mask(prefix);
	char as[16], ns[16];

	ipv4_str(as, sizeof(as), a);
	ipv4_str(ns, sizeof(ns), subnet & mask);
	if (a == 0)
		return fail_item(ld, it, "0.0.0.0 is not a usable address");
	if (a == UINT32_MAX)
		return fail_item(ld, it, "255.255.255.255 is the broadcast address");
	if ((a >> 28) == 0xe)
		return fail_item(ld, it, "%s is a multicast address", as);
	/* /31 and /32 have no network or broadcast address (RFC 3021) */
	if (prefix <= 30 && (a & ~mask) == 0)
		return fail_item(ld, it, "%s is the network address of %s/%u", as, ns, prefix);
	if (prefix <= 30 && (a & ~mask) == ~mask)
		return fail_item(ld, it, "%s is the broadcast address of %s/%u", as, ns, prefix);
	return 0;
}

/* ---------------------------------------------------------------- value parsers */

static int parse_mapping(struct loader *ld, const struct item *it, const struct schema *sch,
			 void *obj, struct seen *seen);

static int parse_uint(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	unsigned long v;

	if (scalar_uint(ld, f, it, &v) < 0)
		return -1;
	*(unsigned int *)((char *)obj + f->off) = (unsigned int)v;
	return 0;
}

/* true/false only: YAML 1.1's yes/no/on/off surprise people. */
static int parse_bool(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	bool *dst = (bool *)((char *)obj + f->off);
	bool plain = is_plain_scalar(it->node);
	struct text t;

	if (plain && scalar_text(it->node, &t) && t.len == 4 && strcmp(t.s, "true") == 0)
		*dst = true;
	else if (plain && scalar_text(it->node, &t) && t.len == 5 && strcmp(t.s, "false") == 0)
		*dst = false;
	else
		return fail_expected(ld, it, "true or false");
	return 0;
}

/* A string of lo..hi bytes into a char array at f->off (hi < its size). */
static int parse_string(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	char *dst = (char *)obj + f->off;
	struct text t;

	if (scalar_string(ld, it, "a string", &t) < 0)
		return -1;
	if (t.len < f->lo || t.len > f->hi)
		return fail_item(ld, it, "expected a string of %lu..%lu characters, got %zu", f->lo,
				 f->hi, t.len);
	memcpy(dst, t.s, t.len);
	dst[t.len] = '\0';
	return 0;
}

/* Port names end up in metric labels and log lines: keep them tame. */
static bool is_name(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

static int parse_name(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	const char *expected = "a name of 1..31 characters from [a-z0-9_-]";
	char *dst = (char *)obj + f->off;
	struct text t;

	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	if (t.len < f->lo || t.len > f->hi || !is_name(t.s, t.len))
		return fail_expected(ld, it, expected);
	memcpy(dst, t.s, t.len);
	dst[t.len] = '\0';
	return 0;
}

static int parse_lcores(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	struct config_dpdk *dpdk = obj;
	struct text t;
	char buf[64], why[128];
	int n;

	(void)f;
	if (scalar_string(ld, it, "an lcore list like \"0-3\" or \"0@0,1@1,2@1\"", &t) < 0)
		return -1;
	if (t.len >= sizeof(dpdk->lcores))
		return fail_item(ld, it, "expected at most %zu characters, got %zu",
				 sizeof(dpdk->lcores) - 1, t.len);
	n = lcores_parse(t.s, t.len, why, sizeof(why));
	if (n < 0)
		return fail_item(
			ld, it,
			"expected comma-separated lcore ids and ranges like \"0-3,8\", got %s: %s",
			describe(it->node, buf, sizeof(buf)), why);
	if (n < LCORES_MIN || n > LCORES_MAX)
		return fail_item(ld, it,
				 "expected %d..%d lcores "
				 "(the first is the control thread, the rest are workers), got %d",
				 LCORES_MIN, LCORES_MAX, n);
	memcpy(dpdk->lcores, t.s, t.len);
	dpdk->lcores[t.len] = '\0';
	return 0;
}

static int parse_log_level(struct loader *ld, const struct field *f, const struct item *it,
			   void *obj)
{
	static const char *const names[] = {
		[LOG_LEVEL_ERR] = "err",
		[LOG_LEVEL_WARN] = "warn",
		[LOG_LEVEL_INFO] = "info",
		[LOG_LEVEL_DEBUG] = "debug",
	};
	const char *expected = "one of err, warn, info, debug";
	struct config_log *log = obj;
	struct text t;

	(void)f;
	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	for (unsigned int i = 0; i < N_ELEMS(names); i++) {
		if (strlen(names[i]) == t.len && memcmp(t.s, names[i], t.len) == 0) {
			log->level = (enum log_level)i;
			return 0;
		}
	}
	return fail_expected(ld, it, expected);
}

/* "a.b.c.d/prefix"; the prefix is required so the subnet is never guessed. */
static int parse_ipv4_cidr(struct loader *ld, const struct field *f, const struct item *it,
			   void *obj)
{
	const char *expected = "an address with prefix like \"198.18.0.1/16\"";
	struct config_port *port = obj;
	const char *slash;
	struct text t;
	unsigned long prefix;
	uint32_t a;

	(void)f;
	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	slash = memchr(t.s, '/', t.len);
	if (slash == NULL || !ipv4_parse(t.s, (size_t)(slash - t.s), &a))
		return fail_expected(ld, it, expected);
	if (!parse_decimal(slash + 1, t.len - (size_t)(slash + 1 - t.s), 32, &prefix) || prefix < 1)
		return fail_expected(ld, it, "a prefix length 1..32 after '/'");
	if (check_host_addr(ld, it, a, a, (unsigned int)prefix) < 0)
		return -1;
	port->has_ipv4 = true;
	port->ipv4_addr = htonl(a);
	port->ipv4_prefix = (uint8_t)prefix;
	return 0;
}

/*
 * "2001:2:0:18::1/64": a global unicast address with its prefix. The
 * link-local address is made from the port's MAC, so fe80::/10 is refused
 * here, as are addresses no host may own.
 */
static int parse_ipv6_cidr(struct loader *ld, const struct field *f, const struct item *it,
			   void *obj)
{
	const char *expected = "an address with prefix like \"2001:2:0:18::1/64\"";
	static const uint8_t zero[16];
	struct config_port *port = obj;
	char host[INET6_ADDRSTRLEN];
	unsigned long prefix;
	const char *slash;
	struct in6_addr a;
	struct text t;

	(void)f;
	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	slash = memchr(t.s, '/', t.len);
	if (slash == NULL || (size_t)(slash - t.s) >= sizeof(host))
		return fail_expected(ld, it, expected);
	memcpy(host, t.s, (size_t)(slash - t.s));
	host[slash - t.s] = '\0';
	if (inet_pton(AF_INET6, host, &a) != 1)
		return fail_expected(ld, it, expected);
	if (!parse_decimal(slash + 1, t.len - (size_t)(slash + 1 - t.s), 128, &prefix) || prefix < 1)
		return fail_expected(ld, it, "a prefix length 1..128 after '/'");
	if (memcmp(a.s6_addr, zero, 15) == 0)
		return fail_item(ld, it, "%s is the unspecified or loopback address", host);
	if (a.s6_addr[0] == 0xff)
		return fail_item(ld, it, "%s is a multicast address", host);
	if (a.s6_addr[0] == 0xfe && (a.s6_addr[1] & 0xc0) == 0x80)
		return fail_item(ld, it, "%s is link-local; the port's link-local address comes "
				 "from its MAC", host);
	if (IN6_IS_ADDR_V4MAPPED(&a))
		return fail_item(ld, it, "%s is an IPv4-mapped address; use ipv4", host);
	port->has_ipv6 = true;
	memcpy(port->ipv6_addr, a.s6_addr, 16);
	port->ipv6_prefix = (uint8_t)prefix;
	return 0;
}

/* Only parsed here; whether it fits the port's subnet is checked in check_port(). */
static int parse_gateway(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	const char *expected = "an address like \"198.18.0.254\" (no prefix)";
	struct config_port *port = obj;
	struct text t;
	uint32_t a;

	(void)f;
	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	if (!ipv4_parse(t.s, t.len, &a))
		return fail_expected(ld, it, expected);
	port->has_gateway = true;
	port->ipv4_gateway = htonl(a);
	return 0;
}

/* Only parsed here; whether it is link-local or on-link is checked in check_port_ipv6(). */
static int parse_ipv6_gateway(struct loader *ld, const struct field *f, const struct item *it,
			      void *obj)
{
	const char *expected = "an address like \"2001:2:0:18::fe\" or \"fe80::1\" (no prefix)";
	struct config_port *port = obj;
	char host[INET6_ADDRSTRLEN], buf[64];
	struct in6_addr a;
	struct text t;

	(void)f;
	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	if (t.len >= sizeof(host))
		return fail_item(ld, it, "expected %s, got %s", expected,
				 describe(it->node, buf, sizeof(buf)));
	memcpy(host, t.s, t.len);
	host[t.len] = '\0';
	if (inet_pton(AF_INET6, host, &a) != 1)
		return fail_item(ld, it, "expected %s, got %s", expected,
				 describe(it->node, buf, sizeof(buf)));
	port->has_ipv6_gateway = true;
	memcpy(port->ipv6_gateway, a.s6_addr, 16);
	return 0;
}

/* A documented key whose feature has not landed: say so rather than "unknown key". */
static int parse_not_yet(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	(void)obj;
	return fail_item(ld, it, "%s is not supported yet", f->key);
}

static int parse_eal_args(struct loader *ld, const struct field *f, const struct item *it,
			  void *obj)
{
	struct config_dpdk *dpdk = obj;
	struct fy_node *arg;
	void *iter = NULL;
	char path[PATH_LEN];

	(void)f;
	if (it->node == NULL || !fy_node_is_sequence(it->node))
		return fail_expected(ld, it, "a sequence of strings");
	while ((arg = fy_node_sequence_iterate(it->node, &iter)) != NULL) {
		struct item ai = { arg, NULL, path, it };
		struct text t;

		snprintf(path, sizeof(path), "%s[%u]", it->path, dpdk->n_eal_args);
		if (dpdk->n_eal_args == CONFIG_MAX_EAL_ARGS)
			return fail_item(ld, &ai, "at most %d EAL arguments are allowed",
					 CONFIG_MAX_EAL_ARGS);
		if (check_plain_node(ld, &ai) < 0 ||
		    scalar_string(ld, &ai, "a string", &t) < 0)
			return -1;
		if (t.len < 1 || t.len > EAL_ARG_LEN_MAX)
			return fail_item(ld, &ai, "expected a string of 1..%d characters, got %zu",
					 EAL_ARG_LEN_MAX, t.len);
		dpdk->eal_args[dpdk->n_eal_args] = strndup(t.s, t.len);
		if (dpdk->eal_args[dpdk->n_eal_args] == NULL)
			return fail_item(ld, &ai, "out of memory");
		dpdk->n_eal_args++;
	}
	return 0;
}

static int parse_section(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	struct seen seen;

	return parse_mapping(ld, it, f->sub, (char *)obj + f->off, &seen);
}

/* ---------------------------------------------------------------- TLS */

/*
 * Where byte at of a scalar's value sits in the file, for errors about one
 * entry of a list like "A:B:C". Exact when the value is written as is (one
 * line, no escapes), which lists of names are; otherwise the scalar's start.
 */
static struct pos offset_pos(struct loader *ld, struct fy_node *n, size_t at)
{
	struct fy_token *t = fy_node_get_scalar_token(n);
	const struct fy_mark *m = t != NULL ? fy_token_start_mark(t) : NULL;
	struct text v;
	int col;

	if (m == NULL || !scalar_text(n, &v) || v.len > TEXT_MAX || at > v.len ||
	    m->input_pos > ld->len || ld->len - m->input_pos < v.len ||
	    memcmp(ld->text + m->input_pos, v.s, v.len) != 0 || memchr(v.s, '\n', v.len) != NULL)
		return scalar_pos(n);
	col = m->column + 1;
	for (size_t i = 0; i < at; i++)
		if (((unsigned char)v.s[i] & 0xc0) != 0x80) /* columns count characters */
			col++;
	return (struct pos){ m->line + 1, col };
}

/*
 * A path as written, resolved against the directory of the config file: a
 * config names its certificates next to itself, wherever tlsterm is started.
 * Empty stays empty (for optional files).
 */
static int parse_path(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	char *dst = (char *)obj + f->off;
	const char *slash = strrchr(ld->name, '/');
	size_t dir_len = slash != NULL ? (size_t)(slash - ld->name) + 1 : 0;
	struct text t;

	if (scalar_string(ld, it, "a file path", &t) < 0)
		return -1;
	if (t.len < f->lo || t.len > f->hi)
		return fail_item(ld, it, "expected a path of %lu..%lu characters, got %zu", f->lo,
				 f->hi, t.len);
	if (t.len == 0 || t.s[0] == '/')
		dir_len = 0;
	if (dir_len + t.len > f->hi)
		return fail_item(ld, it, "the path is longer than %lu characters once resolved "
					 "against the config file's directory",
				 f->hi);
	memcpy(dst, ld->name, dir_len);
	memcpy(dst + dir_len, t.s, t.len);
	dst[dir_len + t.len] = '\0';
	return 0;
}

/* A ':' list checked by config_tls.c; an error points at the offending entry. */
static int parse_tls_list(struct loader *ld, const struct field *f, const struct item *it,
			  void *obj, int (*check)(const char *list, struct config_why *why))
{
	struct config_why why = { 0 };

	if (parse_string(ld, f, it, obj) < 0)
		return -1;
	if (check((const char *)obj + f->off, &why) < 0)
		return fail_pos(ld, offset_pos(ld, it->node, why.at), it->path, "%s", why.msg);
	return 0;
}

static int parse_ciphersuites(struct loader *ld, const struct field *f, const struct item *it,
			      void *obj)
{
	return parse_tls_list(ld, f, it, obj, tls_check_ciphersuites);
}

static int parse_ciphers(struct loader *ld, const struct field *f, const struct item *it,
			 void *obj)
{
	return parse_tls_list(ld, f, it, obj, tls_check_ciphers);
}

static int parse_groups(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	return parse_tls_list(ld, f, it, obj, tls_check_groups);
}

/* A string, so "1.2" and 1.2 both work; 1.0 and 1.1 are not offered at all. */
static int parse_min_version(struct loader *ld, const struct field *f, const struct item *it,
			     void *obj)
{
	const char *expected = "\"1.2\" or \"1.3\"";
	uint16_t *dst = (uint16_t *)((char *)obj + f->off);
	struct text t;

	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	if (t.len == 3 && strcmp(t.s, "1.2") == 0)
		*dst = 0x0303;
	else if (t.len == 3 && strcmp(t.s, "1.3") == 0)
		*dst = 0x0304;
	else
		return fail_expected(ld, it, expected);
	return 0;
}

/* RFC 7301 3.1: protocol names of 1..255 bytes, in our order of preference. */
static int parse_alpn(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	struct config_tls *tls = obj;
	struct fy_node *pn;
	void *iter = NULL;
	char buf[64], path[PATH_LEN];

	(void)f;
	if (it->node == NULL || !fy_node_is_sequence(it->node))
		return fail_expected(ld, it, "a sequence of protocol names");
	while ((pn = fy_node_sequence_iterate(it->node, &iter)) != NULL) {
		struct item ai = { pn, NULL, path, it };
		struct text t;

		snprintf(path, sizeof(path), "%s[%u]", it->path, tls->n_alpn);
		if (tls->n_alpn == CONFIG_MAX_ALPN)
			return fail_item(ld, &ai, "at most %d protocols are allowed",
					 CONFIG_MAX_ALPN);
		if (check_plain_node(ld, &ai) < 0 ||
		    scalar_string(ld, &ai, "a protocol name", &t) < 0)
			return -1;
		if (t.len < 1 || t.len > CONFIG_ALPN_LEN - 1)
			return fail_item(ld, &ai,
					 "expected a protocol name of 1..%d bytes, got %zu",
					 CONFIG_ALPN_LEN - 1, t.len);
		for (unsigned int j = 0; j < tls->n_alpn; j++)
			if (strcmp(tls->alpn[j], t.s) == 0)
				return fail_item(ld, &ai, "%s is already listed (%s[%u])",
						 describe(pn, buf, sizeof(buf)), it->path, j);
		memcpy(tls->alpn[tls->n_alpn], t.s, t.len + 1);
		tls->n_alpn++;
	}
	return 0;
}

enum { CERT_CERT, CERT_KEY, CERT_OCSP }; /* cert_fields[] order */

static const struct field cert_fields[] = {
	[CERT_CERT] = { .key = "cert", .parse = parse_path, .required = true, .lo = 1,
			.hi = CONFIG_PATH_LEN - 1, .off = offsetof(struct config_cert, cert) },
	[CERT_KEY] = { .key = "key", .parse = parse_path, .required = true, .lo = 1,
		       .hi = CONFIG_PATH_LEN - 1, .off = offsetof(struct config_cert, key) },
	[CERT_OCSP] = { .key = "ocsp", .parse = parse_path, .lo = 1, .hi = CONFIG_PATH_LEN - 1,
			.off = offsetof(struct config_cert, ocsp) },
};
static const struct schema cert_schema = { cert_fields, N_ELEMS(cert_fields) };

/* The files of one entry, checked as soon as its paths are known. */
static int check_cert(struct loader *ld, const struct config_cert *c, time_t now,
		      struct tls_cert_names *names, const struct seen *seen, const struct item *ci)
{
	struct config_why why = { 0 };
	char fpath[PATH_LEN];
	int which, rc;

	snprintf(fpath, sizeof(fpath), "%s.key", ci->path);
	rc = tls_check_key_mode(c->key, &why);
	if (rc != 0) {
		struct item ki = { seen->val[CERT_KEY], seen->key[CERT_KEY], fpath, ci };

		if (rc < 0 ||
		    ld->cfg->tls.key_permissions == CONFIG_KEY_PERMISSIONS_REFUSE)
			return fail_item(ld, &ki, "%s; chmod 600 or set tls.key_permissions: warn",
					 why.msg);
		warn_item(ld, &ki, "%s; chmod 600 it", why.msg);
		why = (struct config_why){ 0 };
	}
	which = CERT_OCSP;
	if (tls_check_cert(c->cert, c->key, now, names, &why) < 0)
		which = why.in_key ? CERT_KEY : CERT_CERT;
	else if (c->ocsp[0] == '\0' || tls_check_ocsp(c->ocsp, c->cert, now, &why) == 0)
		return 0;
	snprintf(fpath, sizeof(fpath), "%s.%s", ci->path, cert_fields[which].key);
	return fail_item(ld, &(struct item){ seen->val[which], seen->key[which], fpath, ci }, "%s",
			 why.msg);
}

/* Several entries serve SNI: one name may have one RSA and one ECDSA certificate, no more. */
static int check_cert_clash(struct loader *ld, const struct tls_cert_names *names, unsigned int n,
			    const struct seen *seen, const struct item *ci, const char *list_path)
{
	char fpath[PATH_LEN];
	struct item cert = { seen->val[CERT_CERT], seen->key[CERT_CERT], fpath, ci };

	snprintf(fpath, sizeof(fpath), "%s.cert", ci->path);
	for (unsigned int j = 0; j < n; j++) {
		const char *name = tls_cert_names_clash(&names[j], &names[n]);

		if (name != NULL)
			return fail_item(ld, &cert,
					 "%s already has an %s certificate (%s[%u]); "
					 "SNI could not choose",
					 name, tls_key_kind_name(names[n].kind), list_path, j);
	}
	return 0;
}

static int parse_certificates(struct loader *ld, const struct field *f, const struct item *it,
			      void *obj)
{
	struct tls_cert_names names[CONFIG_MAX_CERTS];
	struct config_tls *tls = obj;
	time_t now = time(NULL);
	struct fy_node *cn;
	void *iter = NULL;
	char path[PATH_LEN];
	int ret = -1;

	(void)f;
	memset(names, 0, sizeof(names));
	if (it->node == NULL || !fy_node_is_sequence(it->node))
		return fail_expected(ld, it, "a sequence of { cert, key }");
	while ((cn = fy_node_sequence_iterate(it->node, &iter)) != NULL) {
		struct item ci = { cn, NULL, path, it };
		struct seen seen;

		snprintf(path, sizeof(path), "%s[%u]", it->path, tls->n_certs);
		if (tls->n_certs == CONFIG_MAX_CERTS) {
			fail_item(ld, &ci, "at most %d certificates are allowed", CONFIG_MAX_CERTS);
			goto free_names;
		}
		if (parse_mapping(ld, &ci, &cert_schema, &tls->certs[tls->n_certs], &seen) < 0 ||
		    check_cert(ld, &tls->certs[tls->n_certs], now, &names[tls->n_certs], &seen,
			       &ci) < 0 ||
		    check_cert_clash(ld, names, tls->n_certs, &seen, &ci, it->path) < 0)
			goto free_names;
		tls->n_certs++;
	}
	if (tls->n_certs == 0) {
		fail_item(ld, it, "expected 1..%d certificates, got none", CONFIG_MAX_CERTS);
		goto free_names;
	}
	ret = 0;
free_names:
	for (unsigned int i = 0; i < CONFIG_MAX_CERTS; i++)
		tls_cert_names_free(&names[i]);
	return ret;
}

static const struct field tls_fields[] = {
	{ .key = "certificates", .parse = parse_certificates, .required = true },
	{ .key = "min_version", .parse = parse_min_version,
	  .off = offsetof(struct config_tls, min_version) },
	{ .key = "ciphersuites", .parse = parse_ciphersuites, .lo = 1,
	  .hi = sizeof(((struct config_tls *)0)->ciphersuites) - 1,
	  .off = offsetof(struct config_tls, ciphersuites) },
	{ .key = "ciphers", .parse = parse_ciphers, .lo = 1,
	  .hi = sizeof(((struct config_tls *)0)->ciphers) - 1,
	  .off = offsetof(struct config_tls, ciphers) },
	{ .key = "groups", .parse = parse_groups, .lo = 1,
	  .hi = sizeof(((struct config_tls *)0)->groups) - 1,
	  .off = offsetof(struct config_tls, groups) },
	{ .key = "alpn", .parse = parse_alpn },
	{ .key = "strict_sni", .parse = parse_bool,
	  .off = offsetof(struct config_tls, strict_sni) },
	{ .key = "session_tickets", .parse = parse_bool,
	  .off = offsetof(struct config_tls, session_tickets) },
};
static const struct schema tls_schema = { tls_fields, N_ELEMS(tls_fields) };

/* Forward-secret AEAD only, in the order we prefer; the record layer implements exactly these. */
#define TLS_DEFAULT_CIPHERSUITES \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define TLS_DEFAULT_CIPHERS                                                         \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_DEFAULT_GROUPS "X25519:P-256:P-384"

static int parse_tls(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	struct config_tls *tls = (struct config_tls *)((char *)obj + f->off);
	struct seen seen;

	tls->enabled = true;
	tls->min_version = 0x0303;
	snprintf(tls->ciphersuites, sizeof(tls->ciphersuites), "%s", TLS_DEFAULT_CIPHERSUITES);
	snprintf(tls->ciphers, sizeof(tls->ciphers), "%s", TLS_DEFAULT_CIPHERS);
	snprintf(tls->groups, sizeof(tls->groups), "%s", TLS_DEFAULT_GROUPS);
	tls->session_tickets = true;
	return parse_mapping(ld, it, &tls_schema, tls, &seen);
}

static int parse_ticket_key_file(struct loader *ld, const struct field *f, const struct item *it,
				 void *obj)
{
	const char *path = (const char *)obj + f->off;
	struct config_why why = { 0 };

	if (parse_path(ld, f, it, obj) < 0)
		return -1;
	if (path[0] != '\0' && tls_check_ticket_keys(path, &why) < 0)
		return fail_item(ld, it, "%s", why.msg);
	return 0;
}


static const struct field limits_fields[] = {
	{ .key = "handshake_timeout_ms", .parse = parse_uint, .lo = 100, .hi = 600000,
	  .off = offsetof(struct config_limits, handshake_timeout_ms) },
	{ .key = "idle_timeout_ms", .parse = parse_uint, .lo = 1000, .hi = 86400000,
	  .off = offsetof(struct config_limits, idle_timeout_ms) },
	{ .key = "redirect_timeout_ms", .parse = parse_uint, .lo = 100, .hi = 600000,
	  .off = offsetof(struct config_limits, redirect_timeout_ms) },
	{ .key = "redirect_connections", .parse = parse_uint, .lo = 16, .hi = 1048576,
	  .off = offsetof(struct config_limits, redirect_connections) },
};
static const struct schema limits_schema = { limits_fields, N_ELEMS(limits_fields) };

static int parse_choice(struct loader *ld, const struct field *f, const struct item *it,
			void *obj);
static const char *const key_permissions_names[] = {
	[CONFIG_KEY_PERMISSIONS_REFUSE] = "refuse", [CONFIG_KEY_PERMISSIONS_WARN] = "warn", NULL
};

/* Read before the listeners (parse_text): their key checks follow key_permissions. */
static const struct field tls_global_fields[] = {
	{ .key = "key_permissions", .parse = parse_choice, .choices = key_permissions_names,
	  .off = offsetof(struct config_tls_global, key_permissions) },
	{ .key = "ocsp_refresh_s", .parse = parse_uint, .lo = 1, .hi = 86400,
	  .off = offsetof(struct config_tls_global, ocsp_refresh_s) },
};
static const struct schema tls_global_schema = { tls_global_fields, N_ELEMS(tls_global_fields) };

static const struct field tickets_fields[] = {
	{ .key = "rotate_s", .parse = parse_uint, .lo = 60, .hi = 604800,
	  .off = offsetof(struct config_tickets, rotate_s) },
	{ .key = "key_file", .parse = parse_ticket_key_file, .lo = 0, .hi = CONFIG_PATH_LEN - 1,
	  .off = offsetof(struct config_tickets, key_file) },
};
static const struct schema tickets_schema = { tickets_fields, N_ELEMS(tickets_fields) };

static int parse_name_in(struct loader *ld, const struct field *f, const struct item *it,
			 void *obj);
static const char *const engine_names[] = {"ipsec-mb", "evp", NULL};
static const char *const cc_names[] = {"cubic", "newreno", NULL};

static const struct field crypto_fields[] = {
	{ .key = "engine", .parse = parse_name_in, .choices = engine_names, .lo = 1,
	  .hi = sizeof(((struct config_crypto *)0)->engine) - 1,
	  .off = offsetof(struct config_crypto, engine) },
	{ .key = "key_schedules", .parse = parse_uint, .lo = 1024, .hi = 16777216,
	  .off = offsetof(struct config_crypto, key_schedules) },
};
static const struct schema crypto_schema = { crypto_fields, N_ELEMS(crypto_fields) };

/* ---------------------------------------------------------------- reverse proxy */

/* One of f->choices, stored as the index: the enum the field holds counts from 0 in that order. */
/* "one of a, b, c" from f->choices. */
static void choices_text(const struct field *f, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "one of");
	for (unsigned int i = 0; f->choices[i] != NULL && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s %s", i > 0 ? "," : "", f->choices[i]);
}

static int fail_choices(struct loader *ld, const struct field *f, const struct item *it)
{
	char expected[128];
	choices_text(f, expected, sizeof(expected));
	return fail_expected(ld, it, expected);
}

static int parse_choice(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	char expected[128];
	struct text t;

	choices_text(f, expected, sizeof(expected));
	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	for (unsigned int i = 0; f->choices[i] != NULL; i++) {
		if (strlen(f->choices[i]) == t.len && memcmp(t.s, f->choices[i], t.len) == 0) {
			*(unsigned int *)((char *)obj + f->off) = i;
			return 0;
		}
	}
	return fail_choices(ld, f, it);
}

/* A name kept as text that must be one of f->choices (an engine, a congestion control). */
static int parse_name_in(struct loader *ld, const struct field *f, const struct item *it,
			 void *obj)
{
	if (parse_name(ld, f, it, obj) < 0)
		return -1;
	const char *name = (const char *)obj + f->off;
	for (unsigned int i = 0; f->choices[i] != NULL; i++)
		if (strcmp(name, f->choices[i]) == 0)
			return 0;
	return fail_choices(ld, f, it);
}

/* The enums parse_choice fills are written as unsigned int. */
_Static_assert(sizeof(enum config_proxy_protocol) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum config_balance) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum config_health_type) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum config_key_permissions) == sizeof(unsigned int), "enum size");

static const char *const proxy_protocol_names[] = {
	[CONFIG_PROXY_OFF] = "off", [CONFIG_PROXY_V1] = "v1", [CONFIG_PROXY_V2] = "v2", NULL
};
static const char *const balance_names[] = {
	[CONFIG_BALANCE_ROUND_ROBIN] = "round_robin",
	[CONFIG_BALANCE_LEAST_CONN] = "least_conn",
	[CONFIG_BALANCE_SOURCE_HASH] = "source_hash",
	NULL
};
_Static_assert(sizeof(enum config_family) == sizeof(unsigned int), "enum size");
static const char *const family_names[] = {
	[CONFIG_FAMILY_ANY] = "any", [CONFIG_FAMILY_IPV4] = "ipv4", [CONFIG_FAMILY_IPV6] = "ipv6",
	NULL
};
static const char *const health_type_names[] = {
	[CONFIG_HEALTH_TCP] = "tcp", [CONFIG_HEALTH_HTTP] = "http", NULL
};

/* An error from config_backends.c, pointing inside the value where it can. */
static int fail_why(struct loader *ld, const struct item *it, const struct config_why *why)
{
	if (why->at == 0) /* about the whole value: its start, an opening quote included */
		return fail_item(ld, it, "%s", why->msg);
	return fail_pos(ld, offset_pos(ld, it->node, why->at), it->path, "%s", why->msg);
}

static int parse_server_address(struct loader *ld, const struct field *f, const struct item *it,
				void *obj)
{
	struct config_why why = { 0 };
	struct text t;

	(void)f;
	if (scalar_string(ld, it, "a server like \"198.19.0.2:8080\"", &t) < 0)
		return -1;
	if (backend_parse_server(t.s, t.len, obj, &why) < 0)
		return fail_why(ld, it, &why);
	return 0;
}

/* path and host fit their fields: 255 bytes, checked by length before the characters. */
static int parse_http_field(struct loader *ld, const struct field *f, const struct item *it,
			    void *obj,
			    int (*check)(const char *s, size_t len, struct config_why *why))
{
	const char *dst = (const char *)obj + f->off;
	struct config_why why = { 0 };

	if (parse_string(ld, f, it, obj) < 0)
		return -1;
	if (check(dst, strlen(dst), &why) < 0) /* a scalar has no NUL: strlen is its length */
		return fail_why(ld, it, &why);
	return 0;
}

static int parse_http_path(struct loader *ld, const struct field *f, const struct item *it,
			   void *obj)
{
	return parse_http_field(ld, f, it, obj, backend_check_http_path);
}

static int parse_http_host(struct loader *ld, const struct field *f, const struct item *it,
			   void *obj)
{
	return parse_http_field(ld, f, it, obj, backend_check_http_host);
}

enum { SERVER_ADDRESS }; /* server_fields[] order */

static const struct field server_fields[] = {
	[SERVER_ADDRESS] = { .key = "address", .parse = parse_server_address, .required = true },
	{ .key = "weight", .parse = parse_uint, .lo = 1, .hi = 256,
	  .off = offsetof(struct config_server, weight) },
	{ .key = "max_connections", .parse = parse_uint, .lo = 0, .hi = 1000000,
	  .off = offsetof(struct config_server, max_connections) },
};
static const struct schema server_schema = { server_fields, N_ELEMS(server_fields) };

/* "ip:port", or { address, weight, max_connections }; the same server twice is a mistake. */
static int parse_servers(struct loader *ld, const struct field *f, const struct item *it,
			 void *obj)
{
	struct config_backend *b = obj;
	struct fy_node *sn;
	void *iter = NULL;
	char path[PATH_LEN];

	(void)f;
	if (it->node == NULL || !fy_node_is_sequence(it->node))
		return fail_expected(ld, it, "a sequence of servers");
	while ((sn = fy_node_sequence_iterate(it->node, &iter)) != NULL) {
		struct config_server *srv = &b->servers[b->n_servers];
		struct item si = { sn, NULL, path, it };
		struct seen seen;

		snprintf(path, sizeof(path), "%s[%u]", it->path, b->n_servers);
		if (b->n_servers == CONFIG_MAX_SERVERS)
			return fail_item(ld, &si, "at most %d servers are allowed",
					 CONFIG_MAX_SERVERS);
		srv->weight = 1;
		if (check_plain_node(ld, &si) < 0)
			return -1;
		if (fy_node_is_mapping(sn)) {
			if (parse_mapping(ld, &si, &server_schema, srv, &seen) < 0)
				return -1;
			si = (struct item){ seen.val[SERVER_ADDRESS], seen.key[SERVER_ADDRESS],
					    path, it };
		} else if (parse_server_address(ld, NULL, &si, srv) < 0) {
			return -1;
		}
		for (unsigned int j = 0; j < b->n_servers; j++)
			if (memcmp(&b->servers[j].addr, &srv->addr, sizeof(srv->addr)) == 0 &&
			    b->servers[j].port == srv->port &&
			    strcmp(b->servers[j].zone, srv->zone) == 0)
				return fail_item(ld, &si, "this server is already listed (%s[%u])",
						 it->path, j);
		b->n_servers++;
	}
	if (b->n_servers == 0)
		return fail_item(ld, it, "expected 1..%d servers, got none", CONFIG_MAX_SERVERS);
	return 0;
}

enum { HEALTH_TYPE, HEALTH_PATH, HEALTH_HOST, HEALTH_INTERVAL, HEALTH_TIMEOUT }; /* order */

static const struct field health_fields[] = {
	[HEALTH_TYPE] = { .key = "type", .parse = parse_choice, .choices = health_type_names,
			  .off = offsetof(struct config_health, type) },
	[HEALTH_PATH] = { .key = "path", .parse = parse_http_path, .lo = 1,
			  .hi = sizeof(((struct config_health *)0)->path) - 1,
			  .off = offsetof(struct config_health, path) },
	[HEALTH_HOST] = { .key = "host", .parse = parse_http_host, .lo = 1,
			  .hi = sizeof(((struct config_health *)0)->host) - 1,
			  .off = offsetof(struct config_health, host) },
	[HEALTH_INTERVAL] = { .key = "interval_ms", .parse = parse_uint, .lo = 100, .hi = 3600000,
			      .off = offsetof(struct config_health, interval_ms) },
	[HEALTH_TIMEOUT] = { .key = "timeout_ms", .parse = parse_uint, .lo = 50, .hi = 3600000,
			     .off = offsetof(struct config_health, timeout_ms) },
	{ .key = "rise", .parse = parse_uint, .lo = 1, .hi = 100,
	  .off = offsetof(struct config_health, rise) },
	{ .key = "fall", .parse = parse_uint, .lo = 1, .hi = 100,
	  .off = offsetof(struct config_health, fall) },
};
static const struct schema health_schema = { health_fields, N_ELEMS(health_fields) };

/* Rules between the health keys, once all of them (and the defaults) are known. */
static int parse_health(struct loader *ld, const struct field *f, const struct item *it,
			void *obj)
{
	struct config_health *h = (struct config_health *)((char *)obj + f->off);
	char fpath[PATH_LEN];
	struct seen seen;
	int which;

	if (parse_mapping(ld, it, &health_schema, h, &seen) < 0)
		return -1;
	/* a path or host with type tcp would be ignored: most likely "type: http" was forgotten */
	which = seen.key[HEALTH_PATH] != NULL ? HEALTH_PATH : HEALTH_HOST;
	if (h->type != CONFIG_HEALTH_HTTP && seen.key[which] != NULL) {
		snprintf(fpath, sizeof(fpath), "%s.%s", it->path, health_fields[which].key);
		return fail_item(ld, &(struct item){ seen.key[which], seen.val[which], fpath, it },
				 "%s is only used by HTTP checks; add type: http",
				 health_fields[which].key);
	}
	/* a check still running when the next is due would overlap it */
	if (h->timeout_ms > h->interval_ms) {
		which = seen.val[HEALTH_TIMEOUT] != NULL ? HEALTH_TIMEOUT : HEALTH_INTERVAL;
		snprintf(fpath, sizeof(fpath), "%s.%s", it->path, health_fields[which].key);
		return fail_item(ld, &(struct item){ seen.val[which], seen.key[which], fpath, it },
				 "timeout_ms (%u%s) must not exceed interval_ms (%u%s)",
				 h->timeout_ms, seen.val[HEALTH_TIMEOUT] ? "" : ", the default",
				 h->interval_ms, seen.val[HEALTH_INTERVAL] ? "" : ", the default");
	}
	return 0;
}

static const struct field backend_fields[] = {
	{ .key = "servers", .parse = parse_servers, .required = true },
	{ .key = "balance", .parse = parse_choice, .choices = balance_names,
	  .off = offsetof(struct config_backend, balance) },
	{ .key = "connect_timeout_ms", .parse = parse_uint, .lo = 100, .hi = 60000,
	  .off = offsetof(struct config_backend, connect_timeout_ms) },
	/* more than the other servers just tries some twice; the proxy stops at n_servers - 1 */
	{ .key = "retries", .parse = parse_uint, .lo = 0, .hi = CONFIG_MAX_SERVERS - 1,
	  .off = offsetof(struct config_backend, retries) },
	{ .key = "health", .parse = parse_health, .off = offsetof(struct config_backend, health) },
};
static const struct schema backend_schema = { backend_fields, N_ELEMS(backend_fields) };

/* backends: { NAME: {...}, ... }; listeners refer to them by name (resolve_backends). */
static int parse_backends(struct loader *ld, const struct field *f, const struct item *it,
			  void *obj)
{
	struct fy_node *keys[CONFIG_MAX_BACKENDS];
	struct config *cfg = obj;
	struct fy_node_pair *pair;
	void *iter = NULL;
	char buf[64], path[PATH_LEN];

	(void)f;
	if (it->node == NULL || !fy_node_is_mapping(it->node))
		return fail_expected(ld, it, "a mapping of backend names to backends");
	while ((pair = fy_node_mapping_iterate(it->node, &iter)) != NULL) {
		struct fy_node *key = fy_node_pair_key(pair), *val = fy_node_pair_value(pair);
		struct config_backend *b = &cfg->backends[cfg->n_backends];
		struct item ki = { key, val, it->path, it };
		struct item bi = { val, key, path, it };
		struct config_why why = { 0 };
		struct seen seen;
		struct text t;
		int prev;

		if (check_plain_node(ld, &ki) < 0)
			return -1;
		if (key == NULL || !fy_node_is_scalar(key) || node_is_null(key) ||
		    !scalar_text(key, &t))
			return fail_item(ld, &ki, "backend names must be strings, got %s",
					 describe(key, buf, sizeof(buf)));
		if (backend_check_name(t.s, t.len, true, &why) < 0)
			return fail_why(ld, &ki, &why);
		prev = backend_find(cfg, t.s);
		if (prev >= 0)
			return fail_item(ld, &ki, "backend \"%s\" is already defined (line %d)",
					 t.s, node_pos(ld, keys[prev], NULL).line);
		if (cfg->n_backends == CONFIG_MAX_BACKENDS)
			return fail_item(ld, &ki, "at most %d backends are allowed",
					 CONFIG_MAX_BACKENDS);
		keys[cfg->n_backends] = key;
		memcpy(b->name, t.s, t.len + 1);
		snprintf(path, sizeof(path), "%s.%s", it->path, b->name);
		backend_defaults(b);
		if (parse_mapping(ld, &bi, &backend_schema, b, &seen) < 0)
			return -1;
		cfg->n_backends++;
	}
	return 0;
}

static int parse_access_log_file(struct loader *ld, const struct field *f, const struct item *it,
				 void *obj)
{
	struct config_why why = { 0 };

	if (parse_path(ld, f, it, obj) < 0)
		return -1;
	if (access_log_check((const char *)obj + f->off, &why) < 0)
		return fail_item(ld, it, "%s", why.msg);
	return 0;
}

static const struct field access_log_fields[] = {
	{ .key = "file", .parse = parse_access_log_file, .required = true, .lo = 1,
	  .hi = CONFIG_PATH_LEN - 1, .off = offsetof(struct config_access_log, file) },
};
static const struct schema access_log_schema = { access_log_fields, N_ELEMS(access_log_fields) };

/* ---------------------------------------------------------------- admin API */

#define ADMIN_TOKEN_MIN 16 /* shorter bearer tokens are guessable */

/* "a.b.c.d:port", IPv4 only; 0.0.0.0 means every address of the host. */
static int parse_admin_listen(struct loader *ld, const struct field *f, const struct item *it,
			      void *obj)
{
	const char *expected = "an IPv4 address and port like \"127.0.0.1:9901\"";
	struct config_admin *admin = obj;
	const char *colon;
	unsigned long port;
	struct text t;
	uint32_t a;

	(void)f;
	if (scalar_string(ld, it, expected, &t) < 0)
		return -1;
	colon = memrchr(t.s, ':', t.len);
	if (colon == NULL || !ipv4_parse(t.s, (size_t)(colon - t.s), &a))
		return fail_expected(ld, it, expected);
	if (!parse_decimal(colon + 1, t.len - (size_t)(colon + 1 - t.s), 65535, &port) ||
	    port == 0)
		return fail_pos(ld, offset_pos(ld, it->node, (size_t)(colon + 1 - t.s)), it->path,
				"expected a port 1..65535 after ':'");
	if (a == UINT32_MAX || (a >> 28) == 0xe)
		return fail_item(ld, it, "cannot listen on a broadcast or multicast address");
	admin->ipv4 = htonl(a);
	admin->port = (uint16_t)port;
	return 0;
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static size_t b64token_bad_at(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (isalnum((unsigned char)s[i]) || strchr("-._~+/", s[i]) != NULL))
		i++;
	if (i == 0)
		return 0;
	while (i < len && s[i] == '=')
		i++;
	return i;
}

static int parse_admin_token(struct loader *ld, const struct field *f, const struct item *it,
			     void *obj)
{
	char *dst = (char *)obj + f->off;
	struct text t;
	size_t bad;

	if (scalar_string(ld, it, "a bearer token", &t) < 0)
		return -1;
	if (t.len < f->lo || t.len > f->hi)
		return fail_item(ld, it, "expected a token of %lu..%lu characters, got %zu", f->lo,
				 f->hi, t.len);
	bad = b64token_bad_at(t.s, t.len);
	if (bad < t.len)
		return fail_pos(ld, offset_pos(ld, it->node, bad), it->path,
				"a bearer token may hold letters, digits and -._~+/ then '=' "
				"padding (RFC 6750); e.g. openssl rand -hex 32");
	memcpy(dst, t.s, t.len + 1);
	return 0;
}

enum { ADMIN_LISTEN, ADMIN_TOKEN }; /* admin_fields[] order */

static const struct field admin_fields[] = {
	[ADMIN_LISTEN] = { .key = "listen", .parse = parse_admin_listen, .required = true },
	[ADMIN_TOKEN] = { .key = "token", .parse = parse_admin_token, .lo = ADMIN_TOKEN_MIN,
			  .hi = CONFIG_ADMIN_TOKEN_LEN - 1,
			  .off = offsetof(struct config_admin, token) },
};
static const struct schema admin_schema = { admin_fields, N_ELEMS(admin_fields) };

/* Anyone who can reach a non-loopback address could reload or read the stats: a token it is. */
static int parse_admin(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	struct config_admin *admin = (struct config_admin *)((char *)obj + f->off);
	char fpath[PATH_LEN], as[16];
	struct seen seen;

	if (parse_mapping(ld, it, &admin_schema, admin, &seen) < 0)
		return -1;
	admin->enabled = true;
	if (admin->token[0] != '\0' || (ntohl(admin->ipv4) >> 24) == 127)
		return 0;
	ipv4_str(as, sizeof(as), ntohl(admin->ipv4));
	snprintf(fpath, sizeof(fpath), "%s.listen", it->path);
	return fail_item(ld,
			 &(struct item){ seen.val[ADMIN_LISTEN], seen.key[ADMIN_LISTEN], fpath,
					 it },
			 "%s is not a loopback address (127.0.0.0/8): a token is required", as);
}

/* ---------------------------------------------------------------- edge */

/* Do c and d name the same prefix of the same family? */
static bool same_cidr(const struct config_cidr *c, const struct config_cidr *d)
{
	if (c->family != d->family || c->prefix != d->prefix)
		return false;
	return c->family == 4 ? c->addr == d->addr : memcmp(c->addr6, d->addr6, 16) == 0;
}

/*
 * "a.b.c.d/prefix" or "2001:db8::/32" into *c: 0 or -1 with the error named.
 * The host bits must be zero: a CIDR that says what it means.
 */
static int parse_cidr(struct loader *ld, const struct item *ei, const struct text *t,
		      struct config_cidr *c)
{
	const char *expected = "a CIDR like \"198.18.0.0/16\" or \"2001:2:0:18::/64\"";
	const char *slash = memchr(t->s, '/', t->len);
	char host[INET6_ADDRSTRLEN], buf[64], ns[INET6_ADDRSTRLEN];
	bool v6 = memchr(t->s, ':', t->len) != NULL;
	unsigned int max = v6 ? 128 : 32;
	unsigned long prefix;
	uint32_t a;

	if (slash == NULL || (size_t)(slash - t->s) >= sizeof(host))
		return fail_item(ld, ei, "expected %s, got %s", expected,
				 describe(ei->node, buf, sizeof(buf)));
	memcpy(host, t->s, (size_t)(slash - t->s));
	host[slash - t->s] = '\0';
	if (v6 ? inet_pton(AF_INET6, host, c->addr6) != 1
	       : !ipv4_parse(t->s, (size_t)(slash - t->s), &a))
		return fail_item(ld, ei, "expected %s, got %s", expected,
				 describe(ei->node, buf, sizeof(buf)));
	if (!parse_decimal(slash + 1, t->len - (size_t)(slash + 1 - t->s), max, &prefix))
		return fail_item(ld, ei, "expected a prefix length 0..%u after '/', got %s", max,
				 describe(ei->node, buf, sizeof(buf)));
	c->family = v6 ? 6 : 4;
	c->prefix = (uint8_t)prefix;
	if (!v6) {
		if ((a & ~prefix_mask((unsigned int)prefix)) != 0) {
			ipv4_str(ns, sizeof(ns), a & prefix_mask((unsigned int)prefix));
			return fail_item(ld, ei, "%s has host bits set; did you mean %s/%lu?",
					 describe(ei->node, buf, sizeof(buf)), ns, prefix);
		}
		c->addr = htonl(a);
		return 0;
	}
	uint8_t net[16];
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = prefix > 8 * i ? (unsigned int)prefix - 8 * i : 0;
		net[i] = c->addr6[i] & (bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits));
	}
	if (memcmp(net, c->addr6, 16) != 0) {
		inet_ntop(AF_INET6, net, ns, sizeof(ns));
		return fail_item(ld, ei, "%s has host bits set; did you mean %s/%lu?",
				 describe(ei->node, buf, sizeof(buf)), ns, prefix);
	}
	return 0;
}

/* A sequence of CIDRs of either family into edge.acl.allow or edge.acl.deny. */
static int parse_acl_list(struct loader *ld, const struct field *f, const struct item *it,
			  void *obj)
{
	const char *expected = "a CIDR like \"198.18.0.0/16\" or \"2001:2:0:18::/64\"";
	struct config_edge *e = obj;
	bool deny = f->off == offsetof(struct config_edge, deny);
	struct config_cidr *list = deny ? e->deny : e->allow;
	unsigned int *n = deny ? &e->n_deny : &e->n_allow;
	struct fy_node *entry;
	void *iter = NULL;
	char buf[64], path[PATH_LEN];

	if (it->node == NULL || !fy_node_is_sequence(it->node))
		return fail_expected(ld, it, "a sequence of CIDRs");
	while ((entry = fy_node_sequence_iterate(it->node, &iter)) != NULL) {
		struct item ei = { entry, NULL, path, it };
		struct config_cidr c = {0};
		struct text t;

		snprintf(path, sizeof(path), "%s[%u]", it->path, *n);
		if (*n == CONFIG_MAX_ACL)
			return fail_item(ld, &ei, "at most %d entries are allowed", CONFIG_MAX_ACL);
		if (check_plain_node(ld, &ei) < 0 || scalar_string(ld, &ei, expected, &t) < 0 ||
		    parse_cidr(ld, &ei, &t, &c) < 0)
			return -1;
		for (unsigned int i = 0; i < *n; i++)
			if (same_cidr(&list[i], &c))
				return fail_item(ld, &ei, "%s is listed twice",
						 describe(entry, buf, sizeof(buf)));
		/* The same prefix in both lists has no answer under "longest prefix wins". */
		const struct config_cidr *other = deny ? e->allow : e->deny;
		unsigned int n_other = deny ? e->n_allow : e->n_deny;
		for (unsigned int i = 0; i < n_other; i++)
			if (same_cidr(&other[i], &c))
				return fail_item(ld, &ei, "%s is in both allow and deny",
						 describe(entry, buf, sizeof(buf)));
		list[*n] = c;
		(*n)++;
	}
	return 0;
}

static const char *const acl_default_names[] = {"allow", "deny", NULL};
static const char *const closed_ports_names[] = {"rst", "drop", NULL};
_Static_assert(sizeof(enum config_acl_default) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum config_closed_ports) == sizeof(unsigned int), "enum size");

static int parse_choice(struct loader *ld, const struct field *f, const struct item *it, void *obj);

/* Both lists and the default fill struct config_edge itself (off 0 in edge_fields). */
static const struct field acl_fields[] = {
	{ .key = "allow", .parse = parse_acl_list, .off = offsetof(struct config_edge, allow) },
	{ .key = "deny", .parse = parse_acl_list, .off = offsetof(struct config_edge, deny) },
	{ .key = "default", .parse = parse_choice, .choices = acl_default_names,
	  .off = offsetof(struct config_edge, acl_default) },
};
static const struct schema acl_schema = { acl_fields, N_ELEMS(acl_fields) };

enum { PER_CLIENT_NEW, PER_CLIENT_BURST }; /* per_client_fields[] order */

static const struct field per_client_fields[] = {
	[PER_CLIENT_NEW] = { .key = "new_per_s", .parse = parse_uint, .lo = 0, .hi = 1000000,
			     .off = offsetof(struct config_edge, new_per_s) },
	[PER_CLIENT_BURST] = { .key = "burst", .parse = parse_uint, .lo = 1, .hi = 1000000,
			       .off = offsetof(struct config_edge, burst) },
	{ .key = "max_connections", .parse = parse_uint, .lo = 0, .hi = 4194304,
	  .off = offsetof(struct config_edge, max_connections) },
	{ .key = "table_size", .parse = parse_uint, .pow2 = true, .lo = 1024, .hi = 4194304,
	  .off = offsetof(struct config_edge, table_size) },
	{ .key = "ipv6_prefix", .parse = parse_uint, .lo = 32, .hi = 128,
	  .off = offsetof(struct config_edge, ipv6_prefix) },
};
static const struct schema per_client_schema = { per_client_fields, N_ELEMS(per_client_fields) };

static int parse_per_client(struct loader *ld, const struct field *f, const struct item *it,
			    void *obj)
{
	struct config_edge *e = obj;
	char fpath[PATH_LEN];
	struct seen seen;

	(void)f;
	if (parse_mapping(ld, it, &per_client_schema, e, &seen) < 0)
		return -1;
	if (seen.key[PER_CLIENT_BURST] == NULL) {
		e->burst = e->new_per_s; /* one second's worth */
		return 0;
	}
	if (e->new_per_s != 0)
		return 0;
	snprintf(fpath, sizeof(fpath), "%s.burst", it->path);
	return fail_item(ld,
			 &(struct item){ seen.val[PER_CLIENT_BURST], seen.key[PER_CLIENT_BURST],
					 fpath, it },
			 "burst needs new_per_s (a bucket that never fills limits nothing)");
}

static const struct field edge_fields[] = {
	{ .key = "acl", .parse = parse_section, .sub = &acl_schema, .off = 0 },
	{ .key = "closed_ports", .parse = parse_choice, .choices = closed_ports_names,
	  .off = offsetof(struct config_edge, closed_ports) },
	{ .key = "icmp_echo_per_s", .parse = parse_uint, .lo = 0, .hi = 1000000,
	  .off = offsetof(struct config_edge, icmp_echo_per_s) },
	{ .key = "per_client", .parse = parse_per_client },
	{ .key = "max_half_open", .parse = parse_uint, .lo = 16, .hi = 4194304,
	  .off = offsetof(struct config_edge, max_half_open) },
	{ .key = "max_handshaking", .parse = parse_uint, .lo = 16, .hi = 4194304,
	  .off = offsetof(struct config_edge, max_handshaking) },
};
static const struct schema edge_schema = { edge_fields, N_ELEMS(edge_fields) };

/* ---------------------------------------------------------------- schema */

static const struct field dpdk_fields[] = {
	{ .key = "lcores", .parse = parse_lcores, .required = true },
	{ .key = "memory_mb", .parse = parse_uint, .lo = 16, .hi = 65536,
	  .off = offsetof(struct config_dpdk, memory_mb) },
	{ .key = "no_huge", .parse = parse_bool, .off = offsetof(struct config_dpdk, no_huge) },
	{ .key = "eal_args", .parse = parse_eal_args },
};

/* port_fields[] order */
enum { PORT_NAME, PORT_DEVICE, PORT_IPV4, PORT_GATEWAY, PORT_IPV6, PORT_IPV6_GATEWAY, PORT_IMPAIR };

static const struct field impair_fields[] = {
	{ .key = "rx", .parse = parse_bool, .off = offsetof(struct config_impair, rx) },
	{ .key = "tx", .parse = parse_bool, .off = offsetof(struct config_impair, tx) },
	{ .key = "seed", .parse = parse_uint, .lo = 0, .hi = UINT32_MAX,
	  .off = offsetof(struct config_impair, seed) },
	{ .key = "drop_permille", .parse = parse_uint, .lo = 0, .hi = 1000,
	  .off = offsetof(struct config_impair, drop_permille) },
	{ .key = "duplicate_permille", .parse = parse_uint, .lo = 0, .hi = 1000,
	  .off = offsetof(struct config_impair, duplicate_permille) },
	{ .key = "reorder_permille", .parse = parse_uint, .lo = 0, .hi = 1000,
	  .off = offsetof(struct config_impair, reorder_permille) },
	{ .key = "delay_ms", .parse = parse_uint, .lo = 0, .hi = 10000,
	  .off = offsetof(struct config_impair, delay_ms) },
};
static const struct schema impair_schema = { impair_fields, N_ELEMS(impair_fields) };

static const struct field port_fields[] = {
	[PORT_NAME] = { .key = "name", .parse = parse_name, .required = true,
			.lo = 1, .hi = CONFIG_NAME_LEN - 1,
			.off = offsetof(struct config_port, name) },
	[PORT_DEVICE] = { .key = "device", .parse = parse_string, .required = true,
			  .lo = 1, .hi = CONFIG_DEVICE_LEN - 1,
			  .off = offsetof(struct config_port, device) },
	[PORT_IPV4] = { .key = "ipv4", .parse = parse_ipv4_cidr },
	[PORT_GATEWAY] = { .key = "gateway", .parse = parse_gateway },
	[PORT_IPV6] = { .key = "ipv6", .parse = parse_ipv6_cidr },
	[PORT_IPV6_GATEWAY] = { .key = "ipv6_gateway", .parse = parse_ipv6_gateway },
	[PORT_IMPAIR] = { .key = "impair", .parse = parse_section, .sub = &impair_schema,
			  .off = offsetof(struct config_port, impair) },
};

static const struct field log_fields[] = {
	{ .key = "level", .parse = parse_log_level },
	{ .key = "file", .parse = parse_string, .lo = 0,
	  .hi = sizeof(((struct config_log *)0)->file) - 1,
	  .off = offsetof(struct config_log, file) },
};

static const struct field arp_fields[] = {
	{ .key = "cache_size", .parse = parse_uint, .pow2 = true, .lo = 16, .hi = 65536,
	  .off = offsetof(struct config_arp, cache_size) },
	{ .key = "timeout_s", .parse = parse_uint, .lo = 1, .hi = 86400,
	  .off = offsetof(struct config_arp, timeout_s) },
	{ .key = "pending_max", .parse = parse_uint, .lo = 1, .hi = 4096,
	  .off = offsetof(struct config_arp, pending_max) },
};

static const struct field ipv6_fields[] = {
	{ .key = "ext_headers_max", .parse = parse_uint, .lo = 0, .hi = 16,
	  .off = offsetof(struct config_ipv6, ext_headers_max) },
	{ .key = "ext_bytes_max", .parse = parse_uint, .lo = 0, .hi = 2048,
	  .off = offsetof(struct config_ipv6, ext_bytes_max) },
	{ .key = "neighbor_cache_size", .parse = parse_uint, .pow2 = true, .lo = 16, .hi = 65536,
	  .off = offsetof(struct config_ipv6, neighbor_cache_size) },
	{ .key = "neighbor_timeout_s", .parse = parse_uint, .lo = 1, .hi = 86400,
	  .off = offsetof(struct config_ipv6, neighbor_timeout_s) },
	{ .key = "pending_max", .parse = parse_uint, .lo = 1, .hi = 4096,
	  .off = offsetof(struct config_ipv6, pending_max) },
	{ .key = "icmp_errors_per_s", .parse = parse_uint, .lo = 0, .hi = 100000,
	  .off = offsetof(struct config_ipv6, icmp_errors_per_s) },
	{ .key = "accept_ra", .parse = parse_bool, .off = offsetof(struct config_ipv6, accept_ra) },
};
static const struct schema ipv6_schema = { ipv6_fields, N_ELEMS(ipv6_fields) };

static const struct schema dpdk_schema = { dpdk_fields, N_ELEMS(dpdk_fields) };
static const struct schema port_schema = { port_fields, N_ELEMS(port_fields) };
static const struct schema log_schema = { log_fields, N_ELEMS(log_fields) };
static const struct schema arp_schema = { arp_fields, N_ELEMS(arp_fields) };

static int parse_ports(struct loader *ld, const struct field *f, const struct item *it, void *obj);
static int parse_listeners(struct loader *ld, const struct field *f, const struct item *it,
			   void *obj);

/* A built-in service or a name under backends:, resolved once the whole file is read. */
static int parse_backend_ref(struct loader *ld, const struct field *f, const struct item *it,
			     void *obj)
{
	char *dst = (char *)obj + f->off;
	struct config_why why = { 0 };
	struct text t;

	if (scalar_string(ld, it, "a backend name", &t) < 0)
		return -1;
	if (backend_check_name(t.s, t.len, false, &why) < 0)
		return fail_why(ld, it, &why);
	memcpy(dst, t.s, t.len + 1);
	return 0;
}


enum { TCP_PORT_FIRST, TCP_PORT_LAST }; /* order: parse_tcp finds them by index */
static const struct field tcp_fields[] = {
	[TCP_PORT_FIRST] = { .key = "local_port_first", .parse = parse_uint, .lo = 1, .hi = 65535,
			     .off = offsetof(struct config_tcp, local_port_first) },
	[TCP_PORT_LAST] = { .key = "local_port_last", .parse = parse_uint, .lo = 1, .hi = 65535,
			    .off = offsetof(struct config_tcp, local_port_last) },
	{ .key = "max_connections", .parse = parse_uint, .lo = 64, .hi = 4194304,
	  .off = offsetof(struct config_tcp, max_connections) },
	{ .key = "syn_backlog", .parse = parse_uint, .lo = 0, .hi = 1048576,
	  .off = offsetof(struct config_tcp, syn_backlog) },
	{ .key = "rcv_buffer", .parse = parse_uint, .lo = 4096, .hi = 16777216,
	  .off = offsetof(struct config_tcp, rcv_buffer) },
	{ .key = "snd_buffer", .parse = parse_uint, .lo = 4096, .hi = 16777216,
	  .off = offsetof(struct config_tcp, snd_buffer) },
	{ .key = "keepalive_s", .parse = parse_uint, .lo = 0, .hi = 86400,
	  .off = offsetof(struct config_tcp, keepalive_s) },
	{ .key = "keepalive_interval_s", .parse = parse_uint, .lo = 1, .hi = 3600,
	  .off = offsetof(struct config_tcp, keepalive_interval_s) },
	{ .key = "congestion_control", .parse = parse_name_in, .choices = cc_names, .lo = 1,
	  .hi = sizeof(((struct config_tcp *)0)->congestion_control) - 1,
	  .off = offsetof(struct config_tcp, congestion_control) },
};
static const struct schema tcp_schema = { tcp_fields, N_ELEMS(tcp_fields) };

/* Rules between the tcp keys, once all of them (and the defaults) are known. */
static int parse_tcp(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	struct config_tcp *t = (struct config_tcp *)((char *)obj + f->off);
	char fpath[PATH_LEN];
	struct seen seen;
	int which;

	if (parse_mapping(ld, it, &tcp_schema, t, &seen) < 0)
		return -1;
	/* an empty range would leave the proxy no port to connect from */
	if (t->local_port_first > t->local_port_last) {
		which = seen.val[TCP_PORT_FIRST] != NULL ? TCP_PORT_FIRST : TCP_PORT_LAST;
		snprintf(fpath, sizeof(fpath), "%s.%s", it->path, tcp_fields[which].key);
		return fail_item(ld, &(struct item){ seen.val[which], seen.key[which], fpath, it },
				 "local_port_first (%u%s) must not exceed local_port_last (%u%s)",
				 t->local_port_first, seen.val[TCP_PORT_FIRST] ? "" : ", the default",
				 t->local_port_last, seen.val[TCP_PORT_LAST] ? "" : ", the default");
	}
	return 0;
}

enum {
	LISTENER_PORT,
	LISTENER_BACKEND,
	LISTENER_TLS,
	LISTENER_PROXY_PROTOCOL,
	LISTENER_REDIRECT_HTTPS,
	LISTENER_REDIRECT_CODE,
	LISTENER_REDIRECT_PORT,
	LISTENER_FAMILY,
};

/* RFC 9110 15.4.2/15.4.9: the permanent redirects; 308 also keeps the method and body. */
static int parse_redirect_code(struct loader *ld, const struct field *f, const struct item *it,
			       void *obj)
{
	unsigned long v = 0;
	struct text t;

	if (is_plain_scalar(it->node) && scalar_text(it->node, &t) && t.len <= TEXT_MAX &&
	    parse_decimal(t.s, t.len, f->hi, &v) && (v == 301 || v == 308)) {
		*(unsigned int *)((char *)obj + f->off) = (unsigned int)v;
		return 0;
	}
	return fail_expected(ld, it, "301 or 308");
}

static const struct field listener_fields[] = {
	[LISTENER_PORT] = { .key = "port", .parse = parse_uint, .required = true, .lo = 1,
			    .hi = 65535, .off = offsetof(struct config_listener, port) },
	/* required unless redirect_https: true (check_listener_kind) */
	[LISTENER_BACKEND] = { .key = "backend", .parse = parse_backend_ref,
			       .off = offsetof(struct config_listener, backend) },
	[LISTENER_TLS] = { .key = "tls", .parse = parse_tls,
			   .off = offsetof(struct config_listener, tls) },
	[LISTENER_PROXY_PROTOCOL] = { .key = "proxy_protocol", .parse = parse_choice,
				      .choices = proxy_protocol_names,
				      .off = offsetof(struct config_listener, proxy_protocol) },
	[LISTENER_REDIRECT_HTTPS] = { .key = "redirect_https", .parse = parse_bool,
				      .off = offsetof(struct config_listener, redirect_https) },
	[LISTENER_REDIRECT_CODE] = { .key = "redirect_code", .parse = parse_redirect_code,
				     .lo = 0, .hi = 65535,
				     .off = offsetof(struct config_listener, redirect_code) },
	[LISTENER_REDIRECT_PORT] = { .key = "redirect_port", .parse = parse_uint, .lo = 1,
				     .hi = 65535,
				     .off = offsetof(struct config_listener, redirect_port) },
	[LISTENER_FAMILY] = { .key = "family", .parse = parse_choice, .choices = family_names,
			      .off = offsetof(struct config_listener, family) },
};
static const struct schema listener_schema = { listener_fields, N_ELEMS(listener_fields) };

static const struct field top_fields[] = {
	{ .key = "dpdk", .parse = parse_section, .required = true, .sub = &dpdk_schema,
	  .off = offsetof(struct config, dpdk) },
	{ .key = "ports", .parse = parse_ports, .required = true },
	{ .key = "listeners", .parse = parse_listeners },
	{ .key = "tcp", .parse = parse_tcp, .off = offsetof(struct config, tcp) },
	{ .key = "log", .parse = parse_section, .sub = &log_schema,
	  .off = offsetof(struct config, log) },
	{ .key = "arp", .parse = parse_section, .sub = &arp_schema,
	  .off = offsetof(struct config, arp) },
	{ .key = "ipv6", .parse = parse_section, .sub = &ipv6_schema,
	  .off = offsetof(struct config, ipv6) },
	{ .key = "limits", .parse = parse_section, .sub = &limits_schema,
	  .off = offsetof(struct config, limits) },
	{ .key = "tickets", .parse = parse_section, .sub = &tickets_schema,
	  .off = offsetof(struct config, tickets) },
	{ .key = "crypto", .parse = parse_section, .sub = &crypto_schema,
	  .off = offsetof(struct config, crypto) },
	{ .key = "mbufs_per_worker", .parse = parse_uint, .lo = 1023, .hi = 1048575,
	  .off = offsetof(struct config, mbufs_per_worker) },
	{ .key = "backends", .parse = parse_backends },
	{ .key = "access_log", .parse = parse_section, .sub = &access_log_schema,
	  .off = offsetof(struct config, access_log) },
	{ .key = "admin", .parse = parse_admin, .off = offsetof(struct config, admin) },
	{ .key = "edge", .parse = parse_section, .sub = &edge_schema,
	  .off = offsetof(struct config, edge) },
	{ .key = "tls", .parse = parse_section, .sub = &tls_global_schema,
	  .off = offsetof(struct config, tls) },
	{ .key = "dump_core_memory", .parse = parse_bool,
	  .off = offsetof(struct config, dump_core_memory) },
};
static const struct schema top_schema = { top_fields, N_ELEMS(top_fields) };

/* struct seen has room for SCHEMA_MAX_KEYS per mapping */
_Static_assert(N_ELEMS(top_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(dpdk_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(port_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(log_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(arp_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(ipv6_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(listener_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(tcp_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(impair_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(tls_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(cert_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(tickets_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(tls_global_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(backend_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(server_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(health_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(admin_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");
_Static_assert(N_ELEMS(edge_fields) <= SCHEMA_MAX_KEYS, "grow SCHEMA_MAX_KEYS");

void config_defaults(struct config *cfg)
{
	cfg->dpdk.memory_mb = 256;
	cfg->log.level = LOG_LEVEL_INFO;
	cfg->arp.cache_size = 1024;
	cfg->arp.timeout_s = 300;
	cfg->arp.pending_max = 64;
	cfg->ipv6.ext_headers_max = 4;
	cfg->ipv6.ext_bytes_max = 256;
	cfg->ipv6.neighbor_cache_size = 1024;
	cfg->ipv6.neighbor_timeout_s = 300;
	cfg->ipv6.pending_max = 64;
	cfg->ipv6.icmp_errors_per_s = 100;
	cfg->mbufs_per_worker = 8191;
	cfg->tcp.max_connections = 16384;
	cfg->tcp.syn_backlog = 1024;
	cfg->tcp.rcv_buffer = 262144;
	cfg->tcp.snd_buffer = 262144;
	cfg->tcp.keepalive_interval_s = 75;
	cfg->tcp.local_port_first = 32768;
	cfg->tcp.local_port_last = 60999;
	snprintf(cfg->tcp.congestion_control, sizeof(cfg->tcp.congestion_control), "cubic");
	cfg->limits.handshake_timeout_ms = 10000;
	cfg->limits.idle_timeout_ms = 300000;
	cfg->limits.redirect_timeout_ms = 5000;
	cfg->limits.redirect_connections = 1024;
	cfg->tickets.rotate_s = 3600;
	cfg->edge.icmp_echo_per_s = 1000;
	cfg->edge.table_size = 65536;
	cfg->edge.ipv6_prefix = 64; /* one host's share of addresses (RFC 4291 interface IDs) */
	cfg->edge.max_half_open = 8192;
	cfg->edge.max_handshaking = 4096;
	cfg->tls.ocsp_refresh_s = 3600;
	snprintf(cfg->crypto.engine, sizeof(cfg->crypto.engine), "ipsec-mb");
}

/* ---------------------------------------------------------------- mappings */

static void allowed_keys(const struct schema *sch, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < sch->n_fields && o < size; i++)
		if (!sch->fields[i].hidden)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
					      sch->fields[i].key);
}

static int find_field(const struct schema *sch, const struct text *key)
{
	for (unsigned int i = 0; i < sch->n_fields; i++)
		if (key->len == strlen(sch->fields[i].key) && !strcmp(key->s, sch->fields[i].key))
			return (int)i;
	return -1;
}

/* Match one key against the schema; -1 after reporting an unknown or repeated key. */
static int match_key(struct loader *ld, const struct item *map, const struct schema *sch,
		     struct fy_node *key, struct fy_node *val, const struct seen *seen)
{
	struct item ki = { key, val, map->path, map };
	char buf[64], allowed[256];
	struct pos first;
	struct text t;
	int i;

	if (check_plain_node(ld, &ki) < 0)
		return -1;
	if (key == NULL || !fy_node_is_scalar(key) || node_is_null(key) || !scalar_text(key, &t))
		return fail_item(ld, &ki, "keys must be strings, got %s",
				 describe(key, buf, sizeof(buf)));
	i = find_field(sch, &t);
	if (i < 0) {
		allowed_keys(sch, allowed, sizeof(allowed));
		return fail_item(ld, &ki, "unknown key %s; allowed here: %s",
				 describe(key, buf, sizeof(buf)), allowed);
	}
	if (seen->key[i] != NULL) {
		first = node_pos(ld, seen->key[i], NULL);
		return fail_item(ld, &ki, "duplicate key \"%s\" (first at line %d)",
				 sch->fields[i].key, first.line);
	}
	return i;
}

static int check_required(struct loader *ld, const struct item *map, const struct schema *sch,
			  const struct seen *seen)
{
	for (unsigned int i = 0; i < sch->n_fields; i++)
		if (sch->fields[i].required && seen->key[i] == NULL)
			return fail_item(ld, map, "missing required key \"%s\"",
					 sch->fields[i].key);
	return 0;
}

/* Walk a mapping against its schema, filling obj; seen tells the caller which node held what. */
static int parse_mapping(struct loader *ld, const struct item *it, const struct schema *sch,
			 void *obj, struct seen *seen)
{
	struct fy_node_pair *pair;
	void *iter = NULL;

	memset(seen, 0, sizeof(*seen));
	if (check_plain_node(ld, it) < 0)
		return -1;
	if (it->node == NULL || !fy_node_is_mapping(it->node))
		return fail_expected(ld, it, "a mapping");
	while ((pair = fy_node_mapping_iterate(it->node, &iter)) != NULL) {
		struct fy_node *key = fy_node_pair_key(pair), *val = fy_node_pair_value(pair);
		const struct field *f;
		char path[PATH_LEN];
		struct item vi = { val, key, path, it };
		int i = match_key(ld, it, sch, key, val, seen);

		if (i < 0)
			return -1;
		f = &sch->fields[i];
		seen->key[i] = key;
		seen->val[i] = val;
		snprintf(path, sizeof(path), "%s%s%s", it->path, it->path[0] ? "." : "", f->key);
		/* the "not yet" message is about the key, so point at the key */
		if (f->parse == parse_not_yet)
			vi = (struct item){ key, val, path, it };
		if (check_plain_node(ld, &vi) < 0 || f->parse(ld, f, &vi, obj) < 0)
			return -1;
	}
	return check_required(ld, it, sch, seen);
}

/* ---------------------------------------------------------------- ports */

/*
 * An IPv6 gateway is a neighbor: link-local, or inside the port's on-link
 * prefix (RFC 4861 6.3.4 routers are on the link), and a unicast address
 * that is not the port's own.
 */
static int check_port_ipv6(struct loader *ld, const struct config_port *port,
			   const struct seen *seen, const struct item *pi)
{
	char gpath[PATH_LEN], gs[INET6_ADDRSTRLEN], ps[INET6_ADDRSTRLEN];
	struct item gw = { seen->val[PORT_IPV6_GATEWAY], seen->key[PORT_IPV6_GATEWAY], gpath, pi };
	const uint8_t *g = port->ipv6_gateway;
	static const uint8_t zero[16];
	uint8_t net[16];
	unsigned int bits = port->ipv6_prefix;

	if (!port->has_ipv6_gateway)
		return 0;
	snprintf(gpath, sizeof(gpath), "%s.ipv6_gateway", pi->path);
	if (!port->has_ipv6)
		return fail_item(ld, &gw, "an IPv6 gateway needs ipv6 on the same port");
	inet_ntop(AF_INET6, g, gs, sizeof(gs));
	if (memcmp(g, zero, 15) == 0)
		return fail_item(ld, &gw, "%s is the unspecified or loopback address", gs);
	if (g[0] == 0xff)
		return fail_item(ld, &gw, "%s is a multicast address", gs);
	if (memcmp(g, port->ipv6_addr, 16) == 0)
		return fail_item(ld, &gw, "%s is the port's own address", gs);
	if (g[0] == 0xfe && (g[1] & 0xc0) == 0x80)
		return 0;
	bool inside = true;
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
		uint8_t mask = (uint8_t)(0xff00 >> keep);
		net[i] = port->ipv6_addr[i] & mask;
		inside &= (g[i] & mask) == net[i];
	}
	if (!inside) {
		inet_ntop(AF_INET6, net, ps, sizeof(ps));
		return fail_item(ld, &gw, "%s is neither link-local nor inside the port's prefix "
				 "%s/%u", gs, ps, bits);
	}
	return 0;
}

/* Rules between a port's own keys, once all of them are known. */
static int check_port(struct loader *ld, const struct config_port *port, const struct seen *seen,
		      const struct item *pi)
{
	char gpath[PATH_LEN], as[16], gs[16];
	struct item gw = { seen->val[PORT_GATEWAY], seen->key[PORT_GATEWAY], gpath, pi };
	uint32_t a = ntohl(port->ipv4_addr), g = ntohl(port->ipv4_gateway);
	uint32_t mask = prefix_mask(port->ipv4_prefix);

	if (check_port_ipv6(ld, port, seen, pi) < 0)
		return -1;
	if (!port->has_gateway)
		return 0;
	snprintf(gpath, sizeof(gpath), "%s.gateway", pi->path);
	if (!port->has_ipv4)
		return fail_item(ld, &gw, "a gateway needs ipv4 on the same port");
	ipv4_str(as, sizeof(as), a & mask);
	ipv4_str(gs, sizeof(gs), g);
	if ((g & mask) != (a & mask))
		return fail_item(ld, &gw, "%s is outside the port's subnet %s/%u", gs, as,
				 port->ipv4_prefix);
	if (g == a)
		return fail_item(ld, &gw, "%s is the port's own address", gs);
	return check_host_addr(ld, &gw, g, a, port->ipv4_prefix);
}

/* Names and devices identify a port: two ports cannot share either. */
static int check_port_unique(struct loader *ld, const struct config *cfg, unsigned int idx,
			     const struct seen *seen, const struct item *pi)
{
	const struct config_port *p = &cfg->ports[idx];
	char fpath[PATH_LEN];

	for (unsigned int j = 0; j < idx; j++) {
		if (strcmp(cfg->ports[j].name, p->name) == 0) {
			struct item it = { seen->val[PORT_NAME], seen->key[PORT_NAME], fpath, pi };

			snprintf(fpath, sizeof(fpath), "%s.name", pi->path);
			return fail_item(ld, &it, "\"%s\" is already the name of ports[%u]",
					 p->name, j);
		}
		if (strcmp(cfg->ports[j].device, p->device) == 0) {
			struct item it = { seen->val[PORT_DEVICE], seen->key[PORT_DEVICE], fpath,
					   pi };

			snprintf(fpath, sizeof(fpath), "%s.device", pi->path);
			return fail_item(ld, &it, "device is already used by ports[%u]", j);
		}
	}
	return 0;
}

static int parse_ports(struct loader *ld, const struct field *f, const struct item *it, void *obj)
{
	struct config *cfg = obj;
	struct fy_node *pn;
	void *iter = NULL;
	char path[PATH_LEN];

	(void)f;
	if (it->node == NULL || !fy_node_is_sequence(it->node))
		return fail_expected(ld, it, "a sequence of ports");
	while ((pn = fy_node_sequence_iterate(it->node, &iter)) != NULL) {
		struct item pi = { pn, NULL, path, it };
		struct seen seen;

		snprintf(path, sizeof(path), "%s[%u]", it->path, cfg->n_ports);
		if (cfg->n_ports == CONFIG_MAX_PORTS)
			return fail_item(ld, &pi, "at most %d ports are allowed", CONFIG_MAX_PORTS);
		if (parse_mapping(ld, &pi, &port_schema, &cfg->ports[cfg->n_ports], &seen) < 0 ||
		    check_port(ld, &cfg->ports[cfg->n_ports], &seen, &pi) < 0 ||
		    check_port_unique(ld, cfg, cfg->n_ports, &seen, &pi) < 0)
			return -1;
		cfg->n_ports++;
	}
	if (cfg->n_ports == 0)
		return fail_item(ld, it, "expected 1..%d ports, got none", CONFIG_MAX_PORTS);
	return 0;
}

/* A built-in service ends the connection inside tlsterm: no one to send a PROXY header to. */
static int check_listener_proxy(struct loader *ld, const struct config_listener *l,
				const struct seen *seen, const struct item *li)
{
	char fpath[PATH_LEN];

	if (l->proxy_protocol == CONFIG_PROXY_OFF || l->redirect_https ||
	    !backend_is_builtin(l->backend))
		return 0;
	snprintf(fpath, sizeof(fpath), "%s.proxy_protocol", li->path);
	return fail_item(ld,
			 &(struct item){ seen->val[LISTENER_PROXY_PROTOCOL],
					 seen->key[LISTENER_PROXY_PROTOCOL], fpath, li },
			 "a built-in service (%s) has no backend to send the PROXY header to; "
			 "use off", l->backend);
}

/* The error msg at a listener's key k: its value, or the key when the value is empty. */
static int fail_listener_key(struct loader *ld, const struct seen *seen, unsigned int k,
			     const struct item *li, const char *msg)
{
	char fpath[PATH_LEN];

	snprintf(fpath, sizeof(fpath), "%s.%s", li->path, listener_fields[k].key);
	return fail_item(ld, &(struct item){ seen->val[k], seen->key[k], fpath, li }, "%s", msg);
}

/* A listener serves a backend, or redirects to https: exactly one of the two. */
static int check_listener_kind(struct loader *ld, struct config_listener *l,
			       const struct seen *seen, const struct item *li)
{
	bool backend = seen->key[LISTENER_BACKEND] != NULL;
	char msg[96];

	if (!l->redirect_https) {
		for (unsigned int k = LISTENER_REDIRECT_CODE; k <= LISTENER_REDIRECT_PORT; k++) {
			if (seen->key[k] == NULL)
				continue;
			snprintf(msg, sizeof(msg), "%s only applies with redirect_https: true",
				 listener_fields[k].key);
			return fail_listener_key(ld, seen, k, li, msg);
		}
		if (!backend)
			return fail_item(ld, li, "missing required key \"backend\" "
					 "(or redirect_https: true)");
		return 0;
	}
	if (backend)
		return fail_listener_key(ld, seen, LISTENER_REDIRECT_HTTPS, li,
					 "a listener has a backend or redirect_https: true, "
					 "not both");
	if (seen->key[LISTENER_TLS] != NULL)
		return fail_listener_key(ld, seen, LISTENER_TLS, li,
					 "redirect_https answers plain HTTP; a tls listener "
					 "needs a backend");
	if (l->proxy_protocol != CONFIG_PROXY_OFF)
		return fail_listener_key(ld, seen, LISTENER_PROXY_PROTOCOL, li,
					 "a redirect_https listener has no backend to send the "
					 "PROXY header to; use off");
	if (l->redirect_code == 0)
		l->redirect_code = 301;
	l->backend_index = -1;
	return 0;
}

static int parse_listeners(struct loader *ld, const struct field *f, const struct item *it,
			   void *obj)
{
	struct config *cfg = obj;
	struct fy_node *ln;
	void *iter = NULL;
	char path[PATH_LEN];

	(void)f;
	if (it->node == NULL || !fy_node_is_sequence(it->node))
		return fail_expected(ld, it, "a sequence of listeners");
	while ((ln = fy_node_sequence_iterate(it->node, &iter)) != NULL) {
		struct item li = { ln, NULL, path, it };
		struct seen seen;
		struct config_listener *l = &cfg->listeners[cfg->n_listeners];

		snprintf(path, sizeof(path), "%s[%u]", it->path, cfg->n_listeners);
		if (cfg->n_listeners == CONFIG_MAX_LISTENERS)
			return fail_item(ld, &li, "at most %d listeners are allowed",
					 CONFIG_MAX_LISTENERS);
		if (parse_mapping(ld, &li, &listener_schema, l, &seen) < 0 ||
		    check_listener_kind(ld, l, &seen, &li) < 0 ||
		    check_listener_proxy(ld, l, &seen, &li) < 0)
			return -1;
		for (unsigned int j = 0; j < cfg->n_listeners; j++) {
			if (cfg->listeners[j].port == l->port) {
				struct item pi = { seen.val[LISTENER_PORT], seen.key[LISTENER_PORT],
						   path, &li };
				return fail_item(ld, &pi, "port %u already has a listener (%s[%u])",
						 l->port, it->path, j);
			}
		}
		cfg->n_listeners++;
	}
	return 0;
}

/* The value of key in a mapping node, or NULL; keys are unique by now (parse_mapping). */
static struct fy_node_pair *pair_by_key(struct fy_node *map, const char *key)
{
	struct fy_node_pair *pair;
	void *iter = NULL;
	struct text t;

	while ((pair = fy_node_mapping_iterate(map, &iter)) != NULL)
		if (scalar_text(fy_node_pair_key(pair), &t) && t.len == strlen(key) &&
		    strcmp(t.s, key) == 0)
			return pair;
	return NULL;
}

/*
 * Listeners may name backends defined further down the file, so names are
 * resolved after everything parsed; an unknown one is reported at the
 * listener's backend value.
 */
static int resolve_backends(struct loader *ld, struct config *cfg, struct fy_node *root)
{
	struct fy_node_pair *lp = pair_by_key(root, "listeners");
	struct fy_node *ln;
	void *iter = NULL;
	char lpath[PATH_LEN], bpath[PATH_LEN], names[CONFIG_ERR_LEN];

	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		struct config_listener *l = &cfg->listeners[i];
		struct fy_node_pair *bp;
		size_t o = 0;

		ln = fy_node_sequence_iterate(fy_node_pair_value(lp), &iter);
		if (l->redirect_https)
			continue; /* no backend (check_listener_kind) */
		if (backend_is_builtin(l->backend)) {
			l->backend_index = -1;
			continue;
		}
		l->backend_index = backend_find(cfg, l->backend);
		if (l->backend_index >= 0)
			continue;
		names[0] = '\0';
		for (unsigned int j = 0; j < cfg->n_backends && o < sizeof(names); j++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", j ? ", " : "",
					      cfg->backends[j].name);
		snprintf(lpath, sizeof(lpath), "listeners[%u]", i);
		snprintf(bpath, sizeof(bpath), "listeners[%u].backend", i);
		bp = pair_by_key(ln, "backend");
		return fail_item(ld,
				 &(struct item){ fy_node_pair_value(bp), fy_node_pair_key(bp),
						 bpath, &(struct item){ ln, NULL, lpath, NULL } },
				 "no backend named \"%s\"; defined: %s; built-in: echo, discard",
				 l->backend, cfg->n_backends > 0 ? names : "none");
	}
	return 0;
}

/* The YAML node of backends.NAME.servers[j]'s address (a scalar, or a mapping's address:). */
static struct fy_node *server_node(struct fy_node *root, const char *backend, unsigned int j)
{
	struct fy_node_pair *p = pair_by_key(root, "backends");
	struct fy_node *n = p == NULL ? NULL : fy_node_pair_value(p);
	p = n == NULL ? NULL : pair_by_key(n, backend);
	n = p == NULL ? NULL : fy_node_pair_value(p);
	p = n == NULL ? NULL : pair_by_key(n, "servers");
	n = p == NULL ? NULL : fy_node_sequence_get_by_index(fy_node_pair_value(p), (int)j);
	if (n != NULL && fy_node_is_mapping(n) && (p = pair_by_key(n, "address")) != NULL)
		n = fy_node_pair_value(p);
	return n;
}

/*
 * A link-local server's zone names a port, which may be defined further down
 * the file: resolved here, and an unknown port or one without ipv6 reported
 * at the server's address.
 */
static int resolve_zones(struct loader *ld, struct config *cfg, struct fy_node *root)
{
	char path[PATH_LEN], names[CONFIG_ERR_LEN];

	for (unsigned int i = 0; i < cfg->n_backends; i++) {
		struct config_backend *b = &cfg->backends[i];
		for (unsigned int j = 0; j < b->n_servers; j++) {
			struct config_server *sv = &b->servers[j];
			int found = -1;
			if (sv->zone[0] == '\0')
				continue;
			for (unsigned int p = 0; p < cfg->n_ports; p++)
				if (strcmp(cfg->ports[p].name, sv->zone) == 0)
					found = (int)p;
			if (found >= 0 && cfg->ports[found].has_ipv6) {
				sv->port_index = found;
				continue;
			}
			snprintf(path, sizeof(path), "backends.%s.servers[%u]", b->name, j);
			struct item it = { server_node(root, b->name, j), NULL, path, NULL };
			if (found >= 0)
				return fail_item(ld, &it, "port \"%s\" has no ipv6 address", sv->zone);
			size_t o = 0;
			names[0] = '\0';
			for (unsigned int p = 0; p < cfg->n_ports && o < sizeof(names); p++)
				o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
						      p ? ", " : "", cfg->ports[p].name);
			return fail_item(ld, &it, "no port named \"%s\"; ports: %s", sv->zone,
					 cfg->n_ports > 0 ? names : "none");
		}
	}
	return 0;
}

/*
 * The top-level tls: section says how the listeners' key files are judged, and
 * it may come after them in the file: read it first (the walk in order reads it
 * again, to the same effect). A root that is not a mapping is reported there.
 */
static int parse_tls_global_first(struct loader *ld, struct config *cfg, struct fy_node *root)
{
	struct fy_node_pair *tp;
	struct seen seen;

	if (root == NULL || !fy_node_is_mapping(root) || (tp = pair_by_key(root, "tls")) == NULL)
		return 0;
	return parse_mapping(ld,
			     &(struct item){ fy_node_pair_value(tp), fy_node_pair_key(tp), "tls",
					     &(struct item){ root, NULL, "", NULL } },
			     &tls_global_schema, &cfg->tls, &seen);
}

/* ---------------------------------------------------------------- documents */

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/* libfyaml's own diagnostics are collected, never printed; we report them our way. */
static struct fy_diag *diag_create(void)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_discard;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (diag != NULL)
		fy_diag_set_collect_errors(diag, true);
	return diag;
}

static int fail_syntax(struct loader *ld)
{
	struct fy_diag_error *e;
	void *iter = NULL;

	while ((e = fy_diag_errors_iterate(ld->diag, &iter)) != NULL)
		if (e->type == FYET_ERROR)
			return fail_pos(ld, (struct pos){ e->line, e->column }, "",
					"YAML syntax error: %s", e->msg);
	return fail_pos(ld, (struct pos){ 0, 0 }, "", "cannot parse YAML (out of memory?)");
}

/*
 * Length of the UTF-8 sequence at s (1..4), or 0 if it is not valid UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Bytes libfyaml 0.7.12 must never see, checked before it does:
 * - NUL: it stops there and parses only a prefix;
 * - invalid UTF-8: a directive line "%\xae" makes it loop forever (YAML
 *   input must be Unicode anyway, and we take UTF-8 only);
 * - TAB: "? k:\t:" is a use-after-free in its parser cleanup. YAML already
 *   forbids tabs in indentation and no value here needs one.
 */
static int check_input_bytes(struct loader *ld, const char *text, size_t len)
{
	struct pos p = { 1, 1 };
	size_t i = 0;

	while (i < len) {
		const unsigned char *c = (const unsigned char *)text + i;
		size_t n = utf8_seq_len(c, len - i);

		if (*c == '\0')
			return fail_pos(ld, p, "", "NUL byte in input");
		if (*c == '\t')
			return fail_pos(ld, p, "", "tab character; use spaces");
		if (n == 0)
			return fail_pos(
				ld, p, "",
				"invalid UTF-8 (byte 0x%02x); the configuration must be UTF-8", *c);
		if (*c == '\n') {
			p.line++;
			p.col = 1;
		} else {
			p.col++; /* columns count characters, as libfyaml's do */
		}
		i += n;
	}
	return 0;
}

/*
 * Build the one document of the stream. A second document ("---") would be
 * silently ignored by a plain document build, and with it whatever the user
 * put there, so it is an error.
 */
static int load_document(struct loader *ld, struct fy_parser *fyp, struct fy_document **out)
{
	struct fy_document *fyd, *extra;

	fyd = fy_parse_load_document(fyp);
	if (fyd == NULL && fy_diag_got_error(ld->diag))
		return fail_syntax(ld);
	if (fyd == NULL)
		return fail_pos(ld, (struct pos){ 1, 1 }, "",
				"empty configuration, expected a mapping with dpdk and ports");
	*out = fyd;
	extra = fy_parse_load_document(fyp);
	if (extra != NULL) {
		struct fy_document_state *st = fy_document_get_document_state(extra);
		const struct fy_mark *m = st != NULL ? fy_document_state_start_mark(st) : NULL;
		struct pos p = m != NULL ? (struct pos){ m->line + 1, m->column + 1 }
					 : (struct pos){ 0, 0 };

		fy_parse_document_destroy(fyp, extra);
		return fail_pos(ld, p, "", "only one YAML document is allowed");
	}
	return fy_diag_got_error(ld->diag) ? fail_syntax(ld) : 0;
}

static int parse_text(struct loader *ld, const char *text, size_t len, struct config *cfg)
{
	struct fy_parse_cfg pcfg = {
		/* duplicates are found by parse_mapping, which can name the key's path */
		.flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS,
		.diag = ld->diag,
	};
	struct fy_document *fyd = NULL;
	struct fy_parser *fyp;
	struct seen seen;
	int ret = -1;

	if (check_input_bytes(ld, text, len) < 0)
		return -1;
	ld->text = text;
	ld->len = len;
	fyp = fy_parser_create(&pcfg);
	if (fyp == NULL)
		return fail_pos(ld, (struct pos){ 0, 0 }, "", "out of memory");
	if (fy_parser_set_string(fyp, text, len) != 0) {
		fail_pos(ld, (struct pos){ 0, 0 }, "", "out of memory");
		goto destroy_parser;
	}
	if (load_document(ld, fyp, &fyd) < 0)
		goto destroy_document;
	if (parse_tls_global_first(ld, cfg, fy_document_root(fyd)) < 0)
		goto destroy_document;
	ret = parse_mapping(ld, &(struct item){ fy_document_root(fyd), NULL, "", NULL },
			    &top_schema, cfg, &seen);
	if (ret == 0)
		ret = resolve_backends(ld, cfg, fy_document_root(fyd));
	if (ret == 0)
		ret = resolve_zones(ld, cfg, fy_document_root(fyd));
destroy_document:
	fy_parse_document_destroy(fyp, fyd);
destroy_parser:
	fy_parser_destroy(fyp);
	return ret;
}

/* ---------------------------------------------------------------- API */

struct config *config_parse(const char *name, const char *text, size_t len, char *err,
			    size_t errlen)
{
	struct loader ld = { .name = name != NULL ? name : "<config>",
			     .err = err,
			     .errlen = errlen };
	struct config *cfg;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL)
		text = "";
	cfg = calloc(1, sizeof(*cfg));
	ld.diag = diag_create();
	if (cfg == NULL || ld.diag == NULL) {
		fail_pos(&ld, (struct pos){ 0, 0 }, "", "out of memory");
		goto free_cfg;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", ld.name);
	config_defaults(cfg);
	ld.cfg = cfg;
	if (parse_text(&ld, text, len, cfg) < 0)
		goto free_cfg;
	fy_diag_destroy(ld.diag);
	return cfg;

free_cfg:
	config_free(cfg);
	fy_diag_destroy(ld.diag);
	return NULL;
}

/* Read the whole file ourselves so a missing file reports errno, not a parser message. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s:0:0: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s:0:0: out of memory", path);
		goto close_file;
	}
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s:0:0: cannot read: %s", path, strerror(errno));
		goto free_buf;
	}
	if (n > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s:0:0: file is larger than %d bytes", path,
			 CONFIG_FILE_MAX);
		goto free_buf;
	}
	fclose(f);
	*len = n;
	return buf;

free_buf:
	free(buf);
	buf = NULL;
close_file:
	fclose(f);
	return buf;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	char scratch[CONFIG_ERR_LEN];
	struct config *cfg;
	size_t len = 0;
	char *text;

	if (err == NULL || errlen == 0) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	if (path == NULL || strlen(path) >= sizeof(cfg->path)) {
		snprintf(err, errlen, "%s:0:0: path is empty or longer than %zu bytes",
			 path != NULL ? path : "", sizeof(cfg->path) - 1);
		return NULL;
	}
	text = read_file(path, &len, err, errlen);
	if (text == NULL)
		return NULL;
	cfg = config_parse(path, text, len, err, errlen);
	free(text);
	return cfg;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned int i = 0; i < cfg->dpdk.n_eal_args; i++)
		free(cfg->dpdk.eal_args[i]);
	free(cfg);
}

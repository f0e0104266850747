/* SPDX-License-Identifier: BSD-3-Clause */
#include <tlsterm/counters.h>

static const char *const drop_names[DROP__COUNT] = {
#define X(e, s) [DROP_##e] = s,
	DROP_REASONS(X)
#undef X
};

const char *drop_reason_name(enum drop_reason r)
{
	return (unsigned int)r < DROP__COUNT ? drop_names[r] : "unknown";
}

/* RFC 8446 6 and the IANA TLS Alerts registry; the "reserved" ones are TLS 1.2 and older. */
static const char *const alert_names[256] = {
	[0] = "close_notify",
	[10] = "unexpected_message",
	[20] = "bad_record_mac",
	[21] = "decryption_failed",
	[22] = "record_overflow",
	[30] = "decompression_failure",
	[40] = "handshake_failure",
	[41] = "no_certificate",
	[42] = "bad_certificate",
	[43] = "unsupported_certificate",
	[44] = "certificate_revoked",
	[45] = "certificate_expired",
	[46] = "certificate_unknown",
	[47] = "illegal_parameter",
	[48] = "unknown_ca",
	[49] = "access_denied",
	[50] = "decode_error",
	[51] = "decrypt_error",
	[60] = "export_restriction",
	[70] = "protocol_version",
	[71] = "insufficient_security",
	[80] = "internal_error",
	[86] = "inappropriate_fallback",
	[90] = "user_canceled",
	[100] = "no_renegotiation",
	[109] = "missing_extension",
	[110] = "unsupported_extension",
	[111] = "certificate_unobtainable",
	[112] = "unrecognized_name",
	[113] = "bad_certificate_status_response",
	[114] = "bad_certificate_hash_value",
	[115] = "unknown_psk_identity",
	[116] = "certificate_required",
	[120] = "no_application_protocol",
};

const char *tls_alert_name(unsigned int description)
{
	return description < 256 ? alert_names[description] : NULL;
}

static const char *const redirect_names[REDIRECT__COUNT] = {
#define X(e, s, code) [REDIRECT_##e] = s,
	REDIRECT_OUTCOMES(X)
#undef X
};

const char *redirect_outcome_name(enum redirect_outcome o)
{
	return (unsigned int)o < REDIRECT__COUNT ? redirect_names[o] : "unknown";
}

/* The struct is all uint64_t counters, so it can be summed as an array. */
void worker_counters_add(struct worker_counters *dst, const struct worker_counters *src)
{
	_Static_assert(sizeof(struct worker_counters) % sizeof(uint64_t) == 0,
		       "worker_counters must be made of uint64_t only");
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

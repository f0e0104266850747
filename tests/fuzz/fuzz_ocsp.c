/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the OCSP response checks (lib/ctl/ocsp_check.c): any
 * bytes must be taken or refused with one line, never crash or leak; what is
 * taken is unexpired at the clock given. OpenSSL's d2i is fuzzed upstream;
 * this reaches our walk after it (CertID match, signer, times, status).
 * The certificate chain (scripts/certs.sh's site-ecdsa.pem: leaf, then the
 * test CA) is fixed here, and so is the clock, so that the seeds in
 * corpus/fuzz_ocsp/ (made for this chain by tests/integration/ocsp_response.py
 * and openssl ocsp) pass every check: good from the CA, good from a delegated
 * responder, from openssl ocsp; and fail each in turn: revoked, expired,
 * another certificate, a signer that is not a responder, not successful.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tlsterm/ocsp_check.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* when the seeds were made, plus a minute: "expired" has expired, the rest are fresh */
#define NOW ((time_t)1795729165)

static const char chain_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB1TCCAXugAwIBAgIUMUHfpCtSCSRsItv56YL6xZSzWRswCgYIKoZIzj0EAwIw\n"
	"GjEYMBYGA1UEAwwPdGxzdGVybSB0ZXN0IENBMB4XDTI2MTEyNjIxMTQyMVoXDTI5\n"
	"MDIyODIxMTQyMVowFzEVMBMGA1UEAwwMdGxzdGVybS50ZXN0MFkwEwYHKoZIzj0C\n"
	"AQYIKoZIzj0DAQcDQgAEe/DYmbYqwKvP0Lq9DzzzklVtl5+ljjn5+/uuBqnTcKFq\n"
	"gPAWGHMfN4k5A3zvVG5F8qx7ghFClst6iX8RSb1hmaOBoTCBnjApBgNVHREEIjAg\n"
	"ggx0bHN0ZXJtLnRlc3SCEHd3dy50bHN0ZXJtLnRlc3QwDAYDVR0TAQH/BAIwADAO\n"
	"BgNVHQ8BAf8EBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFOp8\n"
	"HobISVUBv1+BQhYZE4KkDwNdMB8GA1UdIwQYMBaAFDfO1b45IW06WpFk40b1qJBY\n"
	"rCNJMAoGCCqGSM49BAMCA0gAMEUCIQC7ck1ao7b/z6oND2xvx+lAiUV71IMzkasP\n"
	"MWYEuo/YPwIgQnDm6dYLkbs2/CJYppZKSvi3leoN39Y4B4ySquXq0k4=\n"
	"-----END CERTIFICATE-----\n"
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBmTCCAT+gAwIBAgIUP7bhDPhH2i/eKKtFHDIg+/wDEdUwCgYIKoZIzj0EAwIw\n"
	"GjEYMBYGA1UEAwwPdGxzdGVybSB0ZXN0IENBMB4XDTI2MTEyNjIxMTQyMVoXDTI5\n"
	"MDIyODIxMTQyMVowGjEYMBYGA1UEAwwPdGxzdGVybSB0ZXN0IENBMFkwEwYHKoZI\n"
	"zj0CAQYIKoZIzj0DAQcDQgAEsoBDL8Jf2vbgdUq/NvPpIev5VPe/JQxOuUH4f8hl\n"
	"Gwh3ce8lgTIM8dhYNKnpeE4IHrLQE+dqLzxJQ2rqrwGb66NjMGEwHQYDVR0OBBYE\n"
	"FDfO1b45IW06WpFk40b1qJBYrCNJMB8GA1UdIwQYMBaAFDfO1b45IW06WpFk40b1\n"
	"qJBYrCNJMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMAoGCCqGSM49\n"
	"BAMCA0gAMEUCIGBI60QOrNgEDEMJgv3OVqhgUx2LqjT0V5re38LRNYRjAiEA4+Zw\n"
	"yXJaHNnlHJsq2g7NCilSM4Vr2NZFSdtOixDtKtE=\n"
	"-----END CERTIFICATE-----\n"
	;

static char chain_path[64];

static void write_chain(void)
{
	FILE *f;

	snprintf(chain_path, sizeof(chain_path), "/tmp/fuzz_ocsp_chain.%d.pem", (int)getpid());
	f = fopen(chain_path, "w");
	if (f == NULL || fwrite(chain_pem, 1, sizeof(chain_pem) - 1, f) != sizeof(chain_pem) - 1)
		abort();
	fclose(f);
}

static void remove_chain(void)
{
	unlink(chain_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocsp_checked c;
	char err[512] = "";
	int rc;

	if (chain_path[0] == '\0') {
		write_chain();
		atexit(remove_chain);
	}
	rc = ocsp_check_der(data, size, chain_path, NOW, &c, err, sizeof(err));
	if (rc == 0 && (c.next_update <= NOW || c.this_update > NOW + OCSP_CLOCK_SKEW_S ||
			c.revoked || c.der != NULL))
		abort();
	if (rc != 0 && (err[0] == '\0' || strchr(err, '\n') != NULL))
		abort();
	ocsp_checked_free(&c);
	return 0;
}

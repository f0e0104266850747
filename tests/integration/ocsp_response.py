#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a DER OCSP response for a certificate, with chosen thisUpdate/nextUpdate offsets
from now (openssl ocsp can only make a response that lasts whole minutes from now).

usage: ocsp_response.py CERT ISSUER SIGNER_CERT SIGNER_KEY OUT [--next-s N] [--this-s N]
                        [--status good|revoked]
"""
import argparse
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp


def main():
    ap = argparse.ArgumentParser()
    for name in ("cert", "issuer", "signer_cert", "signer_key", "out"):
        ap.add_argument(name)
    ap.add_argument("--next-s", type=int, default=86400)
    ap.add_argument("--this-s", type=int, default=-60)
    ap.add_argument("--status", choices=("good", "revoked"), default="good")
    a = ap.parse_args()

    def cert(path):
        with open(path, "rb") as f:
            return x509.load_pem_x509_certificate(f.read())  # the first: the leaf

    with open(a.signer_key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    now = datetime.datetime.utcnow().replace(microsecond=0)
    revoked = a.status == "revoked"
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert(a.cert), cert(a.issuer), hashes.SHA1(),
        ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
        now + datetime.timedelta(seconds=a.this_s), now + datetime.timedelta(seconds=a.next_s),
        now if revoked else None, x509.ReasonFlags.key_compromise if revoked else None)
    signer = cert(a.signer_cert)
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer)
    if os.path.realpath(a.signer_cert) != os.path.realpath(a.issuer):
        builder = builder.certificates([signer])  # a delegated responder sends its own
    resp = builder.sign(key, hashes.SHA256())
    with open(a.out + ".tmp", "wb") as f:
        f.write(resp.public_bytes(serialization.Encoding.DER))
    # a rename, so tlsterm's refresh never reads half a file
    os.replace(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()

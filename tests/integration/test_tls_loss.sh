#!/usr/bin/env bash
# test_tls.sh with 2% loss and 1% duplicates on the wire (nftables in the client namespace):
# 8 MiB echoed intact over TLS 1.3 and TLS 1.2, with the OpenSSL EVP record engine.
TT_TLS_LOSS=1 exec bash "$(dirname "$0")/test_tls.sh"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Test certificates for tlsterm, made with the openssl CLI. Usage: certs.sh DIR
#   ca.pem/.key                  test CA (ECDSA P-256)
#   site-ecdsa.pem/.key          P-256, tlsterm.test and www.tlsterm.test
#   site-rsa.pem/.key            RSA-2048, the same names
#   wild-ecdsa.pem/.key          *.wild.tlsterm.test
#   other-ecdsa.pem/.key         other.test
#   expired.pem/.key             valid 2020-01-01 .. 2021-01-01 only
#   notyet.pem/.key              valid from 2099 only
#   mismatch.pem/.key            a certificate and somebody else's key
#   rsa1024.pem/.key             too small an RSA key
#   p521.pem/.key                an ECDSA curve we do not serve
#   tickets.key                  two 80-byte session-ticket keys (nginx format)
#   ocsp-responder.pem/.key      a delegated OCSP responder (extendedKeyUsage OCSPSigning)
# Every leaf .pem holds the chain: the leaf, then the CA. Leaves are valid 825 days.
# Idempotent: only what is missing is made; a new CA remakes every leaf it signs.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077 # keys are secrets, even test ones

leaves=(site-ecdsa site-rsa wild-ecdsa other-ecdsa expired notyet mismatch rsa1024 p521
	ocsp-responder)

if [ ! -s ca.pem ] || [ ! -s ca.key ]; then
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
	openssl req -x509 -new -key ca.key -subj "/CN=tlsterm test CA" -days 825 -out ca.pem \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
	for l in "${leaves[@]}"; do rm -f "$l.pem" "$l.key"; done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tlsterm-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

newkey() { # file kind
	case $2 in
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
	p521) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$1" ;;
	rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
	rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1" ;;
	esac 2>/dev/null
}

# leaf NAME KEYKIND "DNS:a,DNS:b" [START END [EKU]]: NAME.key and NAME.pem (leaf + CA)
leaf() {
	local name=$1 kind=$2 san=$3 start=${4:-} end=${5:-} eku=${6:-serverAuth}
	local cn=${san%%,*}
	cn=${cn#DNS:}
	[ -s "$name.pem" ] && [ -s "$name.key" ] && return 0
	newkey "$name.key" "$kind"
	openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$work/$name.csr"
	printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=$eku" \
		>"$work/$name.ext"
	if [ -z "$start" ] || [ "$start" = now ]; then
		openssl x509 -req -in "$work/$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-CAserial "$work/ca.srl" -days 825 -sha256 -extfile "$work/$name.ext" \
			-out "$work/$name.crt" 2>/dev/null
	else
		# openssl x509 cannot date a certificate in the past; openssl ca can.
		mkdir -p "$work/ca"
		: >"$work/ca/index.txt"
		openssl rand -hex 16 >"$work/ca/serial"
		cat >"$work/ca.cnf" <<-EOF
			[ca]
			default_ca = test
			[test]
			database = $work/ca/index.txt
			serial = $work/ca/serial
			new_certs_dir = $work/ca
			default_md = sha256
			policy = anything
			unique_subject = no
			[anything]
			commonName = supplied
		EOF
		openssl ca -batch -notext -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key \
			-startdate "$start" -enddate "$end" -extfile "$work/$name.ext" \
			-in "$work/$name.csr" -out "$work/$name.crt" 2>/dev/null
	fi
	cat "$work/$name.crt" ca.pem >"$name.pem"
}

names="DNS:tlsterm.test,DNS:www.tlsterm.test"
leaf site-ecdsa p256 "$names"
leaf site-rsa rsa2048 "$names"
leaf wild-ecdsa p256 "DNS:*.wild.tlsterm.test"
leaf other-ecdsa p256 "DNS:other.test"
leaf expired p256 "DNS:expired.tlsterm.test" 20200101000000Z 20210101000000Z
leaf notyet p256 "DNS:notyet.tlsterm.test" 20990101000000Z 20991231000000Z
leaf rsa1024 rsa1024 "DNS:rsa1024.tlsterm.test"
leaf p521 p521 "DNS:p521.tlsterm.test"
leaf ocsp-responder p256 "DNS:ocsp.tlsterm.test" now now OCSPSigning
if [ ! -s mismatch.pem ] || [ ! -s mismatch.key ]; then
	leaf mismatch p256 "DNS:mismatch.tlsterm.test"
	newkey mismatch.key p256 # replaces the key the certificate was made for
fi
[ -s tickets.key ] || openssl rand -out tickets.key 160

# shellcheck shell=bash disable=SC2034  # sourced; the names are for the tests
# The set-up the reverse-proxy tests share, over IPv4 (test_proxy.sh) and IPv6
# (test_ipv6_proxy.sh): HTTP backends (proxy_backend.py) in the backend namespace, TLS
# listeners, curl in the client namespace, the 16 MiB transfers. Source it after lib.sh and
# run_tlsterm.sh, then call tt_proxy_begin.

TT_PROXY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BACKEND_PIDS=()

# Run by tt_end (run_tlsterm.sh): every process in BACKEND_PIDS (the backends started here,
# and any other background peer a test adds) is stopped and waited for.
tt_cleanup_hook() {
	local pid
	for pid in "${BACKEND_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${BACKEND_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# tt_proxy_begin NAME HOST BACK: tt_begin NAME, certificates (scripts/certs.sh) in $certs, the
# test bed up. HOST is tlsterm's edge address and BACK the backend namespace's, of either
# family; tlsterm's log goes to $log.
tt_proxy_begin() {
	tt_begin "$1"
	HOST=$2
	BACK=$3
	log=$TT_WORK/tlsterm.log
	certs=$TT_WORK/certs
	bash "$TT_PROXY_DIR/../../scripts/certs.sh" "$certs" >/dev/null
	bash "$TT_PROXY_DIR/../../scripts/testbed.sh" up >/dev/null
}

# tt_url_host ADDR: ADDR as it stands in a URL or a --resolve entry ([…] for IPv6).
tt_url_host() {
	case $1 in
	*:*) echo "[$1]" ;;
	*) echo "$1" ;;
	esac
}

# backend PORT MODE: an HTTP backend on BACK, PROXY protocol MODE (off, v1, v2); its pid in
# BACKEND_<PORT>, its output in $TT_WORK/backend-PORT.log.
backend() {
	ip netns exec "$TT_NS_BACKEND" "$TT_PY" "$TT_PROXY_DIR/proxy_backend.py" --listen "$BACK" \
		--port "$1" --proxy "$2" >"$TT_WORK/backend-$1.log" 2>&1 &
	BACKEND_PIDS+=($!)
	eval "BACKEND_$1=$!"
}

# tt_backends_listening PORT...: wait until the backend namespace listens on every PORT.
tt_backends_listening() {
	local p
	for p in "$@"; do
		tt_wait_for "ip netns exec $TT_NS_BACKEND ss -ltnH 'sport = :$p' | grep -q LISTEN" 10 ||
			tt_fail "backend $p did not start"
	done
}

# tls PORT BACKEND [proxy_protocol]: a listener stanza for tt_write_config, TLS with the ECDSA
# certificate for tlsterm.test and ALPN http/1.1.
tls() {
	printf '%s\n' "  - port: $1" "    backend: $2" "    proxy_protocol: ${3:-off}" "    tls:" \
		"      certificates: [ { cert: $certs/site-ecdsa.pem, key: $certs/site-ecdsa.key } ]" \
		"      alpn: [http/1.1]"
}

# curl_in ARGS...: curl in the client namespace with our CA; tlsterm.test is HOST on the TLS
# ports the tests use.
curl_in() {
	local h family=() resolve=() p
	h=$(tt_url_host "$HOST")
	[ "$h" = "$HOST" ] || family=(-6)
	for p in 443 8443 8444 9443 9444; do resolve+=(--resolve "tlsterm.test:$p:$h"); done
	ip netns exec "$TT_NS_CLIENT" curl "${family[@]}" -sS --max-time 30 \
		--cacert "$certs/ca.pem" "${resolve[@]}" "$@"
}

# json FILE EXPR: evaluate a Python expression over the backend's JSON answer (as j).
json() {
	"$TT_PY" -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

sha() { sha256sum <"$1" | cut -c1-64; }

# tt_pattern_file FILE: the first 16 MiB of what proxy_backend.py's /bytes/N sends, in FILE.
tt_pattern_file() {
	"$TT_PY" -c "import sys; sys.path.insert(0, '$TT_PROXY_DIR'); import proxy_backend as b
open('$1', 'wb').write(b''.join(b.pattern_bytes(16 << 20)))"
}

# tt_proxy_transfers [WHAT]: through listeners 443 (HTTPS) and 8080 (plain TCP) to a backend,
# a 16 MiB download both ways and a 16 MiB upload echoed back, each checked by sha256. WHAT
# (" over IPv6") goes into the messages.
tt_proxy_transfers() {
	local what=${1:-} expected=$TT_WORK/expected.bin
	tt_pattern_file "$expected"
	curl_in -o "$TT_WORK/got.bin" "https://tlsterm.test/bytes/$((16 << 20))" ||
		tt_fail "HTTPS download$what failed"
	[ "$(sha "$expected")" = "$(sha "$TT_WORK/got.bin")" ] ||
		tt_fail "HTTPS download: 16 MiB differ"
	echo "  HTTPS download$what: 16 MiB, sha256 $(sha "$expected" | cut -c1-16) both sides"
	head -c $((16 << 20)) /dev/urandom >"$TT_WORK/up.bin"
	curl_in -o "$TT_WORK/up-back.bin" --data-binary @"$TT_WORK/up.bin" \
		-H 'Content-Type: application/octet-stream' "https://tlsterm.test/echo" ||
		tt_fail "HTTPS upload$what failed"
	[ "$(sha "$TT_WORK/up.bin")" = "$(sha "$TT_WORK/up-back.bin")" ] ||
		tt_fail "HTTPS upload: 16 MiB differ"
	echo "  HTTPS upload$what: 16 MiB through the backend and back, sha256 both sides"
	curl_in -o "$TT_WORK/got-l4.bin" "http://$(tt_url_host "$HOST"):8080/bytes/$((16 << 20))" ||
		tt_fail "L4 download$what failed"
	[ "$(sha "$expected")" = "$(sha "$TT_WORK/got-l4.bin")" ] ||
		tt_fail "L4 download: 16 MiB differ"
	echo "  plain TCP (L4) download$what: 16 MiB intact"
}

#!/usr/bin/env bash
# The demo: install, build, lay the test bed, start tlsterm on net_af_packet
# with an embedded config, and show it answering the client namespace.
#   scripts/demo.sh        start (tlsterm keeps running in the background)
#   scripts/demo.sh stop   stop tlsterm and take the test bed down
set -euo pipefail
cd "$(dirname "$0")/.."
run=/run/tlsterm-demo
mkdir -p "$run"

stop() {
	if [ -f "$run/pid" ] && kill -0 "$(cat "$run/pid")" 2>/dev/null; then
		kill -TERM "$(cat "$run/pid")"
		for _ in $(seq 1 100); do kill -0 "$(cat "$run/pid")" 2>/dev/null || break; sleep 0.1; done
		echo "demo: tlsterm stopped; its last statistics:"
		grep 'stats:' "$run/tlsterm.log" | sed 's/^/  /' || true
	fi
	rm -f "$run/pid"
	if [ -f "$run/backend.pid" ]; then
		kill "$(cat "$run/backend.pid")" 2>/dev/null || true
		rm -f "$run/backend.pid"
	fi
	bash scripts/testbed.sh down >/dev/null
	echo "demo: test bed removed"
}

if [ "${1:-}" = stop ]; then
	stop
	exit 0
fi

bash scripts/deps.sh
bash scripts/build.sh plain
[ -f "$run/pid" ] && stop >/dev/null
bash scripts/testbed.sh up
bash scripts/certs.sh "$run/certs" >/dev/null # a test CA and certificates for tlsterm.test

cat >"$run/tlsterm.yaml" <<YAML
# tlsterm demo: two af_packet ports on the test bed's veth ends, one worker.
dpdk:
  lcores: "0-1"          # lcore 0: control thread; lcore 1: the worker
  memory_mb: 256
  no_huge: true
  eal_args: ["--no-shconf"]
ports:
  - { name: edge,   device: "net_af_packet0,iface=tt-edge",   ipv4: 198.18.0.1/16 }
  - { name: inside, device: "net_af_packet1,iface=tt-inside", ipv4: 198.19.0.1/16 }
listeners:
  - port: 443                       # HTTPS -> the HTTP server in the backend namespace
    backend: web
    tls:
      certificates:
        - { cert: $run/certs/site-ecdsa.pem, key: $run/certs/site-ecdsa.key }
        - { cert: $run/certs/site-rsa.pem,   key: $run/certs/site-rsa.key }
      alpn: [http/1.1]
    proxy_protocol: off
  - port: 8443                      # TLS echo: OpenSSL handshake, tlsterm's own record layer
    backend: echo
    tls:
      certificates:
        - { cert: $run/certs/site-ecdsa.pem, key: $run/certs/site-ecdsa.key }
        - { cert: $run/certs/site-rsa.pem,   key: $run/certs/site-rsa.key }
      alpn: [h2, http/1.1]
  - { port: 7, backend: echo }      # tlsterm's own TCP stack, RFC 862 echo
  - { port: 9, backend: discard }
backends:
  web:
    servers: ["198.19.0.2:8080"]
    health: { type: http, path: /, interval_ms: 2000 }
log: { level: info }
YAML

# A real HTTP server in the backend namespace, for tlsterm to proxy to.
mkdir -p "$run/www"
echo "hello from the backend namespace, served by python3 -m http.server" >"$run/www/index.html"
ip netns exec tt-backend python3 -m http.server 8080 --bind 198.19.0.2 --directory "$run/www" \
	>"$run/backend.log" 2>&1 &
echo $! >"$run/backend.pid"

build/app/tlsterm/tlsterm -c "$run/tlsterm.yaml" --check
nohup build/app/tlsterm/tlsterm -c "$run/tlsterm.yaml" >"$run/tlsterm.log" 2>&1 &
echo $! >"$run/pid"
for _ in $(seq 1 100); do
	grep -q 'running:' "$run/tlsterm.log" && break
	kill -0 "$(cat "$run/pid")" 2>/dev/null || { cat "$run/tlsterm.log"; exit 1; }
	sleep 0.1
done
grep -E 'port |running:' "$run/tlsterm.log" | sed 's/^/  /'

echo
echo "demo: the client namespace (198.18.0.2) pings tlsterm's edge port (198.18.0.1):"
ip netns exec tt-client ping -c 3 -i 0.3 198.18.0.1
echo
echo "demo: the backend namespace (198.19.0.2) pings tlsterm's inside port (198.19.0.1):"
ip netns exec tt-backend ping -c 3 -i 0.3 198.19.0.1
echo
echo "demo: a kernel TCP client in the client namespace talks to tlsterm's echo service (port 7):"
ip netns exec tt-client /usr/bin/python3 - <<'PY'
import socket
with socket.create_connection(("198.18.0.1", 7), timeout=5) as s:
    s.sendall(b"hello from the client namespace")
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while chunk := s.recv(4096):
        reply += chunk
print("  sent 31 bytes, echoed back:", reply.decode())
PY
echo
echo "demo: openssl s_client in the client namespace, TLS echo on port 8443 (certificate verified):"
(echo "hello over TLS"; sleep 1) | ip netns exec tt-client openssl s_client -connect 198.18.0.1:8443 \
	-servername tlsterm.test -CAfile "$run/certs/ca.pem" -verify_return_error -alpn h2 \
	-no_ign_eof 2>&1 | grep -E '^(New|Reused),|^ALPN protocol|^Verify return code|^hello over TLS' |
	sed 's/^/  /'
echo
echo "demo: curl in the client namespace, HTTPS through tlsterm to the HTTP server (198.19.0.2:8080):"
ip netns exec tt-client curl -sS --cacert "$run/certs/ca.pem" \
	--resolve tlsterm.test:443:198.18.0.1 -w '  (HTTP %{http_code}; the certificate was verified, or curl would have failed)\n' \
	https://tlsterm.test/ | sed 's/^/  /'
echo
echo "demo: tlsterm keeps running (log: $run/tlsterm.log). Stop it with: scripts/demo.sh stop"

#!/usr/bin/env bash
# Reverse-proxy benchmark: h2load through tlsterm, nginx and HAProxy to one real HTTP backend.
# It reports; it does not pass or fail. See benchmarks/README.md "proxy_bench.sh".
#
#   sudo benchmarks/proxy_bench.sh
#
# Installs what it needs with apt-get when missing (nghttp2-client for h2load, nginx-light,
# haproxy), builds tlsterm (scripts/build.sh plain), makes test certificates, lays its own test
# bed (TT_PREFIX, default "pb"; never "tt", the tests' and the demo's) and starts the backend:
# a second nginx in the backend namespace on 198.19.0.2:8080 serving a 1 KiB and a 1 MiB file,
# pinned to CPU 0. Then for each run of each workload it starts one terminator pinned to CPU 1
# on 198.18.0.1:443, runs h2load (HTTP/1.1 over TLS, from the client namespace, CPU 0), reads
# the terminator's CPU cost and stops it:
#   tlsterm  lcores "0-1" (control thread CPU 0, the one worker CPU 1), net_af_packet on the
#            root ends of the veths, which then carry no address (DESIGN.md's trap)
#   nginx    worker_processes 1, worker_cpu_affinity CPU 1, keepalive upstream
#   haproxy  nbthread 1, cpu-map CPU 1, mode http, http-reuse always
# nginx and HAProxy use the kernel's TCP in the root namespace: while one runs, the root ends
# get tlsterm's addresses (198.18.0.1/16 on P-edge, 198.19.0.1/16 on P-inside) and answer ARP;
# both are taken away again before tlsterm runs and on any exit.
# Workloads (h2load --h1, TLS 1.3 as negotiated, ALPN http/1.1):
#   hs-ecdsa  hs-rsa   HS_REQS requests from HS_CLIENTS clients, each on its own connection
#                      ("Connection: close"): full handshakes / s, ECDSA P-256 or RSA-2048
#   bulk-1m            BULK_REQS x GET of the 1 MiB file over BULK_CLIENTS keep-alive connections
#   ka-1k              KA_REQS x GET of the 1 KiB file over KA_CLIENTS keep-alive connections
# Knobs (environment): RUNS=3 HS_REQS=2000 HS_CLIENTS=20 BULK_REQS=300 BULK_CLIENTS=4
# KA_REQS=50000 KA_CLIENTS=50 WORKLOADS="..." TERMINATORS="tlsterm nginx haproxy"
# BACKEND_TW=1 (let the backend keep TIME-WAIT sockets: shows tlsterm's reconnect stall)
# QUIET_WAIT=10 (seconds to wait before each run for other tlsterm processes to finish)
# TLSTERM_TCP="rcv_buffer: 2097152" (more keys for tlsterm's tcp: section)
# PEER_RPS=1 (the client's and backend's kernel receive on CPU 0 by RPS; default 0: plain veth; below)
# BUILD=0 (use the binary as it is) KEEP=1 (keep the scratch folder with every log).
# The markdown goes to stdout and to benchmarks/results/proxy-<date>.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

export TT_PREFIX=${TT_PREFIX:-pb}
P=$TT_PREFIX
RUNS=${RUNS:-3}
HS_REQS=${HS_REQS:-2000}
HS_CLIENTS=${HS_CLIENTS:-20}
BULK_REQS=${BULK_REQS:-300}
BULK_CLIENTS=${BULK_CLIENTS:-4}
KA_REQS=${KA_REQS:-50000}
KA_CLIENTS=${KA_CLIENTS:-50}
QUIET_WAIT=${QUIET_WAIT:-10}
WORKLOADS=${WORKLOADS:-"hs-ecdsa hs-rsa hs-tls12 hs-resume bulk-1m ka-1k"}
TERMINATORS=${TERMINATORS:-"tlsterm nginx haproxy hitch"}
IDLE_COUNTS=${IDLE_COUNTS-"1000 10000 50000"}
TLS12_PROCS=${TLS12_PROCS:-8}
TLS12_SECONDS=${TLS12_SECONDS:-4}
IDLE_CONCURRENCY=${IDLE_CONCURRENCY:-100}
PEER_RPS=${PEER_RPS:-0}
# tlsterm's admin API on 127.0.0.1 (its worker counters around every run): 19931 for the default
# test bed, another port per TT_PREFIX so two benchmarks on separate test beds do not collide.
if [ "$P" = pb ]; then
	ADMIN_PORT=${ADMIN_PORT:-19931}
else
	ADMIN_PORT=${ADMIN_PORT:-$((19000 + $(printf '%s' "$P" | cksum | cut -d' ' -f1) % 900))}
fi

PY=/usr/bin/python3 # Debian's python; the first python3 on PATH is a different build
BIN=$root/build/app/tlsterm/tlsterm
NS_CLIENT="${P}-client"
NS_BACKEND="${P}-backend"
IF_EDGE="${P}-edge"
IF_INSIDE="${P}-inside"
HOST=198.18.0.1
BACK=198.19.0.2
AF_RING="blocksz=4096,framesz=2048,framecnt=8192" # as the integration tests (lib.sh)

[ "$(id -u)" -eq 0 ] || { echo "proxy_bench: must run as root" >&2; exit 1; }
[ "$P" != tt ] || { echo "proxy_bench: TT_PREFIX=tt is the tests' and demo's test bed" >&2; exit 1; }

log() { echo "proxy_bench: $*" >&2; }

WORK=$(mktemp -d)
chmod 755 "$WORK"
RUNS_DIR=$WORK/runs
mkdir -p "$RUNS_DIR" "$WORK/www" "$WORK/fe" "$WORK/be" "$WORK/ha"
RECORDS=$WORK/records.txt
: >"$RECORDS"
TERM_PID=      # the terminator under test (tlsterm, nginx master, haproxy)
BACKEND_PID=   # the backend nginx master
KERNEL_ADDRS=0 # 1 while the root ends carry addresses

# --- the root ends: addresses for the kernel terminators, none for tlsterm --------------------
addrs_on() {
	# Nothing else on this host may own these addresses (another test bed doing the same).
	if ip -4 -o addr show | grep -E ' (198\.18\.0\.1|198\.19\.0\.1)/' | grep -vE " ($IF_EDGE|$IF_INSIDE) " |
		grep -q .; then
		log "198.18.0.1 or 198.19.0.1 is already on another interface of this host; not adding it"
		exit 1
	fi
	KERNEL_ADDRS=1
	local ifn
	for ifn in "$IF_EDGE" "$IF_INSIDE"; do
		sysctl -qw "net.ipv4.conf.$ifn.arp_ignore=0" # testbed.sh sets 8: never answer ARP
	done
	ip addr add "$HOST/16" dev "$IF_EDGE"
	ip addr add 198.19.0.1/16 dev "$IF_INSIDE"
}
addrs_off() {
	local ifn
	for ifn in "$IF_EDGE" "$IF_INSIDE"; do
		ip link show dev "$ifn" >/dev/null 2>&1 || continue
		ip addr flush dev "$ifn"
		sysctl -qw "net.ipv4.conf.$ifn.arp_ignore=8"
	done
	KERNEL_ADDRS=0
}

# stop_pid PID SECONDS: SIGTERM, then SIGKILL; sets STOP_RC to its exit status.
stop_pid() {
	local pid=$1 secs=$2
	STOP_RC=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 $((secs * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "pid $pid did not stop within $secs s of SIGTERM; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		STOP_RC=137
	fi
	wait "$pid" 2>/dev/null || STOP_RC=$?
}

cleanup() {
	local rc=$?
	set +e
	if [ -n "$TERM_PID" ]; then stop_pid "$TERM_PID" 15; fi
	if [ -n "$BACKEND_PID" ]; then stop_pid "$BACKEND_PID" 10; fi
	addrs_off 2>/dev/null
	bash "$root/scripts/testbed.sh" down >/dev/null 2>&1 || log "testbed down failed (prefix $P)"
	if [ "$rc" -ne 0 ] || [ "${KEEP:-0}" = 1 ]; then
		log "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- measurements ----------------------------------------------------------------------------
others() { pgrep -x tlsterm | grep -vx "${TERM_PID:-none}" | paste -sd, - || true; }
wait_quiet() {
	for _ in $(seq 1 $((QUIET_WAIT * 10))); do
		[ -z "$(others)" ] && return 0
		sleep 0.1
	done
}
# cpustat N: busy and total jiffies of CPU N (busy = all but idle and iowait).
cpustat() { awk -v c="cpu$1" '$1 == c {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
# proc_sched PID...: nanoseconds on a CPU and waiting for one, summed over every thread.
proc_sched() {
	local pid
	for pid in "$@"; do cat /proc/"$pid"/task/*/schedstat 2>/dev/null || true; done |
		awk '{c += $1; w += $2} END {printf "%d %d\n", c, w}'
}
# client_nstat: the client namespace's TCP counters (connections opened, retransmissions).
client_nstat() {
	ip netns exec "$NS_CLIENT" nstat -az TcpActiveOpens TcpRetransSegs TcpExtTCPTimeouts 2>/dev/null |
		awk '$1 == "TcpActiveOpens" {o = $2} $1 == "TcpRetransSegs" {r = $2}
			$1 == "TcpExtTCPTimeouts" {t = $2} END {printf "%d %d %d\n", o, r, t}'
}
now_ns() { date +%s%N; }
ttstat() { grep -o "[ ]$2=[-0-9]*" "$1" | tail -n 1 | cut -d= -f2 || true; }

# --- install, build, certificates, content, test bed -----------------------------------------
t_start=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
need=()
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
command -v hitch >/dev/null || need+=(hitch)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get update -qq >&2
	# policy-rc.d or not: the packages' own services are not wanted; they are stopped below.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
	for s in nginx haproxy hitch; do systemctl stop "$s" 2>/dev/null || true; done
fi
if [ "${BUILD:-1}" = 1 ]; then bash "$root/scripts/build.sh" plain >&2; fi
[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }
CERTS=$WORK/certs
bash "$root/scripts/certs.sh" "$CERTS" >/dev/null
for k in ecdsa rsa; do # HAProxy wants the chain and the key in one file
	cat "$CERTS/site-$k.pem" "$CERTS/site-$k.key" >"$CERTS/site-$k.bundle.pem"
done
head -c 1024 /dev/zero | tr '\0' x >"$WORK/www/1k"
head -c $((1 << 20)) /dev/zero | tr '\0' x >"$WORK/www/1m"
chmod 644 "$WORK/www/"*
bash "$root/scripts/testbed.sh" up >/dev/null
# Thousands of short connections: widen the client's ports, reuse TIME-WAIT ones.
# Whose CPU does a packet's kernel receive path run on? A veth delivers on the sending CPU, so
# without steering the client's and the backend's kernel TCP receive (and what it sets off:
# their ACKs, the backend's next data) runs on CPU 1 inside the terminator's send, and the
# terminator is charged for its peers' kernels. PEER_RPS=1 moves the receive of their ends to
# CPU 0, with the client and backend processes; the terminator's own receive (kernel TCP for
# nginx, HAProxy, hitch; af_packet's copy into its ring for tlsterm) stays on the sending
# peer's CPU, i.e. CPU 0, for all alike. But then every send pays an inter-processor
# interrupt, a VM exit on this machine, which cost nginx more than the peers' receive did
# (benchmarks/README.md), so the default is the plain veth.
if [ "$PEER_RPS" = 1 ]; then
	ip netns exec "$NS_CLIENT" sh -c "echo 1 >/sys/class/net/${P}c0/queues/rx-0/rps_cpus"
	ip netns exec "$NS_BACKEND" sh -c "echo 1 >/sys/class/net/${P}b0/queues/rx-0/rps_cpus"
fi
ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.tcp_tw_reuse=1
ulimit -n "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n) # every process here (client, backend, kernel terminators) is held to it
# tlsterm opens one backend connection per client connection and the backend closes first
# (Connection: close), so the backend keeps a TIME-WAIT socket per handshake. Every tlsterm
# process starts its source ports at the same place, and its SYN's timestamp/ISN are not above
# the old connection's, so the backend answers a reused port's SYN with the old connection's
# ACK and tlsterm's connect waits for its 1 s retransmission (README "proxy_bench.sh"). The
# runs restart tlsterm every few seconds, which makes that happen on about half the backend
# connections of a handshake run. BACKEND_TW=0 (default) lets the backend keep no TIME-WAIT
# sockets; BACKEND_TW=1 keeps the kernel's default, to see the stall.
if [ "${BACKEND_TW:-0}" = 0 ]; then
	ip netns exec "$NS_BACKEND" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
fi

# The backend: nginx in the backend namespace, static files, CPU 0.
cat >"$WORK/be/nginx.conf" <<CONF
user root;
worker_processes 1;
worker_cpu_affinity 01;
worker_rlimit_nofile $FD_LIMIT;
pid $WORK/be/nginx.pid;
error_log $WORK/be/error.log warn;
events { worker_connections $((FD_LIMIT - 100)); }
http {
	access_log off;
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	keepalive_timeout 300s;
	client_header_timeout 600s; # the idle workload's connections wait longer than 60 s for a request
	client_body_temp_path $WORK/be/body;
	server {
		listen $BACK:8080 reuseport backlog=4096;
		root $WORK/www;
		location / { }
	}
}
CONF
ip netns exec "$NS_BACKEND" taskset -c 0 nginx -p "$WORK/be" -e "$WORK/be/error.log" \
	-c "$WORK/be/nginx.conf" -g 'daemon off;' >"$WORK/be/stdout" 2>&1 &
BACKEND_PID=$!
for _ in $(seq 1 100); do
	ip netns exec "$NS_BACKEND" ss -ltnH "sport = :8080" | grep -q LISTEN && break
	sleep 0.1
done
ip netns exec "$NS_BACKEND" ss -ltnH "sport = :8080" | grep -q LISTEN ||
	{ cat "$WORK/be/error.log" >&2; log "the backend nginx did not start"; exit 1; }

# --- the terminators -------------------------------------------------------------------------
cert_of() { case "$1" in hs-rsa) echo rsa ;; *) echo ecdsa ;; esac; }
# Session tickets only for hs-resume: everywhere else each connection is a full handshake
# (h2load offers a client's last session when it reconnects).
tickets() { [ "$1" = hs-resume ]; }
onoff() { if tickets "$1"; then echo "$2"; else echo "$3"; fi; }

start_tlsterm() { # WORKLOAD BASE
	local c=$CERTS/site-$(cert_of "$1") t
	addrs_off
	cat >"$2.yaml" <<YAML
dpdk:
  lcores: "0-1"
  memory_mb: $(case "$1" in idle-*) echo 1536 ;; *) echo 512 ;; esac)
  no_huge: true
  eal_args: ["--no-shconf", "--log-level=notice"]
ports:
  - { name: edge, device: "net_af_packet0,iface=$IF_EDGE,$AF_RING", ipv4: $HOST/16 }
  - { name: inside, device: "net_af_packet1,iface=$IF_INSIDE,$AF_RING", ipv4: 198.19.0.1/16 }
log: { level: info }
mbufs_per_worker: 32767
tcp: { max_connections: $(case "$1" in idle-*) echo "131072, local_port_first: 1024, local_port_last: 65535" ;; *) echo 16384 ;; esac)${TLSTERM_TCP:+, $TLSTERM_TCP} }
$(case "$1" in idle-*) echo "limits: { idle_timeout_ms: 3600000 } # the slowest ramp to 50,000 takes minutes" ;; esac)
admin: { listen: "127.0.0.1:$ADMIN_PORT" }
listeners:
  - port: 443
    backend: app
    tls:
      certificates: [ { cert: $c.pem, key: $c.key } ]
      alpn: [http/1.1]
      session_tickets: $(onoff "$1" true false)
backends:
  app: { servers: ["$BACK:8080"] }
YAML
	"$BIN" -c "$2.yaml" --check >"$2.check" 2>&1 || { cat "$2.check" >&2; log "config rejected"; exit 1; }
	"$BIN" -c "$2.yaml" >"$2.log" 2>&1 &
	TERM_PID=$!
	for _ in $(seq 1 150); do
		grep -q "running:" "$2.log" && break
		kill -0 "$TERM_PID" 2>/dev/null || { cat "$2.log" >&2; TERM_PID=; log "tlsterm exited during start-up"; exit 1; }
		sleep 0.1
	done
	grep -q "running:" "$2.log" || { cat "$2.log" >&2; log "tlsterm did not come up within 15 s"; exit 1; }
	COST_PIDS=()
	for t in /proc/"$TERM_PID"/task/*; do
		case "$(cat "$t/comm")" in *worker*) WORKER_TID=${t##*/} ;; esac
	done
}

start_nginx() { # WORKLOAD BASE
	local c=$CERTS/site-$(cert_of "$1") d=$2.d
	mkdir -p "$d"
	addrs_on
	cat >"$2.conf" <<CONF
user root;
worker_processes 1;
worker_cpu_affinity 10;
worker_rlimit_nofile $FD_LIMIT;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections $((FD_LIMIT - 100)); }
http {
	access_log off;
	keepalive_requests 1000000;
	keepalive_timeout 300s;
	client_header_timeout 600s; # as the backend's: idle connections are held for minutes
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	upstream back {
		server $BACK:8080;
		keepalive 64;
		keepalive_requests 1000000;
	}
	server {
		listen $HOST:443 ssl backlog=4096;
		ssl_certificate $c.pem;
		ssl_certificate_key $c.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_session_tickets $(onoff "$1" on off);
		ssl_session_cache off;
		location / {
			proxy_pass http://back;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_max_temp_file_size 0;
		}
	}
}
CONF
	taskset -c 1 nginx -p "$d" -e "$d/error.log" -c "$2.conf" -g 'daemon off;' >"$2.log" 2>&1 &
	TERM_PID=$!
	wait_listen "$2.log" "$d/error.log"
	COST_PIDS=("$TERM_PID" $(pgrep -P "$TERM_PID" | paste -sd' ' -))
}

start_haproxy() { # WORKLOAD BASE
	local c=$CERTS/site-$(cert_of "$1")
	addrs_on
	cat >"$2.cfg" <<CONF
global
	nbthread 1
	cpu-map 1/1 1
	maxconn $(((FD_LIMIT - 200) / 2)) # 9900 with the limit of 20000 here: idle-10000 holds 9900
	ssl-default-bind-options ssl-min-ver TLSv1.2
	tune.ssl.cachesize 0
	# the TLS 1.3 suites in tlsterm's default order (HAProxy prefers its own order, AES-256 first)
	ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
defaults
	mode http
	timeout connect 5s
	timeout client 600s
	timeout http-request 600s
	timeout server 60s
	timeout http-keep-alive 60s
	option http-keep-alive
	http-reuse always
frontend fe
	bind $HOST:443 ssl crt $c.bundle.pem alpn http/1.1 $(onoff "$1" "" no-tls-tickets)
	default_backend be
backend be
	server s1 $BACK:8080
CONF
	haproxy -c -f "$2.cfg" >"$2.check" 2>&1 || { cat "$2.check" >&2; log "haproxy config rejected"; exit 1; }
	taskset -c 1 haproxy -db -f "$2.cfg" >"$2.log" 2>&1 &
	TERM_PID=$!
	wait_listen "$2.log"
	COST_PIDS=("$TERM_PID")
}

HITCH_USER=$({ getent passwd _hitch hitch nobody || true; } | head -n 1 | cut -d: -f1) # Debian's: _hitch
start_hitch() { # WORKLOAD BASE
	local c=$CERTS/site-$(cert_of "$1") d=$2.d
	mkdir -p "$d"
	addrs_on
	# Plain TLS in front of the same backend (no PROXY header). hitch has no switch for session
	# tickets or OpenSSL's session cache (Debian's is built without its own shared cache, and
	# an OpenSSL config with "Options = -SessionTicket" did not stop resumption either), so
	# h2load's reconnects resume with hitch in every workload: the report marks its
	# full-handshake rows from the handshake check below.
	cat >"$2.conf" <<CONF
frontend = "[$HOST]:443"
backend = "[$BACK]:8080"
pem-file = "$c.bundle.pem"
workers = 1
backlog = 4096
daemon = off
tls-protos = TLSv1.2 TLSv1.3
ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
alpn-protos = "http/1.1"
ocsp-dir = "$d"
syslog = off
user = "$HITCH_USER"
CONF
	chown "$HITCH_USER" "$d" # its workers refuse to run as root; the certificates are read before
	hitch --test --config="$2.conf" >"$2.check" 2>&1 || { cat "$2.check" >&2; log "hitch config rejected"; exit 1; }
	taskset -c 1 hitch --config="$2.conf" >"$2.log" 2>&1 &
	TERM_PID=$!
	wait_listen "$2.log"
	sleep 0.3 # the worker is forked after the listening socket is bound
	COST_PIDS=("$TERM_PID" $(pgrep -P "$TERM_PID" | paste -sd' ' -))
}

wait_listen() { # LOG...
	for _ in $(seq 1 100); do
		ss -ltnH "src $HOST and sport = :443" | grep -q LISTEN && return 0
		kill -0 "$TERM_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$@" >&2
	log "the terminator did not listen on $HOST:443"
	exit 1
}

# --- one run ----------------------------------------------------------------------------------
# h2load cannot be held to TLS 1.2 (it sets its own maximum version over OpenSSL's config), so
# hs-tls12 runs TLS12_PROCS openssl s_time processes at once, each making new TLS 1.2
# connections (ECDHE-ECDSA-AES128-GCM-SHA256, one "GET /1k HTTP/1.0" each) for TLS12_SECONDS.
s_time_run() { # OUT
	local i pids=() t0 t1
	t0=$(now_ns)
	for i in $(seq 1 "$TLS12_PROCS"); do
		timeout $((TLS12_SECONDS + 60)) ip netns exec "$NS_CLIENT" taskset -c 0 openssl s_time \
			-connect "$HOST:443" -new -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 \
			-time "$TLS12_SECONDS" -www /1k >"$1.$i" 2>&1 &
		pids+=($!)
	done
	local rc=0
	for i in "${pids[@]}"; do wait "$i" || rc=$?; done
	t1=$(now_ns)
	{
		cat "$1".[0-9]*
		awk '/connections in [0-9.]+ real seconds/ {n += $1} END {printf "s_time: connections=%d", n}' "$1".[0-9]*
		echo " procs=$TLS12_PROCS wall_s=$(((t1 - t0) / 1000000))e-3 rc=$rc"
	} >"$1"
	return "$rc"
}

# The one worker's busy_cycles, idle_cycles and idle_stalls from the admin API (the control
# thread answers, on CPU 0), read just outside the schedstat readings around the client run: its
# on-CPU time minus the idle cycles of the same window is its busy time on CPU 1.
worker_window() {
	curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/stats" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
w = s["workers"][0]
dev = sum(p.get("rx_device_cycles", 0) + p.get("tx_device_cycles", 0) for p in s["ports"].values())
print(w["busy_cycles"], w["idle_cycles"], w["idle_stalls"], dev)'
}

client() { # WORKLOAD OUT
	local args=()
	case "$1" in
	hs-tls12) s_time_run "$2"; return ;;
	hs-*) args=(-n "$HS_REQS" -c "$HS_CLIENTS" -m 1 -H 'Connection: close' "https://$HOST/1k") ;;
	bulk-1m) args=(-n "$BULK_REQS" -c "$BULK_CLIENTS" -m 1 "https://$HOST/1m") ;;
	ka-1k) args=(-n "$KA_REQS" -c "$KA_CLIENTS" -m 1 "https://$HOST/1k") ;;
	esac
	timeout 300 ip netns exec "$NS_CLIENT" taskset -c 0 h2load --h1 --log-file="$2.lat" "${args[@]}" >"$2" 2>&1
}

run_one() { # TERMINATOR WORKLOAD RUN
	local term=$1 w=$2 r=$3 base="$RUNS_DIR/$2-$1-$2-$3" t0 t1 c0 w0 c1 w1 b0 a0 b1 a1 z0 y0 z1 y1
	local o0 re0 to0 o1 re1 to1 crc=0 seen0 seen1 facts k0 i0 s0 k1 i1 s1 d0 d1
	base="$RUNS_DIR/$w-$term-$r"
	wait_quiet
	WORKER_TID=
	"start_$term" "$w" "$base"
	sleep 0.5
	seen0=$(others)
	if [ "$term" = tlsterm ]; then
		read -r k0 i0 s0 d0 < <(worker_window)
		read -r c0 w0 < <(awk '{print $1, $2}' "/proc/$TERM_PID/task/$WORKER_TID/schedstat")
	else
		read -r c0 w0 < <(proc_sched "${COST_PIDS[@]}")
	fi
	read -r b0 a0 < <(cpustat 1)
	read -r z0 y0 < <(cpustat 0)
	read -r o0 re0 to0 < <(client_nstat)
	t0=$(now_ns)
	client "$w" "$base.h2load" || crc=$?
	t1=$(now_ns)
	read -r o1 re1 to1 < <(client_nstat)
	read -r b1 a1 < <(cpustat 1)
	read -r z1 y1 < <(cpustat 0)
	if [ "$term" = tlsterm ]; then
		read -r c1 w1 < <(awk '{print $1, $2}' "/proc/$TERM_PID/task/$WORKER_TID/schedstat")
		read -r k1 i1 s1 d1 < <(worker_window)
	else
		read -r c1 w1 < <(proc_sched "${COST_PIDS[@]}")
	fi
	seen1=$(others)
	sleep 1 # the last FINs
	stop_pid "$TERM_PID" 15
	TERM_PID=
	facts="term=$term workload=$w run=$r rc=$STOP_RC client_rc=$crc wall_ns=$((t1 - t0))"
	facts+=" cpu_ns=$((c1 - c0)) wait_ns=$((w1 - w0)) cpu1_busy=$((b1 - b0)) cpu1_total=$((a1 - a0))"
	facts+=" cpu0_busy=$((z1 - z0)) cpu0_total=$((y1 - y0)) client_opens=$((o1 - o0))"
	facts+=" client_retrans=$((re1 - re0)) client_rto=$((to1 - to0)) h2load=$base.h2load"
	facts+=" others=$(echo "$seen0,$seen1" | tr ',' '\n' | { grep . || true; } | sort -un | paste -sd, -)"
	if [ "$term" = tlsterm ]; then
		local k
		for k in handshakes_tls13 handshakes_tls12 handshakes_resumed handshakes_failed \
			handshake_cycles busy_cycles tsc_hz sessions connects connect_failures aborts \
			bytes_up bytes_down tcp_connections_open tls_connections_open proxy_sessions \
			leaked fsm_illegal drops_total retransmits rto_expiries resets_sent; do
			facts+=" $k=$(ttstat "$base.log" "$k")"
		done
		facts+=" win_busy_cycles=$((k1 - k0)) win_idle_cycles=$((i1 - i0)) win_idle_stalls=$((s1 - s0))"
		facts+=" win_device_cycles=$((d1 - d0))"
		facts+=" warnings=$(grep -c -E ' (warn|error):' "$base.log" || true) log=$base.log"
	else
		facts+=" warnings=$({ cat "$base.log" "$base.d/error.log" 2>/dev/null || true; } |
			{ grep -c -E '\[(warn|error|crit|alert|emerg)\]|\[(WARNING|ALERT)\]' || true; })"
		addrs_off
	fi
	echo "$facts" >>"$RECORDS"
	log "$term $w run $r: $(grep -E '^(finished in|requests:)' "$base.h2load" | paste -sd' ' -)"
}

# --- what each terminator negotiates, and that a second connection is not resumed -------------
# h2load keeps each client's TLS session and offers it when it reconnects, so the handshake
# workloads measure full handshakes only because all three terminators run without tickets or
# a session cache; openssl s_client checks that (-sess_out, then -sess_in).
CHECKS=$WORK/checks.txt
: >"$CHECKS"
s_client() { # ARGS...
	printf 'GET /1k HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST" |
		timeout 20 ip netns exec "$NS_CLIENT" openssl s_client -connect "$HOST:443" \
			-alpn http/1.1 -ign_eof "$@" 2>&1 || true
}
for cfg in hs-ecdsa hs-tls12 hs-resume; do for term in $TERMINATORS; do
	"start_$term" "$cfg" "$WORK/check-$cfg-$term"
	sleep 0.5
	v=()
	[ "$cfg" != hs-tls12 ] || v=(-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
	first=$(s_client "${v[@]}" -sess_out "$WORK/check-$term.sess")
	second=$(s_client "${v[@]}" -sess_in "$WORK/check-$term.sess")
	stop_pid "$TERM_PID" 15
	TERM_PID=
	[ "$term" = tlsterm ] || addrs_off
	echo "| $cfg | $term | $(grep -m1 -oE '^(New|Reused), TLSv1\.[23], Cipher is [A-Z0-9_-]+' <<<"$first" || echo '?') \
| $(grep -m1 -oE 'Server Temp Key: [^,]+' <<<"$first" | cut -d' ' -f4 || echo '?') \
| $(grep -m1 -oE 'ALPN protocol: [^ ]+' <<<"$first" | cut -d' ' -f3 || echo '?') \
| $(grep -m1 -oE '^HTTP/1\.1 [0-9]+' <<<"$first" || echo '?') \
| $(if [ -s "$WORK/check-$term.sess" ]; then grep -m1 -oE '^(New|Reused), TLSv1\.[23]' <<<"$second" || echo '?'; \
	else echo 'no session to offer (no ticket)'; fi) |" >>"$CHECKS"
done; done

# --- runs: interleaved (run 1 of every workload on every terminator, then run 2 ...) ----------
for r in $(seq 1 "$RUNS"); do
	for w in $WORKLOADS; do
		for term in $TERMINATORS; do
			run_one "$term" "$w" "$r"
		done
	done
done

# --- idle connections: memory per idle TLS connection ------------------------------------------
# rss_kib PID...: resident memory summed over the processes (KiB).
rss_kib() {
	local pid
	for pid in "$@"; do awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true; done |
		awk '{s += $1} END {printf "%d\n", s}'
}
tt_metric() { # NAME: tlsterm's admin /metrics, the sample summed over its labels
	curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" |
		awk -v n="$1" '$1 == n || index($1, n "{") == 1 {s += $2} END {printf "%d\n", s}'
}
# rss_parts PID: its RssAnon, RssFile and RssShmem (KiB), as "anon/file/shmem".
rss_parts() {
	awk '/^RssAnon:/ {a = $2} /^RssFile:/ {f = $2} /^RssShmem:/ {s = $2} END {printf "%d/%d/%d\n", a, f, s}' \
		"/proc/$1/status" 2>/dev/null || echo -
}
# tlsterm's per-connection structures and what their pools reserve, measured once (tls_sizes
# creates them as tlsterm does, at the idle workload's max_connections).
IDLE_SIZES=
if [ -n "$IDLE_COUNTS" ] && [[ " $TERMINATORS " == *" tlsterm "* ]]; then
	IDLE_SIZES=$("$root/build/benchmarks/tls_sizes" 131072 2>/dev/null | grep -E '^(sizeof|pool_obj|heap|max_conn|key_sched)' |
		sed 's/^/sz_/' | paste -sd' ' -) || log "tls_sizes failed: no structure sizes in the report"
fi
# The backend holds one socket per tlsterm connection: past one process's open-files limit it
# runs as many nginx workers as that takes (reuseport spreads the connections; a quarter spare
# for the unevenness), still all on CPU 0, and waits an hour for a request. Only for the idle
# part, so the other workloads' backend stays one worker.
max_idle=$(printf '%s\n' $IDLE_COUNTS 0 | sort -n | tail -n 1)
BACKEND_WORKERS=$(((max_idle * 5 / 4 + FD_LIMIT - 101) / (FD_LIMIT - 100)))
if [ "$BACKEND_WORKERS" -gt 1 ] && [[ " $TERMINATORS " == *" tlsterm "* ]]; then
	stop_pid "$BACKEND_PID" 10
	BACKEND_PID=
	sed -e "s/^worker_processes 1;/worker_processes $BACKEND_WORKERS;/" \
		-e 's/client_header_timeout 600s;/client_header_timeout 3600s;/' \
		"$WORK/be/nginx.conf" >"$WORK/be/nginx-idle.conf"
	ip netns exec "$NS_BACKEND" taskset -c 0 nginx -p "$WORK/be" -e "$WORK/be/error.log" \
		-c "$WORK/be/nginx-idle.conf" -g 'daemon off;' >"$WORK/be/stdout-idle" 2>&1 &
	BACKEND_PID=$!
	for _ in $(seq 1 100); do
		[ "$(ip netns exec "$NS_BACKEND" ss -ltnH "sport = :8080" | grep -c LISTEN)" -ge "$BACKEND_WORKERS" ] && break
		sleep 0.1
	done
	[ "$(ip netns exec "$NS_BACKEND" ss -ltnH "sport = :8080" | grep -c LISTEN)" -ge "$BACKEND_WORKERS" ] ||
		{ cat "$WORK/be/error.log" >&2; log "the backend nginx ($BACKEND_WORKERS workers) did not start"; exit 1; }
	log "backend: $BACKEND_WORKERS nginx workers for the idle connections"
fi
idle_one() { # TERMINATOR COUNT
	local term=$1 n=$2 w="idle-$2" base pids rss0 rss1 held ttopen=- cpid fails need
	base="$RUNS_DIR/$w-$term"
	# nginx and HAProxy hold one fd per client connection in their one process, hitch two (it
	# connects to the backend at once). tlsterm holds none; the client (idle_conns.py) and the
	# backend nginx (above) spread theirs over several processes.
	case "$term" in hitch) need=$((2 * n)) ;; tlsterm) need=0 ;; *) need=$n ;; esac
	if [ $((need + 200)) -gt "$FD_LIMIT" ]; then
		echo "term=$term workload=$w run=1 skipped=fd_limit_${FD_LIMIT}_needs_$need" >>"$RECORDS"
		log "$term $w: skipped ($need fds needed, limit $FD_LIMIT)"
		return 0
	fi
	wait_quiet
	WORKER_TID=
	"start_$term" "$w" "$base"
	sleep 1
	if [ "$term" = tlsterm ]; then pids=("$TERM_PID"); else pids=("${COST_PIDS[@]}"); fi
	rss0=$(rss_kib "${pids[@]}")
	local parts0=- parts1=- mb0=- mb1=- tcpopen=- sessopen=- scheds=-
	if [ "$term" = tlsterm ]; then
		parts0=$(rss_parts "$TERM_PID")
		mb0=$(tt_metric tlsterm_mempool_in_use)
	fi
	ip netns exec "$NS_CLIENT" taskset -c 0 "$PY" "$here/idle_conns.py" "$HOST" 443 "$n" \
		--concurrency "$IDLE_CONCURRENCY" >"$base.client" 2>&1 &
	cpid=$!
	for _ in $(seq 1 $((n / 2 + 600))); do # up to n/20 + 60 s
		grep -q '^holding' "$base.client" && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 2 # let the terminator settle (tickets sent, buffers trimmed)
	rss1=$(rss_kib "${pids[@]}")
	if [ "$term" = tlsterm ]; then
		parts1=$(rss_parts "$TERM_PID")
		ttopen=$(tt_metric tlsterm_tls_connections_open)
		tcpopen=$(tt_metric tlsterm_tcp_connections_open)
		sessopen=$(tt_metric tlsterm_proxy_sessions_open)
		mb1=$(tt_metric tlsterm_mempool_in_use)
		scheds=$(tt_metric tlsterm_tls_key_schedules_in_use)
	fi
	held=$(awk '/^holding/ {print $2}' "$base.client")
	fails=$(awk '/^failed/ {sub(/^failed /, ""); printf "%s%s", sep, $0; sep = ";"}' "$base.client" | tr ' ' '_')
	kill -TERM "$cpid" 2>/dev/null || true
	wait "$cpid" 2>/dev/null || true
	sleep 1
	stop_pid "$TERM_PID" 30
	TERM_PID=
	[ "$term" = tlsterm ] || addrs_off
	echo "term=$term workload=$w run=1 rc=$STOP_RC conns=$n held=${held:-0} rss0_kib=$rss0 rss1_kib=$rss1 tt_tls_open=$ttopen fails=${fails:-} others=$(others)\
$([ "$term" != tlsterm ] || echo " rss0_parts=$parts0 rss1_parts=$parts1 tt_tcp_open=$tcpopen tt_sess_open=$sessopen mbufs0=$mb0 mbufs1=$mb1 key_scheds=$scheds $IDLE_SIZES")\
 client_procs=$(awk '/^holding/ {print ($4 == "" ? 1 : $4)}' "$base.client")" >>"$RECORDS"
	log "$term $w: held ${held:-0} of $n, RSS $rss0 -> $rss1 KiB"
}
for n in $IDLE_COUNTS; do
	for term in $TERMINATORS; do
		idle_one "$term" "$n"
	done
done

# --- report ------------------------------------------------------------------------------------
model=$(lscpu | awk -F: '/^Model name/ {sub(/^[ \t]+/, "", $2); print $2; exit}')
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no -- app lib include meson.build 2>/dev/null | wc -l)
machine="${model} — $(nproc) CPUs; kernel $(uname -r); $(openssl version); \
$("$BIN" --version 2>/dev/null | head -n 1), built from ${rev}\
$([ "$dirty" -eq 0 ] || echo " + ${dirty} locally modified source files"); \
nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'); HAProxy $(haproxy -v | head -n 1 | awk '{print $3}'); \
hitch $(hitch --version 2>&1 | head -n 1 | awk '{print $NF}'); \
$(h2load --version | head -n 1)"
mkdir -p "$here/results"
stamp=$(date +%Y-%m-%dT%H%M)
out="$here/results/proxy-$stamp.md"
png="$here/results/proxy-$stamp.png"
"$PY" "$here/proxy_report.py" --records "$RECORDS" --checks "$CHECKS" --machine "$machine" \
	--load-before "$LOAD_BEFORE" --load-after "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--params "RUNS=$RUNS HS_REQS=$HS_REQS HS_CLIENTS=$HS_CLIENTS BULK_REQS=$BULK_REQS \
BULK_CLIENTS=$BULK_CLIENTS KA_REQS=$KA_REQS KA_CLIENTS=$KA_CLIENTS BACKEND_TW=${BACKEND_TW:-0} \
IDLE_COUNTS=\"$IDLE_COUNTS\" IDLE_CONCURRENCY=$IDLE_CONCURRENCY FD_LIMIT=$FD_LIMIT PEER_RPS=$PEER_RPS" \
	--chart-data "$WORK/chart.dat" --seconds "$(($(date +%s) - t_start))" --out "$out" || prc=$?
# The chart: per workload, each terminator's throughput and cost per unit as ratios to nginx.
if [ "$(wc -l <"$WORK/chart.dat" 2>/dev/null || echo 0)" -gt 1 ]; then # a header alone: no workload ran
	read -r -a cols < <(head -n 1 "$WORK/chart.dat" | cut -c3-)
	plots=() i=2
	for c in "${cols[@]:1}"; do
		plots+=("'$WORK/chart.dat' using $i:xtic(1) title '${c/_/ }'")
		i=$((i + 1))
	done
	gnuplot <<GP && echo "![ratios to nginx]($(basename "$png"))" >>"$out" || log "gnuplot failed"
set terminal pngcairo size 1200,600 font ",10"
set output '$png'
set title "tlsterm, HAProxy, hitch vs nginx, one core each ($(date +%Y-%m-%d)); rate > 1: faster, cost > 1: more cycles per unit"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "ratio to nginx (median of $RUNS runs)"
set yrange [0:*]
set key outside right
set grid ytics
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
plot $(IFS=,; echo "${plots[*]}")
GP
fi
case "${prc:-0}" in
0) ;;
3) KEEP=1 ;; # a run with anomalies: keep every log for a look
*) log "the report failed"; exit 1 ;;
esac
log "report written to $out ($(($(date +%s) - t_start)) s in all)"

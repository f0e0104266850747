#!/usr/bin/env bash
# Two workers on one af_packet port with qpairs=2 (the kernel's fanout spreads flows over
# both queues): every frame a worker doesn't own crosses the steering ring, and the data
# still comes back intact. Then one worker with tlsterm's own seeded impairment on the
# edge port (reordering, duplicates, drops on RX and TX): data intact again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/run_tlsterm.sh"
source "$here/tcp_lib.sh"
TT_BIN=${TT_BIN:-$here/../../build/app/tlsterm/tlsterm}
tt_begin test_tcp_workers

client() { timeout 120 ip netns exec "$TT_NS_CLIENT" "$TT_PY" "$here/tcp_client.py" "$@" --host 198.18.0.1 --port 7; }

bash "$here/../../scripts/testbed.sh" up >/dev/null
listeners='listeners: [{ port: 7, backend: echo }]'

# 1. two workers, steering
TT_LCORES="0@0,1@1,2@1" TT_QPAIRS=2 tt_write_config "$TT_WORK/two.yaml" "$listeners"
tt_start "$TT_WORK/two.yaml" "$TT_WORK/two.log"
grep -q "running: 2 worker" "$TT_WORK/two.log" || tt_fail "expected two workers"
client echo --bytes 8388608 || tt_fail "two workers: 8 MiB echo"
client concurrent --conns 100 --bytes 4096 || tt_fail "two workers: 100 concurrent"
client sequential --conns 200 --bytes 512 || tt_fail "two workers: 200 sequential"
# The client closes last: an ACK of our FIN lost in the af_packet ring costs one FIN
# retransmission from LAST_ACK. Give that a few retransmission timeouts (as test_tcp does).
sleep 2
tt_stop "$TT_WORK/two.log"
tt_tcp_check_clean "$TT_WORK/two.log"
steered=$(tt_stat "$TT_WORK/two.log" steered_in)
[ "$steered" -gt 0 ] || tt_fail "nothing was steered between the workers"
echo "  two workers: $steered frames steered to their owner"

# 2. tlsterm's own impairment on the edge port
TT_EDGE_IMPAIR="{ rx: true, tx: true, seed: 7, drop_permille: 5, duplicate_permille: 10, reorder_permille: 50 }" \
	tt_write_config "$TT_WORK/imp.yaml" "$listeners"
tt_start "$TT_WORK/imp.yaml" "$TT_WORK/imp.log"
client echo --bytes 4194304 || tt_fail "impaired: 4 MiB echo"
client concurrent --conns 20 --bytes 16384 || tt_fail "impaired: 20 concurrent"
sleep 2 # (as above; here tlsterm also drops frames on purpose)
tt_stop "$TT_WORK/imp.log"
tt_tcp_check_clean "$TT_WORK/imp.log"
reordered=$(tt_stat "$TT_WORK/imp.log" impair_reordered)
dups=$(tt_stat "$TT_WORK/imp.log" impair_duplicated)
[ "$reordered" -gt 0 ] && [ "$dups" -gt 0 ] || tt_fail "impairment did nothing"
echo "  impaired: $reordered frames reordered, $dups duplicated, data intact"
echo "PASS: two workers with steering, and seeded reordering/duplication/loss, data intact"

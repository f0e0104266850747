#!/usr/bin/env bash
# test_reload.sh with two workers (qpairs=2 on net_af_packet): every worker gets its own share of
# each generation, and a generation is freed only when no worker's handshake or session holds it.
TT_LCORES="0@0,1@1,2@1" TT_QPAIRS=2 exec bash "$(dirname "$0")/test_reload.sh"

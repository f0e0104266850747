#!/usr/bin/env bash
# test_proxy.sh with two workers (qpairs=2 on net_af_packet): client connections land on either
# worker by RSS or steering, and each worker opens its backend connections from source ports that
# hash back to itself.
TT_LCORES="0@0,1@1,2@1" TT_QPAIRS=2 exec bash "$(dirname "$0")/test_proxy.sh"

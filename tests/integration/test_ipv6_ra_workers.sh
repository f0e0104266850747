#!/usr/bin/env bash
# test_ipv6_ra.sh with two workers (qpairs=2 on net_af_packet): an advertisement reaches one
# worker, which hands a copy to the other, so whichever worker owns a flow from the far
# address finds the router.
TT_LCORES="0@0,1@1,2@1" TT_QPAIRS=2 exec bash "$(dirname "$0")/test_ipv6_ra.sh"

#!/usr/bin/env bash
# test_ipv6_proxy.sh with two workers (qpairs=2 on net_af_packet): IPv6 client connections land
# on either worker by the kernel's fanout hash or steering (owner(tuple) over IPv6 addresses), and
# each worker opens its IPv6 backend connections from source ports that hash back to itself.
TT_LCORES="0@0,1@1,2@1" TT_QPAIRS=2 exec bash "$(dirname "$0")/test_ipv6_proxy.sh"

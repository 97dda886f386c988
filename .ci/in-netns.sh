#!/usr/bin/env bash
# Runs a command in a fresh network namespace with only loopback, multicast
# routed to lo: anything Lempar announces stays inside. Used for `make run`
# style manual tries of receivers and for the benchmark.
set -euo pipefail
exec unshare -rn bash -c 'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo 2>/dev/null || true; exec "$@"' _ "$@"

#!/bin/sh
# bench/load/run.sh [DURATION] [CONCURRENCY]: swkit serve (files), the push
# subscribe endpoint and an idempotent POST endpoint (swkit demo's votes)
# under concurrent load on 127.0.0.1, a bounded time each (default 60s, 32
# requests in flight). Prints a Markdown table: requests, errors, latency
# percentiles, and the server's RSS sampled every second (first vs last 10 s).
# Everything it writes goes to bench/work/load. See bench/load/main.go.
set -eu
cd "$(dirname "$0")/../.."
echo "$(nproc) CPUs, $(uname -sr), $(go version | cut -d' ' -f3); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
exec go run ./bench/load -duration "${1:-60s}" -concurrency "${2:-32}"

#!/usr/bin/env bash
# The benchmarks behind the README's performance section. Each reports a peer measured in the same
# run (raw quick-xml scan, plain Base64, …) beside our figure: these machines are noisy, so the
# ratios are what to compare, not the absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
# XML list decoding against a raw event scan; the streaming upload encoder against plain Base64.
cargo bench -p trillian-api --bench decode
cargo bench -p trillian-api --bench ratios
# The sandbox under 50 concurrent connections on loopback (req/s, p99, errors).
cargo bench -p trillian-sandbox --bench load
# Thumbnails beside vipsthumbnail and ImageMagick; a 1 GiB upload to the sandbox (throughput, peak
# memory of both sides, CPU) beside curl -T of the same file to a trivial sink (the loopback ceiling).
cargo bench -p trillian-core --bench media
# Users screen at 100,000 users (load, page, sort, search); 10,000-user CSV import beside sequential calls and curl.
cargo bench -p trillian-core --bench users

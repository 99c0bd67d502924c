#!/usr/bin/env bash
# Benchmarks, smoke only: every criterion benchmark runs once (`--test`), and the `compare` binary
# runs one small round (also its scaling suite), as do the priority queue's two tools. This checks
# that the harness builds, that every contender passes its conservation check, and that the chart
# is written; it measures nothing (numbers come from `cargo run --release -p queue-benches --bin
# compare` on a quiet machine, docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench -p queue-benches -- --test
cargo run --release -p queue-benches --bin compare -- --rounds 1 --scale 0.05 --svg target/compare-smoke.svg
test -s target/compare-smoke.svg
cargo run --release -p queue-benches --bin compare_async -- --rounds 1 --scale 0.05
# The scaling suite meant for a many-core machine, at two small shapes.
cargo run --release -p queue-benches --bin compare -- --scaling --shapes 1/1,2/2 --rounds 1 --scale 0.05 \
    --svg target/compare-scaling-smoke.svg
# The priority queue's measurement tools (issue 22): one small run each.
cargo run --release -p queue-benches --bin pq_profile -- priority 1000 10000
cargo run --release -p queue-benches --bin pq_handoff -- 1

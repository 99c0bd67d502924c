#!/usr/bin/env bash
# Loom models: queue-core's structures (tests/loom_*.rs) and queue-blocking's protocol
# (src/loom_tests.rs). Runnable by hand from the repository root.
#   LOOM_MAX_PREEMPTIONS  preemption bound (default 2, as in CI; 3 for a deeper local run)
set -euo pipefail
cd "$(dirname "$0")/.."

# Our shim switches on plain `cfg(loom)`; crossbeam switches on `crossbeam_loom`. Make sure no
# dependency other than ours reads plain `cfg(loom)` in a way that would change under this flag.
export RUSTFLAGS="--cfg loom --cfg crossbeam_loom --cfg crossbeam_sanitize -C debug_assertions"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
# A separate target dir keeps the loom build from invalidating the normal one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"

tests=()
for f in crates/queue-core/tests/loom_*.rs; do
    tests+=(--test "$(basename "$f" .rs)")
done
echo "== loom (preemption bound $LOOM_MAX_PREEMPTIONS): ${tests[*]}"
cargo test --release -p queue-core "${tests[@]}" -- --test-threads=1
echo "== loom: queue-blocking protocol models (src/loom_tests.rs)"
cargo test --release -p queue-blocking --lib -- --test-threads=1

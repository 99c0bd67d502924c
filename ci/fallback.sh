#!/usr/bin/env bash
# queue-blocking's tests with the portable wait back end (Mutex+Condvar table) forced on Linux,
# so the code that macOS and other non-futex targets run is exercised here too.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg queue_force_fallback"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/fallback"
echo "== queue-blocking tests on the fallback wait back end"
cargo test --release -p queue-blocking

#!/usr/bin/env bash
# Soak: queue-blocking's randomized mixed workload (examples/soak/) in rounds for SOAK_SECONDS
# (default 60), in release. Every round runs Queue, LifoQueue and PriorityQueue (bounded and
# unbounded) and a SimpleQueue at once and checks conservation, order, maxsize, task accounting
# and shutdown; exits non-zero on any violation or on a round that hangs (watchdog, 60 s).
# Runnable by hand from anywhere: SOAK_SECONDS=600 bash ci/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS="${SOAK_SECONDS:-60}"
echo "== soak: queue-blocking for ${SOAK_SECONDS} s (release)"
cargo run --release -p queue-blocking --example soak -- --seconds "$SOAK_SECONDS"

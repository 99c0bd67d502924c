#!/usr/bin/env bash
# Every example runs to completion (each checks its own result); the soak has its own stage.
set -euo pipefail
cd "$(dirname "$0")/.."

for f in crates/queue-blocking/examples/*.rs; do
    name=$(basename "$f" .rs)
    echo "== example $name"
    cargo run --release -q -p queue-blocking --example "$name"
done
for f in crates/queue-core/examples/*.rs; do
    name=$(basename "$f" .rs)
    echo "== example $name"
    cargo run --release -q -p queue-core --example "$name"
done

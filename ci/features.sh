#!/usr/bin/env bash
# The optional feature `stream` of queue-blocking (the README's test command builds default
# features only): lint it, run its tests and its doc examples.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo clippy -p queue-blocking --all-features --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p queue-blocking --no-deps --all-features
cargo test --release -p queue-blocking --features stream --test stream
cargo test --release -p queue-blocking --features stream --doc stream

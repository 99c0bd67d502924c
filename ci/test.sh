#!/usr/bin/env bash
# The README's test command, verbatim: every unit, integration and doc test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --release

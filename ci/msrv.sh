#!/usr/bin/env bash
# The minimum supported Rust version: `rust-version` in Cargo.toml must name the toolchain pinned in
# rust-toolchain.toml (no other toolchain can be installed where CI runs, so the MSRV is the pin),
# and the library crates must build on exactly that toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
pinned=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
echo "== rust-version $msrv, pinned toolchain $pinned"
if [[ "$pinned" != "$msrv" && "$pinned" != "$msrv".* ]]; then
    echo "rust-version ($msrv) and the pinned toolchain ($pinned) disagree" >&2
    exit 1
fi
cargo +"$pinned" build --locked -p queue-core -p queue-blocking --lib

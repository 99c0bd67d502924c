#!/usr/bin/env bash
# What `cargo publish` would upload: each library crate ships its sources, its examples, its own
# README and both license files, and none of the test harnesses (tests/, the loom models, the soak).
set -euo pipefail
cd "$(dirname "$0")/.."

for crate in queue-core queue-blocking; do
    list=$(cargo package --list --allow-dirty -p "$crate")
    for needed in README.md LICENSE-MIT LICENSE-APACHE src/lib.rs; do
        grep -qx "$needed" <<<"$list" || { echo "$crate: $needed missing from the package" >&2; exit 1; }
    done
    if grep -E '^tests/|loom_(tests|async)|^examples/soak/' <<<"$list"; then
        echo "$crate: the package above carries test harnesses" >&2
        exit 1
    fi
    echo "== $crate: $(wc -l <<<"$list") files, no test harnesses"
done

#!/usr/bin/env bash
# cargo-fuzz over queue-core and queue-blocking (targets in fuzz/fuzz_targets/, see fuzz/src/lib.rs).
# Runnable by hand from the repository root:
#   bash ci/fuzz.sh                      # every target, 60 s each
#   FUZZ_SECONDS=20 bash ci/fuzz.sh      # shorter
#   FUZZ_TARGETS="fifo concurrent" bash ci/fuzz.sh
# Builds once (release + debug assertions + AddressSanitizer, cargo-fuzz's defaults), then runs
# each target from a scratch corpus seeded with fuzz/seeds/TARGET (fuzz/corpus is git-ignored).
# Fails if any target crashes, fails a check, leaks or hangs; the input is kept in
# fuzz/artifacts/TARGET/. Reproduce one with `cargo +nightly fuzz run --fuzz-dir fuzz TARGET FILE`.
# The nightly toolchain (`cargo +nightly`) overrides the 1.95.0 pin of rust-toolchain.toml; cargo-fuzz
# sets cfg(fuzzing), under which the skiplist unlinks on every pop.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
# A single input that runs longer than this is reported as a hang (the default is 20 minutes).
per_input_timeout="${FUZZ_TIMEOUT:-10}"

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "!!!! SKIPPED: cargo-fuzz needs a nightly toolchain and none is installed here !!!!"
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== fuzz: building every target ($(cargo +nightly fuzz --version))"
cargo +nightly fuzz build --fuzz-dir fuzz

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/queue-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failed=()
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"
    mkdir -p "$corpus"
    if [[ -d "fuzz/seeds/$target" ]]; then
        cp fuzz/seeds/"$target"/* "$corpus"/
    fi
    log="$work/$target.log"
    echo "== fuzz: $target for ${seconds}s ($(find "$corpus" -type f | wc -l) seed(s))"
    if cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$corpus" -- \
        -max_total_time="$seconds" -timeout="$per_input_timeout" -print_final_stats=1 \
        >"$log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
            "$log" | sed 's/^/   /' || true
        echo "   ok: $target, corpus now $(find "$corpus" -type f | wc -l) input(s)"
    else
        echo "!!!! FAILED: $target. What failed:"
        grep -E -A3 'panicked at|ERROR: |SUMMARY: |Test unit written|^Output of' "$log" | head -n 60 || true
        echo "!!!! the end of $target's log:"
        tail -n 40 "$log"
        failed+=("$target")
    fi
done

if ((${#failed[@]})); then
    echo "!!!! fuzz: ${#failed[@]} target(s) failed: ${failed[*]}; inputs in fuzz/artifacts/"
    ls -l fuzz/artifacts/*/ 2>/dev/null || true
    exit 1
fi
echo "== fuzz: all ${#targets[@]} target(s) ran ${seconds}s each without a crash"

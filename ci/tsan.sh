#!/usr/bin/env bash
# ThreadSanitizer over the concurrency tests of both crates (queue-core: stress, linearizability;
# queue-blocking: stress, python_port) and a short soak (examples/soak/). Needs nightly
# (-Zsanitizer, and -Zbuild-std so that std is instrumented too); skips loudly without it.
# Runnable by hand from the repository root. About 5 minutes on 2 cores, std build included.
#   TSAN_SOAK_SECONDS  length of the soak under TSan (default 60; 0 skips it)
#
# No suppression file: none is needed. crossbeam-epoch 0.9.21 detects `-Zsanitizer=thread` in its
# build script (cfg `crossbeam_sanitize_thread`) and replaces the standalone fences TSan does not
# understand (in `Global::try_advance`) with equivalent Acquire loads, so its reclamation is seen
# as synchronised. Our own fences (queue-blocking/src/event.rs) order only atomic accesses (the
# waiter count and the futex word) for the lost-wake-up handshake; no plain data is handed over
# through them, so TSan has nothing to report there. If TSan ever reports a race, investigate it;
# do not add a suppression without a comment proving it is a false positive.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "!!!! SKIPPED: ThreadSanitizer needs a nightly toolchain and none is installed here !!!!"
    exit 0
fi
if ! rustup component list --toolchain nightly --installed | grep -q '^rust-src'; then
    rustup component add --toolchain nightly rust-src
fi

target="${TSAN_TARGET:-x86_64-unknown-linux-gnu}"
# crossbeam_sanitize makes epoch collect garbage eagerly, so a use after free is freed (and seen by
# TSan) quickly in these runs.
export RUSTFLAGS="-Zsanitizer=thread --cfg crossbeam_sanitize"
# A separate target dir: instrumented std and crates must not mix with the normal build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/tsan"
# TSan's defaults apply: every report is printed and the process then exits with status 66, which
# fails the step. (second_deadlock_stack only adds detail to lock-order reports.)
export TSAN_OPTIONS="${TSAN_OPTIONS:-second_deadlock_stack=1}"
soak_seconds="${TSAN_SOAK_SECONDS:-60}"
tsan_cargo=(cargo +nightly)
build_std=(-Zbuild-std --target "$target")

step() {
    local start=$SECONDS
    echo "== tsan: $1"
    shift
    "$@"
    echo "== tsan: done in $((SECONDS - start)) s"
}

# All tests at full size (debug build under TSan): queue-core's stress ~80 s, linearizability
# ~15 s; queue-blocking's stress ~25 s, python_port ~15 s.
step "queue-core stress + linearizability" \
    "${tsan_cargo[@]}" test "${build_std[@]}" -p queue-core --test stress --test linearizability
step "queue-blocking stress + python_port + async_queue" \
    "${tsan_cargo[@]}" test "${build_std[@]}" -p queue-blocking --test stress --test python_port --test async_queue
if [ "$soak_seconds" != 0 ]; then
    step "queue-blocking soak for ${soak_seconds} s" \
        "${tsan_cargo[@]}" run "${build_std[@]}" -p queue-blocking --example soak -- --seconds "$soak_seconds"
fi

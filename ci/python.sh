#!/usr/bin/env bash
# The Python bindings (python/): lint, then for each interpreter to test (CPython 3.13, which has
# the shutdown tests, and the oldest supported, 3.9; pyenv's where installed): build a wheel with
# maturin, install it into a fresh virtual environment, and from there run that interpreter's own
# test/test_queue.py against it (python/tests/run_cpython_test_queue.py) and our tests, then check
# the type stubs against the installed module (mypy's stubtest) and a typed user with mypy.
# Runnable by hand from the repository root: bash ci/python.sh
#   QUEUE_RS_PYTHONS  interpreters to test, space-separated paths (default: pyenv's 3.13 and 3.9)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cargo fmt --manifest-path python/Cargo.toml --check
cargo clippy --manifest-path python/Cargo.toml -- -D warnings

pythons=()
if [ -n "${QUEUE_RS_PYTHONS:-}" ]; then
    read -r -a pythons <<<"$QUEUE_RS_PYTHONS"
else
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    for version in 3.13 3.9; do
        # The newest installed patch release of that minor version.
        found=$(ls -d "$root"/versions/"$version".* 2>/dev/null | sort -V | tail -n 1 || true)
        if [ -n "$found" ] && [ -x "$found/bin/python3" ]; then
            pythons+=("$found/bin/python3")
        else
            echo "!!!! CPython $version not installed (pyenv): not tested !!!!"
        fi
    done
fi
if [ ${#pythons[@]} -eq 0 ]; then
    command -v python3 >/dev/null || { echo "!!!! SKIPPED: no python3 on this machine !!!!"; exit 0; }
    pythons=("$(command -v python3)")
fi

for python in "${pythons[@]}"; do
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    venv=python/target/venv-$version
    wheels=python/target/wheels-$version
    echo "== CPython $version ($python): a fresh venv, the wheel built by maturin, installed"
    "$python" -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2"
    rm -rf "$wheels"
    (cd python && "$repo/$venv/bin/maturin" build --release --quiet -i "$repo/$venv/bin/python" -o "$repo/$wheels")
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheels"/queue_rs-*.whl
    # From outside the checkout, so that only the installed wheel can be imported.
    cd /tmp
    echo "== CPython $version: its own test_queue.py against queue_rs"
    "$repo/$venv/bin/python" "$repo/python/tests/run_cpython_test_queue.py"
    echo "== CPython $version: our tests"
    "$repo/$venv/bin/python" -m unittest discover -s "$repo/python/tests" -p 'test_*.py'
    echo "== CPython $version: the type stubs against the module (stubtest), and a typed user (mypy)"
    "$repo/$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mypy>=1.18,<2"
    "$repo/$venv/bin/python" -m mypy.stubtest --allowlist "$repo/python/stubtest-allowlist.txt" queue_rs
    "$repo/$venv/bin/python" -m mypy --strict --warn-unused-ignores "$repo/python/tests/typing_usage.py"
    cd "$repo"
done

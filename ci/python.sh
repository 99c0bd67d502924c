#!/usr/bin/env bash
# The Python bindings (python/): lint, build the extension with maturin into a scratch virtual
# environment (maturin comes from PyPI on a clean machine), then run CPython's own test_queue.py
# against it (python/tests/run_cpython_test_queue.py) and our tests (shutdown scenarios of 3.13,
# a raising comparison, Ctrl-C in blocked calls, join(timeout)).
# Runnable by hand from the repository root: bash ci/python.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null; then
    echo "!!!! SKIPPED: no python3 on this machine !!!!"
    exit 0
fi

cargo fmt --manifest-path python/Cargo.toml --check
cargo clippy --manifest-path python/Cargo.toml -- -D warnings

venv=python/target/venv
python3 -m venv "$venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
python -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2"
echo "== building the extension ($(maturin --version), $(python --version))"
(cd python && maturin develop --release --quiet)

echo "== CPython's test_queue.py against queue_rs"
python python/tests/run_cpython_test_queue.py
echo "== our tests"
python -m unittest discover -s python/tests -p 'test_*.py'

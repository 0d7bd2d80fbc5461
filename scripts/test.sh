#!/usr/bin/env bash
# Runs every test of Nordlys: formatting, lints, unit and integration tests on the
# embedded store, the storage suite on PostgreSQL, and (when present) browser tests.
# Installs or starts what a fresh machine lacks first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test (SQLite, and PostgreSQL at \$NORDLYS_TEST_POSTGRES)"
export NORDLYS_TEST_POSTGRES="${NORDLYS_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo test --workspace --no-fail-fast

if [ -f tests-browser/package.json ]; then
  # The portal as a visitor sees it: each test file starts target/release/nordlys demo
  # (tests-browser/lib/server.mjs) and drives Debian's Chromium (installed by setup.sh).
  echo "== browser tests (headless Chromium, axe-core)"
  cargo build --release --quiet -p nordlys
  (cd tests-browser && npm test)
fi

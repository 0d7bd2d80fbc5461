#!/usr/bin/env bash
# Idempotent: makes a fresh machine ready for the tests. Installs nothing that is
# already there; never downloads a browser of its own (Debian's chromium only).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql postgresql-client)
if [ -f tests-browser/package.json ]; then
  # Debian's Chromium, at the path the browser tests launch (tests-browser/lib/browser.mjs).
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"; fi
fi

# PostgreSQL must answer on 127.0.0.1:5432 (trust auth for user postgres).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "== starting PostgreSQL"
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  done
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable at 127.0.0.1:5432" >&2; exit 1; }

# The browser tests' tooling (playwright-core, axe-core; no browser download):
# installed again when the lock file is newer than what was installed from it.
if [ -f tests-browser/package.json ]; then
  installed=tests-browser/node_modules/.package-lock.json
  if [ ! -f "$installed" ] || [ tests-browser/package.json -nt "$installed" ] \
    || { [ -f tests-browser/package-lock.json ] && [ tests-browser/package-lock.json -nt "$installed" ]; }; then
    if [ -f tests-browser/package-lock.json ]; then
      echo "== npm ci (browser test tooling)"
      (cd tests-browser && npm ci --no-audit --no-fund)
    else
      echo "== npm install (browser test tooling)"
      (cd tests-browser && npm install --no-audit --no-fund)
    fi
  fi
fi

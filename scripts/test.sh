#!/usr/bin/env bash
# Runs the whole test suite: domain and web unit tests, the HTTP and storage suites on
# SQLite *and* PostgreSQL, the CLI tests and the headless-Chromium browser test.
# Installs what a fresh machine lacks (PostgreSQL, Chromium + chromedriver, cargo-nextest,
# the standardwebhooks verifier and the schemathesis API fuzzer from PyPI, axe-core from npm).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || {
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  }
}

if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  echo "installing chromium and chromium-driver…" >&2
  apt_install chromium chromium-driver
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
# The reference Standard Webhooks library checks the signatures independently of ours.
if ! python3 -c "import standardwebhooks" >/dev/null 2>&1; then
  echo "installing standardwebhooks (PyPI)…" >&2
  python3 -m pip install --quiet standardwebhooks >&2
fi

# schemathesis fuzzes the API against its OpenAPI document (tests/it/openapi.rs).
if ! command -v st >/dev/null 2>&1; then
  echo "installing schemathesis (PyPI)…" >&2
  python3 -m pip install --quiet schemathesis >&2
fi

# axe-core checks every role's pages for accessibility in the browser (tests/it/walkthrough.rs).
if [ ! -f target/npm/node_modules/axe-core/axe.min.js ]; then
  echo "installing axe-core (npm)…" >&2
  mkdir -p target/npm
  npm install --prefix target/npm --silent --no-audit --no-fund axe-core@4.11 >&2
fi

export CUMBRE_TEST_PG_URL="$(scripts/start-postgres.sh)"
# In this script a missing PostgreSQL or Chromium is a failure, not a skip.
export CUMBRE_TEST_REQUIRE_PG=1
export CUMBRE_TEST_REQUIRE_BROWSER=1
export CUMBRE_TEST_REQUIRE_WEBHOOK_VERIFIER=1
export CUMBRE_TEST_REQUIRE_SCHEMATHESIS=1

cargo nextest run --workspace "$@"

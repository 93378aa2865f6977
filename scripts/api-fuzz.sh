#!/usr/bin/env bash
# A longer schemathesis run against the API than CI's (default 200 examples per operation
# and phase instead of 8), on SQLite and, with CUMBRE_TEST_PG_URL set, PostgreSQL.
# Usage: scripts/api-fuzz.sh [EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v st >/dev/null || python3 -m pip install --quiet schemathesis
export CUMBRE_SCHEMATHESIS_EXAMPLES="${1:-200}"
export CUMBRE_TEST_REQUIRE_SCHEMATHESIS=1
# A new seed each run (CI repeats seed 2026).
export CUMBRE_SCHEMATHESIS_SEED="${CUMBRE_SCHEMATHESIS_SEED:-random}"
cargo nextest run --workspace --no-capture schemathesis_finds_no_failure

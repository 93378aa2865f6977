#!/usr/bin/env bash
# Kills the server with SIGKILL under concurrent API submissions N times (default 10) on
# SQLite and PostgreSQL, restarting it each time, and prints per round how many responses
# were acknowledged, found afterwards, and lost (always 0, or the run fails).
#   scripts/crash-test.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
export CUMBRE_CRASH_ROUNDS="${1:-10}"
export CUMBRE_TEST_PG_URL="${CUMBRE_TEST_PG_URL:-$(scripts/start-postgres.sh)}"
export CUMBRE_TEST_REQUIRE_PG=1
cargo nextest run --workspace --no-capture -E 'test(acknowledged_responses_survive_a_kill_under_load)' 2>&1 \
  | grep -E "round [0-9]+:|PASS|FAIL|panicked|lost"

#!/usr/bin/env bash
# The parsers' property tests (survey definitions, answers, every CSV import, bounce
# reports, dates) with many more cases than CI runs: scripts/fuzz.sh [CASES] (default 20000).
set -euo pipefail
cd "$(dirname "$0")/.."
PROPTEST_CASES="${1:-20000}" cargo nextest run -p cumbre-domain --no-fail-fast fuzz

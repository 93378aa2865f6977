#!/usr/bin/env bash
# The dashboard benchmark of docs/BENCHMARKS.md: 10 million responses (or $1) over 1,000
# hotels × 20 touchpoints × 3 years, on SQLite and PostgreSQL, and the same aggregation in
# DuckDB (from PyPI, in a virtualenv under target/, used by this script only).
# Needs ~15 GB of free disk at 10 million rows; takes about an hour and a half on 2 cores.
# RUNS (default 30) is the number of runs of every figure, on both sides of a comparison;
# POSTGRES=0 leaves PostgreSQL out.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000000}"
RUNS="${RUNS:-30}"
work="${BENCH_DIR:-target/bench-dashboard}"
mkdir -p "$work"

cargo build --release -q -p cumbre
bin=target/release/cumbre

echo "== SQLite"
TMPDIR="$work" /usr/bin/time -v "$bin" bench dashboard --responses "$N" --runs "$RUNS" --export-csv "$work/rows.csv" 2> "$work/sqlite.time" | tee "$work/sqlite.md"
grep -E "Maximum resident|Elapsed" "$work/sqlite.time"

echo "== DuckDB"
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q duckdb
fi
first_day=$(date -d "89 days ago" +%Y%m%d)
"$work/venv/bin/python" scripts/bench-duckdb.py "$work/rows.csv" "$first_day" "$RUNS" | tee "$work/duckdb.md"
rm -f "$work/rows.csv" "$work/rows.parquet"

[ "${POSTGRES:-1}" = 0 ] && exit 0
echo "== PostgreSQL"
scripts/start-postgres.sh >/dev/null
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS bench_dashboard" -c "CREATE DATABASE bench_dashboard OWNER cumbre"
/usr/bin/time -v "$bin" bench dashboard --responses "$N" --runs "$RUNS" --database-url postgres://cumbre@127.0.0.1:5432/bench_dashboard 2> "$work/pg.time" | tee "$work/pg.md"
grep -E "Maximum resident|Elapsed" "$work/pg.time"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE bench_dashboard"

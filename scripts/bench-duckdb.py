#!/usr/bin/env python3
"""The DuckDB side of `scripts/bench-dashboard.sh`: the executive overview's map (regions x
touchpoints: NPS counts and the CSAT histogram) computed by DuckDB over the same rows that
`cumbre bench dashboard --export-csv` generated, exported to Parquet (and read as CSV).

Usage: bench-duckdb.py ROWS.csv FIRST_DAY_OF_LAST_90 [RUNS]   (day as YYYYMMDD)
"""
import datetime
import statistics
import sys
import time

import duckdb

csv_path, first_day = sys.argv[1], int(sys.argv[2])
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
parquet = csv_path.rsplit(".", 1)[0] + ".parquet"

con = duckdb.connect()
started = time.perf_counter()
con.execute(f"COPY (SELECT * FROM read_csv_auto('{csv_path}')) TO '{parquet}' (FORMAT PARQUET)")
print(f"DuckDB {duckdb.__version__}: CSV to Parquet in {time.perf_counter() - started:.1f} s")

MAP = """
SELECT region_id, touchpoint_id, COUNT(*) AS responses,
       SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
       SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
       SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors,
       SUM(CASE WHEN csat = 1 THEN 1 ELSE 0 END) AS csat1, SUM(CASE WHEN csat = 2 THEN 1 ELSE 0 END) AS csat2,
       SUM(CASE WHEN csat = 3 THEN 1 ELSE 0 END) AS csat3, SUM(CASE WHEN csat = 4 THEN 1 ELSE 0 END) AS csat4,
       SUM(CASE WHEN csat = 5 THEN 1 ELSE 0 END) AS csat5
FROM {source} WHERE day BETWEEN {first} AND {last} GROUP BY region_id, touchpoint_id
"""

# The last three complete months (the overview's default).
today = datetime.date.today()
last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
start = last_month_end.replace(day=1)
for _ in range(2):
    start = (start - datetime.timedelta(days=1)).replace(day=1)
key = lambda d: d.year * 10000 + d.month * 100 + d.day
months3 = (key(start), key(last_month_end))

print("\n| the overview's map in DuckDB | p50 | p95 |")
print("| --- | --- | --- |")
for name, source, (first, last) in [
    ("Parquet, last 3 full months", f"'{parquet}'", months3),
    ("Parquet, last 90 days to today", f"'{parquet}'", (first_day, 99991231)),
    ("Parquet, all 3 years", f"'{parquet}'", (0, 99991231)),
    ("CSV, last 90 days to today", f"read_csv_auto('{csv_path}')", (first_day, 99991231)),
]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = con.execute(MAP.format(source=source, first=first, last=last)).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
        assert rows, "no rows"
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"| {name} | {statistics.median(samples):.0f} ms | {p95:.0f} ms |")

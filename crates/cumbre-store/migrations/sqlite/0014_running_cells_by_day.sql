-- PostgreSQL only: an index of the running totals by day, for ranking a chain in ranges.
-- SQLite probes the primary key per unit in about a microsecond and needs none; this file
-- keeps the two sets of migrations numbered alike.
SELECT 1;

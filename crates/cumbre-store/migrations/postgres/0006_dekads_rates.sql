-- Roll-ups gain a ten-day grain (grain 2: the 1st–10th, 11th–20th, 21st–end of a local
-- month) between days and months. Kept in lockstep with ../sqlite/0006_dekads_rates.sql.
-- Existing tenants are rebuilt at start so their dekad rows exist before any read.
UPDATE tenants SET rollups_stale = 1;

-- Ranking hundreds of units reads their total rows; a heap row per key scattered over the
-- table cost a random read each. This index holds everything those reads select, so they
-- are index-only scans (SQLite's WITHOUT ROWID table is clustered on its key already).
CREATE INDEX rollups_totals ON rollups (tenant_id, unit_id, grain, day)
    INCLUDE (value, touchpoint_id, survey_id, responses, promoters, passives, detractors,
             csat1, csat2, csat3, csat4, csat5, ces_n, ces_sum, ces_sumsq)
    WHERE kind = 'total';

-- The response rate counts a subtree's invitations sent in a range.
CREATE INDEX invitations_sent ON invitations (tenant_id, sent_at);

-- Channel and language rows sit at each answer's own unit, behind `value` in the key: a
-- subtree's breakdown reads them by unit through this index instead of scanning every
-- unit's (the query repeats the index's condition so both planners use it).
CREATE INDEX rollups_slices ON rollups (tenant_id, kind, unit_id, grain, day)
    WHERE kind IN ('channel', 'language');

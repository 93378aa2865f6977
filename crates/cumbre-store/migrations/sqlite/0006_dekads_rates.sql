-- Roll-ups gain a ten-day grain (grain 2: the 1st–10th, 11th–20th, 21st–end of a local
-- month) between days and months. Kept in lockstep with ../postgres/0006_dekads_rates.sql.
-- Existing tenants are rebuilt at start so their dekad rows exist before any read.
-- (SQLite's roll-ups are a WITHOUT ROWID table: already stored in key order, so it needs
-- no covering index for the totals.)
UPDATE tenants SET rollups_stale = 1;

-- The response rate counts a subtree's invitations sent in a range.
CREATE INDEX invitations_sent ON invitations (tenant_id, sent_at);

-- Channel and language rows sit at each answer's own unit, behind `value` in the key: a
-- subtree's breakdown reads them by unit through this index instead of scanning every
-- unit's (the query repeats the index's condition so both planners use it).
CREATE INDEX rollups_slices ON rollups (tenant_id, kind, unit_id, grain, day)
    WHERE kind IN ('channel', 'language');

-- Running totals per cell: for each unit and touchpoint (0: every touchpoint), its totals
-- over every survey from its first answer through each local day it has answers. Any
-- range is then two rows per cell, so the map of any range reads two rows per (unit,
-- touchpoint) as ranking units already did per unit. Replaces rollup_running (its rows
-- are touchpoint 0 here). Kept in lockstep with ../sqlite/0012_running_cells.sql.
CREATE TABLE running_cells (
    tenant_id      BIGINT NOT NULL,
    unit_id        BIGINT NOT NULL,
    touchpoint_id  BIGINT NOT NULL,
    day            BIGINT NOT NULL,
    responses      BIGINT NOT NULL DEFAULT 0,
    promoters      BIGINT NOT NULL DEFAULT 0,
    passives       BIGINT NOT NULL DEFAULT 0,
    detractors     BIGINT NOT NULL DEFAULT 0,
    csat1          BIGINT NOT NULL DEFAULT 0,
    csat2          BIGINT NOT NULL DEFAULT 0,
    csat3          BIGINT NOT NULL DEFAULT 0,
    csat4          BIGINT NOT NULL DEFAULT 0,
    csat5          BIGINT NOT NULL DEFAULT 0,
    ces_n          BIGINT NOT NULL DEFAULT 0,
    ces_sum        BIGINT NOT NULL DEFAULT 0,
    ces_sumsq      BIGINT NOT NULL DEFAULT 0,
    -- The counters ride in the key's index: a probe is an index-only scan, half the cost
    -- of a heap fetch per row.
    PRIMARY KEY (tenant_id, unit_id, touchpoint_id, day) INCLUDE (responses, promoters,
        passives, detractors, csat1, csat2, csat3, csat4, csat5, ces_n, ces_sum, ces_sumsq)
);

INSERT INTO running_cells (tenant_id, unit_id, touchpoint_id, day, responses, promoters,
    passives, detractors, csat1, csat2, csat3, csat4, csat5, ces_n, ces_sum, ces_sumsq)
SELECT tenant_id, unit_id, 0, day, responses, promoters, passives, detractors,
    csat1, csat2, csat3, csat4, csat5, ces_n, ces_sum, ces_sumsq
FROM rollup_running;

-- The cells' daily rows (one per survey) added up per touchpoint, then in day order.
INSERT INTO running_cells (tenant_id, unit_id, touchpoint_id, day, responses, promoters,
    passives, detractors, csat1, csat2, csat3, csat4, csat5, ces_n, ces_sum, ces_sumsq)
SELECT tenant_id, unit_id, touchpoint_id, day,
    SUM(SUM(responses)) OVER w, SUM(SUM(promoters)) OVER w, SUM(SUM(passives)) OVER w,
    SUM(SUM(detractors)) OVER w, SUM(SUM(csat1)) OVER w, SUM(SUM(csat2)) OVER w,
    SUM(SUM(csat3)) OVER w, SUM(SUM(csat4)) OVER w, SUM(SUM(csat5)) OVER w,
    SUM(SUM(ces_n)) OVER w, SUM(SUM(ces_sum)) OVER w, SUM(SUM(ces_sumsq)) OVER w
FROM rollups
WHERE kind = '' AND value = '' AND grain = 0
GROUP BY tenant_id, unit_id, touchpoint_id, day
WINDOW w AS (PARTITION BY tenant_id, unit_id, touchpoint_id ORDER BY day ROWS UNBOUNDED PRECEDING);

DROP TABLE rollup_running;

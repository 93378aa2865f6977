-- Running totals: for each unit, its totals (every touchpoint and survey) from its first
-- answer through each local day it has answers. Any range of any length is then two rows
-- per unit — the running total at its last day less the one before its first — so ranking
-- a thousand hotels over "the last 90 days" reads two thousand rows, not twenty-five
-- thousand. Kept in lockstep with ../postgres/0011_running_totals.sql.
CREATE TABLE rollup_running (
    tenant_id      BIGINT NOT NULL,
    unit_id        BIGINT NOT NULL,
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
    PRIMARY KEY (tenant_id, unit_id, day)
) WITHOUT ROWID;

-- Existing roll-ups already hold each unit's daily totals: add them up in day order.
INSERT INTO rollup_running (tenant_id, unit_id, day, responses, promoters, passives, detractors,
    csat1, csat2, csat3, csat4, csat5, ces_n, ces_sum, ces_sumsq)
SELECT tenant_id, unit_id, day,
    SUM(responses) OVER w, SUM(promoters) OVER w, SUM(passives) OVER w, SUM(detractors) OVER w,
    SUM(csat1) OVER w, SUM(csat2) OVER w, SUM(csat3) OVER w, SUM(csat4) OVER w, SUM(csat5) OVER w,
    SUM(ces_n) OVER w, SUM(ces_sum) OVER w, SUM(ces_sumsq) OVER w
FROM rollups
WHERE kind = 'total' AND value = '' AND grain = 0
WINDOW w AS (PARTITION BY tenant_id, unit_id ORDER BY day ROWS UNBOUNDED PRECEDING);

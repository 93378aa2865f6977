-- Improve: pre-aggregated roll-ups so dashboards never scan raw responses. Kept in lockstep
-- with ../postgres/0005_improve.sql.
--
-- One row per (unit, grain, period, touchpoint, survey) holds what the responses of that
-- cell add up to. A response counts in its own unit's row AND in every unit above it, so a
-- subtree's figures are one row per cell, never a sum over its descendants. Grain 0 is a
-- local day, grain 1 a local month (in the tenant's time zone); `day` is the period's first
-- day as YYYYMMDD. Kind 'total' (touchpoint 0, survey 0) is the unit's total over all of
-- them, so a unit's figure is read from one row per period.
-- Maintained in the same transaction as the response; `cumbre
-- rebuild-rollups` recomputes them from the responses.
--
-- The other slices share the table (one upsert per write instead of two): `kind` is
-- 'person', 'channel' or 'language' with `value` its id or code, kept at the response's own
-- unit only (read for one person, or for a subtree, where summing the units' rows is
-- cheap), with survey 0; channels and languages by month only, with touchpoint 0. The cells
-- have kind '' and value ''.
CREATE TABLE rollups (
    tenant_id      BIGINT NOT NULL,
    kind           TEXT   NOT NULL,
    value          TEXT   NOT NULL,
    unit_id        BIGINT NOT NULL,
    grain          BIGINT NOT NULL,
    day            BIGINT NOT NULL,
    touchpoint_id  BIGINT NOT NULL,
    survey_id      BIGINT NOT NULL,
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
    PRIMARY KEY (tenant_id, kind, value, unit_id, grain, day, touchpoint_id, survey_id)
) WITHOUT ROWID;

-- Tenants whose roll-ups must be computed from their responses before use: every tenant
-- that exists when this migration runs (new ones start empty and are maintained).
ALTER TABLE tenants ADD COLUMN rollups_stale BIGINT NOT NULL DEFAULT 0;
UPDATE tenants SET rollups_stale = 1;

-- Targets per metric per unit; a unit without one inherits its nearest ancestor's.
CREATE TABLE metric_targets (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id),
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    metric     TEXT   NOT NULL,
    target     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (tenant_id, unit_id, metric)
);

-- How many responses a number needs before it is shown as a fact (default 30).
ALTER TABLE tenants ADD COLUMN min_sample BIGINT NOT NULL DEFAULT 30;

-- The headline CSAT (1–5) and CES (1–7) of each response (its survey's first question of
-- that type), like `nps`: roll-ups are rebuilt from these columns, and filters need them.
-- Filled for existing responses when their tenant's roll-ups are first built.
ALTER TABLE responses ADD COLUMN csat BIGINT;
ALTER TABLE responses ADD COLUMN ces BIGINT;

-- Decide: mystery shopping. A programme visits units through a scenario of moments of
-- truth once per period; each visit is an assignment to one auditor, with the audit form
-- generated from the standards in force (versions pinned); the audit the auditor submits
-- is reviewed, published, and may be disputed item by item. Kept in lockstep with
-- ../postgres/0019_mystery_shopping.sql.
CREATE TABLE audit_programmes (
    id            INTEGER PRIMARY KEY,
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    name          TEXT    NOT NULL,
    briefing      TEXT    NOT NULL,
    covert        BIGINT  NOT NULL,
    -- monthly | quarterly
    frequency     TEXT    NOT NULL,
    dispute_days  BIGINT  NOT NULL,
    active        BIGINT  NOT NULL,
    -- The latest period (first local day, YYYYMMDD) the scheduler made visits for: it is
    -- raised by compare-and-set, so one server plans each period.
    planned_period  BIGINT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX audit_programmes_tenant ON audit_programmes (tenant_id);

CREATE TABLE audit_programme_units (
    programme_id  BIGINT  NOT NULL REFERENCES audit_programmes(id),
    unit_id       BIGINT  NOT NULL REFERENCES units(id),
    position      BIGINT  NOT NULL,
    PRIMARY KEY (programme_id, unit_id)
);

-- The scenario: the moments of truth the shopper goes through, in order.
CREATE TABLE audit_programme_touchpoints (
    programme_id   BIGINT  NOT NULL REFERENCES audit_programmes(id),
    touchpoint_id  BIGINT  NOT NULL REFERENCES touchpoints(id),
    position       BIGINT  NOT NULL,
    PRIMARY KEY (programme_id, touchpoint_id)
);

CREATE TABLE audit_programme_auditors (
    programme_id  BIGINT  NOT NULL REFERENCES audit_programmes(id),
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    position      BIGINT  NOT NULL,
    PRIMARY KEY (programme_id, user_id)
);

CREATE TABLE audit_assignments (
    id            INTEGER PRIMARY KEY,
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    programme_id  BIGINT  NOT NULL REFERENCES audit_programmes(id),
    unit_id       BIGINT  NOT NULL REFERENCES units(id),
    auditor_id    BIGINT  NOT NULL REFERENCES users(id),
    -- The period's first local day, YYYYMMDD.
    period_start  BIGINT  NOT NULL,
    due_from      BIGINT  NOT NULL,
    due_until     BIGINT  NOT NULL,
    -- open | submitted | returned | published | cancelled
    status        TEXT    NOT NULL,
    -- A second visit of the same unit and period by another auditor, to compare them.
    calibrates    BIGINT  REFERENCES audit_assignments(id),
    -- JSON: the form's items, each a standard at the version in force when generated.
    form          TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
-- One visit per unit and period (two servers generating the same period make one).
CREATE UNIQUE INDEX audit_assignments_visit ON audit_assignments (programme_id, unit_id, period_start)
    WHERE calibrates IS NULL;
CREATE UNIQUE INDEX audit_assignments_calibration ON audit_assignments (calibrates, auditor_id)
    WHERE calibrates IS NOT NULL;
CREATE INDEX audit_assignments_auditor ON audit_assignments (tenant_id, auditor_id, status);
CREATE INDEX audit_assignments_unit ON audit_assignments (tenant_id, unit_id, period_start);

CREATE TABLE audits (
    id                 INTEGER PRIMARY KEY,
    tenant_id          BIGINT  NOT NULL REFERENCES tenants(id),
    assignment_id      BIGINT  NOT NULL REFERENCES audit_assignments(id),
    programme_id       BIGINT  NOT NULL REFERENCES audit_programmes(id),
    unit_id            BIGINT  NOT NULL REFERENCES units(id),
    auditor_id         BIGINT  NOT NULL REFERENCES users(id),
    visited_at         BIGINT  NOT NULL,
    submitted_at       BIGINT  NOT NULL,
    idempotency_key    TEXT,
    -- submitted | returned | published
    status             TEXT    NOT NULL,
    -- The score as it counts now (after disputes) and as the auditor's report gave it.
    earned             BIGINT  NOT NULL,
    possible           BIGINT  NOT NULL,
    critical_failures  BIGINT  NOT NULL,
    original_earned    BIGINT  NOT NULL,
    review_note        TEXT,
    reviewed_by        TEXT,
    reviewed_at        BIGINT,
    published_at       BIGINT
);
CREATE UNIQUE INDEX audits_assignment ON audits (assignment_id);
CREATE UNIQUE INDEX audits_idempotency ON audits (tenant_id, idempotency_key);
CREATE INDEX audits_unit ON audits (tenant_id, unit_id, visited_at);

CREATE TABLE audit_items (
    audit_id          BIGINT  NOT NULL REFERENCES audits(id),
    position          BIGINT  NOT NULL,
    -- The moment of truth the item belongs to (its section).
    touchpoint_id     BIGINT  NOT NULL,
    item_key          TEXT    NOT NULL,
    standard_id       BIGINT  NOT NULL REFERENCES standards(id),
    standard_version  BIGINT  NOT NULL,
    -- pass | fail | not_applicable, as the auditor recorded it
    outcome           TEXT    NOT NULL,
    measured          BIGINT,
    note              TEXT    NOT NULL,
    -- What counts after disputes (an overturned failure counts as passed).
    counted           TEXT    NOT NULL,
    -- The corrective action a failed critical item opened when the audit was published.
    case_id           BIGINT  REFERENCES cases(id),
    PRIMARY KEY (audit_id, position)
);
CREATE INDEX audit_items_standard ON audit_items (standard_id);

CREATE TABLE audit_disputes (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    audit_id         BIGINT  NOT NULL REFERENCES audits(id),
    position         BIGINT  NOT NULL,
    reason           TEXT    NOT NULL,
    raised_by        TEXT    NOT NULL,
    raised_at        BIGINT  NOT NULL,
    -- NULL while open; upheld | overturned
    decision         TEXT,
    decision_reason  TEXT,
    decided_by       TEXT,
    decided_at       BIGINT
);
CREATE UNIQUE INDEX audit_disputes_item ON audit_disputes (audit_id, position);
CREATE INDEX audit_disputes_open ON audit_disputes (tenant_id, decision);

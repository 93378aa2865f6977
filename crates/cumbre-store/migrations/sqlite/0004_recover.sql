-- Recover: alert rules, recovery cases with their append-only timeline, promises, approvals
-- above an authority limit, and the outbox of notifications. Kept in lockstep with
-- ../postgres/0004_recover.sql.

-- Deadlines are counted in the tenant's time zone, in business hours when these are set
-- (JSON: {"days": [[540, 1080], …, null]}, Monday first).
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE tenants ADD COLUMN business_hours TEXT;
-- The short survey sent after a resolution to ask whether the customer is won back.
ALTER TABLE tenants ADD COLUMN winback_survey_id BIGINT;

-- Per priority; a priority without a row uses the built-in defaults.
CREATE TABLE sla_targets (
    tenant_id              BIGINT  NOT NULL REFERENCES tenants(id),
    priority               TEXT    NOT NULL,
    first_contact_minutes  BIGINT  NOT NULL,
    resolve_minutes        BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, priority)
);

CREATE TABLE root_causes (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    name        TEXT    NOT NULL,
    active      BIGINT  NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX root_causes_name ON root_causes (tenant_id, name);

-- How much compensation (in cents) someone may grant without asking: the most specific row
-- wins (unit and role, then unit, then role); none means zero.
CREATE TABLE authority_limits (
    id            INTEGER PRIMARY KEY,
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    unit_id       BIGINT  REFERENCES units(id),
    role          TEXT,
    amount_cents  BIGINT  NOT NULL
);
CREATE INDEX authority_limits_tenant ON authority_limits (tenant_id);

CREATE TABLE alert_rules (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    name             TEXT    NOT NULL,
    -- The rule applies to responses of this unit and everything under it.
    unit_id          BIGINT  NOT NULL REFERENCES units(id),
    touchpoint_id    BIGINT  REFERENCES touchpoints(id),
    survey_id        BIGINT  REFERENCES surveys(id),
    include_imports  BIGINT  NOT NULL DEFAULT 0,
    definition       TEXT    NOT NULL,
    active           BIGINT  NOT NULL DEFAULT 1,
    created_by       TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX alert_rules_tenant ON alert_rules (tenant_id);

-- Rules see every response once: the evaluator claims a response by setting evaluated_at
-- where it is still NULL, in the transaction that opens its case. History from before the
-- rules existed is not evaluated.
ALTER TABLE responses ADD COLUMN evaluated_at BIGINT;
UPDATE responses SET evaluated_at = received_at;
CREATE INDEX responses_pending_rules ON responses (id) WHERE evaluated_at IS NULL;

CREATE TABLE cases (
    id                      INTEGER PRIMARY KEY,
    tenant_id               BIGINT  NOT NULL REFERENCES tenants(id),
    response_id             BIGINT  REFERENCES responses(id),
    rule_id                 BIGINT  REFERENCES alert_rules(id),
    unit_id                 BIGINT  NOT NULL REFERENCES units(id),
    touchpoint_id           BIGINT  REFERENCES touchpoints(id),
    title                   TEXT    NOT NULL,
    customer_name           TEXT    NOT NULL DEFAULT '',
    customer_email          TEXT    NOT NULL DEFAULT '',
    customer_phone          TEXT    NOT NULL DEFAULT '',
    language                TEXT    NOT NULL,
    priority                TEXT    NOT NULL,
    -- new → contacted → resolved → closed; reopening returns to contacted.
    status                  TEXT    NOT NULL,
    owner_id                BIGINT  REFERENCES users(id),
    -- 0: the owner; n: escalated n levels up the tree, to escalated_to.
    escalation_level        BIGINT  NOT NULL DEFAULT 0,
    escalated_to            BIGINT  REFERENCES users(id),
    first_contact_due_at    BIGINT  NOT NULL,
    resolve_due_at          BIGINT  NOT NULL,
    -- The deadline that escalates next: first contact while new, else resolution.
    due_at                  BIGINT  NOT NULL,
    contacted_at            BIGINT,
    resolved_at             BIGINT,
    closed_at               BIGINT,
    action_taken            TEXT    NOT NULL DEFAULT '',
    root_cause_id           BIGINT  REFERENCES root_causes(id),
    compensation_type       TEXT    NOT NULL DEFAULT '',
    compensation_cents      BIGINT  NOT NULL DEFAULT 0,
    lessons                 TEXT    NOT NULL DEFAULT '',
    -- The win-back invitation sent after resolution, if any.
    winback_invitation_id   BIGINT  REFERENCES invitations(id),
    search_text             TEXT    NOT NULL DEFAULT '',
    created_by              TEXT    NOT NULL,
    created_at              BIGINT  NOT NULL,
    updated_at              BIGINT  NOT NULL
);
-- One case per response, whatever the number of rules it trips.
CREATE UNIQUE INDEX cases_response ON cases (response_id) WHERE response_id IS NOT NULL;
CREATE INDEX cases_tenant_status ON cases (tenant_id, status, due_at);
CREATE INDEX cases_unit ON cases (unit_id);
CREATE INDEX cases_owner ON cases (owner_id);

-- The timeline: every change, note and message, never updated nor deleted.
CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT  NOT NULL REFERENCES cases(id),
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    at          BIGINT  NOT NULL,
    -- The user who acted; NULL for the system (rules, the scheduler).
    actor_id    BIGINT  REFERENCES users(id),
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE promises (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT  NOT NULL REFERENCES cases(id),
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    text        TEXT    NOT NULL,
    due_at      BIGINT  NOT NULL,
    -- kept or broken once due; open until then.
    outcome     TEXT,
    outcome_at  BIGINT,
    created_by  BIGINT  NOT NULL REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX promises_tenant_due ON promises (tenant_id, outcome, due_at);
CREATE INDEX promises_case ON promises (case_id);

CREATE TABLE approvals (
    id                  INTEGER PRIMARY KEY,
    case_id             BIGINT  NOT NULL REFERENCES cases(id),
    tenant_id           BIGINT  NOT NULL REFERENCES tenants(id),
    compensation_type   TEXT    NOT NULL,
    amount_cents        BIGINT  NOT NULL,
    requested_by        BIGINT  NOT NULL REFERENCES users(id),
    approver_id         BIGINT  REFERENCES users(id),
    -- The resolution waiting for the decision (JSON), applied when approved.
    resolution          TEXT    NOT NULL,
    -- pending → approved or declined.
    status              TEXT    NOT NULL,
    reason              TEXT    NOT NULL DEFAULT '',
    created_at          BIGINT  NOT NULL,
    decided_at          BIGINT
);
CREATE INDEX approvals_case ON approvals (case_id);
CREATE INDEX approvals_approver ON approvals (approver_id, status);

-- E-mails and webhook calls the rules and the scheduler owe, sent by a job that survives
-- restarts; each goes out once (a claim before sending, as for invitations).
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    case_id          BIGINT  REFERENCES cases(id),
    channel          TEXT    NOT NULL,
    target           TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    sent_at          BIGINT
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);

-- Lead: employee pulses. An answer is stored apart from who gave it: in an anonymous pulse
-- nothing links the two (the invitation only says that its person has answered, with no
-- time; the answer carries a random key, no time finer than its cycle, and no person); in a
-- confidential one the answer names its person, which no output shows. Kept in lockstep
-- with ../postgres/0025_employee_pulses.sql.

-- The tenant's anonymity thresholds, when it changed the defaults (5 answers for a
-- figure, 10 for comments; never below 3). A pulse copies them when it is created.
CREATE TABLE anonymity_settings (
    tenant_id     BIGINT  PRIMARY KEY REFERENCES tenants(id),
    min_group     BIGINT  NOT NULL,
    min_comments  BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE pulses (
    id                INTEGER PRIMARY KEY,
    tenant_id         BIGINT  NOT NULL REFERENCES tenants(id),
    name              TEXT    NOT NULL,
    template          TEXT    NOT NULL,
    mode              TEXT    NOT NULL,
    cadence           TEXT    NOT NULL,
    -- Everyone in this unit's subtree is invited.
    audience_unit_id  BIGINT  NOT NULL REFERENCES units(id),
    min_group         BIGINT  NOT NULL,
    min_comments      BIGINT  NOT NULL,
    -- Days each cycle stays open.
    open_days         BIGINT  NOT NULL,
    -- When the scheduler opens the next cycle.
    next_open_at      BIGINT  NOT NULL,
    active            BIGINT  NOT NULL DEFAULT 1,
    -- Mode and thresholds are fixed once the first answer arrives.
    locked            BIGINT  NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL
);
CREATE INDEX pulses_due ON pulses (active, next_open_at);

-- One round of a pulse. (pulse, opens_at) is unique: two schedulers open it once.
CREATE TABLE pulse_cycles (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    pulse_id   BIGINT  NOT NULL REFERENCES pulses(id),
    opens_at   BIGINT  NOT NULL,
    closes_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX pulse_cycles_once ON pulse_cycles (pulse_id, opens_at);

-- Who may answer a cycle, and whether they have (never what, nor when); also the e-mail
-- outbox of the invitation (status queued → sending → sent, or bounced).
CREATE TABLE pulse_invitations (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    cycle_id         BIGINT  NOT NULL REFERENCES pulse_cycles(id),
    person_id        BIGINT  NOT NULL REFERENCES people(id),
    token            TEXT    NOT NULL,
    answered         BIGINT  NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  BIGINT  NOT NULL,
    sent_at          BIGINT
);
CREATE UNIQUE INDEX pulse_invitations_token ON pulse_invitations (token);
CREATE UNIQUE INDEX pulse_invitations_once ON pulse_invitations (cycle_id, person_id);
CREATE INDEX pulse_invitations_due ON pulse_invitations (status, next_attempt_at);

-- An answer: where its author stood when answering (unit, department, tenure band), what
-- they said; a random key, so that not even the order of arrival is kept.
CREATE TABLE pulse_answers (
    id             TEXT    PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    cycle_id       BIGINT  NOT NULL REFERENCES pulse_cycles(id),
    unit_id        BIGINT  NOT NULL REFERENCES units(id),
    department_id  BIGINT  REFERENCES departments(id),
    tenure         TEXT,
    enps           BIGINT  NOT NULL,
    -- The statements' scores, 1–5, comma-separated in the template's order.
    scores         TEXT    NOT NULL,
    comment        TEXT,
    -- Confidential pulses only; NULL in anonymous ones.
    person_id      BIGINT  REFERENCES people(id)
) WITHOUT ROWID;
CREATE INDEX pulse_answers_cycle ON pulse_answers (cycle_id);

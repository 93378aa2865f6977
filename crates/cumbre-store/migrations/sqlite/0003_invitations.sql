-- E-mail invitations: personal links sent by a background job that survives restarts and
-- never sends twice. Kept in lockstep with ../postgres/0003_invitations.sql.

CREATE TABLE invitation_batches (
    id             INTEGER PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    survey_id      BIGINT  NOT NULL REFERENCES surveys(id),
    reminder_days  BIGINT,
    created_by     TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL
);
CREATE INDEX invitation_batches_survey ON invitation_batches (survey_id);

CREATE TABLE invitations (
    id                INTEGER PRIMARY KEY,
    tenant_id         BIGINT  NOT NULL REFERENCES tenants(id),
    batch_id          BIGINT  NOT NULL REFERENCES invitation_batches(id),
    survey_id         BIGINT  NOT NULL REFERENCES surveys(id),
    token             TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    email             TEXT    NOT NULL,
    language          TEXT    NOT NULL,
    unit_id           BIGINT  NOT NULL REFERENCES units(id),
    touchpoint_id     BIGINT  NOT NULL REFERENCES touchpoints(id),
    visit_date        TEXT,
    -- queued → sending → sent → answered; or bounced, or unsubscribed.
    status            TEXT    NOT NULL,
    attempts          BIGINT  NOT NULL DEFAULT 0,
    last_error        TEXT,
    next_attempt_at   BIGINT  NOT NULL,
    sent_at           BIGINT,
    reminder_sent_at  BIGINT,
    opened_at         BIGINT,
    answered_at       BIGINT,
    response_id       BIGINT,
    created_at        BIGINT  NOT NULL
);
CREATE UNIQUE INDEX invitations_token ON invitations (token);
CREATE INDEX invitations_due ON invitations (status, next_attempt_at);
CREATE INDEX invitations_batch ON invitations (batch_id);

-- An unsubscribe is forever: no invitation of this tenant is ever sent to the address again.
CREATE TABLE unsubscribes (
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    email      TEXT    NOT NULL,
    at         BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, email)
);

-- Listen: touchpoints (moments of truth), surveys with versions, links, responses.
-- Kept in lockstep with ../postgres/0002_listen.sql. Texts in several languages and survey
-- definitions are JSON documents in TEXT columns.

CREATE TABLE touchpoints (
    id           INTEGER PRIMARY KEY,
    tenant_id    BIGINT  NOT NULL REFERENCES tenants(id),
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    position     BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX touchpoints_tenant ON touchpoints (tenant_id, position);

-- The units where a touchpoint happens.
CREATE TABLE touchpoint_units (
    touchpoint_id  BIGINT NOT NULL REFERENCES touchpoints(id),
    unit_id        BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (touchpoint_id, unit_id)
);

CREATE TABLE surveys (
    id                  INTEGER PRIMARY KEY,
    tenant_id           BIGINT  NOT NULL REFERENCES tenants(id),
    owner_unit_id       BIGINT  NOT NULL REFERENCES units(id),
    name                TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    -- 'survey', or 'reviews' for the tenant's one store of imported external reviews.
    kind                TEXT    NOT NULL DEFAULT 'survey',
    current_version_id  BIGINT,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);
CREATE INDEX surveys_tenant ON surveys (tenant_id);

CREATE TABLE survey_versions (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    survey_id   BIGINT  NOT NULL REFERENCES surveys(id),
    version     BIGINT  NOT NULL,
    definition  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX survey_versions_number ON survey_versions (survey_id, version);

-- A link binds a survey to where it is answered: touchpoint, unit and optionally employee.
CREATE TABLE survey_links (
    id             INTEGER PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    survey_id      BIGINT  NOT NULL REFERENCES surveys(id),
    touchpoint_id  BIGINT  NOT NULL REFERENCES touchpoints(id),
    unit_id        BIGINT  NOT NULL REFERENCES units(id),
    person_id      BIGINT  REFERENCES people(id),
    token          TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    active         BIGINT  NOT NULL DEFAULT 1,
    created_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX survey_links_token ON survey_links (token);
CREATE INDEX survey_links_survey ON survey_links (survey_id);

CREATE TABLE responses (
    id                 INTEGER PRIMARY KEY,
    tenant_id          BIGINT  NOT NULL REFERENCES tenants(id),
    survey_id          BIGINT  NOT NULL REFERENCES surveys(id),
    survey_version_id  BIGINT  NOT NULL REFERENCES survey_versions(id),
    unit_id            BIGINT  NOT NULL REFERENCES units(id),
    touchpoint_id      BIGINT  NOT NULL REFERENCES touchpoints(id),
    person_id          BIGINT  REFERENCES people(id),
    link_id            BIGINT  REFERENCES survey_links(id),
    source             TEXT    NOT NULL,
    language           TEXT    NOT NULL,
    answers            TEXT    NOT NULL,
    nps                BIGINT,
    -- Free-text answers, lower-cased and without accents, for search on both backends.
    search_text        TEXT    NOT NULL DEFAULT '',
    idempotency_key    TEXT,
    submitted_at       BIGINT  NOT NULL,
    received_at        BIGINT  NOT NULL
);
-- The same key never creates a second response.
CREATE UNIQUE INDEX responses_idempotency ON responses (tenant_id, idempotency_key);
CREATE INDEX responses_tenant_time ON responses (tenant_id, submitted_at, id);
CREATE INDEX responses_unit_time ON responses (unit_id, submitted_at);
CREATE INDEX responses_survey ON responses (survey_id);

-- Improve: what the text analyser (cumbre-text) read in each response's comments, written
-- with the response in the same statement (`sentiment`: 1, 0, -1; `reading`: the record
-- the API returns and the response page explains), and its themes and the employees it
-- names as rows of their own, for the dashboards and the filters. A response without
-- comments has neither. Kept in lockstep with ../sqlite/0022_text_analysis.sql.
ALTER TABLE responses ADD COLUMN sentiment BIGINT;
ALTER TABLE responses ADD COLUMN reading TEXT;

CREATE TABLE response_themes (
    response_id    BIGINT  NOT NULL REFERENCES responses(id),
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    unit_id        BIGINT  NOT NULL REFERENCES units(id),
    touchpoint_id  BIGINT  NOT NULL REFERENCES touchpoints(id),
    submitted_at   BIGINT  NOT NULL,
    theme          TEXT    NOT NULL,
    sentiment      BIGINT  NOT NULL,
    PRIMARY KEY (response_id, theme)
);
-- A dashboard reads a period's themes, company-wide or at a few units.
CREATE INDEX response_themes_tenant_time ON response_themes (tenant_id, submitted_at);
CREATE INDEX response_themes_unit_time ON response_themes (unit_id, submitted_at);

CREATE TABLE response_mentions (
    response_id    BIGINT  NOT NULL REFERENCES responses(id),
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    person_id      BIGINT  NOT NULL REFERENCES people(id),
    submitted_at   BIGINT  NOT NULL,
    sentiment      BIGINT  NOT NULL,
    PRIMARY KEY (response_id, person_id)
);
CREATE INDEX response_mentions_person_time ON response_mentions (person_id, submitted_at);

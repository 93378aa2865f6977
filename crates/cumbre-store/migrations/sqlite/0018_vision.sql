-- Decide: the service vision, value proposition and values, published in versions, and
-- who has read which version. Kept in lockstep with ../postgres/0018_vision.sql.
CREATE TABLE visions (
    tenant_id    BIGINT  PRIMARY KEY REFERENCES tenants(id),
    -- The version everyone is asked to read; raised under this row's lock.
    version      BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

CREATE TABLE vision_versions (
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    version       BIGINT  NOT NULL,
    -- JSON: vision, proposition and values (key, name, meaning), each in es and en.
    definition    TEXT    NOT NULL,
    published_at  BIGINT  NOT NULL,
    published_by  TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

-- The company's values as other features point to them: a value keeps its id when its
-- words change, and one a later version dropped stays (retired) so what named it reads.
CREATE TABLE company_values (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    key         TEXT    NOT NULL,
    -- JSON texts (es, en) as in the latest version that had the value.
    name        TEXT    NOT NULL,
    meaning     TEXT    NOT NULL,
    position    BIGINT  NOT NULL,
    retired_at  BIGINT
);
CREATE UNIQUE INDEX company_values_key ON company_values (tenant_id, key);

CREATE TABLE vision_reads (
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    version    BIGINT  NOT NULL,
    read_at    BIGINT  NOT NULL,
    PRIMARY KEY (user_id, version)
);
CREATE INDEX vision_reads_version ON vision_reads (tenant_id, version);

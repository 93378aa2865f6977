-- Decide: the standards of each moment of truth, versioned. A standard is known by its
-- key within the tenant; every change of its content is a new version, and audits,
-- questions and training point to the version they used. Kept in lockstep with
-- ../postgres/0017_standards.sql.
CREATE TABLE standards (
    id             INTEGER PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    key            TEXT    NOT NULL,
    touchpoint_id  BIGINT  NOT NULL REFERENCES touchpoints(id),
    -- It applies to this unit and everything under it.
    unit_id        BIGINT  NOT NULL REFERENCES units(id),
    -- The department that answers for it, if any.
    department_id  BIGINT  REFERENCES departments(id),
    version        BIGINT  NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX standards_key ON standards (tenant_id, key);
CREATE INDEX standards_touchpoint ON standards (tenant_id, touchpoint_id);

CREATE TABLE standard_versions (
    standard_id  BIGINT  NOT NULL REFERENCES standards(id),
    version      BIGINT  NOT NULL,
    -- JSON: name, check (behaviour or time limit), weight, critical.
    definition   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    created_by   TEXT    NOT NULL,
    PRIMARY KEY (standard_id, version)
);

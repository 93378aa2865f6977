-- Foundation: tenants, the organisation tree, people, accounts, sessions and API tokens.
-- Kept in lockstep with ../postgres/0001_foundation.sql: same tables, columns and indexes.
-- Times are UTC milliseconds since the epoch; flags are 0/1 integers on both backends.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    code        TEXT,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    parent_id   BIGINT  REFERENCES units(id),
    path        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX units_tenant_code ON units (tenant_id, code);
CREATE INDEX units_tenant_path ON units (tenant_id, path);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    name        TEXT    NOT NULL
);
CREATE UNIQUE INDEX departments_tenant_name ON departments (tenant_id, name);

CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    tenant_id       BIGINT  NOT NULL REFERENCES tenants(id),
    employee_number TEXT,
    name            TEXT    NOT NULL,
    email           TEXT,
    unit_id         BIGINT  NOT NULL REFERENCES units(id),
    department_id   BIGINT  REFERENCES departments(id),
    manager_id      BIGINT  REFERENCES people(id),
    job_title       TEXT,
    hire_date       TEXT,
    active          BIGINT  NOT NULL DEFAULT 1,
    search_key      TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX people_tenant_number ON people (tenant_id, employee_number);
CREATE UNIQUE INDEX people_tenant_email ON people (tenant_id, email);
CREATE INDEX people_unit ON people (unit_id);
CREATE INDEX people_manager ON people (manager_id);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    tenant_id       BIGINT  NOT NULL REFERENCES tenants(id),
    email           TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    person_id       BIGINT  REFERENCES people(id),
    scope_unit_id   BIGINT  REFERENCES units(id),
    locale          TEXT,
    active          BIGINT  NOT NULL DEFAULT 1,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
-- One sign-in e-mail is one account in one tenant.
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    csrf_token  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Who changed what, for every write to the organisation and its accounts.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX audit_events_tenant_at ON audit_events (tenant_id, at);

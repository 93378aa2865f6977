-- What several processes on one database share (a server beside the command line, or
-- several servers on one PostgreSQL). Kept in lockstep with the other backend's 0007.

-- Every write that can change what a process caches (units, users, tokens, surveys,
-- settings) moves this number in its own transaction; a cached read is used only while
-- the number it was read under still holds, whichever process wrote.
CREATE TABLE cache_epoch (
    id INTEGER PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO cache_epoch (id, n) VALUES (1, 0);

-- Fixed-window counters every server shares on PostgreSQL (sign-in throttles, survey
-- submission budgets), so limits do not multiply with instances. Keys are hashes.
CREATE TABLE rate_windows (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
CREATE INDEX rate_windows_start ON rate_windows (window_start);

-- Webhook endpoints: the addresses administrators allowed rules to call, each with the
-- secret its calls are signed with (Standard Webhooks), shown once when created.
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_endpoints_url ON webhook_endpoints (tenant_id, url);

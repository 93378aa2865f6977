-- Decide: what a mystery shopper brings besides the standards' items. A programme may ask
-- free questions (pinned into each assignment when it is made, as its form is), answered in
-- the audit; and each item may carry photos, stored with the audit with their metadata
-- stripped. Kept in lockstep with ../postgres/0021_audit_evidence.sql.
ALTER TABLE audit_programmes ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE audit_assignments ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE audits ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';

CREATE TABLE audit_photos (
    id            INTEGER PRIMARY KEY,
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    audit_id      BIGINT  NOT NULL REFERENCES audits(id),
    -- The item it shows (its position in the audit's form), and its order there.
    position      BIGINT  NOT NULL,
    seq           BIGINT  NOT NULL,
    -- image/jpeg | image/png
    content_type  TEXT    NOT NULL,
    bytes         BLOB   NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX audit_photos_audit ON audit_photos (audit_id, position, seq);

-- Improve: a tenant's own comment model, trained by `cumbre text train --tenant` on its
-- labelled comments (the weights as `cumbre text train --out` writes them, in base64).
-- Without a row, the shipped model reads the tenant's comments. Kept in lockstep with
-- ../sqlite/0023_tenant_text_models.sql.
CREATE TABLE text_models (
    tenant_id   BIGINT  PRIMARY KEY REFERENCES tenants(id),
    weights     TEXT    NOT NULL,
    comments    BIGINT  NOT NULL,
    trained_at  BIGINT  NOT NULL
);

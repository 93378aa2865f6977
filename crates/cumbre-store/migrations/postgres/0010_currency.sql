-- The currency compensation and money are shown in (ISO 4217), set by an administrator.
ALTER TABLE tenants ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';

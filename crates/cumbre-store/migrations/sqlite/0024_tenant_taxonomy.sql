-- Improve: a tenant's edits to the shipped theme taxonomy, read by every writer at ingest
-- (under the cache epoch) and by `cumbre text reanalyse`. One row per change, so two
-- administrators editing at once do not overwrite each other. Kept in lockstep with
-- ../postgres/0024_tenant_taxonomy.sql.

-- A theme of the tenant's own (own = 1, with its names), or a shipped one it renamed or
-- stopped looking for. Rows are never deleted: responses read before a theme was
-- disabled still name it.
CREATE TABLE tenant_themes (
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    theme      TEXT    NOT NULL,
    own        BIGINT  NOT NULL DEFAULT 0,
    -- Empty: the catalogue's name (shipped themes only).
    name_es    TEXT    NOT NULL DEFAULT '',
    name_en    TEXT    NOT NULL DEFAULT '',
    active     BIGINT  NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, theme)
);

-- A term the tenant placed: its words as the analyser reads them (lower-case, accents
-- folded, one space apart), in one language, naming a theme, or none (theme NULL: the
-- shipped term no longer names anything). It replaces the shipped term of the same words.
CREATE TABLE tenant_theme_terms (
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    language   TEXT    NOT NULL,
    term       TEXT    NOT NULL,
    theme      TEXT,
    PRIMARY KEY (tenant_id, language, term)
);

-- A tenant's comments to be read again (after an edit of its taxonomy or a new model of
-- its own): the scheduler reads them in batches after response `after`; each request
-- bumps `generation`, so a pass that read with the old taxonomy starts over.
CREATE TABLE text_rereads (
    tenant_id   BIGINT  PRIMARY KEY REFERENCES tenants(id),
    after       BIGINT  NOT NULL DEFAULT 0,
    generation  BIGINT  NOT NULL DEFAULT 1
);

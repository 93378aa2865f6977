-- SQLite indexes answers for search in batches after they are written, not in every
-- group commit: each FTS5 flush wrote a segment for a few dozen answers, and durable
-- submissions at 64 clients fell by a quarter. Every answer with an id up to
-- `text_indexed.up_to` is in `responses_text`; a search reads the few answers after it
-- directly (a range of the primary key), so it still finds an answer the moment it is
-- acknowledged. Erasing or editing an indexed answer keeps the index, as before.
CREATE TABLE text_indexed (
    name  TEXT    PRIMARY KEY,
    up_to INTEGER NOT NULL
);
INSERT INTO text_indexed (name, up_to) SELECT 'responses', COALESCE(MAX(id), 0) FROM responses;
DROP TRIGGER responses_text_insert;
DROP TRIGGER responses_text_delete;
DROP TRIGGER responses_text_update;
-- `up_to` never passes the newest id: SQLite gives the next answer the newest id plus
-- one, which must not count as indexed when the newest answers were erased.
CREATE TRIGGER responses_text_delete AFTER DELETE ON responses BEGIN
    INSERT INTO responses_text (responses_text, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text <> ''
            AND old.id <= (SELECT up_to FROM text_indexed WHERE name = 'responses');
    UPDATE text_indexed SET up_to = MIN(up_to, COALESCE((SELECT MAX(id) FROM responses), 0))
        WHERE name = 'responses';
END;
CREATE TRIGGER responses_text_update AFTER UPDATE OF search_text ON responses
WHEN old.search_text IS NOT new.search_text
    AND old.id <= (SELECT up_to FROM text_indexed WHERE name = 'responses') BEGIN
    INSERT INTO responses_text (responses_text, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text <> '';
    INSERT INTO responses_text (rowid, search_text)
        SELECT new.id, new.search_text WHERE new.search_text <> '';
END;

-- Text search reads an index of three-letter pieces (FTS5's trigram tokenizer), so a word
-- is found as a part of a word too, as LIKE '%word%' found it, without reading every
-- answer: a word few answers hold took seconds at a million responses. The index holds
-- only row ids and pieces (content is the table itself); triggers keep it in the same
-- transaction as every write, erasure included. Empty texts are not indexed.
CREATE VIRTUAL TABLE responses_text USING fts5(
    search_text, content = 'responses', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER responses_text_insert AFTER INSERT ON responses WHEN new.search_text <> '' BEGIN
    INSERT INTO responses_text (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER responses_text_delete AFTER DELETE ON responses WHEN old.search_text <> '' BEGIN
    INSERT INTO responses_text (responses_text, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER responses_text_update AFTER UPDATE OF search_text ON responses
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO responses_text (responses_text, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text <> '';
    INSERT INTO responses_text (rowid, search_text)
        SELECT new.id, new.search_text WHERE new.search_text <> '';
END;
INSERT INTO responses_text (rowid, search_text)
    SELECT id, search_text FROM responses WHERE search_text <> '';

CREATE VIRTUAL TABLE cases_text USING fts5(
    search_text, content = 'cases', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER cases_text_insert AFTER INSERT ON cases WHEN new.search_text <> '' BEGIN
    INSERT INTO cases_text (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER cases_text_delete AFTER DELETE ON cases WHEN old.search_text <> '' BEGIN
    INSERT INTO cases_text (cases_text, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER cases_text_update AFTER UPDATE OF search_text ON cases
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO cases_text (cases_text, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE old.search_text <> '';
    INSERT INTO cases_text (rowid, search_text)
        SELECT new.id, new.search_text WHERE new.search_text <> '';
END;
INSERT INTO cases_text (rowid, search_text)
    SELECT id, search_text FROM cases WHERE search_text <> '';

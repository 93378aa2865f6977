-- Text search reads trigram indexes (pg_trgm, a trusted extension shipped with
-- PostgreSQL: the database's owner may create it), so LIKE '%word%' no longer reads every
-- answer: a word few answers hold took seconds at a million responses. Responses without
-- text (most of them) stay out of the index; the query says `search_text <> ''` to use it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX responses_text_trgm ON responses USING gin (search_text gin_trgm_ops) WHERE search_text <> '';
CREATE INDEX cases_text_trgm ON cases USING gin (search_text gin_trgm_ops);

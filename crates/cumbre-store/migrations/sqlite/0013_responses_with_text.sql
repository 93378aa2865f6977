-- A page's latest comments are the newest answers with text at a unit: without this index
-- the (unit, time) walk reads every answer of a unit whose guests seldom write (110 ms for
-- a hotel's page at 10 M responses). Kept in lockstep with the other backend's 0013.
CREATE INDEX responses_unit_text ON responses (unit_id, submitted_at) WHERE search_text <> '';

-- The answers that name an employee, newest first: their own results page and their
-- comments, without walking the tenant's whole timeline.
CREATE INDEX responses_person_time ON responses (person_id, submitted_at) WHERE person_id IS NOT NULL;

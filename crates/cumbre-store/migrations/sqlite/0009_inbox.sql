-- Each person's inbox (a count on every page): the cases escalated to them.
CREATE INDEX cases_escalated_to ON cases (escalated_to) WHERE escalated_to IS NOT NULL;

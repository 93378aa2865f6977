-- Decide: a survey question can ask the customer about a standard ("how quick was your
-- check-in?" for checkin-wait). Each version of a survey pins the version of each standard
-- its questions ask about when it is written (a draft when saved, again when published),
-- with the answers that count as "met" (the question's top box). Kept in lockstep with
-- ../sqlite/0020_question_standards.sql.
CREATE TABLE survey_question_standards (
    survey_version_id  BIGINT  NOT NULL REFERENCES survey_versions(id),
    question_key       TEXT    NOT NULL,
    tenant_id          BIGINT  NOT NULL REFERENCES tenants(id),
    standard_id        BIGINT  NOT NULL REFERENCES standards(id),
    standard_version   BIGINT  NOT NULL,
    favourable_from    BIGINT  NOT NULL,
    favourable_to      BIGINT  NOT NULL,
    PRIMARY KEY (survey_version_id, question_key)
);
CREATE INDEX survey_question_standards_standard ON survey_question_standards (tenant_id, standard_id);

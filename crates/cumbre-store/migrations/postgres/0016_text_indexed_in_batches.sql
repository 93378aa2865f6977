-- SQLite only: answers indexed for search in batches (PostgreSQL's GIN index gathers new
-- entries in its pending list itself). This file keeps the two sets of migrations
-- numbered alike.
SELECT 1;

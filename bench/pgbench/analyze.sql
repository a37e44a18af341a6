-- Fresh planner statistics before a measured ceiling: the create runs add tens of thousands of
-- rows faster than autovacuum (a minute apart) re-analyzes, and a page query planned on the
-- seeded table's statistics sorted every owner's notes (4 ms a page instead of 0.1).
ANALYZE notes;

-- Runs once, when the postgres-data volume is initialised (docker-compose.yml).
-- pg_stat_statements is preloaded by the server's command line; the analyzer reads it.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

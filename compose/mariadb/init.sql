-- Runs once, when the mariadb-data volume is initialised (docker-compose.yml), after the image has
-- created the `kubestack` user and database. Like the local stack (stack/start.sh), `kubestack` gets
-- global privileges: mysqld-exporter needs PROCESS / REPLICATION CLIENT / SELECT, and the analyzer's
-- diagnosis and remediation need more (processlist, KILL, SET GLOBAL). A sample stack only.
GRANT ALL PRIVILEGES ON *.* TO 'kubestack'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;

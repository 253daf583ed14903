"""dataflow-db: SQLite files and PostgreSQL databases as sources and targets of tables."""

"""dataflow-sql: SQL over DataFlow tables, run in-process by DuckDB."""

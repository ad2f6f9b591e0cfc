"""Monthly clearing (清算) between agencies: one SQL definition run on DuckDB or Apache Spark, the service
around it (runs, close, confirmations, disputes, advance funds), statements, report, API and CLI."""

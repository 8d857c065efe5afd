"""The feature store's library: ingestion, the offline table's shape and the point-in-time read.

The same modules serve the cloud (SageMaker Feature Store, Athena) and the local twin (an Iceberg
table in a local catalog, read with DuckDB), so the local run and the tests exercise the real query.
"""

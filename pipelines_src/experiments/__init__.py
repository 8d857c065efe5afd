"""Experiment tracking: each build as an MLflow run (``run_record``), logged locally (``local_tracking``)
or, for the cloud's pipeline executions, by the experiment logger Lambda."""

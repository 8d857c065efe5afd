"""What the compliance officer files: the registry's records, read back (``python -m pipelines_src.governance``)."""

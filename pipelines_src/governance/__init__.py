"""Governance questions answered from what the platform already records: ``python -m pipelines_src.governance``.

Subcommands (one module each, listed in ``__main__.COMMANDS``): ``lineage`` (``lineage_command``) and
``model-card`` (``model_card``), which reads a version's model card back for the compliance officer's file.
"""

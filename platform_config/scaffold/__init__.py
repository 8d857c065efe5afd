"""Scaffold a model: ``python -m platform_config.scaffold --csv ... --label ... --name ...``.

Profiles the CSV with the standard library and drafts the model's data contract and
``[[models]]`` entry for review; imports neither the CDK nor the SageMaker SDK.
"""

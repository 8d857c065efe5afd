"""The model build pipeline: step code (``steps/``), the offline definition renderer,
the deploy CLI and the local runner.

``steps/`` runs inside SageMaker containers and must import neither the SageMaker SDK
nor ``stacks``; everything else here runs on a developer machine or in CodeBuild.
"""

"""The open-source monitoring engine: our drift, data-quality, model-quality and fairness job.

It runs as a scheduled SageMaker Processing job in the SKLearn 1.2-1 image
(Python 3.9, pandas 1.1, numpy 1.24, scipy 1.8), so this package uses only the
standard library, numpy, pandas, scipy and boto3, and Python 3.9 syntax.
Entry points: ``job.main`` (the container) and ``run_local`` (a developer's
folder of capture files). The metrics it publishes, with units and
thresholds, are listed in ``publish``.
"""

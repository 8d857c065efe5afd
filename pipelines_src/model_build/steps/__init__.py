"""The build pipeline's steps: importable pure functions, each behind a thin ``main()``.

Every module runs as ``python -m pipelines_src.model_build.steps.<step>`` in a SageMaker
container (its arguments default to the container's ``/opt/ml/...`` paths), in the
local runner and in tests. Only pandas, numpy, scikit-learn, xgboost and matplotlib are
imported, all shipped in the SageMaker XGBoost image, so nothing is installed at job start
(the jobs have no internet); the code stays Python 3.10 compatible for that image.
"""

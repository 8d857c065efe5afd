"""The inference code the model artifact carries: raw records in, probability and version out.

``records`` parses and checks a request against the data contract, ``handler`` adds the
feature group's transforms (``pipelines_src.feature_store.transforms``, the code ingestion
runs), ``encoder`` turns the records into the model's features, ``responses`` writes the answer, and
``handler`` is the SageMaker XGBoost container's script-mode entry (``model_fn``,
``input_fn``, ``predict_fn``, ``output_fn``). ``local_server`` serves the same handler
over HTTP on localhost. Only the standard library, numpy and xgboost: the container
installs nothing and has no network.
"""

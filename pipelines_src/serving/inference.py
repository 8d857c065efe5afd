"""``SAGEMAKER_PROGRAM``: the container imports the script-mode functions from here."""

from pipelines_src.serving.handler import input_fn, model_fn, output_fn, predict_fn

__all__ = ["input_fn", "model_fn", "output_fn", "predict_fn"]

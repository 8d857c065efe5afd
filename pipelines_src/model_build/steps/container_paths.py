"""Where files are inside the SageMaker containers: the steps' argument defaults and the
pipeline definition's processing inputs and outputs both come from here."""

CODE_ARCHIVE_DIR = "/opt/ml/processing/input/code"
CODE_DIR = "/opt/ml/code"
SETTINGS = f"{CODE_DIR}/model_settings.json"

INPUT = "/opt/ml/processing/input"
RAW = f"{INPUT}/raw"
MODEL = f"{INPUT}/model"
SPLITS = f"{INPUT}/splits"
METADATA = f"{INPUT}/metadata"
EVALUATION = f"{INPUT}/evaluation"

OUTPUT = "/opt/ml/processing/output"
# The preprocess step writes these folders under OUTPUT; later steps write OUTPUT/<step output>.
PREPROCESS_OUTPUTS = ("train", "validation", "splits", "metadata")

# Script mode training (the local runner's layout too).
TRAIN_CHANNEL = "/opt/ml/input/data/train"
VALIDATION_CHANNEL = "/opt/ml/input/data/validation"
MODEL_OUTPUT = "/opt/ml/model"

"""The local twin of the model card function: the card a local build's version would get, as HTML.

``write_local_card`` fills the card with the function's own code (``lambdas/model_card/card_content.py``,
loaded from the repository: it needs only the standard library) from the local run's
``registration_request.json`` and reports (``file://`` URIs), with the model's intended use from
the config, and writes it as ``model_card.html`` with ``model_card_html``: what the registry's card
of that version will say, before a push.
"""

import importlib.util
import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

from pipelines_src.governance.model_card_html import render_card_html
from platform_config.models import ModelConfig

CARD_CONTENT = Path(__file__).resolve().parents[2] / "lambdas" / "model_card" / "card_content.py"
CARD_FILE = "model_card.html"


@cache
def _card_content() -> ModuleType:
    spec = importlib.util.spec_from_file_location("model_card_content", CARD_CONTENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _document(uri: str) -> dict[str, Any]:
    return json.loads(Path(urlparse(uri).path).read_text())


def write_local_card(out: Path, model: ModelConfig, registration: dict[str, Any]) -> Path:
    cards = _card_content()
    encoding = registration["CustomerMetadataProperties"]["FeatureEncodingUri"]
    reports = cards.RunReports(
        evaluation=_document(registration["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]),
        bias=_document(registration["ModelMetrics"]["Bias"]["Report"]["S3Uri"]),
        preprocess=_document(encoding.rsplit("/", 1)[0] + "/preprocess_report.json"),
    )
    intended_use = model.intended_use.card_section() if model.intended_use else None
    content = cards.card_content(model.name, registration, reports, intended_use)
    card = {
        "ModelCardName": f"{model.name} (local run)",
        "ModelCardVersion": 1,
        "ModelCardStatus": cards.card_status(cards.PENDING),
        "Content": json.dumps(content, sort_keys=True),
    }
    path = out / CARD_FILE
    path.write_text(render_card_html(card), encoding="utf-8")
    return path

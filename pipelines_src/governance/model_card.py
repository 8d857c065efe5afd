"""``model-card``: a registered version's SageMaker model card as one HTML file to file away.

``python -m pipelines_src.governance model-card --model-package <version ARN> --out card.html``
reads the card the model card function (``lambdas/model_card``) keeps for that version
(``DescribeModelCard``, latest card version) and writes it with ``model_card_html``: the same
content as the PDF export, nothing fetched when opened. Needs ``sagemaker:DescribeModelCard`` on
the card, which the data scientist, MLOps engineer and model approver personas have.
"""

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from pipelines_src.governance.model_card_html import render_card_html
from platform_config.naming import MODEL_CARD_SUFFIX

CARD_NAME_LIMIT = 63
VERSION_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):\d{12}:model-package/([a-z0-9-]+)/([1-9]\d*)$")


class CardNotFoundError(LookupError):
    pass


def card_name(group: str, version: int) -> str:
    """The card of a version, named as the model card function names it (``model_cards.card_name``)."""
    name = f"{group}-{version}{MODEL_CARD_SUFFIX}"
    if len(name) <= CARD_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    tail = f"-{digest}-{version}{MODEL_CARD_SUFFIX}"
    return group[: CARD_NAME_LIMIT - len(tail)].rstrip("-") + tail


def card_of_version(model_package_arn: str) -> tuple[str, str]:
    """(region, card name) of the versioned package ``model_package_arn``."""
    match = VERSION_ARN.match(model_package_arn)
    if not match:
        raise ValueError(
            f"--model-package {model_package_arn!r} is not a model version ARN "
            "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)"
        )
    region, group, version = match.groups()
    return region, card_name(group, int(version))


def read_card(sagemaker: Any, name: str) -> dict[str, Any]:
    try:
        return sagemaker.describe_model_card(ModelCardName=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFound":
            raise CardNotFoundError(
                f"no model card {name!r}: the version was registered before model cards, or the card function "
                "has not handled its registration (see its dead-letter queue)"
            ) from None
        raise


def export_html(model_package_arn: str, out: Path, sagemaker: Any | None = None) -> Path:
    region, name = card_of_version(model_package_arn)
    card = read_card(sagemaker or boto3.client("sagemaker", region_name=region), name)
    out.write_text(render_card_html(card), encoding="utf-8")
    return out


HELP = "write a model version's model card as one offline HTML page"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-package", required=True, help="the version's ARN (…:model-package/<group>/<version>)")
    parser.add_argument("--out", required=True, help="the HTML file to write")


def run(args: argparse.Namespace) -> int:
    try:
        written = export_html(args.model_package, Path(args.out))
    except (ValueError, CardNotFoundError) as error:
        print(f"model-card: {error}", file=sys.stderr)
        return 2
    print(f"model-card: wrote {written}")
    return 0

"""What a model is for, as its model card states it (``[models.intended_use]``).

The build's registered versions get a SageMaker model card (``lambdas/model_card``) whose
``intended_uses`` section comes from here: ``purpose`` (``purpose_of_model``), ``intended_users``
and ``out_of_scope_uses`` (together ``intended_uses``), ``risk_rating`` (SageMaker's own enum)
and ``risk_rationale`` (``explanations_for_risk_rating``). The card schema caps each of those
texts at 2048 characters, and the model's dev stack hands the section to the shared card
function as one standard SSM parameter (at most 4096 characters): both are checked here, so
synth fails rather than the card.
"""

import json
from typing import Annotated, Literal

from pydantic import Field, model_validator

from platform_config.base import ConfigModel

# SageMaker model cards' RiskRating.
RiskRating = Literal["High", "Medium", "Low", "Unknown"]
CARD_TEXT_LIMIT = 2048
PARAMETER_VALUE_LIMIT = 4096
Text = Annotated[str, Field(min_length=3, max_length=CARD_TEXT_LIMIT)]


def intended_uses_text(intended_users: tuple[str, ...], out_of_scope_uses: tuple[str, ...]) -> str:
    """The card's ``intended_uses`` field: who may rely on the model, and for what not."""
    return f"Intended users: {'; '.join(intended_users)}. Out of scope: {'; '.join(out_of_scope_uses)}."


class IntendedUse(ConfigModel):
    purpose: Annotated[str, Field(min_length=10, max_length=CARD_TEXT_LIMIT)]
    intended_users: Annotated[tuple[Text, ...], Field(min_length=1)]
    out_of_scope_uses: Annotated[tuple[Text, ...], Field(min_length=1)]
    risk_rating: RiskRating
    # Required unless the rating is Unknown: a rating on record says why.
    risk_rationale: Annotated[str, Field(min_length=10, max_length=CARD_TEXT_LIMIT)] | None = None

    @model_validator(mode="after")
    def _rated_with_a_reason(self) -> "IntendedUse":
        if self.risk_rating != "Unknown" and self.risk_rationale is None:
            raise ValueError(f"risk_rationale is required with risk_rating {self.risk_rating!r}: say why")
        return self

    @model_validator(mode="after")
    def _fits_the_card_and_its_parameter(self) -> "IntendedUse":
        text = intended_uses_text(self.intended_users, self.out_of_scope_uses)
        if len(text) > CARD_TEXT_LIMIT:
            raise ValueError(
                f"intended_users and out_of_scope_uses make {len(text)} characters of the card's intended_uses, "
                f"more than its {CARD_TEXT_LIMIT}"
            )
        size = len(self.parameter_value())
        if size > PARAMETER_VALUE_LIMIT:
            raise ValueError(f"the whole section is {size} characters as JSON, more than {PARAMETER_VALUE_LIMIT}")
        return self

    def card_section(self) -> dict[str, str]:
        """The model card's ``intended_uses`` section."""
        section = {
            "purpose_of_model": self.purpose,
            "intended_uses": intended_uses_text(self.intended_users, self.out_of_scope_uses),
            "risk_rating": self.risk_rating,
        }
        if self.risk_rationale:
            section["explanations_for_risk_rating"] = self.risk_rationale
        return section

    def parameter_value(self) -> str:
        """What the model's dev stack writes for the card function: the card section as JSON."""
        return json.dumps(self.card_section(), sort_keys=True)

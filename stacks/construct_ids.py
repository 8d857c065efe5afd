"""Construct ids derived from names: one rule, so every stage and stack spells a model alike."""


def pascal(name: str) -> str:
    """``credit-risk`` → ``CreditRisk``; ``model_approver`` → ``ModelApprover``."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-"))


def model_stack_id(model_name: str) -> str:
    """The construct id of a model's dev stack (``credit-risk`` → ``CreditRiskModel``)."""
    return f"{pascal(model_name)}Model"

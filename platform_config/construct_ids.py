"""Construct ids derived from names: one rule, so every stage and stack spells a model alike."""


def pascal(name: str) -> str:
    """``credit-risk`` → ``CreditRisk``; ``model_approver`` → ``ModelApprover``."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-"))


def model_stack_id(model_name: str) -> str:
    """The construct id of a model's dev stack (``credit-risk`` → ``CreditRiskModel``)."""
    return f"{pascal(model_name)}Model"


def endpoint_stack_id(model_name: str) -> str:
    """The construct id of a model's Endpoint stack in staging and prod (``CreditRiskEndpoint``)."""
    return f"{pascal(model_name)}Endpoint"


def model_monitoring_stack_id(model_name: str) -> str:
    """The construct id of a model's monitoring stack in staging and prod (``CreditRiskMonitoring``)."""
    return f"{pascal(model_name)}Monitoring"


def model_stack_ids(model_name: str) -> dict[str, tuple[str, ...]]:
    """Every stack of a model, by stage id: what adding the model adds and removing it removes."""
    serving = (endpoint_stack_id(model_name), model_monitoring_stack_id(model_name))
    return {"Dev": (model_stack_id(model_name),), "Staging": serving, "Prod": serving}

"""Every step of every flow, evaluated as the principal that performs it against the synthesized policies."""

import json
from collections import Counter
from typing import Any

import pytest

from platform_config import load_config
from tests.access.evaluate import Request, decision
from tests.access.intents import FLOWS, Intent, access_intents
from tests.access.calls import calls_markdown, readme_section
from tests.synth import CONFIG_UNDER_TEST, DEFAULT_CONFIG_PATH, REPO_ROOT

INTENTS = access_intents(load_config(CONFIG_UNDER_TEST))


def _explain(intent: Intent, request: Request, result: dict[str, Any], actual: str) -> str:
    simulated = request.simulation["request"]
    return (
        f"{intent.id}: {intent.why}\n"
        f"  principal: {simulated['principal']}\n  action:    {simulated['action']}\n"
        f"  resource:  {simulated['resource']['resource']} (account {simulated['resource']['accountId']})\n"
        f"  expected {intent.expect}, evaluator says {actual} ({result.get('overallResult')})\n"
        f"  policies evaluated: {request.policies}\n"
        f"  allowed by: {result.get('allowedBy')}  denied by: {result.get('deniedBy')}\n"
        f"  context: {json.dumps(simulated['contextVariables'])}  ignored: {result.get('ignoredContextKeys')}"
        + (f"\n  this intent first caught defect {intent.defect}: it has come back" if intent.defect else "")
    )


@pytest.mark.parametrize("intent", INTENTS, ids=[intent.id for intent in INTENTS])
def test_access_intent(intent: Intent, rehearsal: dict[str, tuple[Request, dict[str, Any]]]) -> None:
    request, result = rehearsal[intent.id]
    actual = decision(result)
    assert actual == intent.expect, _explain(intent, request, result, actual)


def test_the_table_covers_every_flow_with_positive_and_negative_intents() -> None:
    counts = Counter((intent.flow, intent.expect) for intent in INTENTS)
    assert len({intent.id for intent in INTENTS}) == len(INTENTS), "intent ids must be unique"
    assert len(INTENTS) >= 60 and sum(n for (_, expect), n in counts.items() if expect == "Deny") >= 20
    assert {flow for flow, _ in counts} == set(FLOWS)


def test_readme_lists_the_calls_of_every_flow() -> None:
    section = readme_section((REPO_ROOT / "README.md").read_text())
    expected = calls_markdown(load_config(DEFAULT_CONFIG_PATH))
    assert section.rstrip("\n") == expected.rstrip("\n"), (
        "README.md's call list is out of date: regenerate it with `python -m tests.access.calls --write`"
    )

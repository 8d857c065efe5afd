"""The model scaffold: a CSV and a label become a reviewed-to-be contract and [[models]] entry."""

import csv
import shutil
import tomllib
from pathlib import Path

import pytest

from pipelines_src.model_build.raw_fixture import iban_check_digits
from pipelines_src.model_build.steps.contract import read_raw, violations
from platform_config import ConfigError, load_config
from platform_config.scaffold.__main__ import main
from platform_config.scaffold.profile import profile_csv
from tests.synth import DEFAULT_CONFIG_PATH, REPO_ROOT

PLANS = ("basic", "plus", 'pro "gold"')  # a quote the TOML must escape


def _iban(number: int) -> str:
    bban = f"37040044{number:010d}"
    return f"DE{iban_check_digits('DE', bban)}{bban}"


def write_churn_csv(path: Path, *, with_age: bool = True) -> Path:
    """40 customers: an IBAN and an e-mail under names that hide them, a plan (three values),
    integer and float columns with gaps and negatives, and a yes/no label."""
    header = ["customer_ref", "contact", "plan", "tenure_months", "balance", *(["age"] if with_age else []), "churned"]
    rows = []
    for i in range(40):
        rows.append(
            [
                _iban(i),
                f"customer{i % 5}@example.com",  # five customers share a contact: categorical by count
                PLANS[i % 3],
                "" if i % 10 == 0 else str(i + 1),
                f"{(i - 5) * 12.5:.2f}",
                *([str(18 + i)] if with_age else []),
                "yes" if i % 4 == 0 else "no",
            ]
        )
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """The committed config and its contracts, in a folder the test may change."""
    folder = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_PATH.parent, folder)
    # The config names its datasets relative to its folder (../data/).
    (tmp_path / "data").symlink_to(DEFAULT_CONFIG_PATH.parent.parent / "data")
    return folder / DEFAULT_CONFIG_PATH.name


def scaffold(csv_path: Path, config: Path, *extra: str, name: str = "churn-risk", label: str = "churned") -> int:
    return main(["--csv", str(csv_path), "--label", label, "--name", name, "--config", str(config), *extra])


def test_profile_infers_types_gaps_ranges_and_categories(tmp_path: Path) -> None:
    profile = profile_csv(write_churn_csv(tmp_path / "churn.csv"))

    tenure, balance, plan = (profile.column(name) for name in ("tenure_months", "balance", "plan"))
    assert (tenure.type, tenure.nullable, tenure.empty) == ("integer", True, 4)
    assert (balance.type, balance.nullable) == ("float", False)
    assert (min(balance.numbers()), max(balance.numbers())) == (-62.5, 425.0)
    assert plan.type == "string" and plan.categories() == PLANS
    assert profile.column("customer_ref").categories() is None


def test_drafted_contract_accepts_its_csv_and_flags_pii_by_content(tmp_path: Path, config_copy: Path) -> None:
    dataset = write_churn_csv(tmp_path / "churn.csv")

    assert scaffold(dataset, config_copy) == 0

    contract = tomllib.loads((config_copy.parent / "contracts" / "churn_risk.toml").read_text())
    assert violations(read_raw(dataset), contract) == []
    rules = {rule["name"]: rule for rule in contract["columns"]}
    assert rules["tenure_months"] == {"name": "tenure_months", "type": "integer", "nullable": True, "minimum": 0, "maximum": 80}
    assert (rules["balance"]["minimum"], rules["balance"]["maximum"]) == (-130, 850)
    assert rules["plan"]["allowed_values"] == list(PLANS)
    assert rules["churned"]["allowed_values"] == ["no", "yes"]
    assert (contract["label"], contract["positive_label"]) == ("churned", "yes")
    assert {rule["name"] for rule in contract["pii"]} == {"customer_ref", "contact"}
    # Personal values never land in the repository.
    assert "allowed_values" not in rules["contact"] and "example.com" not in str(contract)


def test_drafted_bounds_refuse_a_scale_error(tmp_path: Path, config_copy: Path) -> None:
    dataset = write_churn_csv(tmp_path / "churn.csv")
    scaffold(dataset, config_copy)
    contract = tomllib.loads((config_copy.parent / "contracts" / "churn_risk.toml").read_text())

    frame = read_raw(dataset)
    frame.loc[3, "balance"] = "2500.00"  # cents where euros were meant

    assert any("balance" in problem and "above the maximum" in problem for problem in violations(frame, contract))


def test_entry_loads_once_the_suggested_sensitive_attributes_are_kept(tmp_path: Path, config_copy: Path) -> None:
    scaffold(write_churn_csv(tmp_path / "churn.csv"), config_copy)
    with pytest.raises(ConfigError, match="fairness_not_applicable contradicts the sensitive_attributes"):
        load_config(config_copy)

    text = config_copy.read_text()
    config_copy.write_text("\n".join(line for line in text.splitlines() if not line.startswith("fairness_not_applicable")))
    model = load_config(config_copy).model("churn-risk")

    assert [attribute.column for attribute in model.sensitive_attributes] == ["age"]
    assert model.sensitive_attributes[0].threshold == 27
    assert model.data_contract.label == "churned"


def test_entry_without_sensitive_columns_loads_once_fairness_is_declared(tmp_path: Path, config_copy: Path) -> None:
    scaffold(write_churn_csv(tmp_path / "churn.csv", with_age=False), config_copy)
    with pytest.raises(ConfigError, match="declare the sensitive attributes"):
        load_config(config_copy)

    text = config_copy.read_text().replace(
        'data_contract = "contracts/churn_risk.toml"\n',
        'data_contract = "contracts/churn_risk.toml"\nfairness_not_applicable = "Churn offers are the same for every customer."\n',
    )
    config_copy.write_text(text)

    assert load_config(config_copy).model("churn-risk").fairness_not_applicable is not None


def test_breast_cancer_draft_matches_the_hand_written_contract(tmp_path: Path) -> None:
    config = tmp_path / "platform.toml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text())
    csv_path = REPO_ROOT / "data" / "breast_cancer.csv"

    assert main(["--csv", str(csv_path), "--label", "diagnosis", "--positive-label", "malignant",
                 "--name", "breast-cancer", "--config", str(config)]) == 0

    drafted = tomllib.loads((tmp_path / "contracts" / "breast_cancer.toml").read_text())
    written = tomllib.loads((REPO_ROOT / "config" / "contracts" / "breast_cancer.toml").read_text())
    assert [(rule["name"], rule["type"]) for rule in drafted["columns"]] == [
        (rule["name"], rule["type"]) for rule in written["columns"]
    ]
    assert drafted["pii"] == [] and drafted["positive_label"] == written["positive_label"]
    for rule, hand in zip(drafted["columns"][:-1], written["columns"][:-1]):
        assert rule["minimum"] == hand["minimum"] == 0
        assert 0.95 * hand["maximum"] <= rule["maximum"] <= 1.1 * hand["maximum"], rule["name"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"csv": "missing.csv"}, "missing.csv: no such file"),
        ({"label": "outcome"}, "--label 'outcome' is not a column"),
        ({"label": "plan"}, "--label 'plan' is not binary: it has 3 distinct value(s)"),
        ({"name": "credit-risk"}, "already has a model of that name"),
        ({"name": "Churn_Risk"}, "--name 'Churn_Risk': letters, digits and single hyphens"),
    ],
)
def test_bad_requests_are_refused_without_writing(
    tmp_path: Path, config_copy: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], message: str
) -> None:
    dataset = write_churn_csv(tmp_path / "churn.csv")
    before = config_copy.read_text()
    contracts = sorted((config_copy.parent / "contracts").iterdir())
    request = {"csv": str(dataset), "label": "churned", "name": "churn-risk", **change}

    code = main(["--csv", str(tmp_path / request["csv"]), "--label", request["label"],
                 "--name", request["name"], "--config", str(config_copy)])

    assert code == 2
    assert message in capsys.readouterr().err
    assert config_copy.read_text() == before
    assert sorted((config_copy.parent / "contracts").iterdir()) == contracts


def test_a_label_with_no_obvious_positive_value_needs_one_named(
    tmp_path: Path, config_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "tumours.csv"
    dataset.write_text("size,diagnosis\n1.5,benign\n3.2,malignant\n2.0,benign\n")

    assert scaffold(dataset, config_copy, label="diagnosis") == 2
    assert "--positive-label is required" in capsys.readouterr().err
    assert scaffold(dataset, config_copy, "--positive-label", "malignant", label="diagnosis") == 0

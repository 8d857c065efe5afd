"""What ships: each function's asset holds the ``lambdas/shared`` modules its code imports, as the tests load them.

The tests put ``lambdas/shared`` on ``sys.path`` (``tests/lambda_handlers.py``); only
the synthesized assets say whether the Lambda runtime will find the same modules.
"""

import ast
from pathlib import Path

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from stacks.components import platform_function
from stacks.components.platform_function import SHARED_DIR, PlatformFunction
from tests.synth import SynthesizedApp

JOB_MODULE = "codepipeline_job"
JOB_FUNCTIONS = ("approval_check", "deployment_recorder", "smoke_test", "shadow_verdict")


def function_assets(synthesized: SynthesizedApp) -> dict[str, Path]:
    """Every Lambda function's unpacked asset folder (staged once, at the top of the cloud assembly),
    by ``Stage/Stack/LogicalId``."""
    assets = {}
    for path, template in synthesized.templates.items():
        for logical_id, resource in template["Resources"].items():
            code = resource["Properties"].get("Code", {}) if resource["Type"] == "AWS::Lambda::Function" else {}
            if isinstance(code.get("S3Key"), str):
                assets[f"{path}/{logical_id}"] = synthesized.outdir / f"asset.{code['S3Key'].removesuffix('.zip')}"
    return assets


def service_name(synthesized: SynthesizedApp, key: str) -> str:
    stage_stack, logical_id = key.rsplit("/", 1)
    properties = synthesized.templates[stage_stack]["Resources"][logical_id]["Properties"]
    return properties.get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME", "")


def imported_modules(folder: Path) -> set[str]:
    names = set()
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_each_promotion_function_ships_the_job_module_its_handler_imports(synthesized):
    assets = function_assets(synthesized)
    shipped = {service_name(synthesized, key): folder for key, folder in assets.items()}

    for function in JOB_FUNCTIONS:
        folder = shipped[function]
        assert (folder / "handler.py").is_file(), function
        assert (folder / f"{JOB_MODULE}.py").read_bytes() == (SHARED_DIR / f"{JOB_MODULE}.py").read_bytes(), function
        assert JOB_MODULE in imported_modules(folder), function


def test_every_shared_module_a_function_imports_ships_with_it(synthesized):
    shared = {module.stem for module in SHARED_DIR.glob("*.py")}
    assets = function_assets(synthesized)
    assert assets

    missing = {
        key: sorted(name for name in imported_modules(folder) & shared if not (folder / f"{name}.py").is_file())
        for key, folder in assets.items()
    }

    assert {key: names for key, names in missing.items() if names} == {}


def approval_check_function(stack: Stack, shared_modules: tuple[str, ...]) -> PlatformFunction:
    return PlatformFunction(
        stack,
        "Job",
        handler_folder="approval_check",
        description="packaging",
        log_key=kms.Key(stack, "Key"),
        log_retention=logs.RetentionDays.ONE_WEEK,
        removal_policy=RemovalPolicy.DESTROY,
        shared_modules=shared_modules,
    )


def job_function_key(shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The S3 key of a function from ``approval_check`` with ``shared_dir``'s job module beside it."""
    monkeypatch.setattr(platform_function, "SHARED_DIR", shared_dir)
    stack = Stack(App(), "Packaging", env={"account": "111111111111", "region": "eu-west-1"})
    approval_check_function(stack, (JOB_MODULE,))
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    return function["Properties"]["Code"]["S3Key"]


def test_a_change_to_a_shared_module_ships_a_new_asset(tmp_path, monkeypatch):
    original, changed = tmp_path / "original", tmp_path / "changed"
    for folder, text in ((original, "LIMIT = 1\n"), (changed, "LIMIT = 2\n")):
        folder.mkdir()
        (folder / f"{JOB_MODULE}.py").write_text(text)

    assert job_function_key(original, monkeypatch) != job_function_key(changed, monkeypatch)


def test_an_unknown_shared_module_is_refused_by_name(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=f"shared_modules: '{JOB_MODULE}' is not a module of"):
        job_function_key(tmp_path, monkeypatch)


def test_a_shared_module_may_not_replace_one_of_the_function_s_own(monkeypatch):
    monkeypatch.setattr(platform_function, "SHARED_DIR", platform_function.LAMBDAS_DIR / "approval_check")

    with pytest.raises(ValueError, match="shared_modules: 'version_approval' would overwrite approval_check/version_approval.py"):
        approval_check_function(Stack(App(), "Packaging"), ("version_approval",))

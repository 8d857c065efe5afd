"""The rendered pipeline definition: steps, order, parameters, gate, placeholders; offline and deterministic."""

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines_src.model_build import step_names
from pipelines_src.model_build.deploy_values import PLACEHOLDERS, DeployValues
from pipelines_src.feature_store.snapshot_files import LINEAGE_KEYS
from pipelines_src.model_build.model_settings import feature_group_of, model_settings
from pipelines_src.model_build.render import render, render_definition
from pipelines_src.model_build.render_digest import RENDER_SOURCES, REPOSITORY, render_digests
from pipelines_src.model_build.shipped import shipped_files
from pipelines_src.model_build.step_jobs import ISOLATED_STEPS
from platform_config.models import Monitoring
from pipelines_src.model_build.steps.register import METADATA_KEYS
from pipelines_src.model_build.steps.train import training_plan


@pytest.fixture(scope="module")
def renders(platform_config, model) -> tuple[str, str, list]:
    """Two renders with every socket refusing to connect; the attempts are recorded."""
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access blocked by the test")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        first = render_definition(platform_config, model)
        second = render_definition(platform_config, model)
    return first, second, attempts


@pytest.fixture(scope="module")
def definition(renders) -> dict[str, Any]:
    return json.loads(renders[0])


def steps_of(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    steps = {step["Name"]: step for step in definition["Steps"]}
    gate = steps[step_names.QUALITY_GATE]["Arguments"]
    steps.update({step["Name"]: step for step in gate["IfSteps"] + gate["ElseSteps"]})
    return steps


def processing_steps(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in definition["Steps"] if step["Type"] == "Processing"]


def test_rendering_makes_no_network_call(renders) -> None:
    assert renders[2] == []


def test_rendering_twice_gives_the_same_bytes(renders) -> None:
    assert renders[0] == renders[1]


def test_steps_run_in_pipeline_order(definition, model) -> None:
    order = step_names.order(feature_group=model.feature_group is not None, tuned=model.tuning.enabled)
    assert [step["Name"] for step in definition["Steps"]] == list(order)


def test_the_pipeline_has_the_build_parameters_with_config_defaults(definition, model) -> None:
    defaults = {parameter["Name"]: parameter["DefaultValue"] for parameter in definition["Parameters"]}
    if model.feature_group is None:
        source = {"InputDataUri": f"s3://mlops-raw-111111111111-eu-west-1/{model.name}/", "PiiKeySecretId": f"mlops/{model.name}/pii-hash-key"}
    else:
        source = {"AsOfTime": "execution-start"}
    assert defaults == {
        "ModelApprovalStatus": "PendingManualApproval",
        "MinAuc": model.gates.min_auc,
        "MinDisparateImpact": model.gates.disparate_impact_band[0],
        "MaxDisparateImpact": model.gates.disparate_impact_band[1],
        "MaxAbsDppl": model.gates.max_abs_dppl,
        "GitCommit": "unknown",
        "TriggerReason": "manual",
        **source,
    }


def test_the_gate_checks_auc_and_each_attributes_disparate_impact_band_dppl_and_group_sizes(definition, model) -> None:
    conditions = steps_of(definition)[step_names.QUALITY_GATE]["Arguments"]["Conditions"]
    checks = [
        (condition["Type"], condition["LeftValue"]["Std:JsonGet"]["Path"],
         right["Get"] if isinstance(right := condition["RightValue"], dict) else right)
        for condition in conditions
    ]
    expected = [("GreaterThanOrEqualTo", "binary_classification_metrics.auc.value", "Parameters.MinAuc")]
    for attribute in model.sensitive_attributes:
        path = f"disparate_impact.{attribute.column}"
        expected += [
            ("GreaterThanOrEqualTo", path, "Parameters.MinDisparateImpact"),
            ("LessThanOrEqualTo", path, "Parameters.MaxDisparateImpact"),
            ("LessThanOrEqualTo", f"abs_dppl.{attribute.column}", "Parameters.MaxAbsDppl"),
            ("GreaterThanOrEqualTo", f"smallest_group.{attribute.column}", model.gates.min_group_size),
        ]
    assert checks == expected


def test_the_gate_registers_or_fails_with_the_gate_reports_message(definition) -> None:
    gate = steps_of(definition)[step_names.QUALITY_GATE]["Arguments"]
    assert [(step["Name"], step["Type"]) for step in gate["IfSteps"]] == [(step_names.REGISTER, "RegisterModel")]
    assert [(step["Name"], step["Type"]) for step in gate["ElseSteps"]] == [(step_names.GATE_FAILED, "Fail")]
    message = gate["ElseSteps"][0]["Arguments"]["ErrorMessage"]["Std:JsonGet"]
    assert message == {"Path": "message", "PropertyFile": {"Get": "Steps.Fairness.PropertyFiles.Gate"}}


def test_the_gate_waits_for_the_monitoring_baseline(definition) -> None:
    assert steps_of(definition)[step_names.QUALITY_GATE]["DependsOn"] == [step_names.MONITORING_BASELINE]


def test_registration_carries_metrics_baselines_and_lineage(definition, model) -> None:
    arguments = steps_of(definition)[step_names.REGISTER]["Arguments"]
    assert arguments["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    assert set(arguments["ModelMetrics"]) == {"ModelQuality", "Bias", "Explainability"}
    assert set(arguments["DriftCheckBaselines"]["ModelDataQuality"]) == {"Statistics", "Constraints"}
    metadata = arguments["CustomerMetadataProperties"]
    assert set(metadata) == {*METADATA_KEYS, *(LINEAGE_KEYS if model.feature_group else ())}
    assert metadata["GitCommit"] == {"Get": "Parameters.GitCommit"}
    assert metadata["PipelineExecutionArn"] == {"Get": "Execution.PipelineExecutionArn"}
    assert metadata["DataDigest"]["Std:JsonGet"]["PropertyFile"] == {"Get": "Steps.Preprocess.PropertyFiles.DataDigest"}


def test_the_registered_artifact_is_the_packaged_one_served_in_script_mode(definition) -> None:
    container = steps_of(definition)[step_names.REGISTER]["Arguments"]["InferenceSpecification"]["Containers"][0]
    assert container["ModelDataUrl"]["Std:Join"]["Values"] == [
        {"Get": "Steps.PackageModel.ProcessingOutputConfig.Outputs['model'].S3Output.S3Uri"}, "model.tar.gz"
    ]
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"


def test_the_packaged_version_is_the_execution_id_the_registry_records(definition) -> None:
    steps = steps_of(definition)
    arguments = steps[step_names.PACKAGE]["Arguments"]["AppSpecification"]["ContainerArguments"]
    assert arguments == ["--model-version", {"Get": "Execution.PipelineExecutionId"}]
    metadata = steps[step_names.REGISTER]["Arguments"]["CustomerMetadataProperties"]
    assert metadata["ModelVersion"] == {"Get": "Execution.PipelineExecutionId"}


def test_evaluation_and_fairness_judge_the_packaged_artifact(definition) -> None:
    steps = steps_of(definition)
    for name in (step_names.EVALUATE, step_names.FAIRNESS):
        model = next(item for item in steps[name]["Arguments"]["ProcessingInputs"] if item["InputName"] == "model")
        assert model["S3Input"]["S3Uri"] == {"Get": "Steps.PackageModel.ProcessingOutputConfig.Outputs['model'].S3Output.S3Uri"}


def test_deploy_time_values_are_the_documented_placeholders(renders) -> None:
    assert set(re.findall(r"\$\{[^}]+\}", renders[0])) == {
        PLACEHOLDERS.role_arn, PLACEHOLDERS.artifact_bucket, PLACEHOLDERS.kms_key_arn, PLACEHOLDERS.code_s3_uri,
        PLACEHOLDERS.security_group_id, *PLACEHOLDERS.subnet_ids,
    }


def job_networks(definition: dict[str, Any]) -> dict[str, tuple[dict, bool]]:
    """Each job step's VpcConfig and network isolation flag, by step name (a tuning job's: its trials')."""
    networks = {}
    for step in definition["Steps"]:
        arguments = step["Arguments"]
        if step["Type"] == "Processing":
            config = arguments.get("NetworkConfig", {})
            networks[step["Name"]] = (config.get("VpcConfig"), config.get("EnableNetworkIsolation"))
        elif step["Type"] in {"Training", "Tuning"}:
            job = training_job(definition)
            networks[step["Name"]] = (job.get("VpcConfig"), job.get("EnableNetworkIsolation"))
    return networks


def test_every_job_runs_in_the_platform_vpc(definition, model) -> None:
    networks = job_networks(definition)
    isolated = {step_names.training_step(model.tuning.enabled) if name == step_names.TRAIN else name for name in ISOLATED_STEPS}
    assert set(networks) == {*([step_names.SNAPSHOT] if model.feature_group else []), step_names.PREPROCESS, *isolated}
    for vpc, _ in networks.values():
        assert vpc == {"SecurityGroupIds": ["${SecurityGroupId}"], "Subnets": ["${SubnetIds}"]}


def test_only_the_step_that_calls_aws_has_network_access(definition, model) -> None:
    # Preprocess reads the PII key from Secrets Manager, unless the model reads a feature group:
    # then the Snapshot step calls SageMaker, Athena and S3, and Preprocess calls nothing.
    calls_aws = step_names.PREPROCESS if model.feature_group is None else step_names.SNAPSHOT
    isolation = {name: isolated for name, (_, isolated) in job_networks(definition).items()}
    assert {name for name, isolated in isolation.items() if not isolated} == {calls_aws}


def test_every_job_runs_as_the_pipeline_role_with_encrypted_volumes(definition) -> None:
    for step in definition["Steps"][:5]:
        arguments = step["Arguments"].get("TrainingJobDefinition", step["Arguments"])
        assert arguments["RoleArn"] == "${PipelineRoleArn}"
        resources = arguments.get("ProcessingResources", {}).get("ClusterConfig") or arguments["ResourceConfig"]
        assert resources["VolumeKmsKeyId"] == "${KmsKeyArn}"


def test_every_processing_step_unpacks_the_code_archive_and_runs_its_module(definition) -> None:
    for step in processing_steps(definition):
        code = step["Arguments"]["ProcessingInputs"][0]
        assert (code["InputName"], code["S3Input"]["S3Uri"]) == ("code", "${CodeS3Uri}")
        entrypoint = step["Arguments"]["AppSpecification"]["ContainerEntrypoint"]
        assert entrypoint[:2] == ["/bin/sh", "-c"]
        package = "feature_store" if step["Name"] == step_names.SNAPSHOT else "model_build.steps"
        assert f"python3 -m pipelines_src.{package}.{entrypoint[3]} " in entrypoint[2]


def test_no_step_installs_anything_at_job_start(definition) -> None:
    scripts = {step["Name"]: step["Arguments"]["AppSpecification"]["ContainerEntrypoint"][2] for step in processing_steps(definition)}
    assert {name: bool(re.search(r"\bpip3?\b", script)) for name, script in scripts.items()} == dict.fromkeys(scripts, False)


def training_job(definition: dict[str, Any]) -> dict[str, Any]:
    """The Train step's training job, or the training job definition of the Tune step's trials."""
    steps = steps_of(definition)
    if step_names.TUNE in steps:
        return steps[step_names.TUNE]["Arguments"]["TrainingJobDefinition"]
    return steps[step_names.TRAIN]["Arguments"]


def static_hyperparameters(job: dict[str, Any]) -> dict[str, str]:
    return job["StaticHyperParameters"] if "StaticHyperParameters" in job else job["HyperParameters"]


def searched_ranges(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Tune step's ranges as the config and model_settings.json spell them (none without tuning)."""
    tune = steps_of(definition).get(step_names.TUNE)
    if tune is None:
        return {}
    ranges = tune["Arguments"]["HyperParameterTuningJobConfig"]["ParameterRanges"]
    return {
        item["Name"]: {
            "type": kind, "min_value": float(item["MinValue"]), "max_value": float(item["MaxValue"]), "scaling": item["ScalingType"],
        }
        for kind in ("continuous", "integer")
        for item in ranges.get(f"{kind.capitalize()}ParameterRanges", [])
    }


def test_training_uses_the_configured_image_and_hyperparameters(definition, model) -> None:
    job = training_job(definition)
    assert job["AlgorithmSpecification"]["TrainingImage"].endswith(f"/sagemaker-xgboost:{model.training.xgboost_version}")
    # A tuning job leaves out of its static hyperparameters the ones it searches.
    searched = set(model.tuning.parameter_ranges) if model.tuning.enabled else set()
    assert static_hyperparameters(job) == {
        name: str(value) for name, value in model.training.hyperparameters.items() if name not in searched
    }
    assert [channel["ChannelName"] for channel in job["InputDataConfig"]] == ["train", "validation"]


def test_the_training_job_and_the_local_run_train_with_the_same_effective_hyperparameters(definition, settings) -> None:
    job = static_hyperparameters(training_job(definition))
    local = settings["training"]["hyperparameters"]
    if not settings["tuning"]["enabled"]:
        assert training_plan(job) == training_plan(local)
        return
    # Tuned: the local search trains every trial with the static hyperparameters plus a point of
    # the ranges; the tuning job with its static ones plus a point of its ranges: the same space.
    ranges = searched_ranges(definition)
    assert ranges == settings["tuning"]["parameter_ranges"]
    assert training_plan(job) == training_plan({name: value for name, value in local.items() if name not in ranges})


def test_a_tuning_job_searches_the_configured_budget_objective_and_strategy(definition, settings) -> None:
    tune = steps_of(definition).get(step_names.TUNE)
    tuning = settings["tuning"]
    assert (tune is not None) == tuning["enabled"]
    if tune is None:
        return
    config = tune["Arguments"]["HyperParameterTuningJobConfig"]
    assert config["HyperParameterTuningJobObjective"] == {"MetricName": tuning["objective_metric"], "Type": tuning["objective_type"]}
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": tuning["max_jobs"], "MaxParallelTrainingJobs": tuning["max_parallel_jobs"]}
    assert (config["Strategy"], config["TrainingJobEarlyStoppingType"]) == (tuning["strategy"], tuning["early_stopping_type"])


def test_the_steps_after_training_take_the_trained_or_best_tuned_model(definition, model) -> None:
    model_input = next(
        item["S3Input"]["S3Uri"] for item in steps_of(definition)[step_names.PACKAGE]["Arguments"]["ProcessingInputs"]
        if item["InputName"] == "model"
    )
    if not model.tuning.enabled:
        assert model_input == {"Get": f"Steps.{step_names.TRAIN}.ModelArtifacts.S3ModelArtifacts"}
        return
    assert model_input["Std:Join"]["Values"] == [
        "s3:/", "${ArtifactBucket}", f"models/{model.name}",
        {"Get": f"Steps.{step_names.TUNE}.TrainingJobSummaries[0].TrainingJobName"}, "output/model.tar.gz",
    ]
    assert training_job(definition)["OutputDataConfig"]["S3OutputPath"] == f"s3://${{ArtifactBucket}}/models/{model.name}"


def test_spot_training_checkpoints_per_execution_under_the_models_prefix(definition, model) -> None:
    job = training_job(definition)
    spot = model.training.spot
    assert job.get("EnableManagedSpotTraining", False) == spot.enabled
    if not spot.enabled:
        assert "CheckpointConfig" not in job and "MaxWaitTimeInSeconds" not in job["StoppingCondition"]
        return
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": spot.max_wait_seconds}
    assert job["CheckpointConfig"] == {
        "LocalPath": "/opt/ml/checkpoints",
        "S3Uri": {"Std:Join": {"On": "/", "Values": [
            f"s3://${{ArtifactBucket}}/checkpoints/{model.name}", {"Get": "Execution.PipelineExecutionId"}
        ]}},
    }


def test_processing_steps_run_in_the_training_image(definition) -> None:
    training_image = training_job(definition)["AlgorithmSpecification"]["TrainingImage"]
    assert {step["Arguments"]["AppSpecification"]["ImageUri"] for step in processing_steps(definition)} == {training_image}


def test_the_fairness_step_gets_the_gate_parameters(definition) -> None:
    arguments = steps_of(definition)[step_names.FAIRNESS]["Arguments"]["AppSpecification"]["ContainerArguments"]
    flags = arguments[::2]
    values = [value["Std:Join"]["Values"][0]["Get"] for value in arguments[1::2]]
    assert list(zip(flags, values)) == [
        ("--min-auc", "Parameters.MinAuc"),
        ("--min-disparate-impact", "Parameters.MinDisparateImpact"),
        ("--max-disparate-impact", "Parameters.MaxDisparateImpact"),
        ("--max-abs-dppl", "Parameters.MaxAbsDppl"),
    ]


def test_concrete_values_replace_every_placeholder(platform_config, model) -> None:
    values = DeployValues(
        role_arn="arn:aws:iam::111111111111:role/build",
        artifact_bucket="artifacts-bucket",
        kms_key_arn="arn:aws:kms:eu-west-1:111111111111:key/abc",
        code_s3_uri=f"s3://artifacts-bucket/pipelines/{model.name}/code/abc.zip",
        security_group_id="sg-0123456789abcdef0",
        subnet_ids=("subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"),
    )
    text = render_definition(platform_config, model, values)
    assert "${" not in text
    assert all(value in text for value in (values.role_arn, values.kms_key_arn, values.code_s3_uri, "s3://artifacts-bucket/models/"))
    for vpc, _ in job_networks(json.loads(text)).values():
        assert vpc == {"SecurityGroupIds": [values.security_group_id], "Subnets": list(values.subnet_ids)}


def test_a_value_that_would_break_the_json_is_refused(platform_config, model) -> None:
    values = DeployValues('arn:aws:iam::1:role/"quoted"', "bucket", "arn:aws:kms:eu-west-1:1:key/k", "s3://b/c.zip", "sg-1", ("subnet-1",))
    with pytest.raises(ValueError, match="role_arn"):
        render_definition(platform_config, model, values)


@pytest.mark.parametrize(
    ("subnets", "message"), [(('subnet-1", "subnet-2',), "subnet_ids"), ((), "subnet_ids is empty")], ids=["quoted", "none"]
)
def test_subnets_that_would_break_the_json_or_leave_the_vpc_are_refused(platform_config, model, subnets, message) -> None:
    values = DeployValues("arn:aws:iam::1:role/r", "bucket", "arn:aws:kms:eu-west-1:1:key/k", "s3://b/c.zip", "sg-1", subnets)
    with pytest.raises(ValueError, match=message):
        render_definition(platform_config, model, values)


def test_render_writes_the_definition_and_the_code_folder(platform_config, model, tmp_path) -> None:
    path = render(platform_config, model, tmp_path)
    assert path == tmp_path / "definition.json"
    assert json.loads(path.read_text())["Steps"]
    code = tmp_path / "code"
    settings = model_settings(model, feature_group_of(platform_config, model))
    assert json.loads((code / "model_settings.json").read_text()) == json.loads(json.dumps(settings))
    assert (code / "pipelines_src" / "model_build" / "steps" / "preprocess.py").is_file()
    assert (code / "pipelines_src" / "metrics" / "bias.py").is_file()
    assert not (code / "pipelines_src" / "model_build" / "render.py").exists()


def test_the_definition_carries_the_digests_of_what_it_was_rendered_from(definition, platform_config, model) -> None:
    assert definition["Metadata"] == render_digests(platform_config, model)


def _altered(value: Any) -> Any:
    """Another value of the same kind: whatever reads it would render differently."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value * 2 + 1
    if isinstance(value, str):
        return f"{value}-altered"
    return "s3://altered-bucket/labels/"


def test_the_fields_the_config_digest_leaves_out_change_nothing_the_render_writes(renders, platform_config, model) -> None:
    monitoring = model.monitoring.model_copy(
        update={
            name: _altered(getattr(model.monitoring, name))
            for name in Monitoring.model_fields
            if name != "baseline_drift_distance"
        }
    )
    variant = model.model_copy(
        update={"description": "altered", "dataset": "/altered.csv", "monitoring": monitoring}
    )

    assert render_definition(platform_config, variant) == renders[0]
    assert model_settings(variant) == model_settings(model)


def test_every_module_of_pipelines_src_the_render_runs_is_in_the_code_digest(platform_config, tmp_path) -> None:
    script = (
        "import sys\n"
        "from platform_config import load_config\n"
        "from pipelines_src.model_build.render import render\n"
        f"config = load_config({str(platform_config.config_file)!r})\n"
        f"render(config, config.models[0], {str(tmp_path)!r})\n"
        "print('\\n'.join(getattr(module, '__file__', None) or '' for module in list(sys.modules.values())))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, timeout=300, check=True)

    imported = {Path(line) for line in result.stdout.splitlines() if line.startswith(str(REPOSITORY / "pipelines_src"))}
    assert imported and imported <= {*RENDER_SOURCES, *shipped_files()}


def test_the_code_folder_imports_nothing_it_does_not_ship(platform_config, model, tmp_path) -> None:
    render(platform_config, model, tmp_path)
    code = tmp_path / "code"
    modules = sorted(
        ".".join(path.relative_to(code).with_suffix("").parts)
        for path in (code / "pipelines_src").rglob("*.py")
        if path.name != "__init__.py"
    )
    script = f"import importlib\nfor name in {modules!r}:\n    importlib.import_module(name)\n"

    # Run from the code folder alone, as the container does: the repository is not on the path.
    result = subprocess.run([sys.executable, "-c", script], cwd=code, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr

"""The AWS-owned container images monitoring jobs run in, by region.

Synth stays offline and the CDK app never imports the SageMaker SDK, so the
registry accounts are copied here from the SDK's own tables
(``sagemaker/core/image_uri_config/{sklearn,model-monitor,clarify}.json`` in
sagemaker 3.27; a test re-reads those files and fails when they disagree) for
every region the platform supports. ``None``: AWS publishes no such image there.
"""

SKLEARN_VERSION = "1.2-1"

# region: (SKLearn 1.2-1, Model Monitor analyzer, Clarify 1.0) registry accounts.
REGISTRIES: dict[str, tuple[str, str, str | None]] = {
    "af-south-1": ("510948584623", "875698925577", "811711786498"),
    "ap-east-1": ("651117190479", "001633400207", "098760798382"),
    "ap-northeast-1": ("354813040037", "574779866223", "377024640650"),
    "ap-northeast-2": ("366743142698", "709848358524", "263625296855"),
    "ap-northeast-3": ("867004704886", "990339680094", "912233562940"),
    "ap-south-1": ("720646828776", "126357580389", "452307495513"),
    "ap-southeast-1": ("121021644041", "245545462676", "834264404009"),
    "ap-southeast-2": ("783357654285", "563025443158", "007051062584"),
    "ap-southeast-3": ("951798379941", "669540362728", "705930551576"),
    "ca-central-1": ("341280168497", "536280801234", "675030665977"),
    "eu-central-1": ("492215442770", "048819808253", "017069133835"),
    "eu-central-2": ("680994064768", "590183933784", "730335477804"),
    "eu-north-1": ("662702820516", "895015795356", "763603941244"),
    "eu-south-1": ("978288397137", "933208885752", "638885417683"),
    "eu-south-2": ("104374241257", "437450045455", None),
    "eu-west-1": ("141502667606", "468650794304", "131013547314"),
    "eu-west-2": ("764974769150", "749857270468", "440796970383"),
    "eu-west-3": ("659782779980", "680080141114", "341593696636"),
    "il-central-1": ("898809789911", "843974653677", None),
    "me-central-1": ("272398656194", "588750061953", None),
    "me-south-1": ("801668240914", "607024016150", "835444307964"),
    "sa-east-1": ("737474898029", "539772159869", "520018980103"),
    "us-east-1": ("683313688378", "156813124566", "205585389593"),
    "us-east-2": ("257758044811", "777275614652", "211330385671"),
    "us-west-1": ("746614075791", "890145073186", "740489534195"),
    "us-west-2": ("246618743249", "159807026194", "306415355426"),
}


def _uri(account: str, region: str, repository: str) -> str:
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{repository}"


def sklearn_image(region: str) -> str:
    """The SageMaker SKLearn 1.2-1 CPU image: our drift job's runtime (pandas, scipy, scikit-learn)."""
    return _uri(REGISTRIES[region][0], region, f"sagemaker-scikit-learn:{SKLEARN_VERSION}-cpu-py3")


def model_monitor_image(region: str) -> str:
    """The Model Monitor analyzer: data quality and model quality jobs."""
    return _uri(REGISTRIES[region][1], region, "sagemaker-model-monitor-analyzer")


def clarify_image(region: str) -> str:
    """The Clarify processing image: bias drift and feature attribution drift jobs."""
    account = REGISTRIES[region][2]
    if account is None:
        raise ValueError(
            f"region {region}: AWS publishes no Clarify image there; bias and explainability "
            "monitors need the open-source engine (models[].monitoring.engine)"
        )
    return _uri(account, region, "sagemaker-clarify-processing:1.0")


def repository_arn(image_uri: str) -> str:
    """The ECR repository ARN of an image URI (``<account>.dkr.ecr.<region>.amazonaws.com/<name>[:tag]``)."""
    registry, _, name = image_uri.partition("/")
    account, _, _, region, *_ = registry.split(".")
    return f"arn:aws:ecr:{region}:{account}:repository/{name.split(':')[0]}"

"""ModelBuildStack (dev): each model's SageMaker build pipeline, and CI/CD that runs it on git push.

Per model in the config: a ``SageMakerPipeline`` from the definition rendered into
``build/pipelines/<model>/`` (``make`` renders it; the app only reads it), named
``build_pipeline_name`` and registering into ``model_package_group_name``, and the
secret of its PII pseudonymization key (``pii_key_secret_name``, a generated value
encrypted with the data key, RETAIN outside dev: a new key changes every pseudonym). One
``BuildPipelineCi`` for all models: a push to the configured branch tests the code,
re-renders each definition and upserts and starts its pipeline; its artifacts live in
a store of its own (access logs to ``access_log_bucket``), not in the ML artifact bucket.

The pipelines read raw and curated data and write under ``pipelines/<model>/`` and
``models/<model>/`` of the artifact bucket (staging and prod read ``models/``). Their jobs
run in the dev ``network`` (NetworkStack's subnets and workload security group: no
internet, S3 and AWS APIs through VPC endpoints); the build passes the same values to
``pipelines_src.model_build.deploy``.
DataStack's keys arrive as typed arguments; its buckets are referenced by the fixed
names ``platform_config/naming.py`` publishes, so policies name them as plain ARNs rather than
as cross-stack outputs.
"""

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.account_settings import log_retention_of, removal_policy_of
from stacks.components.build_pipeline_ci import BuildPipelineCi, BuildTarget
from stacks.components.nag import acknowledge
from stacks.components.platform_network import PlatformNetwork
from stacks.components.sagemaker_pipeline import SageMakerPipeline
from platform_config import PlatformConfig
from platform_config.naming import build_pipeline_name, dev_bucket_name, model_package_group_name, pii_key_secret_name
from stacks.rendered_pipelines import load_rendered_pipeline


def artifact_prefixes(model_name: str) -> dict[str, str]:
    """Where a model's pipeline keeps its files in the artifact bucket."""
    return {"work": f"pipelines/{model_name}/", "models": f"models/{model_name}/"}


class ModelBuildStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        data_key: kms.IKey,
        artifact_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        network: PlatformNetwork,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        raw_bucket, curated_bucket, artifact_bucket = (
            s3.Bucket.from_bucket_attributes(
                self, f"{_pascal(purpose)}Bucket", bucket_name=dev_bucket_name(config, purpose), encryption_key=key
            )
            for purpose, key in (("raw", data_key), ("curated", data_key), ("artifacts", artifact_key))
        )
        self.pipelines: dict[str, SageMakerPipeline] = {}
        targets = []
        removal_policy = removal_policy_of(config.accounts.dev)
        for model in config.models:
            prefixes = artifact_prefixes(model.name)
            pii_key = self._pii_key(config, model.name, data_key, removal_policy)
            pipeline = SageMakerPipeline(
                self,
                _pascal(model.name),
                rendered=load_rendered_pipeline(config, model.name),
                pipeline_name=build_pipeline_name(config, model.name),
                model_package_group=model_package_group_name(config, model.name),
                input_buckets=[raw_bucket, curated_bucket],
                input_keys=[data_key],
                artifact_bucket=artifact_bucket,
                artifact_key=artifact_key,
                artifact_prefixes=list(prefixes.values()),
                secrets=[pii_key],
                network=network,
            )
            self.pipelines[model.name] = pipeline
            targets.append(
                BuildTarget(
                    model_name=model.name,
                    pipeline_name=build_pipeline_name(config, model.name),
                    pipeline_role=pipeline.role,
                    code_prefix=f"{prefixes['work']}code/",
                )
            )
        self.ci = BuildPipelineCi(
            self,
            "Ci",
            source=config.source,
            targets=targets,
            artifact_bucket=artifact_bucket,
            artifact_key=artifact_key,
            access_log_bucket=access_log_bucket,
            network=network,
            log_retention=log_retention_of(config.accounts.dev),
            removal_policy=removal_policy,
        )

    def _pii_key(
        self, config: PlatformConfig, model_name: str, key: kms.IKey, removal_policy: RemovalPolicy
    ) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            f"{_pascal(model_name)}PiiHashKey",
            secret_name=pii_key_secret_name(config, model_name),
            description=f"HMAC key the build pipeline of {model_name} pseudonymizes PII columns with",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
            removal_policy=removal_policy,
        )
        reason = (
            "Rotating the pseudonymization key changes every pseudonym, so rows of different model "
            "versions and their monitoring data would no longer match; it is replaced deliberately."
        )
        acknowledge(secret, "AwsSolutions::AwsSolutions-SMG4", reason)
        acknowledge(secret, "NIST.800.53.R5::NIST.800.53.R5-SecretsManagerRotationEnabled", reason)
        return secret


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))

"""BuildCiStack (dev): git push → the tests, once → every model's SageMaker build pipeline.

One ``BuildPipelineCi`` for the repository: a push to the configured branch that changes a
model's inputs runs the pipeline tests once, then renders, upserts and starts the build
pipeline of every model the pushed config declares. Each model's pipeline, role and code
prefix follow the naming rules, so the stack names no model: adding one changes nothing here
(its ``ModelStack`` creates the pipeline and its named role). Removal policy from the dev
account config.
"""

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import dev_bucket_name
from stacks.account_settings import log_retention_of, removal_policy_of
from stacks.components.build_pipeline_ci import BuildPipelineCi
from stacks.components.platform_network import PlatformNetwork


class BuildCiStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        artifact_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        network: PlatformNetwork,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.ci = BuildPipelineCi(
            self,
            "Ci",
            config=config,
            artifact_bucket=s3.Bucket.from_bucket_name(self, "ArtifactBucket", dev_bucket_name(config, "artifacts")),
            artifact_key=artifact_key,
            access_log_bucket=access_log_bucket,
            network=network,
            log_retention=log_retention_of(config.accounts.dev),
            removal_policy=removal_policy_of(config.accounts.dev),
        )

"""The shadow-verdict reader role (prod): how dev's shadow-verdict function reads a shadow test.

``shadow_verdict_reader_role`` creates, in ``scope``, the role ``name``, assumable only by
dev's shadow-verdict function role (``function_role_arn``, held by ``aws:PrincipalArn``).
It may read, and nothing else:

- the SSM parameter naming the data-capture bucket (``capture_bucket_parameter_arn``);
- the captures of the platform's endpoints (``data-capture/<platform>-*``, the convention
  ``endpoint_name``) in ``data_capture_bucket``: list below that prefix, get its objects,
  decrypt them with ``key`` through S3 only;
- CloudWatch metric data (``cloudwatch:GetMetricData`` has no resource-level permissions),
  for the variants' ``ModelLatency``.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import ANY_MODEL, endpoint_name
from stacks.components.realtime_endpoint import DATA_CAPTURE_PREFIX
from stacks.components.nag import as_nag_renders
from stacks.components.role_statements import acknowledge_wildcards, allow


def shadow_verdict_reader_role(
    scope: Construct,
    construct_id: str,
    *,
    config: PlatformConfig,
    name: str,
    function_role_arn: str,
    data_capture_bucket: s3.IBucket,
    key: kms.IKey,
    capture_bucket_parameter_arn: str,
) -> iam.Role:
    role = iam.Role(
        scope,
        construct_id,
        role_name=name,
        description="Dev's shadow-verdict function reads the shadow test's captures and latency through this role",
        assumed_by=iam.AccountPrincipal(config.accounts.dev.account_id).with_conditions(
            {"ArnEquals": {"aws:PrincipalArn": function_role_arn}}
        ),
    )
    captures = f"{DATA_CAPTURE_PREFIX}/{endpoint_name(config, ANY_MODEL)}"
    objects = data_capture_bucket.arn_for_objects(f"{captures}/*")
    allow(role, "CaptureBucketName", ["ssm:GetParameter"], [capture_bucket_parameter_arn])
    allow(role, "ListCaptures", ["s3:ListBucket"], [data_capture_bucket.bucket_arn],
          {"StringLike": {"s3:prefix": [f"{captures}/*"]}})
    allow(role, "ReadCaptures", ["s3:GetObject"], [objects])
    allow(role, "DecryptCaptures", ["kms:Decrypt"], [key.key_arn],
          {"StringEquals": {"kms:ViaService": f"s3.{Stack.of(scope).region}.amazonaws.com"}})
    allow(role, "VariantLatency", ["cloudwatch:GetMetricData"], ["*"])
    acknowledge_wildcards(
        role,
        {
            f"Resource::{as_nag_renders(role, objects)}": (
                "Captured requests of the platform's endpoints (<platform>-<model>): SageMaker writes them below "
                "<endpoint>/<variant>/<hour>/ keys it chooses; a new model needs no change here."
            ),
            "Resource::*": "cloudwatch:GetMetricData supports no resource-level permissions; the role reads only.",
        },
    )
    return role

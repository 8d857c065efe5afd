"""PlatformFunction: a Python Lambda function from a folder of ``lambdas/``.

Creates the function (Python 3.14, the pinned Powertools layer, active X-Ray
tracing, reserved concurrency), its log group (retention from the account
config, encrypted with ``log_key``) and a KMS-encrypted dead-letter queue for
failed asynchronous invocations. In a VPC when ``network`` is given, in the
workload security group and subnets.

Exposes ``function``, ``dead_letter_queue`` and ``log_group``. Handlers follow
``lambdas/<name>/handler.py:handler``; everything in the folder ships except
tests and caches.
"""

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.components.nag import acknowledge
from stacks.components.platform_network import PlatformNetwork

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
RUNTIME = lambda_.Runtime.PYTHON_3_14
# Powertools for AWS Lambda (Python) v3, the public layer AWS publishes in every region.
POWERTOOLS_LAYER_VERSION = 27


class PlatformFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler_folder: str,
        description: str,
        log_key: kms.IKey,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        environment: dict[str, str] | None = None,
        timeout: Duration = Duration.seconds(30),
        memory_size: int = 256,
        reserved_concurrency: int = 5,
        network: PlatformNetwork | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, encryption_key=log_key, removal_policy=removal_policy
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=log_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            handler="handler.handler",
            code=lambda_.Code.from_asset(
                str(LAMBDAS_DIR / handler_folder), exclude=["tests", "__pycache__", "*.pyc"]
            ),
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(
                    self,
                    "Powertools",
                    f"arn:aws:lambda:{region}:017000801446:layer:"
                    f"AWSLambdaPowertoolsPythonV3-python314-x86_64:{POWERTOOLS_LAYER_VERSION}",
                )
            ],
            environment={"POWERTOOLS_SERVICE_NAME": handler_folder, **(environment or {})},
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            dead_letter_queue=self.dead_letter_queue,
            vpc=network.vpc if network else None,
            vpc_subnets=network.subnets if network else None,
            security_groups=[network.workload_security_group] if network else None,
        )
        # CDK grants only sqs:SendMessage for the dead-letter queue; its messages are
        # encrypted with log_key, so sending needs the key too.
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[log_key.key_arn])
        )
        acknowledge(
            self.function,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "AWS's basic execution policy only allows writing the function's own logs; "
            "the log group is pre-created with retention and encryption.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions; "
            "CDK adds exactly these two for active tracing.",
        )
        if network is not None:
            acknowledge(
                self.function,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
                "AWS's VPC access policy only manages the function's network interfaces, which a "
                "function in a VPC needs.",
            )
        else:
            acknowledge(
                self.function,
                "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC",
                "The function only calls AWS control-plane APIs; its account's VPC has no endpoints "
                "for them, and a VPC would add network interfaces without isolating anything.",
            )

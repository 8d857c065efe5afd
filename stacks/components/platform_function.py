"""PlatformFunction: a Python Lambda function from a folder of ``lambdas/``.

Creates the function (Python 3.14, the pinned Powertools layer, active X-Ray
tracing, reserved concurrency), its log group (retention from the account
config, encrypted with ``log_key``) and a KMS-encrypted dead-letter queue for
failed asynchronous invocations. ``function_name`` fixes the name, for functions other
stacks refer to by name. In a VPC when ``network`` is given, in the
workload security group and subnets.

Exposes ``function``, ``dead_letter_queue`` and ``log_group``. Handlers follow
``lambdas/<name>/handler.py:handler``; everything in the folder ships except
tests and caches. ``shared_modules`` names modules of ``lambdas/shared``
(``"codepipeline_job"``) copied next to the handler, so the function imports
them by bare name like its own; ``repository_modules`` likewise copies modules from elsewhere in
the repository, by path (``"pipelines_src/experiments/run_record.py"``: code the function
shares with the pipelines, which must import only the standard library); ``not_shipped`` names folder entries left out; such an asset is built by a local bundler (no
Docker) and hashed by its content, so a change to a shared module ships a new
asset for every function that carries it.
"""

import shutil
from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, Duration, ILocalBundling, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.components.event_dead_letters import encrypted_dead_letter_queue
from stacks.components.nag import acknowledge
from stacks.components.platform_network import PlatformNetwork

REPOSITORY_DIR = Path(__file__).resolve().parents[2]
LAMBDAS_DIR = REPOSITORY_DIR / "lambdas"
SHARED_DIR = LAMBDAS_DIR / "shared"
_NOT_SHIPPED = ("tests", "__pycache__", "*.pyc")
RUNTIME = lambda_.Runtime.PYTHON_3_14
# Powertools for AWS Lambda (Python) v3, the public layer AWS publishes in every region.
POWERTOOLS_LAYER_VERSION = 27


@jsii.implements(ILocalBundling)
class _FunctionBundle:
    """The handler folder with the named ``lambdas/shared`` modules beside its own."""

    def __init__(
        self,
        handler_folder: str,
        shared_modules: Sequence[str],
        not_shipped: Sequence[str] = (),
        repository_modules: Sequence[str] = (),
    ) -> None:
        self._source = LAMBDAS_DIR / handler_folder
        self._not_shipped = (*_NOT_SHIPPED, *not_shipped)
        self._shared = [SHARED_DIR / f"{name}.py" for name in shared_modules]
        for module in self._shared:
            if not module.is_file():
                raise ValueError(f"shared_modules: {module.stem!r} is not a module of {SHARED_DIR}")
            if (self._source / module.name).exists():
                raise ValueError(f"shared_modules: {module.stem!r} would overwrite {handler_folder}/{module.name}")
        for path in repository_modules:
            module = REPOSITORY_DIR / path
            if module.suffix != ".py" or not module.is_file():
                raise ValueError(f"repository_modules: {path!r} is not a Python module of the repository")
            if (self._source / module.name).exists():
                raise ValueError(f"repository_modules: {path!r} would overwrite {handler_folder}/{module.name}")
            self._shared.append(module)

    def try_bundle(self, output_dir: str, _options: BundlingOptions) -> bool:
        shutil.copytree(self._source, output_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*self._not_shipped))
        for module in self._shared:
            shutil.copyfile(module, Path(output_dir) / module.name)
        return True


def function_code(
    handler_folder: str,
    shared_modules: Sequence[str] = (),
    not_shipped: Sequence[str] = (),
    repository_modules: Sequence[str] = (),
) -> lambda_.Code:
    """The function's asset: ``lambdas/<handler_folder>`` but ``not_shipped`` (glob patterns)
    and, beside it, ``shared_modules`` and ``repository_modules``."""
    if not shared_modules and not repository_modules:
        return lambda_.Code.from_asset(str(LAMBDAS_DIR / handler_folder), exclude=[*_NOT_SHIPPED, *not_shipped])
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR / handler_folder),
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            # Never pulled: the local bundler always succeeds.
            image=DockerImage.from_registry("local-bundling-only"),
            local=_FunctionBundle(handler_folder, shared_modules, not_shipped, repository_modules),
            # Part of CDK's in-process bundle cache key: one folder bundled with other modules is another asset.
            environment={
                "SHARED_MODULES": ",".join(shared_modules),
                "NOT_SHIPPED": ",".join(not_shipped),
                "REPOSITORY_MODULES": ",".join(repository_modules),
            },
        ),
    )


class PlatformFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler_folder: str,
        description: str,
        log_key: kms.IKey,
        function_name: str | None = None,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        environment: dict[str, str] | None = None,
        timeout: Duration = Duration.seconds(30),
        memory_size: int = 256,
        reserved_concurrency: int = 5,
        network: PlatformNetwork | None = None,
        shared_modules: Sequence[str] = (),
        not_shipped: Sequence[str] = (),
        repository_modules: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, encryption_key=log_key, removal_policy=removal_policy
        )
        self.dead_letter_queue = encrypted_dead_letter_queue(self, "DeadLetterQueue", key=log_key)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=description,
            runtime=RUNTIME,
            handler="handler.handler",
            code=function_code(handler_folder, shared_modules, not_shipped, repository_modules),
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

"""ModelPackageGroup: a model's registry in dev, readable by the serving accounts, with an approval guard.

Creates an ``AWS::SageMaker::ModelPackageGroup`` named ``name`` whose resource policy:

- lets ``reader_role_arns`` (the roles in staging and prod that create models from
  versions) describe the group, describe and list its versions and create models
  from them: exactly ``DescribeModelPackageGroup`` on the group and
  ``DescribeModelPackage``, ``ListModelPackages``, ``CreateModel`` on its versions,
  and nothing else. The principals are the roles' accounts held to the roles by an
  ``aws:PrincipalArn`` condition: a policy naming a role that does not exist yet is
  rejected, and the serving accounts may be deployed after dev;
- lets ``monitoring_role_arns`` (the serving accounts' monitoring job roles, which
  look up the baseline of each version their endpoints served) list the group's
  versions and describe them, and nothing else, held to those roles the same way;
- denies everyone but ``approver_role_arn`` any ``UpdateModelPackage`` that sets an
  approval status (``sagemaker:ModelApprovalStatus`` present in the request), so
  other updates (e.g. recording deployments in ``CustomerMetadataProperties``) stay
  possible for roles allowed them;
- denies everyone a ``CreateModelPackage`` with any status but ``PendingManualApproval``:
  registering a version as approved would skip the approver.

Identity policies grant the approver role itself (see ``persona_policies``); this
policy is the guard no identity policy can widen. Removal policy as given.
Exposes ``group`` (the L1), ``group_arn`` and ``versions_arn`` (a pattern for its versions).
"""

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

READER_ACTIONS_ON_GROUP = ("sagemaker:DescribeModelPackageGroup",)
READER_ACTIONS_ON_VERSIONS = ("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:CreateModel")
MONITOR_ACTIONS = ("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages")
REGISTRATION_STATUS = "PendingManualApproval"


class ModelPackageGroup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        reader_role_arns: list[str],
        monitoring_role_arns: list[str],
        approver_role_arn: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # SageMaker lowercases names in ARNs.
        self.group_arn = stack.format_arn(service="sagemaker", resource="model-package-group", resource_name=name.lower())
        self.versions_arn = stack.format_arn(service="sagemaker", resource="model-package", resource_name=f"{name.lower()}/*")
        self.group = sagemaker.CfnModelPackageGroup(
            self,
            "Resource",
            model_package_group_name=name,
            model_package_group_description=description,
            model_package_group_policy=self._policy(reader_role_arns, monitoring_role_arns, approver_role_arn),
        )
        self.group.apply_removal_policy(removal_policy)

    def _policy(
        self, reader_role_arns: list[str], monitoring_role_arns: list[str], approver_role_arn: str
    ) -> dict[str, Any]:
        if not reader_role_arns:
            raise ValueError("reader_role_arns: a registry shared with no role needs no reader statements")
        readers = _account_principals(reader_role_arns)
        only_readers = {"ArnEquals": {"aws:PrincipalArn": list(reader_role_arns)}}
        monitors = (
            [
                {
                    "Sid": "MonitoringJobsReadVersions",
                    "Effect": "Allow",
                    "Principal": _account_principals(monitoring_role_arns),
                    "Action": list(MONITOR_ACTIONS),
                    # Listing a group's versions is authorized on the group as well as on its versions.
                    "Resource": [self.group_arn, self.versions_arn],
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": list(monitoring_role_arns)}},
                }
            ]
            if monitoring_role_arns
            else []
        )
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ServingAccountsDescribeGroup",
                    "Effect": "Allow",
                    "Principal": readers,
                    "Action": list(READER_ACTIONS_ON_GROUP),
                    "Resource": self.group_arn,
                    "Condition": only_readers,
                },
                {
                    "Sid": "ServingAccountsReadVersionsAndCreateModels",
                    "Effect": "Allow",
                    "Principal": readers,
                    "Action": list(READER_ACTIONS_ON_VERSIONS),
                    "Resource": self.versions_arn,
                    "Condition": only_readers,
                },
                *monitors,
                {
                    "Sid": "OnlyApproverSetsApprovalStatus",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sagemaker:UpdateModelPackage",
                    "Resource": self.versions_arn,
                    "Condition": {
                        "Null": {"sagemaker:ModelApprovalStatus": "false"},
                        "ArnNotEquals": {"aws:PrincipalArn": approver_role_arn},
                    },
                },
                {
                    "Sid": "RegisterOnlyPendingVersions",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sagemaker:CreateModelPackage",
                    # A registration is authorized on the group as well as on the new version.
                    "Resource": [self.group_arn, self.versions_arn],
                    "Condition": {
                        "Null": {"sagemaker:ModelApprovalStatus": "false"},
                        "StringNotEquals": {"sagemaker:ModelApprovalStatus": REGISTRATION_STATUS},
                    },
                },
            ],
        }


def _account_principals(role_arns: list[str]) -> dict[str, list[str]]:
    """The accounts of ``role_arns`` (``arn:aws:iam::<account>:role/<name>``) as principals."""
    return {"AWS": [f"arn:aws:iam::{account_id}:root" for account_id in sorted({arn.split(":")[4] for arn in role_arns})]}

"""Dev-account resources the approval trigger needs, created in moto: the idempotency table
(as ``stacks/components/approval_trigger.py`` defines it) and a promotion pipeline with the
``ModelPackageArn`` variable (moto stores the stages, it runs none)."""

import json
from typing import Any

IDEMPOTENCY_TABLE = "approval-trigger-idempotency"


def create_idempotency_table(dynamodb: Any, name: str = IDEMPOTENCY_TABLE) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )


def create_promotion_pipeline(iam: Any, codepipeline: Any, name: str) -> None:
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]
    codepipeline.create_pipeline(
        pipeline={
            "name": name,
            "roleArn": role["Arn"],
            "pipelineType": "V2",
            "executionMode": "QUEUED",
            "artifactStore": {"type": "S3", "location": "promotion-artifacts"},
            "variables": [{"name": "ModelPackageArn", "description": "The approved version to promote"}],
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "Repository",
                            "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                            "configuration": {"S3Bucket": "platform-source", "S3ObjectKey": "source.zip"},
                            "outputArtifacts": [{"name": "Source"}],
                        }
                    ],
                },
                {
                    "name": "Staging",
                    "actions": [
                        {
                            "name": "DeployEndpoint",
                            "actionTypeId": {
                                "category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1"
                            },
                            "configuration": {
                                "ActionMode": "CREATE_UPDATE",
                                "StackName": "endpoint",
                                "ParameterOverrides": '{"ModelPackageArn": "#{variables.ModelPackageArn}"}',
                            },
                            "inputArtifacts": [{"name": "Source"}],
                        }
                    ],
                },
            ],
        }
    )


def executions(codepipeline: Any, pipeline: str) -> list[dict[str, Any]]:
    """The pipeline's executions, each with its resolved variables."""
    summaries = codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]
    return [
        codepipeline.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=summary["pipelineExecutionId"])[
            "pipelineExecution"
        ]
        for summary in summaries
    ]

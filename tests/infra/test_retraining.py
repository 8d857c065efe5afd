"""Dev's Retraining stack: the alarm intake from staging and prod, approver notifications, the retrain trigger."""

import json

import pytest
from aws_cdk.assertions import Capture, Match, Template

from platform_config import PlatformConfig
from stacks.components.model_alarms import captures_data, retraining_alarm_purposes
from platform_config.construct_ids import model_stack_id
from stacks.retraining_stack import retrain_settings
from tests.synth import SynthesizedApp

STAGING, PROD, DEV = "222222222222", "333333333333", "111111111111"


@pytest.fixture(scope="module")
def retraining(synthesized: SynthesizedApp) -> Template:
    return synthesized.template("Dev/Retraining")


def resources(template: Template, resource_type: str) -> dict:
    return template.find_resources(resource_type)


def event_dead_letters(template: Template) -> dict:
    return {name: queue for name, queue in resources(template, "AWS::SQS::Queue").items()
            if name.startswith("EventDeadLetters")}


def test_dev_bus_accepts_alarm_events_from_staging_and_prod_only(retraining: Template) -> None:
    retraining.resource_count_is("AWS::Events::EventBusPolicy", 1)
    retraining.has_resource_properties(
        "AWS::Events::EventBusPolicy",
        {
            "EventBusName": "default",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{STAGING}:root", f"arn:aws:iam::{PROD}:root"]},
                "Action": "events:PutEvents",
                "Resource": f"arn:aws:events:eu-west-1:{DEV}:event-bus/default",
                "Condition": {
                    "Null": {"events:source": "false", "events:detail-type": "false"},
                    "ForAllValues:StringEquals": {
                        "events:source": ["aws.cloudwatch"],
                        "events:detail-type": ["CloudWatch Alarm State Change"],
                    },
                },
            },
        },
    )


def test_forwarded_alarms_reach_the_approvers_topic(retraining: Template) -> None:
    topic = Capture()
    retraining.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "account": [STAGING, PROD],
                "detail": {"state": {"value": ["ALARM"]}},
            },
            "Targets": [Match.object_like({"Arn": {"Ref": topic}, "InputTransformer": Match.any_value()})],
        },
    )
    retraining.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "model-approvers@example.com", "TopicArn": {"Ref": topic.as_string()}},
    )


def test_approvers_topic_is_encrypted_and_tls_only(retraining: Template) -> None:
    retraining.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    retraining.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_key_lets_eventbridge_publish_to_the_encrypted_topic(retraining: Template) -> None:
    retraining.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                "Principal": {"Service": "events.amazonaws.com"},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_only_prod_drift_alarms_reach_the_retrain_function(retraining: Template) -> None:
    function = Capture()
    retraining.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "account": [PROD],
                "detail": {
                    "alarmName": [{"wildcard": "mlops-*-data-drift"}, {"wildcard": "mlops-*-model-quality"}],
                    "state": {"value": ["ALARM"]},
                },
            },
            "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [function, "Arn"]}})],
        },
    )
    assert function.as_string().startswith("RetrainTriggerFunction")


def test_retrain_function_gets_the_settings_of_the_config(
    retraining: Template, platform_config: PlatformConfig
) -> None:
    [function] = resources(retraining, "AWS::Lambda::Function").values()
    settings = json.loads(function["Properties"]["Environment"]["Variables"]["RETRAIN_SETTINGS"])

    assert settings == retrain_settings(platform_config)
    assert settings == {
        "accounts": {PROD: "prod"},
        "alarms": ["mlops-{model}-data-drift", "mlops-{model}-model-quality"],
        "pipelines": "mlops-{model}-build",
        "model_settings": "/mlops/models/{model}/retraining",
    }


def test_each_model_retrained_by_prod_drift_writes_its_window_and_alarms(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    for model in platform_config.models:
        model_stack = synthesized.template(f"Dev/{model_stack_id(model.name)}")
        parameters = model_stack.find_resources(
            "AWS::SSM::Parameter", {"Properties": {"Name": f"/mlops/models/{model.name}/retraining"}}
        )
        if not captures_data(model, "prod"):
            assert parameters == {}
            continue
        [parameter] = parameters.values()
        assert json.loads(parameter["Properties"]["Value"]) == {
            "min_interval_hours": model.monitoring.retrain_min_interval_hours,
            "alarms": sorted(f"mlops-{model.name}-{purpose}" for purpose in retraining_alarm_purposes(model)),
        }


def test_retrain_function_reads_only_the_models_retraining_parameters(retraining: Template) -> None:
    statements = [
        statement
        for policy in resources(retraining, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "ssm:" in json.dumps(statement["Action"])
    ]
    assert statements == [
        {
            "Action": "ssm:GetParameter",
            "Effect": "Allow",
            "Resource": f"arn:aws:ssm:eu-west-1:{DEV}:parameter/mlops/models/*/retraining",
        }
    ]


def test_retrain_function_may_start_only_the_build_pipelines(retraining: Template) -> None:
    statements = [
        statement
        for policy in resources(retraining, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "sagemaker" in json.dumps(statement["Action"])
    ]
    assert statements == [
        {
            "Action": "sagemaker:StartPipelineExecution",
            "Effect": "Allow",
            "Resource": f"arn:aws:sagemaker:eu-west-1:{DEV}:pipeline/mlops-*-build",
        }
    ]


def test_retrain_function_writes_only_its_table_items(retraining: Template) -> None:
    table = Capture()
    retraining.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [table, "Arn"]},
                        }
                    ]
                )
            }
        },
    )
    assert table.as_string() == "RetrainTriggerTable510B2A59"


def test_rate_limit_table_is_encrypted_recoverable_and_expiring(retraining: Template) -> None:
    retraining.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        },
    )


def test_stateful_resources_keep_their_logical_ids_and_dev_removal_policy(retraining: Template) -> None:
    assert resources(retraining, "AWS::DynamoDB::Table")["RetrainTriggerTable510B2A59"]["DeletionPolicy"] == "Delete"
    assert resources(retraining, "AWS::KMS::Key")["Key961B73FD"]["DeletionPolicy"] == "Delete"


def test_both_rules_retry_then_dead_letter_into_an_encrypted_queue(retraining: Template) -> None:
    [(queue_id, queue)] = event_dead_letters(retraining).items()
    assert "Key961B73FD" in json.dumps(queue["Properties"]["KmsMasterKeyId"])
    rules = resources(retraining, "AWS::Events::Rule").values()
    assert len(rules) == 2
    for rule in rules:
        [target] = rule["Properties"]["Targets"]
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0


def test_a_dead_letter_notifies_the_approvers(retraining: Template) -> None:
    [(queue_id, _)] = event_dead_letters(retraining).items()
    [(topic_id, _)] = resources(retraining, "AWS::SNS::Topic").items()
    [alarm] = [
        alarm["Properties"] for alarm in resources(retraining, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Dimensions") == [
            {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
        ]
    ]
    assert (alarm["MetricName"], alarm["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 0)
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]
    [key] = resources(retraining, "AWS::KMS::Key").values()
    assert any(
        statement.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        and {"kms:Decrypt", "kms:GenerateDataKey"} <= set(statement["Action"])
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
    )

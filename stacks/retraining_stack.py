"""RetrainingStack (dev): where staging's and prod's monitoring alarms land.

- ``ServingAccountsEventIntake``: dev's default event bus accepts CloudWatch alarm
  events from the staging and prod accounts, and from no other account;
- ``AlarmNotifications``: every forwarded alarm entering ALARM reaches the
  approvers (``approver_emails``) through an encrypted SNS topic;
- ``RetrainTrigger``: a model's drift alarm from prod starts its build pipeline
  with ``TriggerReason`` = ``drift:prod:<model>:<alarm>``, at most once per
  ``retrain_min_interval_hours``. Staging's drift never retrains: its traffic
  is smoke tests, not customers. Names no model: alarms, pipelines and each model's
  retraining parameter (written by its ``ModelStack``) are matched by naming rule.

Both rules retry and then dead-letter what they cannot deliver into one queue
(``EventDeadLetters``), whose not-empty alarm notifies the approvers' topic.
One KMS key (rotated) encrypts the topic, the table, the function's logs and
the dead-letter queues.
"""

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.account_settings import log_retention_of, removal_policy_of
from stacks.components.alarm_notifications import AlarmNotifications, allow_events_to_use
from stacks.components.event_dead_letters import EventDeadLetters
from stacks.components.event_forwarding import ServingAccountsEventIntake
from stacks.components.model_alarms import DATA_DRIFT, MODEL_QUALITY
from stacks.components.retrain_trigger import RetrainTrigger
from stacks.components.log_encryption import allow_logs_to_encrypt_with
from platform_config import PlatformConfig
from stacks.cross_account import serving_account_ids
from platform_config.naming import MODEL_PLACEHOLDER, build_pipeline_name, model_parameter_name, monitoring_alarm_name
from stacks.model_stack import RETRAINING_ACCOUNT, RETRAINING_SETTING

# Every alarm purpose that may retrain a model; each model's parameter says which of its do.
RETRAINING_PURPOSES = (DATA_DRIFT, MODEL_QUALITY)


def retrain_settings(config: PlatformConfig) -> dict[str, Any]:
    """The retrain function's settings: prod's account and the naming rules of drift alarms,
    build pipelines and each model's retraining parameter (written by its ``ModelStack``)."""
    return {
        "accounts": {config.accounts.prod.account_id: RETRAINING_ACCOUNT},
        "alarms": [monitoring_alarm_name(config, MODEL_PLACEHOLDER, purpose) for purpose in RETRAINING_PURPOSES],
        "pipelines": build_pipeline_name(config, MODEL_PLACEHOLDER),
        "model_settings": model_parameter_name(config, MODEL_PLACEHOLDER, RETRAINING_SETTING),
    }


class RetrainingStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        account = config.accounts.dev
        key = kms.Key(
            self,
            "Key",
            description="Monitoring alarm notifications and the retrain trigger's state and logs",
            enable_key_rotation=True,
            removal_policy=removal_policy_of(account),
        )
        allow_logs_to_encrypt_with(key)
        allow_events_to_use(key)
        # The dead-letter alarm notifies the encrypted approvers' topic.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsNotify",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        ServingAccountsEventIntake(self, "ServingAccountsEventIntake", account_ids=serving_account_ids(config))
        dead_letters = EventDeadLetters(
            self, "EventDeadLetters", key=key, purpose="An alarm notification or a retraining trigger"
        )
        notifications = AlarmNotifications(
            self,
            "AlarmNotifications",
            key=key,
            emails=list(config.approver_emails),
            account_ids=serving_account_ids(config),
            dead_letters=dead_letters,
        )
        dead_letters.alarm.add_alarm_action(cloudwatch_actions.SnsAction(notifications.topic))
        RetrainTrigger(
            self,
            "RetrainTrigger",
            settings=retrain_settings(config),
            key=key,
            removal_policy=removal_policy_of(account),
            log_retention=log_retention_of(account),
            dead_letters=dead_letters,
        )

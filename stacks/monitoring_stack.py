"""MonitoringStack (staging, prod): what every model's monitoring shares in an account.

``AlarmForwarding`` of the models' monitoring alarms to dev's event bus, selected by
their naming convention (``monitoring_alarm_name`` with ``ANY_MODEL``, one pattern per
purpose in ``NAMED_ALARM_PURPOSES``), never by a list of models: the template is the
same for one model or sixty, each model's alarms living in its own
``ModelMonitoringStack``. Rollback alarms (``<platform>-<model>-rollback-*``) are not
forwarded: a rollback is the deployment's business. Undeliverable events are
dead-lettered under the serving key, read from ServingFoundation's SSM parameter, so
the stack deploys after ServingFoundation.
"""

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import ANY_MODEL, monitoring_alarm_name, serving_parameter_name
from stacks.components.endpoint_settings import KEY_ARN
from stacks.components.event_forwarding import AlarmForwarding
from stacks.components.model_alarms import NAMED_ALARM_PURPOSES


class MonitoringStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        key_arn = CfnParameter(
            self,
            "KeyArn",
            type="AWS::SSM::Parameter::Value<String>",
            default=serving_parameter_name(config, KEY_ARN),
            description="SSM parameter holding the account's serving key (ServingFoundation)",
        ).value_as_string
        self.forwarding = AlarmForwarding(
            self,
            "AlarmForwarding",
            alarm_name_patterns=[monitoring_alarm_name(config, ANY_MODEL, purpose) for purpose in NAMED_ALARM_PURPOSES],
            dev_account_id=config.accounts.dev.account_id,
            dead_letter_key=kms.Key.from_key_arn(self, "ServingKey", key_arn),
        )

"""What the CloudFormation execution role needs beyond a plain endpoint: autoscaling and Model Monitor.

``allow_endpoint_autoscaling`` (prod): register the endpoints' variants as scalable
targets (SageMaker's instance count only), put and delete their scaling policies, tag
the targets, and create Application Auto Scaling's service-linked role.

``allow_endpoint_model_monitors``: create, update and delete the Model Monitor schedules
and job definitions of the platform's endpoints (names ``<platform>-*``, the endpoint's
name first), and pass the models' monitoring job roles (``<platform>-*-monitoring-job``,
``monitoring_job_role_name``) to SageMaker only.

``allow_async_topics`` (prod): create, configure, tag and delete the async endpoints' SNS
topics (``<platform>-*-async-*``, ``async_topic_name``), their TLS-only topic policies included.

Each returns the ``AwsSolutions-IAM5`` findings its wildcards raise, with their reasons.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from platform_config import PlatformConfig
from platform_config.naming import ANY_MODEL, async_topic_name, endpoint_name
from stacks.components.role_statements import allow, sagemaker_arn
from stacks.cross_account import monitoring_job_role_name

AUTOSCALING_SERVICE = "sagemaker.application-autoscaling.amazonaws.com"
ENDPOINT_SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# ARN resource type prefix of a Model Monitor job definition → its API name.
MONITOR_KINDS = {
    "data-quality": "DataQuality",
    "model-quality": "ModelQuality",
    "model-bias": "ModelBias",
    "model-explainability": "ModelExplainability",
}


def allow_endpoint_autoscaling(role: iam.Role) -> dict[str, str]:
    stack = Stack.of(role)
    scalable_targets = stack.format_arn(service="application-autoscaling", resource="scalable-target", resource_name="*")
    allow(
        role,
        "EndpointAutoscaling",
        [
            "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
            "application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
        ],
        [scalable_targets],
        {
            "StringEquals": {
                "application-autoscaling:service-namespace": "sagemaker",
                "application-autoscaling:scalable-dimension": ENDPOINT_SCALABLE_DIMENSION,
            }
        },
    )
    # The scalable target carries the platform's tags from creation. Tagging requests have no
    # service-namespace or dimension keys, so these are held to the targets by ARN only.
    allow(
        role,
        "TagScalableTargets",
        ["application-autoscaling:TagResource", "application-autoscaling:UntagResource",
         "application-autoscaling:ListTagsForResource"],
        [scalable_targets],
    )
    allow(
        role,
        "DescribeAutoscaling",
        ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"],
        ["*"],
    )
    linked_role = f"arn:aws:iam::{stack.account}:role/aws-service-role/{AUTOSCALING_SERVICE}/*"
    allow(
        role,
        "AutoscalingServiceLinkedRole",
        ["iam:CreateServiceLinkedRole"],
        [linked_role],
        {"StringEquals": {"iam:AWSServiceName": AUTOSCALING_SERVICE}},
    )
    return {
        f"Resource::{linked_role}": (
            "Application Auto Scaling's service-linked role for SageMaker endpoints has a name AWS chooses."
        ),
        f"Resource::{scalable_targets}": (
            "A scalable target's ARN ends with an id Application Auto Scaling generates; conditions hold "
            "registering and scaling to SageMaker endpoint variants' instance counts, and tagging is held to "
            "this account's scalable targets."
        ),
    }


def allow_endpoint_model_monitors(role: iam.Role, config: PlatformConfig) -> dict[str, str]:
    names = endpoint_name(config, ANY_MODEL)
    schedules = sagemaker_arn(role, "monitoring-schedule", names)
    definitions = [sagemaker_arn(role, f"{kind}-job-definition", names) for kind in MONITOR_KINDS]
    allow(
        role,
        "ModelMonitorSchedules",
        ["sagemaker:CreateMonitoringSchedule", "sagemaker:UpdateMonitoringSchedule",
         "sagemaker:DescribeMonitoringSchedule", "sagemaker:DeleteMonitoringSchedule"],
        [schedules],
    )
    allow(
        role,
        "ModelMonitorJobDefinitions",
        [f"sagemaker:{verb}{kind}JobDefinition" for kind in MONITOR_KINDS.values()
         for verb in ("Create", "Describe", "Delete")],
        definitions,
    )
    allow(
        role,
        "TagModelMonitorResources",
        ["sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags"],
        [schedules, *definitions],
    )
    job_roles = Stack.of(role).format_arn(
        service="iam", region="", resource="role", resource_name=monitoring_job_role_name(config, ANY_MODEL)
    )
    allow(
        role,
        "PassMonitoringJobRoles",
        ["iam:PassRole"],
        [job_roles],
        {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    )
    return {
        **{
            f"Resource::{resource}": (
                "Model Monitor schedules and job definitions are named after their endpoint (<platform>-<model>); "
                "job definitions also carry the served version, and a new version's definitions replace the old ones."
            )
            for resource in (schedules, *definitions)
        },
        f"Resource::{job_roles}": (
            "Each model's monitoring jobs run as its own role, <platform>-<model>-monitoring-job, which its "
            "Monitoring stack creates; the pattern admits those roles only, passed to SageMaker only."
        ),
    }


def allow_async_topics(role: iam.Role, config: PlatformConfig) -> dict[str, str]:
    topics = Stack.of(role).format_arn(service="sns", resource=async_topic_name(config, ANY_MODEL, "*"))
    allow(
        role,
        "AsyncEndpointTopics",
        ["sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
         "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"],
        [topics],
    )
    return {
        f"Resource::{topics}": (
            "An async endpoint's success and error topics are named <platform>-<model>-async-<outcome>; the "
            "pattern admits those topics and no other, so a new async model needs no change here."
        ),
    }

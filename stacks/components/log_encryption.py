"""``allow_logs_to_encrypt_with``: the key policy statement that lets CloudWatch Logs encrypt an account's log groups.

A Lambda function's log group names its stack's key (``PlatformFunction``); CloudWatch Logs then
uses the key as its regional service principal, for log groups of this account and region only
(the encryption context names the log group).
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms


def allow_logs_to_encrypt_with(key: kms.Key) -> None:
    """Adds the statement ``CloudWatchLogsEncryptsFunctionLogs`` to ``key``'s policy."""
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsEncryptsFunctionLogs",
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{stack.region}:{stack.account}:log-group:*"
                }
            },
        )
    )

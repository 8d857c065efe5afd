"""What an account's config means in CDK terms: removal policy and log retention."""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from platform_config.accounts import AccountConfig


def removal_policy_of(account: AccountConfig) -> RemovalPolicy:
    return RemovalPolicy.DESTROY if account.removal_policy == "destroy" else RemovalPolicy.RETAIN


_RETENTION_BY_DAYS = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def log_retention_of(account: AccountConfig) -> logs.RetentionDays:
    """The CloudWatch Logs retention the config gives the account (validated to these values)."""
    return _RETENTION_BY_DAYS[account.log_retention_days]

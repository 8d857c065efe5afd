"""AccountBudget: the account's monthly AWS Budgets cost budget, with e-mail alerts.

Creates one ``AWS::Budgets::Budget`` named ``budget_name``: a ``COST`` budget of
``limit_usd`` a ``MONTHLY`` period, counting the unblended cost of the resources tagged
``platform = <platform name>`` (the tag every platform resource carries), which e-mails
each of ``alert_emails`` when the month's actual cost passes ``ACTUAL_PERCENT`` of the
limit and when AWS forecasts the month's cost above ``FORECAST_PERCENT``.

The tag filter counts costs only once ``platform`` is an active cost allocation tag of
the organization's management account (README: Tags and cost allocation); until then the
budget reads zero. Exposes ``budget``.
"""

from collections.abc import Sequence

from aws_cdk import aws_budgets as budgets
from constructs import Construct

ACTUAL_PERCENT = 80
FORECAST_PERCENT = 100
# What the estimate prices: on-demand rates, before discounts and credits.
COST_METRIC = "UnblendedCost"


class AccountBudget(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        budget_name: str,
        limit_usd: float,
        alert_emails: Sequence[str],
        tag_key: str,
        tag_value: str,
    ) -> None:
        super().__init__(scope, construct_id)
        if not alert_emails:
            raise ValueError(f"budget {budget_name}: no address to send its alerts to")
        subscribers = [
            budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=email) for email in alert_emails
        ]
        self.budget = budgets.CfnBudget(
            self,
            "Resource",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=limit_usd, unit="USD"),
                filter_expression=budgets.CfnBudget.ExpressionProperty(
                    tags=budgets.CfnBudget.TagValuesProperty(key=tag_key, values=[tag_value], match_options=["EQUALS"])
                ),
                metrics=[COST_METRIC],
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind,
                        comparison_operator="GREATER_THAN",
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for kind, percent in (("ACTUAL", ACTUAL_PERCENT), ("FORECASTED", FORECAST_PERCENT))
            ],
        )

"""PersonaRole: the execution role of a Studio persona (or of the domain's defaults).

Creates an IAM role that only SageMaker may assume. ``grant(*policies)`` turns
each ``PersonaPolicy`` into a customer-managed policy of its own, attached to the
role (one capability per policy keeps each well under IAM's size limits, which
one inline policy of a busy persona would exceed), plus ``PassItself`` when a
policy needs it: ``iam:PassRole`` on the role itself, to SageMaker only (jobs,
models and pipelines the persona starts run as the persona). Each wildcard
resource is acknowledged (``AwsSolutions-IAM5``) with the reason its policy
gives, and each checkov skip a policy carries lands on its managed policy; statement
ids must be unique across the role's policies.

Exposes ``role``.
"""

from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.components.checkov import skip_checkov
from stacks.components.nag import acknowledge_all, as_nag_renders
from stacks.components.persona_policies import PersonaPolicy


class PersonaRole(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, description: str) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"), description=description
        )

    def grant(self, *policies: PersonaPolicy) -> None:
        """Attach ``policies``; call once with all of them (acknowledgements are per finding,
        so the reasons of a wildcard resource several policies share are merged here)."""
        sids = [statement.sid for policy in policies for statement in policy.statements]
        duplicates = sorted({sid for sid in sids if sids.count(sid) > 1})
        if duplicates:
            raise ValueError(f"{self.node.path}: statement ids used twice: {duplicates}")
        for policy in policies:
            managed = iam.ManagedPolicy(self, policy.name, statements=policy.statements, roles=[self.role])
            for check_id, reason in policy.checkov_skips.items():
                skip_checkov(managed.node.default_child, check_id, reason)
        if any(policy.passes_itself for policy in policies):
            iam.ManagedPolicy(
                self,
                "PassItself",
                roles=[self.role],
                statements=[
                    iam.PolicyStatement(
                        sid="PassItselfToSageMaker",
                        actions=["iam:PassRole"],
                        resources=[self.role.role_arn],
                        conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                    )
                ],
            )
        reasons: dict[str, list[str]] = {}
        for policy in policies:
            for resource, reason in policy.wildcard_reasons.items():
                texts = reasons.setdefault(as_nag_renders(self, resource), [])
                if reason not in texts:
                    texts.append(reason)
        acknowledge_all(
            self, {f"AwsSolutions-IAM5[Resource::{resource}]": " ".join(texts) for resource, texts in reasons.items()}
        )

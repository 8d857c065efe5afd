"""Tags on every resource of a scope that can carry them, at deploy time.

``tag_resources(stage, tags)`` adds ``tags`` with CDK's ``Tags`` aspect, which reaches
every L1 whose CloudFormation type CDK knows to be taggable, and tags the raw
``CfnResource``s that aspect cannot see: CDK's ``CustomResourceProvider`` (behind
``auto_delete_objects`` buckets and ``restrict_default_security_group`` VPCs) writes its
role and handler as raw ``AWS::IAM::Role`` and ``AWS::Lambda::Function`` resources
(aws/aws-cdk#13851). Call it on each ``Stage``: aspects do not cross a Stage boundary,
so tags added to the ``App`` reach no template.
"""

from collections.abc import Mapping

import jsii
from aws_cdk import Aspects, CfnResource, IAspect, Tags, TagManager
from constructs import IConstruct

# Raw resource types CDK's own constructs emit whose tags are a list of {Key, Value}.
RAW_TYPES_WITH_TAG_LIST = frozenset({"AWS::IAM::Role", "AWS::Lambda::Function"})


@jsii.implements(IAspect)
class _TagRawResources:
    def __init__(self, tags: Mapping[str, str]) -> None:
        self._tags = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]

    def visit(self, node: IConstruct) -> None:
        if (
            CfnResource.is_cfn_resource(node)
            and not TagManager.is_taggable(node)
            and node.cfn_resource_type in RAW_TYPES_WITH_TAG_LIST
        ):
            node.add_property_override("Tags", self._tags)


def tag_resources(scope: IConstruct, tags: Mapping[str, str]) -> None:
    """Tag every taggable resource under ``scope`` (a Stage or a Stack) with ``tags``."""
    for key, value in tags.items():
        Tags.of(scope).add(key, value)
    Aspects.of(scope).add(_TagRawResources(tags))

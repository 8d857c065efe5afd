"""Tags on every resource of a stage that can carry them, at deploy time.

``tag_resources(stage, tags)`` adds ``tags`` with CDK's ``Tags`` aspect, which reaches
every L1 whose CloudFormation type CDK knows to be taggable, and tags the raw
``CfnResource``s that aspect cannot see: CDK's ``CustomResourceProvider`` (behind
``auto_delete_objects`` buckets and ``restrict_default_security_group`` VPCs) writes its
role and handler as raw ``AWS::IAM::Role`` and ``AWS::Lambda::Function`` resources
(aws/aws-cdk#13851). Call it on each ``Stage`` once its stacks are built: aspects do not
cross a Stage boundary, so tags added to the ``App`` reach no template.

The raw resources are found where CDK puts them (each provider is a singleton child of its
stack with a fixed id, ``PROVIDER_IDS``), in the stacks whose constructs said they bring one
(``expect_custom_resource_provider``), rather than by a Python aspect: an aspect written in
Python is called back across the jsii bridge for every construct of the app, which made it a
tenth of the whole synth and grew with every model; looking into every stack cost five calls
a stack. ``tests/infra/test_tags.py`` fails on a provider this misses.
"""

import weakref
from collections.abc import Mapping

from aws_cdk import CfnResource, Stack, Stage, Tags
from constructs import IConstruct

# Raw resource types CDK's own constructs emit whose tags are a list of {Key, Value}.
RAW_TYPES_WITH_TAG_LIST = frozenset({"AWS::IAM::Role", "AWS::Lambda::Function"})
# The CustomResourceProviders the platform's constructs bring (auto_delete_objects buckets,
# restrict_default_security_group VPCs).
PROVIDER_IDS = ("Custom::S3AutoDeleteObjectsCustomResourceProvider", "Custom::VpcRestrictDefaultSGCustomResourceProvider")


# Stacks that hold a CustomResourceProvider, as their constructs declared it.
_STACKS_WITH_PROVIDERS: "weakref.WeakSet[Stack]" = weakref.WeakSet()


def expect_custom_resource_provider(scope: IConstruct) -> None:
    """Declare that ``scope`` makes CDK add one of ``PROVIDER_IDS`` to its stack, so that
    ``tag_resources`` tags the provider's raw resources."""
    _STACKS_WITH_PROVIDERS.add(Stack.of(scope))


def tag_resources(stage: Stage, tags: Mapping[str, str]) -> None:
    """Tag every taggable resource of ``stage``'s stacks with ``tags``."""
    for key, value in tags.items():
        Tags.of(stage).add(key, value)
    tag_list = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
    for stack in stage.node.children:
        if stack not in _STACKS_WITH_PROVIDERS:
            continue
        for provider_id in PROVIDER_IDS:
            provider = stack.node.try_find_child(provider_id)
            if provider is None:
                continue
            for resource in provider.node.children:
                if CfnResource.is_cfn_resource(resource) and resource.cfn_resource_type in RAW_TYPES_WITH_TAG_LIST:
                    resource.add_property_override("Tags", tag_list)

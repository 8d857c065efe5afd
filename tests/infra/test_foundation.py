"""Network, Data and FeatureStore stacks: the foundation's resources and their controls."""

import json

import pytest
from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from stacks.components.platform_network import PlatformNetwork
from platform_config.accounts import CreatedNetwork, ImportedNetwork
from tests.synth import SynthesizedApp


def test_created_vpcs_have_only_isolated_subnets_and_no_internet_path(synthesized: SynthesizedApp) -> None:
    for stage, zones in (("Dev", 2), ("Staging", 2), ("Prod", 3)):
        network = synthesized.template(f"{stage}/Network")
        network.resource_count_is("AWS::EC2::Subnet", zones)
        network.resource_count_is("AWS::EC2::InternetGateway", 0)
        network.resource_count_is("AWS::EC2::NatGateway", 0)
        network.has_resource_properties("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": False})


def test_subnets_use_zones_resolved_by_cloudformation(synthesized: SynthesizedApp) -> None:
    synthesized.template("Dev/Network").has_resource_properties(
        "AWS::EC2::Subnet", {"AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}
    )


def test_flow_logs_capture_all_traffic_to_an_encrypted_log_group(synthesized: SynthesizedApp) -> None:
    for stage in ("Dev", "Staging", "Prod"):
        network = synthesized.template(f"{stage}/Network")
        network.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL", "ResourceType": "VPC"})
        network.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": Match.any_value()})


def test_dev_has_the_endpoints_studio_in_vpc_only_mode_needs(synthesized: SynthesizedApp) -> None:
    network = synthesized.template("Dev/Network")
    for service in ("sagemaker.api", "sagemaker.runtime", "sts", "logs", "ecr.dkr", "kms"):
        network.has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            {
                "ServiceName": f"com.amazonaws.eu-west-1.{service}",
                "PrivateDnsEnabled": True,
                "VpcEndpointType": "Interface",
            },
        )
    network.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]}, "VpcEndpointType": "Gateway"},
    )


def _s3_egress_lookup(template: Template) -> dict:
    """The custom resource whose answer the workload group's S3 egress rule uses."""
    groups = template.find_resources("AWS::EC2::SecurityGroup", {"Properties": {"GroupDescription": Match.string_like_regexp("^SageMaker workloads")}})
    (group_id,) = groups
    rules = [
        rule["Properties"]
        for rule in template.find_resources("AWS::EC2::SecurityGroupEgress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]} and "DestinationPrefixListId" in rule["Properties"]
    ]
    assert [(rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in rules] == [("tcp", 443, 443)]
    logical_id, attribute = rules[0]["DestinationPrefixListId"]["Fn::GetAtt"]
    assert attribute == "PrefixLists.0.PrefixListId"
    return template.to_json()["Resources"][logical_id]


@pytest.mark.parametrize(
    "network",
    [
        CreatedNetwork(),
        ImportedNetwork(
            mode="import", vpc_id="vpc-0123456789abcdef0", cidr="10.30.0.0/16", subnet_ids=("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"),
            availability_zones=("eu-central-1a", "eu-central-1b"),
        ),
    ],
    ids=["created", "imported"],
)
def test_workloads_reach_s3_through_the_regions_prefix_list_read_at_deploy_time(network) -> None:
    app = App()
    stack = Stack(app, "Network", env=Environment(account="111111111111", region="eu-central-1"))
    PlatformNetwork(
        stack, "Network", network=network, interface_services=(), log_retention=logs.RetentionDays.ONE_WEEK,
        removal_policy=RemovalPolicy.DESTROY,
    )
    lookup = _s3_egress_lookup(Template.from_stack(stack))
    call = json.loads(lookup["Properties"]["Create"])
    assert (lookup["Type"], call["service"], call["action"]) == ("Custom::AWS", "EC2", "describeManagedPrefixLists")
    assert call["parameters"]["Filters"] == [{"Name": "prefix-list-name", "Values": ["com.amazonaws.eu-central-1.s3"]}]


def test_endpoints_accept_https_only_from_workloads(synthesized: SynthesizedApp) -> None:
    synthesized.template("Dev/Network").has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "SourceSecurityGroupId": Match.any_value()},
    )


def test_keys_rotate(synthesized: SynthesizedApp) -> None:
    data = synthesized.template("Dev/Data")
    data.resource_count_is("AWS::KMS::Key", 2)
    data.all_resources_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_buckets_are_encrypted_versioned_private_and_logged(synthesized: SynthesizedApp) -> None:
    data = synthesized.template("Dev/Data")
    data.resource_count_is("AWS::S3::Bucket", 4)
    data.all_resources_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )
    for name in ("raw", "curated", "artifacts"):
        data.has_resource_properties(
            "AWS::S3::Bucket",
            {
                "BucketName": f"mlops-{name}-111111111111-eu-west-1",
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}, "BucketKeyEnabled": True}
                    ]
                },
                "LoggingConfiguration": {"DestinationBucketName": Match.any_value(), "LogFilePrefix": Match.any_value()},
            },
        )


def test_every_bucket_denies_requests_without_tls(synthesized: SynthesizedApp) -> None:
    data = synthesized.template("Dev/Data")
    policies = data.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            statement["Effect"] == "Deny"
            and statement["Action"] == "s3:*"
            and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for statement in statements
        )


def test_only_serving_model_roles_read_model_artifacts(synthesized: SynthesizedApp) -> None:
    data = synthesized.template("Dev/Data")
    model_roles = ["arn:aws:iam::222222222222:role/mlops-model-execution", "arn:aws:iam::333333333333:role/mlops-model-execution"]
    data.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "ServingAccountsReadModelArtifacts",
                                "Effect": "Allow",
                                "Action": "s3:GetObject",
                                "Condition": {"ArnEquals": {"aws:PrincipalArn": model_roles}},
                                "Resource": {"Fn::Join": ["", [Match.any_value(), "/models/*"]]},
                            }
                        )
                    ]
                )
            }
        },
    )
    data.has_resource_properties(
        "AWS::KMS::Key",
        {
            "Description": Match.string_like_regexp("ML artifacts"),
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "ServingAccountsDecryptModelArtifacts",
                                "Action": ["kms:Decrypt", "kms:DescribeKey"],
                                "Condition": Match.object_like({"ArnEquals": {"aws:PrincipalArn": model_roles}}),
                            }
                        )
                    ]
                )
            },
        },
    )


def test_serving_accounts_cannot_write_or_read_other_data(synthesized: SynthesizedApp) -> None:
    data = synthesized.template("Dev/Data")
    for policy in data.find_resources("AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow" and "222222222222" in str(statement.get("Principal")):
                assert statement["Action"] == "s3:GetObject"
    data_key = next(
        key for key in data.find_resources("AWS::KMS::Key").values() if key["Properties"]["Description"].startswith("Raw")
    )
    assert "222222222222" not in str(data_key) and "333333333333" not in str(data_key)


def test_stateful_logical_ids_are_pinned(synthesized: SynthesizedApp) -> None:
    # Renaming one of these replaces the resource and loses its data.
    assert {"DataKey17AFBB84", "ArtifactKey8D84C5F0", "RawDataBucket46CFA8FB", "CuratedDataBucketBC3C99CF",
            "ArtifactsBucket88671897", "AccessLogsBucketCD784A59"} <= set(synthesized.templates["Dev/Data"]["Resources"])
    assert synthesized.templates["Dev/FeatureStore"]["Resources"]["LoanApplicantsD307A9CD"]["Type"] == (
        "AWS::SageMaker::FeatureGroup"
    )


def test_dev_data_is_destroyed_with_the_stack_but_prod_keeps_everything(synthesized: SynthesizedApp) -> None:
    dev_buckets = synthesized.template("Dev/Data").find_resources("AWS::S3::Bucket")
    assert {bucket["DeletionPolicy"] for bucket in dev_buckets.values()} == {"Delete"}
    prod_keys = synthesized.template("Prod/Network").find_resources("AWS::KMS::Key")
    assert {key["DeletionPolicy"] for key in prod_keys.values()} == {"Retain"}


def test_feature_group_follows_its_spec(synthesized: SynthesizedApp, platform_config) -> None:
    spec = platform_config.feature_groups[0]
    synthesized.template("Dev/FeatureStore").has_resource_properties(
        "AWS::SageMaker::FeatureGroup",
        {
            "FeatureGroupName": "loan-applicants",
            "RecordIdentifierFeatureName": "applicant_id",
            "EventTimeFeatureName": "event_time",
            "FeatureDefinitions": [{"FeatureName": f.name, "FeatureType": f.type} for f in spec.features],
            "OnlineStoreConfig": {
                "EnableOnlineStore": True,
                "SecurityConfig": {"KmsKeyId": Match.any_value()},
                "TtlDuration": {"Unit": "Days", "Value": 365},
            },
            "OfflineStoreConfig": {
                "S3StorageConfig": {"S3Uri": Match.any_value(), "KmsKeyId": Match.any_value()},
                "TableFormat": "Iceberg",
                "DisableGlueTableCreation": False,
            },
            "RoleArn": Match.any_value(),
        },
    )


def test_offline_store_role_writes_objects_and_their_acls_under_its_prefix_only(synthesized: SynthesizedApp) -> None:
    synthesized.template("Dev/FeatureStore").has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["s3:GetObject", "s3:PutObject", "s3:PutObjectAcl"],
                            "Effect": "Allow",
                            "Resource": "arn:aws:s3:::mlops-curated-111111111111-eu-west-1/feature-store/*",
                        }
                    ]
                )
            }
        },
    )


def test_platform_functions_can_write_to_their_encrypted_dead_letter_queue(synthesized: SynthesizedApp) -> None:
    for path, template in synthesized.templates.items():
        resources = template["Resources"].values()
        if not any(resource["Type"] == "AWS::Lambda::Function" for resource in resources):
            # No function here: a queue of such a stack takes EventBridge's dead letters, through the key's policy.
            continue
        queue_keys = [
            resource["Properties"]["KmsMasterKeyId"]
            for resource in resources
            if resource["Type"] == "AWS::SQS::Queue" and "KmsMasterKeyId" in resource["Properties"]
        ]
        statements = [
            statement
            for resource in resources
            if resource["Type"] == "AWS::IAM::Policy"
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        ]
        for key in queue_keys:
            key_arn = {"Fn::GetAtt": [key["Fn::GetAtt"][0], "Arn"]} if "Fn::GetAtt" in key else key
            assert any(
                "kms:GenerateDataKey" in statement["Action"] and key_arn in (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                for statement in statements
            ), path

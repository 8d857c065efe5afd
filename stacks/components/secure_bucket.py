"""SecureBucket: an S3 bucket with the platform's baseline controls.

Creates a bucket that is versioned, blocks all public access, denies non-TLS
requests, enforces bucket-owner object ownership, and sends server access logs
to ``access_log_bucket``. Encryption is SSE-KMS with ``encryption_key`` (bucket
keys on), or SSE-S3 when no key is given (access-log buckets must be SSE-S3:
S3 log delivery cannot write to SSE-KMS buckets).

Exposes ``bucket``. Default removal: ``removal_policy`` as passed; ``DESTROY``
also empties the bucket on delete (dev only, decided by the config).
"""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.components.nag import acknowledge
from stacks.components.platform_tags import expect_custom_resource_provider


class SecureBucket(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        removal_policy: RemovalPolicy,
        bucket_name: str | None = None,
        encryption_key: kms.IKey | None = None,
        access_log_bucket: s3.IBucket | None = None,
        access_log_prefix: str | None = None,
        noncurrent_version_days: int = 90,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=encryption_key,
            bucket_key_enabled=encryption_key is not None,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_log_bucket,
            server_access_logs_prefix=access_log_prefix,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(noncurrent_version_days),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=removal_policy,
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )
        if removal_policy == RemovalPolicy.DESTROY:
            expect_custom_resource_provider(self)
        acknowledge(
            self.bucket,
            "NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled",
            "The platform is single-region by design; versioning, RETAIN outside dev and prod "
            "termination protection guard against loss. Cross-region replication needs a second region, "
            "which the platform's config does not have; adding one is a disaster-recovery decision.",
        )
        if encryption_key is None:
            acknowledge(
                self.bucket,
                "NIST.800.53.R5::NIST.800.53.R5-S3DefaultEncryptionKMS",
                "SSE-S3 is used only for access-log buckets: S3 server access log delivery cannot "
                "write to a bucket whose default encryption is SSE-KMS.",
            )

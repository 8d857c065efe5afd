"""The Secrets Manager secret of a PII pseudonymization (HMAC) key.

``pii_key_secret`` creates ``construct_id`` in ``scope`` (so callers keep their logical ids):
a generated 64-character value, encrypted with ``key``, named ``secret_name``. It is never
rotated: a new key changes every pseudonym, so the acknowledgement of cdk-nag's rotation
findings says, in ``why_not_rotated``, what would stop matching.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.components.nag import acknowledge_all


def pii_key_secret(
    scope: Construct,
    construct_id: str,
    *,
    secret_name: str,
    description: str,
    key: kms.IKey,
    removal_policy: RemovalPolicy,
    why_not_rotated: str,
) -> secretsmanager.Secret:
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        secret_name=secret_name,
        description=description,
        encryption_key=key,
        generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
        removal_policy=removal_policy,
    )
    reason = f"Rotating the pseudonymization key changes every pseudonym, so {why_not_rotated}; it is replaced deliberately."
    acknowledge_all(
        secret,
        {
            "AwsSolutions::AwsSolutions-SMG4": reason,
            "NIST.800.53.R5::NIST.800.53.R5-SecretsManagerRotationEnabled": reason,
        },
    )
    return secret

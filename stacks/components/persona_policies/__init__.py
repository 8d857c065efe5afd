"""What each Studio persona may do: the statements of its execution role.

Every persona works in Studio: it reads the domain, opens its own private spaces
and their apps, uses the domain's key for their volumes and writes SageMaker's
logs (``studio_user``). On top of that (``PERSONA_POLICIES``):

- ``data_engineer``: reads and writes raw and curated data; runs processing jobs;
  creates the platform's feature groups and writes their records; queries the offline
  stores in the feature store's Athena workgroup; starts and follows the ingestion pipelines.
- ``data_scientist``: reads curated data, features and artifacts, queries the offline stores
  in the feature store's Athena workgroup (never starts an ingestion: an explicit Deny), writes
  ``experiments/`` of the artifact bucket; runs processing and training jobs;
  starts, stops and retries the platform's SageMaker pipelines; creates and
  updates only experiment pipelines; registers model versions, only as
  ``PendingManualApproval``; logs runs to the MLflow tracking server (and their artifacts under
  its ``mlflow/`` prefix) and opens its UI.
- ``mlops_engineer``: reads artifacts; starts, stops and retries the platform's
  SageMaker pipelines; creates, updates and deletes only experiment pipelines;
  reads the platform's CodePipeline pipelines, starts and retries the build
  pipeline but never a promotion pipeline, and reads its CodeBuild projects and
  logs; runs models and endpoints in dev; reads the registry and the MLflow tracking server's runs.
- ``model_approver``: reads the registry and ``reports/`` of the artifact bucket; the
  only persona that may change a version's approval status, and only to
  ``Approved`` or ``Rejected``.

Model-specific resources are named by rule, never listed: the registry groups
(``<name>-*``) and promotion pipelines (``<name>-*-promotion``), so a new model changes
no persona policy. The production build pipelines (``<name>-<model>-build``) are upserted only by
the build CodePipeline: personas may start them, never change or delete them.
Their own pipelines take the experiment prefix ``<name>-exp-``
(``StudioScope.experiment_pipeline_prefix``), which a production pipeline name
may never match (``StudioScope`` refuses one that does). A promotion starts only
from an approval in the registry (the approval trigger): no persona may start,
retry or roll back a promotion pipeline, whatever other statement allows it
(an explicit Deny).

Jobs, models and pipelines a persona starts run as its own role (it may pass
itself to SageMaker, ``PersonaPolicy.passes_itself``) and only in the platform's
subnets and security group (``sagemaker:VpcSubnets``, ``sagemaker:VpcSecurityGroupIds``).
No statement has a wildcard action; every wildcard resource carries its reason
(``PersonaPolicy.wildcard_reasons``), which becomes the cdk-nag acknowledgement.
"""


from stacks.components.persona_policies.personas import PERSONA_POLICIES
from stacks.components.persona_policies.scope import PersonaPolicy, StudioScope
from stacks.components.persona_policies.studio_user import studio_user

__all__ = ["PERSONA_POLICIES", "PersonaPolicy", "StudioScope", "studio_user"]

"""EndpointTemplateSynth (dev): the CodeBuild project that turns the repository into Endpoint templates.

A promotion pipeline's synth action runs it on the repository, following
``BUILDSPEC``: ``make synth`` (the command developers run: pinned toolchain,
offline, no AWS lookups, cdk-nag and CloudFormation validation on), then
``stacks.endpoint_templates``, whose output folder is the action's artifact:
``<account>/<stack name>.template.json``.
Shared by every model's pipeline, which refers to it by ``project_name``. The
project has no permissions beyond
CodeBuild's logs and the artifacts CodePipeline hands it (``key`` encrypts them).

Exposes ``project``.
"""

from aws_cdk import Duration, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.components.nag import acknowledge, as_nag_renders

# In the repository, so the build runs the commands of the commit it builds.
BUILDSPEC = "buildspecs/endpoint_templates.yml"


class EndpointTemplateSynth(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, project_name: str) -> None:
        super().__init__(scope, construct_id)
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            project_name=project_name,
            description="Synthesizes the platform app offline and collects the Endpoint stack templates",
            build_spec=codebuild.BuildSpec.from_source_filename(BUILDSPEC),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                # make synth installs the whole toolchain, the SageMaker SDK included.
                compute_type=codebuild.ComputeType.MEDIUM,
            ),
            encryption_key=key,
            timeout=Duration.minutes(30),
        )
        stack = Stack.of(self)
        name = self.project.project_name
        for resource, reason in {
            f"arn:aws:logs:{stack.region}:{stack.account}:log-group:/aws/codebuild/{name}:*": (
                "CodeBuild writes one log stream per build, named at run time, in the project's own log group."
            ),
            f"arn:aws:codebuild:{stack.region}:{stack.account}:report-group/{name}-*": (
                "CodeBuild's test-report groups of this project only; CDK grants them to every project."
            ),
        }.items():
            acknowledge(self.project, f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, resource)}]", reason)

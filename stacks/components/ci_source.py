"""Where the CI pipeline gets the repository, and which pushes start it.

``source_action`` is CodePipeline's ``Source`` action for ``Source``: with CodeConnections
(GitHub, GitLab, Bitbucket), ``push_triggers`` filters pushes on the branch and on
``TRIGGER_PATHS``, the files that change a model; with CodeCommit (an existing repository,
by name), the action's EventBridge rule on the branch starts it (CodeCommit events carry no
file paths, so every push to the branch does).
"""

from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from constructs import Construct

from platform_config.platform import Source

# Pushes that touch nothing else (docs, infrastructure, lambdas) do not retrain.
TRIGGER_PATHS = ("pipelines_src/**", "config/**", "data/**", "buildspecs/**")
SOURCE_ACTION_NAME = "Source"


def source_action(scope: Construct, source: Source, output: codepipeline.Artifact) -> codepipeline.IAction:
    """The action that puts the branch's commit into ``output``; a CodeCommit repository is
    imported into ``scope`` as ``Repository``."""
    if source.provider == "codecommit":
        repository = codecommit.Repository.from_repository_name(scope, "Repository", source.repository)
        return actions.CodeCommitSourceAction(
            action_name=SOURCE_ACTION_NAME,
            repository=repository,
            branch=source.branch,
            output=output,
            trigger=actions.CodeCommitTrigger.EVENTS,
        )
    owner, repo = source.repository.split("/", 1)
    return actions.CodeStarConnectionsSourceAction(
        action_name=SOURCE_ACTION_NAME,
        connection_arn=source.connection_arn,
        owner=owner,
        repo=repo,
        branch=source.branch,
        output=output,
    )


def push_triggers(source: Source, action: codepipeline.IAction) -> list[codepipeline.TriggerProps]:
    """The pipeline's git triggers: pushes to the branch that touch ``TRIGGER_PATHS``."""
    # CodePipeline supports git triggers only for connection sources; CodeCommit uses its rule.
    if source.provider == "codecommit":
        return []
    return [
        codepipeline.TriggerProps(
            provider_type=codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
            git_configuration=codepipeline.GitConfiguration(
                source_action=action,
                push_filter=[
                    codepipeline.GitPushFilter(branches_includes=[source.branch], file_paths_includes=list(TRIGGER_PATHS))
                ],
            ),
        )
    ]

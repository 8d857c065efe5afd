"""Deleting a Studio domain's apps and spaces, and waiting until they are gone.

``clean_domain`` is the whole job. It works in rounds: list the domain's apps
(every page), ask SageMaker to delete each app that is neither deleted nor being
deleted, wait, list again, until every app is ``Deleted``; then the same for the
spaces, which SageMaker refuses to delete while they have apps (a deleted space
disappears from the listing). An app or space that disappears between listing and
deletion (``ResourceNotFound``) counts as gone; one that is changing state
(``ResourceInUse``) is asked again next round. Any other API error stops the
cleanup with ``CleanupFailed`` naming the call and the resource. When the next
round would start after ``deadline``, ``CleanupTimeout`` names what is left and
its last status. Running it again is harmless: finished work is not repeated.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

# Deleted apps stay listed for a while; deleted spaces disappear from the listing.
DONE = frozenset({"Deleted"})
IN_PROGRESS = frozenset({"Deleting"})
POLL_SECONDS = 15.0


class CleanupError(Exception):
    """The domain still has apps or spaces; the message says which and why."""


class CleanupFailed(CleanupError):
    """SageMaker refused a call that waiting will not fix."""


class CleanupTimeout(CleanupError):
    """Apps or spaces were still there at the deadline."""


@dataclass(frozen=True)
class CleanupReport:
    """How many apps and spaces this run asked SageMaker to delete."""

    apps_deleted: int
    spaces_deleted: int


@dataclass(frozen=True)
class _Item:
    """An app or space: how to name it in messages, its status, and its DeleteApp/DeleteSpace arguments."""

    label: str
    status: str
    delete_arguments: dict[str, str]


def clean_domain(
    sagemaker: Any,
    domain_id: str,
    *,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = POLL_SECONDS,
) -> CleanupReport:
    """Delete every app, then every space, of ``domain_id``; return once none is left.

    ``deadline`` is a ``clock()`` value. Raises ``CleanupFailed`` or ``CleanupTimeout``."""
    waiter = _Rounds(deadline=deadline, clock=clock, sleep=sleep, poll_seconds=poll_seconds)
    apps = waiter.delete_all(
        "app",
        list_items=lambda: _apps(sagemaker, domain_id),
        delete=lambda arguments: sagemaker.delete_app(**arguments),
    )
    spaces = waiter.delete_all(
        "space",
        list_items=lambda: _spaces(sagemaker, domain_id),
        delete=lambda arguments: sagemaker.delete_space(**arguments),
    )
    return CleanupReport(apps_deleted=apps, spaces_deleted=spaces)


@dataclass(frozen=True)
class _Rounds:
    deadline: float
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    poll_seconds: float

    def delete_all(
        self,
        kind: str,
        *,
        list_items: Callable[[], Iterable[_Item]],
        delete: Callable[[dict[str, str]], object],
    ) -> int:
        requested: set[str] = set()
        while True:
            remaining = [item for item in _call(f"List{kind.capitalize()}s", kind, list_items)
                         if item.status not in DONE]
            if not remaining:
                return len(requested)
            for item in remaining:
                if item.status not in IN_PROGRESS and _request_deletion(kind, item, delete):
                    requested.add(item.label)
            if self.clock() + self.poll_seconds > self.deadline:
                left = ", ".join(f"{item.label} ({item.status})" for item in remaining)
                raise CleanupTimeout(f"timed out waiting for the deletion of {len(remaining)} {kind}(s): {left}")
            self.sleep(self.poll_seconds)


def _request_deletion(kind: str, item: _Item, delete: Callable[[dict[str, str]], object]) -> bool:
    """Ask for the deletion; True if SageMaker accepted it, False if the item was gone or busy."""
    try:
        delete(item.delete_arguments)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in {"ResourceNotFound", "ResourceInUse"}:
            return False
        raise CleanupFailed(
            f"Delete{kind.capitalize()} {item.label}: {code}: {error.response['Error'].get('Message', '')}"
        ) from error
    except BotoCoreError as error:
        raise CleanupFailed(f"Delete{kind.capitalize()} {item.label}: {error}") from error
    return True


def _call(operation: str, kind: str, list_items: Callable[[], Iterable[_Item]]) -> list[_Item]:
    try:
        return list(list_items())
    except ClientError as error:
        code = error.response["Error"]["Code"]
        raise CleanupFailed(f"{operation}: {code}: {error.response['Error'].get('Message', '')}") from error
    except BotoCoreError as error:
        raise CleanupFailed(f"{operation} ({kind}s): {error}") from error


def _apps(sagemaker: Any, domain_id: str) -> Iterable[_Item]:
    for page in sagemaker.get_paginator("list_apps").paginate(DomainIdEquals=domain_id):
        for app in page.get("Apps", []):
            # An app belongs to a space (the current Studio) or to a user profile (Studio Classic).
            owner_key = "SpaceName" if app.get("SpaceName") else "UserProfileName"
            owner = app[owner_key]
            yield _Item(
                label=f"app {owner}/{app['AppType']}/{app['AppName']}",
                status=app["Status"],
                delete_arguments={
                    "DomainId": domain_id,
                    owner_key: owner,
                    "AppType": app["AppType"],
                    "AppName": app["AppName"],
                },
            )


def _spaces(sagemaker: Any, domain_id: str) -> Iterable[_Item]:
    for page in sagemaker.get_paginator("list_spaces").paginate(DomainIdEquals=domain_id):
        for space in page.get("Spaces", []):
            yield _Item(
                label=f"space {space['SpaceName']}",
                status=space["Status"],
                delete_arguments={"DomainId": domain_id, "SpaceName": space["SpaceName"]},
            )

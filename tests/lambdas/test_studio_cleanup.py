"""The Studio cleanup custom resource: deletes a domain's apps and spaces before CloudFormation deletes it.

SageMaker is botocore's Stubber (moto has no Studio apps or spaces): every call
must be one the test expects, with the expected arguments, in order.
"""

import importlib.util
import json
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

REPO = Path(__file__).resolve().parents[2]
FUNCTION_DIR = REPO / "lambdas" / "studio_cleanup"
EVENTS = REPO / "tests" / "events" / "studio_cleanup"
# The function's modules import each other by name, as they do in the Lambda runtime.
sys.path.insert(0, str(FUNCTION_DIR))
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from cfn_response import MAX_REASON_CHARACTERS, Answer, put_response, response_body  # noqa: E402
from cleanup_resource import NOT_CREATED  # noqa: E402
from domain_cleanup import CleanupFailed, CleanupReport, CleanupTimeout, clean_domain  # noqa: E402

_spec = importlib.util.spec_from_file_location("studio_cleanup_handler", FUNCTION_DIR / "handler.py")
handler_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(handler_module)

DOMAIN = "d-abcdefghijkl"
POLL = 15.0


class FakeClock:
    """Time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def sagemaker() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("sagemaker", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def app(space: str, status: str, *, app_type: str = "JupyterLab", name: str = "default") -> dict[str, Any]:
    return {"DomainId": DOMAIN, "SpaceName": space, "AppType": app_type, "AppName": name, "Status": status}


def space(name: str, status: str = "InService") -> dict[str, Any]:
    return {"DomainId": DOMAIN, "SpaceName": name, "Status": status}


def lists_apps(stubber: Stubber, apps: list[dict[str, Any]], *, page_token: str | None = None,
               next_token: str | None = None) -> None:
    expected = {"DomainIdEquals": DOMAIN, **({"NextToken": page_token} if page_token else {})}
    response = {"Apps": apps, **({"NextToken": next_token} if next_token else {})}
    stubber.add_response("list_apps", response, expected)


def lists_spaces(stubber: Stubber, spaces: list[dict[str, Any]], *, page_token: str | None = None,
                 next_token: str | None = None) -> None:
    expected = {"DomainIdEquals": DOMAIN, **({"NextToken": page_token} if page_token else {})}
    response = {"Spaces": spaces, **({"NextToken": next_token} if next_token else {})}
    stubber.add_response("list_spaces", response, expected)


def deletes_app(stubber: Stubber, space_name: str, *, app_type: str = "JupyterLab", name: str = "default") -> None:
    stubber.add_response(
        "delete_app", {}, {"DomainId": DOMAIN, "SpaceName": space_name, "AppType": app_type, "AppName": name}
    )


def deletes_space(stubber: Stubber, name: str) -> None:
    stubber.add_response("delete_space", {}, {"DomainId": DOMAIN, "SpaceName": name})


def clean(client: Any, clock: FakeClock, *, deadline: float = 600.0) -> CleanupReport:
    return clean_domain(client, DOMAIN, deadline=deadline, clock=clock, sleep=clock.sleep, poll_seconds=POLL)


# clean_domain


def test_running_apps_are_deleted_then_their_spaces_once_the_apps_are_gone(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "InService"), app("bob-editor", "Pending", app_type="CodeEditor")])
    deletes_app(stubber, "alice-lab")
    deletes_app(stubber, "bob-editor", app_type="CodeEditor")
    lists_apps(stubber, [app("alice-lab", "Deleted"), app("bob-editor", "Deleted", app_type="CodeEditor")])
    lists_spaces(stubber, [space("alice-lab"), space("bob-editor")])
    deletes_space(stubber, "alice-lab")
    deletes_space(stubber, "bob-editor")
    lists_spaces(stubber, [])

    report = clean(client, clock)

    assert report == CleanupReport(apps_deleted=2, spaces_deleted=2)
    assert clock.sleeps == [POLL, POLL]


def test_a_domain_without_apps_or_spaces_needs_no_deletion_and_no_waiting(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [])
    lists_spaces(stubber, [])

    assert clean(client, clock) == CleanupReport(apps_deleted=0, spaces_deleted=0)
    assert clock.sleeps == []


def test_every_page_of_apps_and_spaces_is_cleaned(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "InService")], next_token="apps-2")
    lists_apps(stubber, [app("bob-lab", "InService")], page_token="apps-2")
    deletes_app(stubber, "alice-lab")
    deletes_app(stubber, "bob-lab")
    lists_apps(stubber, [app("alice-lab", "Deleted")], next_token="apps-2")
    lists_apps(stubber, [app("bob-lab", "Deleted")], page_token="apps-2")
    lists_spaces(stubber, [space("alice-lab")], next_token="spaces-2")
    lists_spaces(stubber, [space("bob-lab")], page_token="spaces-2")
    deletes_space(stubber, "alice-lab")
    deletes_space(stubber, "bob-lab")
    lists_spaces(stubber, [])

    assert clean(client, clock) == CleanupReport(apps_deleted=2, spaces_deleted=2)


def test_an_app_already_being_deleted_is_waited_for_not_deleted_again(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "Deleting")])
    lists_apps(stubber, [app("alice-lab", "Deleted")])
    lists_spaces(stubber, [])

    assert clean(client, clock) == CleanupReport(apps_deleted=0, spaces_deleted=0)
    assert clock.sleeps == [POLL]


def test_already_deleted_apps_are_left_alone(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "Deleted")])
    lists_spaces(stubber, [])

    assert clean(client, clock) == CleanupReport(apps_deleted=0, spaces_deleted=0)


def test_an_app_gone_before_its_deletion_is_not_an_error(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "InService")])
    stubber.add_client_error("delete_app", service_error_code="ResourceNotFound", http_status_code=400)
    lists_apps(stubber, [])
    lists_spaces(stubber, [])

    assert clean(client, clock) == CleanupReport(apps_deleted=0, spaces_deleted=0)


def test_a_busy_app_is_asked_again_next_round(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "Pending")])
    stubber.add_client_error("delete_app", service_error_code="ResourceInUse", http_status_code=400)
    lists_apps(stubber, [app("alice-lab", "InService")])
    deletes_app(stubber, "alice-lab")
    lists_apps(stubber, [app("alice-lab", "Deleted")])
    lists_spaces(stubber, [])

    assert clean(client, clock) == CleanupReport(apps_deleted=1, spaces_deleted=0)


def test_a_studio_classic_app_is_deleted_by_its_user_profile(sagemaker, clock) -> None:
    client, stubber = sagemaker
    classic = {"DomainId": DOMAIN, "UserProfileName": "data-scientist", "AppType": "JupyterServer",
               "AppName": "default", "Status": "InService"}
    lists_apps(stubber, [classic])
    stubber.add_response(
        "delete_app",
        {},
        {"DomainId": DOMAIN, "UserProfileName": "data-scientist", "AppType": "JupyterServer", "AppName": "default"},
    )
    lists_apps(stubber, [{**classic, "Status": "Deleted"}])
    lists_spaces(stubber, [])

    assert clean(client, clock).apps_deleted == 1


def test_cleanup_times_out_naming_what_is_left_and_its_status(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "Deleting"), app("bob-lab", "Deleted")])
    lists_apps(stubber, [app("alice-lab", "Deleting"), app("bob-lab", "Deleted")])

    with pytest.raises(CleanupTimeout, match=r"1 app\(s\): app alice-lab/JupyterLab/default \(Deleting\)$"):
        clean(client, clock, deadline=20.0)
    assert clock.sleeps == [POLL]


def test_spaces_still_there_at_the_deadline_are_named(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [])
    lists_spaces(stubber, [space("alice-lab", "Delete_Failed")])
    deletes_space(stubber, "alice-lab")

    with pytest.raises(CleanupTimeout, match=r"space alice-lab \(Delete_Failed\)"):
        clean(client, clock, deadline=10.0)


def test_a_refused_deletion_stops_the_cleanup_naming_the_call_and_the_app(sagemaker, clock) -> None:
    client, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "InService")])
    stubber.add_client_error(
        "delete_app", service_error_code="AccessDeniedException", service_message="not allowed", http_status_code=403
    )

    with pytest.raises(CleanupFailed, match="DeleteApp app alice-lab/JupyterLab/default: AccessDeniedException: not allowed"):
        clean(client, clock)


def test_a_refused_listing_stops_the_cleanup_naming_the_call(sagemaker, clock) -> None:
    client, stubber = sagemaker
    stubber.add_client_error("list_apps", service_error_code="AccessDeniedException", http_status_code=403)

    with pytest.raises(CleanupFailed, match="ListApps: AccessDeniedException"):
        clean(client, clock)


# The response to CloudFormation


def test_a_long_reason_is_cut_to_fit_the_response_size_limit() -> None:
    body = response_body(
        Answer("FAILED", DOMAIN, reason="x" * 10_000), stack_id="stack", request_id="request", logical_resource_id="Id"
    )

    assert len(body["Reason"]) == MAX_REASON_CHARACTERS
    assert body["Reason"].endswith("...")
    assert len(json.dumps(body)) < 4096


def test_the_response_is_put_as_json_without_a_content_type() -> None:
    received: dict[str, Any] = {}

    class Recorder(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
            received["content_type"] = self.headers.get("Content-Type")
            received["body"] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        put_response(f"http://127.0.0.1:{server.server_port}/response", {"Status": "SUCCESS"})
    finally:
        thread.join(timeout=5)
        server.server_close()

    assert received == {"content_type": "", "body": {"Status": "SUCCESS"}}


# The handler, one test per event fixture


@dataclass
class FakeContext:
    remaining_ms: int = 840_000
    function_name: str = "studio-cleanup"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:111111111111:function:studio-cleanup"
    aws_request_id: str = "4f0c8a9e-1b2d-4e3f-8a5b-6c7d8e9f0a1b"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def sent(monkeypatch, sagemaker) -> list[tuple[str, dict[str, Any]]]:
    """What the handler answered CloudFormation (URL, body); SageMaker is the stubbed client."""
    answers: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(handler_module, "put_response", lambda url, body: answers.append((url, body)))
    monkeypatch.setattr(handler_module, "_sagemaker", lambda: sagemaker[0])
    return answers


def test_create_answers_success_with_the_domain_id_and_touches_nothing(sent) -> None:
    event = fixture("create")

    handler_module.handler(event, FakeContext())

    [(url, body)] = sent
    assert url == event["ResponseURL"]
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "d-abcdefghijkl"
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == (
        event["StackId"], event["RequestId"], event["LogicalResourceId"]
    )


def test_update_answers_success_with_the_new_domain_id_and_touches_nothing(sent) -> None:
    handler_module.handler(fixture("update"), FakeContext())

    [(_, body)] = sent
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", "d-mnopqrstuvwx")


def test_delete_cleans_the_domain_and_answers_success(sent, sagemaker) -> None:
    _, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "Deleted")])
    lists_spaces(stubber, [])

    handler_module.handler(fixture("delete"), FakeContext())

    [(_, body)] = sent
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "d-abcdefghijkl"
    assert body["Data"] == {"AppsDeleted": "0", "SpacesDeleted": "0"}


def test_delete_answers_failed_naming_the_leftovers_when_time_runs_out(sent, sagemaker) -> None:
    _, stubber = sagemaker
    lists_apps(stubber, [app("alice-lab", "Deleting")])

    # Only the answering margin is left: one look, no waiting.
    handler_module.handler(fixture("delete"), FakeContext(remaining_ms=handler_module.MARGIN_SECONDS * 1000))

    [(_, body)] = sent
    assert body["Status"] == "FAILED"
    assert "d-abcdefghijkl" in body["Reason"] and "app alice-lab/JupyterLab/default (Deleting)" in body["Reason"]
    assert body["PhysicalResourceId"] == "d-abcdefghijkl"


def test_create_without_a_domain_id_is_refused_without_any_call(sent) -> None:
    handler_module.handler(fixture("create_without_domain_id"), FakeContext())

    [(_, body)] = sent
    assert body["Status"] == "FAILED"
    assert "DomainId" in body["Reason"]
    assert body["PhysicalResourceId"] == NOT_CREATED


def test_delete_of_a_refused_create_succeeds_without_any_call(sent) -> None:
    handler_module.handler(fixture("delete_after_refused_create"), FakeContext())

    [(_, body)] = sent
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", NOT_CREATED)


def test_an_event_that_is_not_a_cloudformation_request_is_dropped_unanswered(sent) -> None:
    assert handler_module.handler(fixture("not_a_cloudformation_request"), FakeContext()) is None
    assert sent == []


def test_an_unexpected_error_is_still_answered_as_failed(sent, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> CleanupReport:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(handler_module, "clean_domain", broken)

    handler_module.handler(fixture("delete"), FakeContext())

    [(_, body)] = sent
    assert body["Status"] == "FAILED"
    assert "disk on fire" in body["Reason"]


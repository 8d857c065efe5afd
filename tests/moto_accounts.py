"""moto as a local multi-account AWS: one in-process server, the account chosen per client.

``moto_server()`` starts a ``ThreadedMotoServer`` on a free localhost port.
``MotoAccounts`` makes boto3 sessions for it: ``session(account_id)`` adds the
``x-moto-account-id`` header to every request its clients sign (the process-wide
``MOTO_ACCOUNT_ID`` would override the account of assumed-role credentials too),
and ``assumed_session(credentials)`` adds none, so moto finds the account from the
access key ``sts:AssumeRole`` issued, as AWS does. ``reset()`` clears every account.
"""

import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ACCOUNT_HEADER = "x-moto-account-id"


@contextmanager
def moto_server() -> Iterator[str]:
    """The server's endpoint URL while the context is open."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        raise RuntimeError("MOTO_ACCOUNT_ID is set: it overrides every client's account, unset it")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


class MotoAccounts:
    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        # Sessions and clients hold no AWS state, and building them is the slow part of a test.
        self._sessions: dict[str, boto3.Session] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    def session(self, account_id: str) -> boto3.Session:
        if account_id not in self._sessions:
            self._sessions[account_id] = self._new_session(account_id)
        return self._sessions[account_id]

    def client(self, service: str, account_id: str) -> Any:
        if (service, account_id) not in self._clients:
            self._clients[service, account_id] = self.session(account_id).client(service, endpoint_url=self.endpoint_url)
        return self._clients[service, account_id]

    def _new_session(self, account_id: str) -> boto3.Session:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=self.region
        )

        def add_account_header(request: Any, **_: Any) -> None:
            request.headers[ACCOUNT_HEADER] = account_id

        session.events.register("before-sign", add_account_header)
        return session

    def assumed_session(self, credentials: dict[str, Any]) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=self.region,
        )

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request) as response:
            response.read()

"""A moto server on 127.0.0.1, in this process, behind a thin WSGI layer.

The layer does two things moto does not:
- it fails chosen requests (`Endpoint.fail`): throttling, 5xx, AccessDenied or
  expired credentials, answered in the protocol of the service, so tests can see
  what boto3's retries and accountguard make of them over real HTTP;
- it mends one moto gap Terraform trips over: DescribeTrails ignores
  `trailNameList`, so with two trails the AWS provider's read finds "too many
  results" and drops a trail from its state.
"""
from __future__ import annotations

import io
import json
import logging
import os
import socket
import threading
import urllib.parse
from collections import defaultdict, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

DESCRIBE_TRAILS = "DescribeTrails"
# The AWS-managed policies the examples and tests attach. moto copies every one of
# its 1,300 into each new IAM backend, a second after every reset.
MANAGED_POLICIES = ("AdministratorAccess", "ReadOnlyAccess", "SecurityAudit", "ViewOnlyAccess")
REST_OPERATIONS = {("GET", "/detector"): "ListDetectors", ("GET", "/analyzer"): "ListAnalyzers"}


def _operation(environ: dict[str, Any], body: bytes) -> tuple[str, str]:
    """(protocol, operation) of a request: json (X-Amz-Target), query (Action) or rest-json."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return "json", target.rsplit(".", 1)[-1]
    action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return "query", action[0]
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
    if (method, path) in REST_OPERATIONS:
        return "rest-json", REST_OPERATIONS[(method, path)]
    if method == "GET" and path.startswith("/detector/"):
        return "rest-json", "GetDetector"
    return "rest-json", path


def _error(protocol: str, status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    if protocol == "query":
        body = (f'<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>'
                f'</Error><RequestId>accountguard-test</RequestId></ErrorResponse>').encode()
        return f"{status} Error", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body))),
               ("x-amzn-ErrorType", code)]
    return f"{status} Error", headers, body


@dataclass
class Endpoint:
    url: str
    _faults: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    served: list[str] = field(default_factory=list)  # operations answered with a fault, in order
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, operation: str, status: int, code: str, times: int = 1, message: str = "injected") -> None:
        """Answer the next `times` requests for `operation` with this error, then let moto answer."""
        with self._lock:
            self._faults[operation].extend([(status, code, message)] * times)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.served.clear()

    def _take(self, operation: str) -> tuple[int, str, str] | None:
        with self._lock:
            queue = self._faults.get(operation)
            if not queue:
                return None
            self.served.append(operation)
            return queue.popleft()


class _Layer:
    def __init__(self, app: Callable, endpoint: Endpoint) -> None:
        self.app = app
        self.endpoint = endpoint

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        protocol, operation = _operation(environ, body)
        fault = self.endpoint._take(operation)
        if fault is not None:
            status, headers, payload = _error(protocol, *fault)
            start_response(status, headers)
            return [payload]
        if operation != DESCRIBE_TRAILS:
            return self.app(environ, start_response)
        names = set((json.loads(body or b"{}") or {}).get("trailNameList") or ())
        captured: list[Any] = []
        chunks = b"".join(self.app(environ, lambda status, headers, *exc: captured.extend((status, headers))))
        status, headers = captured
        if names and status.startswith("200"):
            answer = json.loads(chunks)
            answer["trailList"] = [t for t in answer.get("trailList", ())
                                   if t.get("Name") in names or t.get("TrailARN") in names]
            chunks = json.dumps(answer).encode()
            headers = [(k, str(len(chunks)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(status, headers)
        return [chunks]


@contextmanager
def moto_endpoint() -> Iterator[Endpoint]:
    """A running server (its `url` goes into AWS_ENDPOINT_URL); stopped afterwards."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # read when the IAM backend starts
    import moto.iam.models
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server
    every = json.loads(moto.iam.aws_managed_policies.aws_managed_policies_data)
    moto.iam.models.aws_managed_policies_data = json.dumps({name: every[name] for name in MANAGED_POLICIES})
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # a line per request, a traceback per gap
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = Endpoint(f"http://127.0.0.1:{port}")
    server = make_server("127.0.0.1", port, _Layer(DomainDispatcherApplication(create_backend_app), endpoint),
                         threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        thread.join()

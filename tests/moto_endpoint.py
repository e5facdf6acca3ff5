"""A moto server on 127.0.0.1, in this process, behind a thin WSGI layer.

The layer does two things moto does not:
- it damages chosen answers (`Endpoint.inject`, `Endpoint.fail`): throttling,
  5xx, AccessDenied or expired credentials in the protocol of the service,
  garbage, truncated or oversized bodies, slow or hanging answers, so tests can
  see what boto3's retries and accountguard make of them over real HTTP;
- it mends one moto gap Terraform trips over: DescribeTrails ignores
  `trailNameList`, so with two trails the AWS provider's read finds "too many
  results" and drops a trail from its state.
"""
from __future__ import annotations

import functools
import io
import json
import logging
import os
import re
import threading
import urllib.parse
from collections import defaultdict, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from xml.sax.saxutils import escape

DESCRIBE_TRAILS = "DescribeTrails"
# The AWS-managed policies the examples and tests attach. moto copies every one of
# its 1,300 into each new IAM backend, a second after every reset.
MANAGED_POLICIES = ("AdministratorAccess", "ReadOnlyAccess", "SecurityAudit", "ViewOnlyAccess")


def _operation(environ: dict[str, Any], body: bytes) -> tuple[str, str]:
    """(protocol, operation) of a request: json (X-Amz-Target), query (Action), cbor, or a REST
    protocol's, from botocore's model of the service that signed it (its path otherwise)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return "json", target.rsplit(".", 1)[-1]
    action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return "query", action[0]
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
    if "/operation/" in path:  # CloudWatch: /service/GraniteServiceVersion20100801/operation/DescribeAlarms
        return "cbor", path.rsplit("/", 1)[-1]
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    matches = [(len(uri), len(keys), protocol, name) for protocol, verb, uri, keys, pattern, name in
               _rest_operations(scope.group(1) if scope else "")
               if verb == method and pattern.fullmatch(path) and all(k in query for k in keys)]
    return max(matches)[2:] if matches else ("rest-json", path)


@functools.lru_cache(maxsize=None)
def _rest_operations(signing_name: str) -> tuple[tuple[str, str, str, tuple[str, ...], re.Pattern, str], ...]:
    """The REST operations of the services signed as `signing_name` (s3control signs as s3):
    (protocol, method, request URI, query keys it needs, path pattern, name)."""
    import botocore.loaders
    loader = botocore.loaders.create_loader()
    found = []
    for service in _services_signed_as().get(signing_name, ()):
        model = loader.load_service_model(service, "service-2")
        protocol = model["metadata"]["protocol"]
        for name, operation in model["operations"].items():
            uri, _, literal = operation["http"]["requestUri"].partition("?")
            pattern = re.sub(r"\\{[^}]+\\\+\\}", ".+", re.sub(r"\\{[^}+]+\\}", "[^/]+", re.escape(uri)))
            keys = tuple(urllib.parse.parse_qs(literal, keep_blank_values=True))
            found.append((protocol, operation["http"]["method"], uri, keys, re.compile(pattern), name))
    return tuple(found)


@functools.lru_cache(maxsize=1)
def _services_signed_as() -> dict[str, list[str]]:
    """botocore's REST services by signing name, read from the metadata at the head of each model
    (parsing all 400 models took seconds)."""
    import gzip

    import botocore
    found: dict[str, list[str]] = defaultdict(list)
    for model in sorted(Path(botocore.__file__).parent.glob("data/*/*/service-2.json*")):
        with (gzip.open if model.suffix == ".gz" else open)(model, "rt", encoding="utf-8") as handle:
            head = handle.read(4096)
        meta = dict(re.findall(r'"(endpointPrefix|signingName|protocol)"\s*:\s*"([^"]+)"', head))
        if meta.get("protocol", "").startswith("rest"):
            found[meta.get("signingName") or meta.get("endpointPrefix", "")].append(model.parent.parent.name)
    return {name: sorted(set(services)) for name, services in found.items()}


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    head = bytes([0x60 + size]) if size < 24 else bytes([0x78, size]) if size < 256 else \
        bytes([0x79]) + size.to_bytes(2, "big")
    return head + data


def _error(protocol: str, status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    if protocol == "cbor":  # smithy-rpc-v2-cbor: a map of two text strings
        body = bytes([0xA2]) + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)
        return f"{status} Error", [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                                   ("Content-Length", str(len(body)))], body
    if protocol == "query":
        body = (f'<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code><Message>{escape(message)}'
                f'</Message></Error><RequestId>accountguard-test</RequestId></ErrorResponse>').encode()
        return f"{status} Error", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body
    if protocol == "rest-xml":
        body = (f'<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>'
                f'<RequestId>accountguard-test</RequestId></Error>').encode()
        return f"{status} Error", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))], body
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body))),
               ("x-amzn-ErrorType", code)]
    return f"{status} Error", headers, body


@dataclass(frozen=True)
class Fault:
    """One damaged answer. By default an error (`status`, `code`) in the service's
    protocol. `body`: these bytes instead, with `status`. `size`: a body of this many
    bytes, with or without a Content-Length (`declared`). `truncated`: the answer
    (moto's, or the error) cut in half, its Content-Length promising all of it.
    `delay`: seconds before answering; with `status` None, moto then answers. `drip`: `body`
    is sent one byte at a time, this many seconds apart."""

    status: int | None = 500
    code: str = "InternalError"
    message: str = "injected"
    body: bytes | None = None
    size: int | None = None
    declared: bool = True
    truncated: bool = False
    delay: float = 0.0
    drip: float = 0.0


@dataclass
class Endpoint:
    url: str
    _faults: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    served: list[str] = field(default_factory=list)  # operations answered with a fault, in order
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _released: threading.Event = field(default_factory=threading.Event)  # ends delays early

    def inject(self, operation: str, fault: Fault, times: int = 1, account: str | None = None) -> None:
        """Answer the next `times` requests for `operation` with this fault, then let moto answer.
        `account`: only requests made in that account, or naming it (AssumeRole's RoleArn)."""
        with self._lock:
            self._faults[operation].extend([(fault, account)] * times)

    def fail(self, operation: str, status: int, code: str, times: int = 1, message: str = "injected",
             account: str | None = None) -> None:
        self.inject(operation, Fault(status, code, message), times, account)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.served.clear()
            self._released.set()  # answers still waiting go out now
            self._released = threading.Event()

    def _take(self, operation: str, environ: dict[str, Any], body: bytes) -> tuple[Fault, threading.Event] | None:
        with self._lock:
            queue = self._faults.get(operation)
            if not queue:
                return None
            for index, (fault, account) in enumerate(queue):
                if account is None or _in_account(account, environ, body):
                    del queue[index]
                    self.served.append(operation)
                    return fault, self._released
            return None


def _in_account(account: str, environ: dict[str, Any], body: bytes) -> bool:
    """Whether the request is signed with credentials of `account` or names it in its body."""
    from moto.iam.models import get_account_id_from
    if account.encode() in body:
        return True
    credential = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].split("/", 1)[0]
    return bool(credential) and get_account_id_from(credential) == account


def _zeros(size: int) -> Iterator[bytes]:
    chunk = b"0" * 65536
    while size > 0:
        yield chunk[:size]
        size -= len(chunk)


def _dripped(body: bytes, drip: float, released: threading.Event) -> Iterator[bytes]:
    for byte in body:
        if released.wait(drip):
            return
        yield bytes([byte])


class _Layer:
    def __init__(self, app: Callable, endpoint: Endpoint) -> None:
        self.app = app
        self.endpoint = endpoint

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        protocol, operation = _operation(environ, body)
        taken = self.endpoint._take(operation, environ, body)
        if taken is not None:
            return self._damaged(environ, start_response, protocol, operation, body, *taken)
        return self._moto(environ, start_response, operation, body)

    def _damaged(self, environ: dict[str, Any], start_response: Callable, protocol: str, operation: str,
                 body: bytes, fault: Fault, released: threading.Event) -> Iterable[bytes]:
        released.wait(fault.delay)
        if fault.size is not None:
            start_response(f"{fault.status or 200} Damaged", [("Content-Type", "application/octet-stream")]
                           + ([("Content-Length", str(fault.size))] if fault.declared else []))
            return _zeros(fault.size)
        if fault.body is not None:
            start_response(f"{fault.status or 200} Damaged", [("Content-Type", "application/octet-stream"),
                                                              ("Content-Length", str(len(fault.body)))])
            return _dripped(fault.body, fault.drip, released) if fault.drip else [fault.body]
        if fault.status is None and not fault.truncated:
            return self._moto(environ, start_response, operation, body)
        if fault.status is None:
            captured: list[Any] = []
            payload = b"".join(self._moto(environ, lambda status, headers, *exc: captured.extend((status, headers)),
                                          operation, body))
            status, headers = captured
        else:
            status, headers, payload = _error(protocol, fault.status, fault.code, fault.message)
        if not fault.truncated:
            start_response(status, headers)
            return [payload]
        start_response(status, [(k, v) for k, v in headers if k.lower() != "content-length"]
                       + [("Content-Length", str(len(payload))), ("Connection", "close")])
        return [payload[:len(payload) // 2]]

    def _moto(self, environ: dict[str, Any], start_response: Callable, operation: str,
              body: bytes) -> Iterable[bytes]:
        environ["wsgi.input"] = io.BytesIO(body)
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
    # No AMIs: moto builds 1,300 (each with a volume and a snapshot) for every EC2 backend, twice a
    # reset, for an account's DescribeRegions; nothing here launches an instance.
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    import moto.iam.models
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server
    every = json.loads(moto.iam.aws_managed_policies.aws_managed_policies_data)
    moto.iam.models.aws_managed_policies_data = json.dumps({name: every[name] for name in MANAGED_POLICIES})
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # a line per request, a traceback per gap
    endpoint = Endpoint("")
    # port 0: the kernel picks a free port as the server binds it, so parallel workers cannot collide
    server = make_server("127.0.0.1", 0, _Layer(DomainDispatcherApplication(create_backend_app), endpoint),
                         threaded=True, request_handler=MotoRequestHandler)
    endpoint.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        thread.join()

"""Every AWS call the live mode makes goes through a Reader: read-only operations
only, boto3's standard retry mode (throttling and 5xx are retried), paginators,
one client per service and region, and a count of every call, taken from
botocore's own events so that nothing escapes it.

The Reader also bounds what the account's endpoints can do to the scan: one
deadline for the whole scan (no attempt starts, no read waits and no retry
sleeps past it), a maximum size per response (refused before it is read when
its Content-Length says so), and a check that a response is whole and
parsable. Messages it builds never hold a credential, endpoint userinfo or a
response body."""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import threading
import time
from collections import Counter
from functools import partial
from typing import Any, Callable, Iterator

from ... import limits
from ...model import InputError

READ_ONLY = ("Get", "List", "Describe")
ALSO_READ_ONLY = {"GenerateCredentialReport"}  # starts building the report GetCredentialReport reads
REFUSED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
           "AuthorizationError", "AuthorizationErrorException", "Forbidden"}
CREDENTIAL_PROBLEMS = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                       "SignatureDoesNotMatch", "AuthFailure", "InvalidAccessKeyId", "RequestExpired"}
IAM_PREFIX = {"monitoring": "cloudwatch"}  # endpoint prefixes that differ from IAM's action prefix
# Operations whose IAM permission is not named after them (examples/iam/ has the whole policy).
PERMISSION = {"budgets:DescribeBudgets": "budgets:ViewBudget", "s3:ListBuckets": "s3:ListAllMyBuckets",
              "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
              "budgets:DescribeSubscribersForNotification": "budgets:ViewBudget",
              "apigateway:GetRestApis": "apigateway:GET"}
# Operations of two services with one name and signing name but two IAM actions (S3 Control signs as s3).
SHARED_NAMES = {("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
                ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock"}
SHARED_POOL_CONNECTIONS = 256  # per endpoint, for every account an organization scan reads at once
CONNECT_TIMEOUT = 5.0  # seconds, per attempt; both shrink to what is left of the deadline
READ_TIMEOUT = 30.0
CHUNK = 64 * 1024
JSON_PROTOCOLS = ("json", "rest-json")
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
START_ATTEMPTS = 2  # sts:GetCallerIdentity and sts:AssumeRole
MESSAGE_MAX_CHARS = 200  # of an error message from AWS, quoted in ours
_USERINFO = re.compile(r"(?<=://)[^/@\s\"']*@")
_SECRETS: set[str] = set()  # credentials from the environment and every session read, never printed


def action_of(service_model: Any, operation: str) -> str:
    """`service:Operation`, with the service named as IAM names it."""
    if (service_model.service_name, operation) in SHARED_NAMES:
        return SHARED_NAMES[(service_model.service_name, operation)]
    prefix = service_model.metadata.get("signingName") or service_model.endpoint_prefix
    return f"{IAM_PREFIX.get(prefix, prefix)}:{operation}"


def permission_of(action: str) -> str:
    return PERMISSION.get(action, action)


def keep_secret(*values: Any) -> None:
    """Credentials never to print: removed from every message this module builds."""
    _SECRETS.update(v for v in values if isinstance(v, str) and len(v) >= 4)


def safe(text: str, limit: int | None = None) -> str:
    """One printable line, without endpoint userinfo or any credential seen."""
    text = _USERINFO.sub("", str(text))
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "(redacted)")
    text = " ".join("".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                            for c in part) for part in text.split())
    return text if limit is None or len(text) <= limit else text[:limit] + "..."


class DeadlinePassed(Exception):
    """The scan's deadline passed before this call could be made or finished."""


class ResponseTooLarge(Exception):
    """A response body over limits.LIVE_RESPONSE_MAX_BYTES; it is not read further."""


class ResponseDamaged(Exception):
    """A response that is empty or not the document its API answers with: never taken for an answer."""


def describe(exc: BaseException) -> str:
    """What went wrong, in one safe line: the error code and AWS's short message,
    or the kind of failure; never a response body."""
    code = _code(exc)
    if code:
        message = (getattr(exc, "response", None) or {}).get("Error", {}).get("Message") or ""
        return safe(code, 64) + (f" ({safe(message, MESSAGE_MAX_CHARS)})" if message else "")
    if any(cls.__name__ == "ResponseParserError" for cls in type(exc).__mro__):  # botocore.parsers'
        return "ResponseParserError: the response cannot be parsed"  # its message holds the body
    return safe(f"{type(exc).__name__}: {exc}", 300)


class ReadFailed(Exception):
    """A read that was refused or failed; its message names the call and, when
    refused, the permission the scanner is missing."""

    def __init__(self, action: str, exc: BaseException) -> None:
        self.action = action
        self.code = _code(exc)
        status = (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        self.refused = _code(exc) in REFUSED or status == 403
        why = f"was refused ({safe(_code(exc) or str(status))}): the scanner needs permission " \
              f"{permission_of(action)}" if self.refused else f"failed: {describe(exc)}"
        super().__init__(f"{action} {why}")


def _code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None


class Deadline:
    """When the whole scan must be over, every retry included."""

    def __init__(self, seconds: float | str) -> None:
        try:
            number = float(seconds)  # a str from an option pytest does not convert
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(seconds, bool) or not math.isfinite(number) or number <= 0:
            raise InputError(f"the deadline must be a positive number of seconds, not {safe(repr(seconds), 40)}")
        self.seconds = number
        self.end = time.monotonic() + number

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def passed(self) -> DeadlinePassed | None:
        """Why no more can be read, or None while there is time."""
        if self.remaining() > 0:
            return None
        return DeadlinePassed(f"the scan's deadline of {self.seconds:g} s passed")


def client_config(deadline: Deadline, pool_connections: int = 32) -> Any:
    """The configuration of every client: standard retries, timeouts within the deadline."""
    import botocore.config

    return botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": limits.LIVE_MAX_ATTEMPTS},
        connect_timeout=min(CONNECT_TIMEOUT, deadline.seconds),
        read_timeout=min(READ_TIMEOUT, deadline.seconds), max_pool_connections=pool_connections,
        user_agent_extra="accountguard")


class Reader:
    def __init__(self, session: Any, overrides: dict[str, Callable] | None = None,
                 deadline: Deadline | None = None, shared: SharedClients | None = None) -> None:
        """`shared`: the clients of an organization scan, signing with this Reader's credentials."""
        self.session = session
        self.deadline = deadline or Deadline(limits.LIVE_DEADLINE_SECONDS)
        self.max_bytes = limits.LIVE_RESPONSE_MAX_BYTES
        try:  # resolves the chain now, so that a broken one fails the start
            credentials = session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except Exception as exc:
            raise InputError(start_failure(exc, self.deadline, "get AWS credentials")) from None
        if frozen is not None:
            keep_secret(frozen.access_key, frozen.secret_key, frozen.token)
        self.credentials = credentials
        self.home = session.region_name or "us-east-1"
        self.overrides = overrides or {}
        self.shared = shared
        self.config = client_config(self.deadline)
        self.calls: Counter[str] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()  # botocore clients are made one at a time
        self._counting = threading.Lock()  # calls are counted while clients are made
        # before-parameter-build runs for every call, stubbed ones included; every handler sees it
        session.events.register("before-parameter-build", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._counting:
            self.calls[action_of(model.service_model, model.name)] += 1

    def client(self, service: str, region: str, operation: str) -> Any:
        override = self.overrides.get(f"{service}:{operation}")
        if override is not None:
            return override(self.session, region)
        if self.shared is not None:
            return self.shared.client(service, region)
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._bounded(self.session.client(service, region_name=region,
                                                                       config=self.config))
            return self._clients[key]

    def _bounded(self, client: Any) -> Any:
        """The client, with every attempt bounded in time and size."""
        client.meta.events.register("before-send", partial(self._send, client))
        client.meta.events.register_first("needs-retry", self._may_retry)
        return client

    def _may_retry(self, attempts: int, **_: Any) -> bool | None:
        """No retry whose back-off (at most 2^(attempts-1) s in standard mode) could end past the deadline."""
        return False if self.deadline.remaining() < 2 ** (attempts - 1) else None

    def _send(self, client: Any, request: Any, event_name: str, **_: Any) -> Any:
        """Send one attempt, as botocore would, but: not after the deadline, no
        socket wait past it, no body over the size limit, none cut short."""
        from botocore.exceptions import ConnectionClosedError, HTTPClientError, ReadTimeoutError
        from urllib3.exceptions import HTTPError, ProtocolError
        from urllib3.exceptions import ReadTimeoutError as SocketReadTimeout

        passed = self.deadline.passed()
        if passed:
            raise passed
        if getattr(request, "context", None) is None:
            request.context = {}
        request.context["read_timeout"] = min(READ_TIMEOUT, self.deadline.remaining())
        request.stream_output = True  # the body is read here, below
        response = client._endpoint.http_session.send(request)
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response.raw.close()
            raise ResponseTooLarge(f"the response has {int(declared)} bytes, more than the limit of "
                                   f"{self.max_bytes} bytes")
        body = bytearray()
        read = getattr(response.raw, "read1", None)  # returns after one socket read (urllib3 2)
        chunks = _chunks(read) if read else response.raw.stream(CHUNK)
        try:
            for chunk in chunks:
                body += chunk
                if len(body) > self.max_bytes:
                    response.raw.close()
                    raise ResponseTooLarge(f"the response has more than the limit of {self.max_bytes} bytes")
                passed = self.deadline.passed()
                if passed:
                    response.raw.close()
                    raise passed
        except SocketReadTimeout as exc:
            raise ReadTimeoutError(endpoint_url=request.url, error=exc) from None
        except ProtocolError as exc:
            raise ConnectionClosedError(error=exc, request=request, endpoint_url=request.url) from None
        except HTTPError as exc:
            raise HTTPClientError(error=exc) from None
        if declared is not None and declared.isdigit() and len(body) < int(declared):
            raise ConnectionClosedError(error=f"{len(body)} of {declared} bytes", request=request,
                                        endpoint_url=request.url)
        _check_parsable(client, event_name.rsplit(".", 1)[-1], response.status_code, bytes(body))
        response._content = bytes(body)
        return response

    def call(self, service: str, region: str, operation: str, **params: Any) -> dict[str, Any]:
        client = self._checked(service, region, operation)
        try:
            with self._bound():
                return getattr(client, _snake(client, operation))(**params)
        except Exception as exc:
            raise self._failed(client, operation, exc) from None

    def pages(self, service: str, region: str, operation: str, key: str | None, **params: Any) -> list[Any]:
        """Every item under `key` in every page (key None: the pages themselves)."""
        client = self._checked(service, region, operation)
        try:
            with self._bound():
                if client.can_paginate(_snake(client, operation)):
                    pages = list(client.get_paginator(_snake(client, operation)).paginate(**params))
                else:  # no paginator in botocore (events:ListEventBuses): follow NextToken as one would
                    call = getattr(client, _snake(client, operation))
                    pages = [call(**params)]
                    shape = client.meta.service_model.operation_model(operation).input_shape
                    while shape is not None and "NextToken" in shape.members and pages[-1].get("NextToken"):
                        pages.append(call(**params, NextToken=pages[-1]["NextToken"]))
            return pages if key is None else [item for page in pages for item in page.get(key) or ()]
        except Exception as exc:
            raise self._failed(client, operation, exc) from None

    @contextlib.contextmanager
    def _bound(self) -> Iterator[None]:
        """This Reader's calls on this thread, for the shared clients to sign and count."""
        previous = getattr(_CALLING, "reader", None)
        _CALLING.reader = self
        try:
            yield
        finally:
            _CALLING.reader = previous

    def _failed(self, client: Any, operation: str, exc: BaseException) -> ReadFailed:
        passed = self.deadline.passed()
        if passed and not isinstance(exc, DeadlinePassed) and not _code(exc):
            exc = DeadlinePassed(f"{passed} (last attempt: {describe(exc)})")
        return ReadFailed(action_of(client.meta.service_model, operation), exc)

    def _checked(self, service: str, region: str, operation: str) -> Any:
        if not operation.startswith(READ_ONLY) and operation not in ALSO_READ_ONLY:
            raise ValueError(f"{service}:{operation} is not a read-only operation")  # a bug, never a call
        return self.client(service, region, operation)

    def _sts(self) -> Any:
        """STS, for the calls before the scan: two attempts, so that no network is told quickly."""
        import botocore.config

        if self.shared is not None:
            return self.shared.client("sts", self.home, START_ATTEMPTS)
        config = self.config.merge(botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": START_ATTEMPTS}))
        with self._lock:  # a client each (each its own retry quota), made one at a time, used at once
            return self._bounded(self.session.client("sts", region_name=self.home, config=config))

    def assume_role(self, role_arn: str) -> dict[str, str]:
        """The one call that is not a read: credentials for the scanner role, before the scan."""
        try:
            with self._bound():
                return self._sts().assume_role(RoleArn=role_arn, RoleSessionName="accountguard")["Credentials"]
        except Exception as exc:
            raise InputError(f"cannot assume role {safe(role_arn, 300)}: "
                             f"{start_failure(exc, self.deadline, None)}") from None

    def identity(self) -> dict[str, Any]:
        """Who the credentials belong to: the first call, and the one that tells a
        missing or expired credential from everything else."""
        try:
            with self._bound():
                identity = self._sts().get_caller_identity()
        except Exception as exc:
            raise InputError(start_failure(exc, self.deadline, "call sts:GetCallerIdentity")) from None
        if not re.fullmatch(r"\d{12}", str(identity.get("Account"))) or \
                not re.match(r"arn:aws[a-z-]*:", str(identity.get("Arn"))):
            raise InputError("sts:GetCallerIdentity answered without a valid account ID and ARN")
        return identity


_CALLING = threading.local()  # .reader: the Reader making a call on this thread


def _calling() -> Reader:
    reader = getattr(_CALLING, "reader", None)
    if reader is None:  # a bug: never sign with another account's credentials, nor uncounted
        raise RuntimeError("a shared client was called outside a Reader's call")
    return reader


class _CallersCredentials:
    """botocore's credentials interface, answering with those of the Reader calling on this thread."""

    method = "accountguard-reader"

    def get_frozen_credentials(self) -> Any:
        credentials = _calling().credentials
        return credentials.get_frozen_credentials() if credentials is not None else None

    def get_deferred_property(self, name: str) -> Callable[[], Any]:
        return lambda: getattr(self.get_frozen_credentials(), name, None)


class SharedClients:
    """The botocore clients of an organization scan: one per service and region
    for all its accounts, instead of one per account. Making a client (its class
    of one method per operation, its endpoint resolver, a copy of every event
    handler) cost more CPU than the account's calls; a shared one also keeps its
    caches and connections warm. Each call is signed with the credentials of
    the Reader making it on that thread (Reader._bound), and counted, bounded
    by the deadline and sent by that Reader, as its own clients would be.
    Their standard-mode retry quota is shared by the accounts."""

    def __init__(self, base: Any, deadline: Deadline) -> None:
        self._session = _core_session(base)
        self._session.register_component("credential_provider", _CallersProvider())
        self._config = client_config(deadline, SHARED_POOL_CONNECTIONS)
        self._clients: dict[tuple[str, str, int | None], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str, attempts: int | None = None) -> Any:
        """The client of this service and region (`attempts`: other than limits.LIVE_MAX_ATTEMPTS)."""
        import botocore.config

        with self._lock:
            key = (service, region, attempts)
            if key not in self._clients:
                config = self._config if attempts is None else self._config.merge(botocore.config.Config(
                    retries={"mode": "standard", "total_max_attempts": attempts}))
                made = self._session.create_client(service, region_name=region, config=config)
                made.meta.events.register("before-parameter-build", lambda **kw: _calling()._count(**kw))
                made.meta.events.register("before-send", lambda **kw: _calling()._send(made, **kw))
                made.meta.events.register_first("needs-retry", lambda **kw: _calling()._may_retry(**kw))
                self._clients[key] = made
            return self._clients[key]


class _CallersProvider:
    """A credential provider (botocore's `credential_provider` component) of _CallersCredentials."""

    def load_credentials(self) -> _CallersCredentials:
        return _CallersCredentials()


_SESSIONS = threading.RLock()
_BUILTIN_HANDLERS: list[Any] = []  # an event emitter holding botocore's built-in handlers, to copy


def session_of(base: Any, access_key: str, secret_key: str, token: str | None = None) -> Any:
    """A boto3 session of these credentials, in `base`'s region, made for one
    account of many: it reads botocore's service models and endpoint data
    through `base`'s loader, which keeps what it parsed (ec2's model alone is
    megabytes of JSON), and starts with a copy of botocore's built-in event
    handlers (as botocore gives each client) instead of registering and checking
    them again. Either done anew was most of the CPU time of an account's scan.
    The events are the new session's own, so each Reader counts its own calls."""
    import boto3

    with _SESSIONS:  # boto3 appends its data path to the loader's list
        core = _core_session(base)
        made = boto3.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                             aws_session_token=token, region_name=base.region_name, botocore_session=core)
        loader = core.get_component("data_loader")
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return made


def _core_session(base: Any) -> Any:
    """A botocore session reading through `base`'s loader, with a copy of the built-in handlers and
    `base`'s default client configuration (its proxies, say)."""
    import copy

    import botocore.hooks
    import botocore.session

    with _SESSIONS:
        loader = base._session.get_component("data_loader")
        if not isinstance(loader, _OneLoadAtATime):
            loader = _OneLoadAtATime(loader)
            base._session.register_component("data_loader", loader)
        if not _BUILTIN_HANDLERS:
            _BUILTIN_HANDLERS.append(botocore.hooks.HierarchicalEmitter())
            botocore.session.Session(event_hooks=_BUILTIN_HANDLERS[0])
        core = botocore.session.Session(event_hooks=copy.copy(_BUILTIN_HANDLERS[0]), include_builtin_handlers=False)
        core.register_component("data_loader", loader)
        core.set_default_client_config(base._session.get_default_client_config())
        return core


class _OneLoadAtATime:
    """botocore's loader, one call at a time: the accounts scanned at once that
    need a model not parsed yet wait for the one parsing it and find it cached,
    instead of each parsing it again."""

    def __init__(self, loader: Any) -> None:
        self._loader, self._lock = loader, threading.RLock()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._loader, name)
        if not callable(found):
            return found

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return found(*args, **kwargs)
        return locked


def _chunks(read1: Callable[[int], bytes]) -> Any:
    while chunk := read1(CHUNK):
        yield chunk


def _check_parsable(client: Any, operation: str, status: int, body: bytes) -> None:
    """botocore takes an empty answer, or a JSON one it cannot parse, for an answer
    without data: a trail without selectors, a region without alarms. Every read
    the scan makes has an output document: one that is missing or broken is damaged."""
    model = client.meta.service_model
    if status >= 300 or not model.operation_model(operation).output_shape:
        return  # errors are judged by their status; XML and CBOR parsers refuse what they cannot parse
    if not body:
        raise ResponseDamaged("the response is empty")
    if model.protocol in JSON_PROTOCOLS:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ResponseDamaged("the response is not the JSON document the API answers with")


def start_failure(exc: BaseException, deadline: Deadline, step: str | None = "call AWS") -> str:
    """Why the scan cannot start, in one line a user can act on; `step` is what it was doing."""
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, ImportError):
        return f"the live mode needs boto3 installed: {describe(exc)}"
    import botocore.exceptions as e

    code = _code(exc)
    if code in CREDENTIAL_PROBLEMS:
        return f"the AWS credentials are expired or invalid: {describe(exc)}"
    if isinstance(exc, DeadlinePassed) or deadline.passed():
        return f"nothing could be read from AWS within the deadline of {deadline.seconds:g} s ({describe(exc)})"
    if isinstance(exc, e.ProfileNotFound):
        return f"AWS profile {safe(exc.kwargs.get('profile', '?'), 100)!r} is not configured"
    if isinstance(exc, (e.ConfigParseError, e.ConfigNotFound, e.InvalidConfigError)):
        return f"the AWS configuration cannot be read: {describe(exc)}"
    if isinstance(exc, e.NoCredentialsError):
        return "no AWS credentials found (environment, profile, SSO or instance role)"
    if isinstance(exc, (e.PartialCredentialsError, e.CredentialRetrievalError, e.TokenRetrievalError,
                        e.SSOError, e.UnauthorizedSSOTokenError)):
        return f"cannot get AWS credentials: {describe(exc)}"
    if isinstance(exc, (e.EndpointConnectionError, e.ConnectTimeoutError, e.ReadTimeoutError,
                        e.ConnectionClosedError)):
        return f"cannot reach AWS: {describe(exc)}"
    return f"cannot {step}: {describe(exc)}" if step else describe(exc)


def secrets_from_environment() -> None:
    """The credentials and endpoint userinfo the environment holds, before anything can echo them."""
    keep_secret(*(os.environ.get(name) for name in CREDENTIAL_VARIABLES))
    for name, value in os.environ.items():
        if name.startswith("AWS_ENDPOINT_URL") and "@" in value:
            userinfo = value.split("://", 1)[-1].rpartition("@")[0]
            keep_secret(*userinfo.split(":"))
            _SECRETS.add(userinfo)


def _snake(client: Any, operation: str) -> str:
    from botocore import xform_name
    return xform_name(operation)

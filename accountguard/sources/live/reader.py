"""Every AWS call the live mode makes goes through a Reader: read-only operations
only, boto3's standard retry mode (throttling and 5xx are retried), paginators,
one client per service and region, and a count of every call, taken from
botocore's own events so that nothing escapes it."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Callable

from ...model import InputError

READ_ONLY = ("Get", "List", "Describe")
ALSO_READ_ONLY = {"GenerateCredentialReport"}  # starts building the report GetCredentialReport reads
REFUSED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
           "AuthorizationError", "AuthorizationErrorException", "Forbidden"}
CREDENTIAL_PROBLEMS = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                       "SignatureDoesNotMatch", "AuthFailure", "InvalidAccessKeyId", "RequestExpired"}
IAM_PREFIX = {"monitoring": "cloudwatch"}  # endpoint prefixes that differ from IAM's action prefix
# Operations whose IAM permission is not named after them (examples/iam/ has the whole policy).
PERMISSION = {"budgets:DescribeBudgets": "budgets:ViewBudget",
              "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
              "budgets:DescribeSubscribersForNotification": "budgets:ViewBudget"}


def action_of(service_model: Any, operation: str) -> str:
    """`service:Operation`, with the service named as IAM names it."""
    prefix = service_model.metadata.get("signingName") or service_model.endpoint_prefix
    return f"{IAM_PREFIX.get(prefix, prefix)}:{operation}"


def permission_of(action: str) -> str:
    return PERMISSION.get(action, action)


class ReadFailed(Exception):
    """A read that was refused or failed; its message names the call and, when
    refused, the permission the scanner is missing."""

    def __init__(self, action: str, exc: BaseException) -> None:
        self.action = action
        status = (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        self.refused = _code(exc) in REFUSED or status == 403
        why = f"was refused ({_code(exc)}): the scanner needs permission {permission_of(action)}" \
            if self.refused else f"failed: {self.describe(exc)}"
        super().__init__(f"{action} {why}")

    @staticmethod
    def describe(exc: BaseException) -> str:
        code = _code(exc)
        if code:
            message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
            return f"{code}" + (f" ({message})" if message and len(message) < 200 else "")
        return f"{type(exc).__name__}: {exc}"


def _code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None


class Reader:
    def __init__(self, session: Any, overrides: dict[str, Callable] | None = None) -> None:
        import botocore.config

        self.session = session
        self.home = session.region_name or "us-east-1"
        self.overrides = overrides or {}
        self.config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 5},
                                             connect_timeout=5, read_timeout=30, max_pool_connections=32,
                                             user_agent_extra="accountguard")
        self.calls: Counter[str] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        # before-parameter-build runs for every call, stubbed ones included; every handler sees it
        session.events.register("before-parameter-build", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[action_of(model.service_model, model.name)] += 1

    def client(self, service: str, region: str, operation: str) -> Any:
        override = self.overrides.get(f"{service}:{operation}")
        if override is not None:
            return override(self.session, region)
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self.session.client(service, region_name=region, config=self.config)
            return self._clients[key]

    def call(self, service: str, region: str, operation: str, **params: Any) -> dict[str, Any]:
        client = self._checked(service, region, operation)
        try:
            return getattr(client, _snake(client, operation))(**params)
        except Exception as exc:
            raise ReadFailed(action_of(client.meta.service_model, operation), exc) from None

    def pages(self, service: str, region: str, operation: str, key: str | None, **params: Any) -> list[Any]:
        """Every item under `key` in every page (key None: the pages themselves)."""
        client = self._checked(service, region, operation)
        try:
            if client.can_paginate(_snake(client, operation)):
                pages = list(client.get_paginator(_snake(client, operation)).paginate(**params))
            else:
                pages = [getattr(client, _snake(client, operation))(**params)]
            return pages if key is None else [item for page in pages for item in page.get(key) or ()]
        except Exception as exc:
            raise ReadFailed(action_of(client.meta.service_model, operation), exc) from None

    def _checked(self, service: str, region: str, operation: str) -> Any:
        if not operation.startswith(READ_ONLY) and operation not in ALSO_READ_ONLY:
            raise ValueError(f"{service}:{operation} is not a read-only operation")  # a bug, never a call
        return self.client(service, region, operation)

    def identity(self) -> dict[str, Any]:
        """Who the credentials belong to: the first call, and the one that tells a
        missing or expired credential from everything else."""
        import botocore.exceptions

        import botocore.config

        sts = self.session.client("sts", region_name=self.home, config=self.config.merge(
            botocore.config.Config(retries={"mode": "standard", "max_attempts": 2})))
        try:
            return sts.get_caller_identity()
        except botocore.exceptions.NoCredentialsError:
            raise InputError("no AWS credentials found (environment, profile, SSO or instance role)") from None
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as exc:
            raise InputError(f"cannot reach AWS: {exc}") from None
        except botocore.exceptions.TokenRetrievalError as exc:
            raise InputError(f"cannot get AWS credentials: {exc}") from None
        except botocore.exceptions.ClientError as exc:
            code = _code(exc)
            what = "the AWS credentials are expired or invalid" if code in CREDENTIAL_PROBLEMS else \
                "sts:GetCallerIdentity failed"
            raise InputError(f"{what}: {ReadFailed.describe(exc)}") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise InputError(f"cannot call AWS: {exc}") from None



def _snake(client: Any, operation: str) -> str:
    from botocore import xform_name
    return xform_name(operation)

"""A moto server on 127.0.0.1, in this process, behind a thin WSGI layer.

The layer mends one moto gap that Terraform trips over: DescribeTrails ignores
`trailNameList`, so with two trails the AWS provider's read finds "too many
results" and drops a trail from its state. Everything else is moto's own.
"""
from __future__ import annotations

import io
import json
import logging
import os
import socket
from contextlib import contextmanager
from threading import Thread
from typing import Any, Callable, Iterable, Iterator

DESCRIBE_TRAILS = "CloudTrail_20131101.DescribeTrails"


class _TrailNameFilter:
    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").endswith(DESCRIBE_TRAILS):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
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
def moto_endpoint() -> Iterator[str]:
    """Yields the endpoint URL (for AWS_ENDPOINT_URL); stops the server afterwards."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # read when the IAM backend starts
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = _TrailNameFilter(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()

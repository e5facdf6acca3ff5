"""The organization benchmark: an organization of ACCOUNTS moto accounts (the
management account and its members, each seeded as the secure baseline, the
guardrail SCP on the root) in 3 regions, scanned by `load_organization`.

    genorganization.py [--accounts 100] [--concurrency 1,8,32] [--growth 10,50,100]
                       [--growth-concurrency 8] [--in-process] [--profile PREFIX]

One moto server holds every account, so that AssumeRole into a member gives
credentials its backend accepts. It is seeded in this process (the seeding sets
what moto lacks on its backends); then the scanner is forked off and scans it
over HTTP, as it would AWS, each process with its own interpreter lock.
`--in-process` scans from the server's process instead (the scanner and moto
then share one interpreter lock, as in the tests).

The first scan is a warm-up, reported apart: moto creates an account's regional
backends (EC2's with default VPCs) when they are first used. Every scan starts
from accounts without a credential report, as a first scan in AWS does (the
report is then generated, and GenerateCredentialReport called twice).

Prints, as JSON, per scan: wall time; CPU time of the scanner and of moto's
request handling; the HTTP requests moto answered; the API calls per account
(counted by the Reader from botocore's events), next to those of the
single-account scan of one member, which they must equal (less the
Organizations reads the management account makes once for the whole run).
`--growth` scans the management account and the first N-1 members of the same
organization, to show how time and calls grow with accounts."""
from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing.connection
import os
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import moto_account  # noqa: E402
from moto_account import GUARDRAILS, Account, Member, member_session, organization  # noqa: E402
from moto_endpoint import moto_endpoint  # noqa: E402

from accountguard.organization import evaluate_organization  # noqa: E402
from accountguard.sources.live import load_account  # noqa: E402
from accountguard.sources.live.organization_scan import load_organization  # noqa: E402

REGIONS = ["eu-west-1", "us-east-1", "us-west-2"]


class Moto:
    """The moto server's side: CPU time its threads spend
    on requests (werkzeug serves each one through `handle_one_request` on the
    connection's thread: parsing, moto, writing the answer), how many it
    answered, and its accounts' credential reports."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        self.seconds, self.requests, self._lock = 0.0, 0, threading.Lock()
        handle = MotoRequestHandler.handle_one_request

        def timed(handler: Any) -> None:
            start = time.thread_time()
            try:
                handle(handler)
            finally:
                with self._lock:
                    self.seconds += time.thread_time() - start
                    self.requests += 1
        MotoRequestHandler.handle_one_request = timed

    def read(self) -> tuple[float, int]:
        with self._lock:
            return self.seconds, self.requests

    def fresh_reports(self, account_ids: list[str]) -> None:
        """No account has a credential report: the next GenerateCredentialReport starts one."""
        from moto.iam.models import iam_backends
        for account_id in account_ids:
            iam_backends[account_id]["global"].credential_report = None


class RemoteMoto:
    """Moto, from the scanner process."""

    def __init__(self, connection: multiprocessing.connection.Connection) -> None:
        self.connection = connection

    def _ask(self, name: str, *args: Any) -> Any:
        self.connection.send((name, args))
        return self.connection.recv()

    def read(self) -> tuple[float, int]:
        return self._ask("read")

    def fresh_reports(self, account_ids: list[str]) -> None:
        self._ask("fresh_reports", account_ids)


class Measured:
    """Wall time, the scanner's CPU time and moto's, over a `with` block."""

    def __init__(self, moto: Moto | RemoteMoto, shared: bool) -> None:
        self.moto, self.shared = moto, shared  # shared: moto's CPU time is part of this process's

    def __enter__(self) -> "Measured":
        self.load = os.getloadavg()[0]
        self._wall, self._cpu, (self._moto, self._requests) = time.perf_counter(), time.process_time(), \
            self.moto.read()
        return self

    def __exit__(self, *_: Any) -> None:
        wall, cpu = time.perf_counter() - self._wall, time.process_time() - self._cpu
        moto, requests = self.moto.read()
        moto -= self._moto
        self.figures = {"seconds": wall, "scanner_cpu_seconds": cpu - moto if self.shared else cpu,
                        "moto_cpu_seconds": moto, "moto_requests": requests - self._requests,
                        "load_average_before": self.load}


class ThreadProfiles:
    """cProfile, in CPU time, in every thread started inside the `with` block
    (cProfile sees only the thread that enables it): the scanner's threads are
    written to PREFIX-scan.prof, moto's connection threads (in-process only) to
    PREFIX-moto.prof."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.profiles = prefix, []

    def _start(self, *_: Any) -> None:
        import cProfile
        profile = cProfile.Profile(time.thread_time)
        self.profiles.append((threading.current_thread().name, profile))
        profile.enable()

    def __enter__(self) -> "ThreadProfiles":
        import cProfile
        threading.setprofile(self._start)
        self.main = cProfile.Profile(time.thread_time)
        self.main.enable()
        return self

    def __exit__(self, *_: Any) -> None:
        import pstats
        self.main.disable()
        threading.setprofile(None)
        moto = [p for name, p in self.profiles if "process_request_thread" in name]
        scan = [self.main] + [p for name, p in self.profiles if "process_request_thread" not in name]
        for part, profiles in (("scan", scan), ("moto", moto)):
            if profiles:
                stats = pstats.Stats(profiles[0])
                for profile in profiles[1:]:
                    stats.add(profile)
                stats.dump_stats(f"{self.prefix}-{part}.prof")


def _own(calls: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in calls.items() if not k.startswith("organizations:")}


def scan(moto: Moto | RemoteMoto, shared: bool, seeded: Any, concurrency: int, selected: list[str]) -> dict[str, Any]:
    moto.fresh_reports(selected)
    with Measured(moto, shared) as measured:
        found = load_organization(regions=REGIONS, overrides=seeded.overrides_for, concurrency=concurrency,
                                  session=moto_account.session(), accounts=selected)
        judged = evaluate_organization(found)
    per_account = [_own(a.inventory.facts["api_calls"]) for a in found.accounts if a.inventory is not None]
    distinct = Counter(json.dumps(c, sort_keys=True) for c in per_account)
    not_passing = Counter(r.control.id for j in judged for r in j.results if r.status.value in ("fail", "error"))
    return {"concurrency": concurrency, "accounts": len(selected), **measured.figures, "scanned": len(per_account),
            "errors": [a.account_id for a in found.accounts if a.error],
            "not_passing": dict(not_passing),
            "calls_per_account": [json.loads(c) for c in distinct],
            "account_calls": sum(sum(c.values()) for c in per_account),
            "organization_calls": found.api_calls}


def measure(moto: Moto | RemoteMoto, shared: bool, seeded: Any, ids: list[str],
            options: argparse.Namespace) -> dict[str, Any]:
    sample = seeded.ids["member0"]
    member = member_session(sample)
    moto.fresh_reports([sample])
    with Measured(moto, shared) as single:
        inventory = load_account(session=member, regions=REGIONS, overrides=seeded.overrides_for(sample))
    warmup = scan(moto, shared, seeded, max(options.concurrency), ids)
    runs = []
    for concurrency in options.concurrency:
        with ThreadProfiles(options.profile) if options.profile and not runs else contextlib.nullcontext():
            runs.append(scan(moto, shared, seeded, concurrency, ids))
    growth = [scan(moto, shared, seeded, options.growth_concurrency, ids[:size])
              for size in options.growth if size <= len(ids)]
    return {"single_account": single.figures, "single_account_calls": _own(inventory.facts["api_calls"]),
            "warmup": warmup, "runs": runs, "growth": growth}


def _forked(moto: Moto, seeded: Any, ids: list[str], options: argparse.Namespace) -> dict[str, Any]:
    """`measure` in a child process (fork: it has the seeded organization's
    overrides and IDs), while this one serves moto and answers its requests."""
    ours, theirs = multiprocessing.Pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        ours.close()
        code = 1
        try:
            theirs.send(measure(RemoteMoto(theirs), False, seeded, ids, options))
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)  # not through the server's shutdown, which is the parent's
    theirs.close()
    result = None
    while result is None:
        try:
            message = ours.recv()
        except EOFError:
            break
        if isinstance(message, dict):
            result = message
        else:
            name, args = message
            ours.send(getattr(moto, name)(*args))
    _, status = os.waitpid(pid, 0)
    if result is None or os.waitstatus_to_exitcode(status):
        raise SystemExit(f"the scanner process failed (exit {os.waitstatus_to_exitcode(status)})")
    return result


def _numbers(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--concurrency", type=_numbers, default=[1, 8, 32])
    parser.add_argument("--growth", type=_numbers, default=[10, 50, 100])
    parser.add_argument("--growth-concurrency", type=int, default=8)
    parser.add_argument("--in-process", action="store_true", help="scan from moto's process")
    parser.add_argument("--profile", metavar="PREFIX", help="cProfile the first measured scan into "
                                                            "PREFIX-scan.prof (and PREFIX-moto.prof in-process)")
    options = parser.parse_args()
    baseline = Account(guardduty_regions=tuple(REGIONS), analyzer_regions=tuple(REGIONS))
    with moto_endpoint() as endpoint:
        moto = Moto()
        os.environ["AWS_ENDPOINT_URL"] = endpoint.url
        start = time.perf_counter()
        seeded = organization(baseline, [Member(f"member{n}", f"Unit{n % 5}", baseline)
                                         for n in range(options.accounts - 1)],
                              scps={"guardrails": (GUARDRAILS, [""])})
        seeding = time.perf_counter() - start
        ids = [seeded.ids["management"]] + [seeded.ids[f"member{n}"] for n in range(options.accounts - 1)]
        figures = measure(moto, True, seeded, ids, options) if options.in_process else \
            _forked(moto, seeded, ids, options)
    print(json.dumps({"accounts": options.accounts, "regions": REGIONS, "cores": os.cpu_count(),
                      "moto": "in the scanner's process" if options.in_process else "in its own process",
                      "seeding_seconds": seeding, **figures}))


if __name__ == "__main__":
    main()

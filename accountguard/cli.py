"""`accountguard plan PLAN.json`, `accountguard hcl DIR`, `accountguard live`: exit 0 when every
control passes or does not apply, 1 when one fails or errors (with
`--fail-on regressions`: only what the plan makes worse), 2 for input or usage
it cannot accept, or a report it cannot write (one line on stderr each time).

A front end's modules are imported when it runs: a plan needs no HCL parser, no
command but live needs boto3 (sources/live imports it when a scan starts)."""
from __future__ import annotations

import argparse
import importlib.resources
import os
import sys
from dataclasses import replace

from . import __version__
from .config import FAIL_ON, ConfigError, load_config
from .controls import all_controls
from .engine import evaluate, failed
from .limits import LIVE_DEADLINE_SECONDS
from .model import InputError
from .reports import FORMATS
from .reports.escape import printable
from .sources.live import DEFAULT_REPORT_TIMEOUT
from .sources.live.organization_scan import DEFAULT_CONCURRENCY, DEFAULT_ROLE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="accountguard", description="Judge AWS account protection controls.")
    parser.add_argument("--version", action="version", version=f"accountguard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    plan = commands.add_parser("plan", help="judge a Terraform plan (terraform show -json PLANFILE)")
    plan.add_argument("path", metavar="PLAN.json")
    plan.add_argument("--fail-on", choices=FAIL_ON,
                      help="failures (default): every failure fails; regressions: only what this plan "
                           "makes worse (a plan without prior state is judged in full)")
    plan.add_argument("--tf-dir", metavar="DIR",
                      help="the configuration the plan was made from, to follow references through locals "
                           "and to point findings at its files and lines")
    plan.add_argument("--tree", metavar="ROOT", help="with --tf-dir: the tree it may read from (as for hcl)")
    hcl = commands.add_parser("hcl", help="judge a directory of .tf files without running Terraform")
    hcl.add_argument("path", metavar="DIR")
    hcl.add_argument("--var-file", action="append", default=[], metavar="FILE", help="a .tfvars file (repeatable)")
    hcl.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a variable (repeatable)")
    hcl.add_argument("--tree", metavar="ROOT",
                     help="the tree DIR may read from: module sources, file() and symlinks must stay inside it "
                          "(default: DIR itself; e.g. --tree . when modules live in ../modules)")
    live = commands.add_parser("live", help="judge a live AWS account, with read-only API calls")
    live.add_argument("--profile", metavar="NAME", help="AWS profile (default: boto3's credential chain)")
    live.add_argument("--region", action="append", default=[], metavar="R",
                      help="a region to judge (repeatable; default: every region enabled in the account)")
    live.add_argument("--role-arn", metavar="ARN", help="assume this role first (e.g. the scanner role)")
    live.add_argument("--report-timeout", type=float, default=DEFAULT_REPORT_TIMEOUT, metavar="SECONDS",
                      help="how long to wait for IAM's credential report (default: %(default)g)")
    live.add_argument("--deadline", type=float, default=LIVE_DEADLINE_SECONDS, metavar="SECONDS",
                      help="the most the whole scan may take, retries included; what is not read by then "
                           "is an error (default: %(default)g)")
    org = live.add_argument_group("an AWS Organization (from its management account or a delegated administrator)")
    org.add_argument("--organization", action="store_true",
                     help="judge every active account of the organization the credentials' account manages")
    org.add_argument("--role-name", default=DEFAULT_ROLE, metavar="NAME",
                     help="the scanner role to assume in each member account (default: %(default)s; "
                          "OrganizationAccountAccessRole works too)")
    org.add_argument("--account", action="append", default=[], metavar="ID",
                     help="judge only this account (repeatable)")
    org.add_argument("--exclude", action="append", default=[], metavar="ID", help="leave this account out (repeatable)")
    org.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N",
                     help="accounts scanned at once (default: %(default)s)")
    commands.add_parser("checkov-dir", help="print the directory to give checkov's --external-checks-dir")
    scopes = commands.add_parser("checkov-scopes", help="internal, for the checkov checks: judge each scope as "
                                 "`accountguard KIND PATH --format json` would, in one JSON document")
    scopes.add_argument("scopes", nargs="+", type=_scope, metavar="KIND:PATH", help="plan:PLAN.json or hcl:DIR")
    for sub in (plan, hcl, live):
        sub.add_argument("--format", choices=sorted(FORMATS), default="text")
        sub.add_argument("--output", action="append", default=[], type=_output, metavar="FORMAT:PATH",
                         help="also write the report in FORMAT to PATH (repeatable), e.g. sarif:results.sarif")
        sub.add_argument("--config", metavar="FILE",
                         help="accountguard.toml or pyproject.toml (default: found in the working directory)")
    return parser


def _scope(value: str) -> str:
    if value.partition(":")[0] not in ("plan", "hcl"):
        raise argparse.ArgumentTypeError("expected plan:PLAN.json or hcl:DIR")
    return value


def _output(value: str) -> tuple[str, str]:
    format_, _, path = value.partition(":")
    if format_ not in FORMATS or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT:PATH with FORMAT one of {', '.join(sorted(FORMATS))}")
    return format_, path


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # a report with any character reaches an ASCII-only terminal
            stream.reconfigure(errors="backslashreplace")
    try:
        status, report, files = _run(argv)
    except SystemExit as done:  # argparse: --help, --version, a usage error (already on stderr)
        status, report, files = (done.code if isinstance(done.code, int) else 2), "", []
    problem = _write_files(files) or _write(report)
    if problem:
        _say(problem)
        return 2
    return status


def _run(argv: list[str] | None) -> tuple[int, str, list[tuple[str, str]]]:
    """The exit status, what to print on stdout, and the --output files (path, text)."""
    args = _parser().parse_args(argv)
    if args.command == "checkov-dir":
        return 0, f"{importlib.resources.files('accountguard.policies')}\n", []
    if args.command == "checkov-scopes":
        return 0, _checkov_scopes(args.scopes), []
    try:
        controls = all_controls()
        config = load_config(args.config, {c.id for c in controls})
        if getattr(args, "fail_on", None):
            config = replace(config, fail_on=args.fail_on)
        if args.command == "plan":
            from .sources.plan import load_plan
            inventory = load_plan(args.path, args.tf_dir, args.tree)
        elif args.command == "hcl":
            from .sources.hcl import load_directory
            inventory = load_directory(args.path, args.var_file, args.var, args.tree)
        elif args.organization:
            return _organization(args, config, controls)
        else:
            if args.account or args.exclude:
                raise InputError("--account and --exclude choose accounts of --organization")
            from .sources.live import load_account
            inventory = load_account(args.profile, args.region, args.role_arn, args.report_timeout,
                                     deadline=args.deadline)
    except (InputError, ConfigError) as exc:
        _say(str(exc))
        return 2, "", []
    results = evaluate(inventory, config, controls)
    files = [(path, FORMATS[format_](inventory, results, config)) for format_, path in args.output]
    return (1 if failed(results, config) else 0), FORMATS[args.format](inventory, results, config), files


def _checkov_scopes(scopes: list[str]) -> str:
    """Per scope, the exit status, stdout and stderr that `accountguard KIND PATH --format json` has,
    judged in this one process (the checkov checks ask for every scope of a run at once)."""
    import contextlib
    import io
    import json

    judged = []
    for scope in scopes:
        kind, _, path = scope.partition(":")
        with contextlib.redirect_stderr(io.StringIO()) as stderr:
            try:
                status, report, _ = _run([kind, path, "--format", "json"])
            except SystemExit as done:  # argparse refused it (already on stderr)
                status, report = (done.code if isinstance(done.code, int) else 2), ""
        judged.append({"scope": scope, "exit": status, "report": report, "stderr": stderr.getvalue()})
    return json.dumps({"scopes": judged}) + "\n"


def _organization(args: argparse.Namespace, config, controls) -> tuple[int, str, list[tuple[str, str]]]:
    """Every account of the organization, one report; the exit status covers them all."""
    from .organization import evaluate_organization, organization_failed
    from .reports.organization import ORGANIZATION_FORMATS, verdict
    from .sources.live.organization_scan import load_organization
    if args.role_arn:
        raise InputError("--role-arn is for one account; with --organization, give the members' role with "
                         "--role-name and run with the management account's credentials")
    progress = _Progress() if sys.stderr is not None and sys.stderr.isatty() else None
    scan = load_organization(args.profile, args.region, args.role_name, args.account, args.exclude,
                             args.concurrency, args.report_timeout, deadline=args.deadline, progress=progress)
    if progress:
        progress.end()
    judged = evaluate_organization(scan, config, controls)
    files = [(path, ORGANIZATION_FORMATS[format_](scan, judged, config)) for format_, path in args.output]
    failing = [a for a in judged if verdict(a) in ("FAIL", "ERROR")]
    _say(f"organization {scan.organization_id}: {len(judged)} accounts judged or listed, "
         f"{len(failing)} failing or with errors")
    return (1 if organization_failed(judged, config) else 0), ORGANIZATION_FORMATS[args.format](
        scan, judged, config), files


class _Progress:
    """One line on a terminal's stderr, rewritten as accounts finish."""

    def __call__(self, done: int, total: int, account) -> None:
        outcome = "error" if account.error else "scanned"
        self._line(f"accountguard: {done}/{total} accounts ({account.account_id} {outcome})")

    def _line(self, text: str) -> None:
        try:
            sys.stderr.write(f"\r\x1b[K{printable(text)}")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def end(self) -> None:
        self._line("")
        try:
            sys.stderr.write("\r")
        except (OSError, ValueError):
            pass


def _write_files(files: list[tuple[str, str]]) -> str | None:
    """Each --output file whole or not at all: written beside its target, then renamed."""
    for path, text in files:
        partial = f"{path}.accountguard-partial"
        try:
            with open(partial, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(partial, path)
        except OSError as exc:
            try:
                os.unlink(partial)
            except OSError:
                pass
            return f"cannot write {path} ({exc.strerror or exc})"
    return None


def _write(text: str) -> str | None:
    """Write all of `text` to stdout; why not, when stdout cannot take it (closed, a
    reader that went away, a full disk). A report nobody received is never a pass."""
    if sys.stdout is None and not text:  # argparse wrote its help or error to stderr instead
        return None
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except AttributeError:  # the descriptor was closed before Python started: sys.stdout is None
        return "cannot write the report: standard output is closed"
    except (OSError, ValueError) as exc:
        try:  # so that Python's own flush at exit does not fail again with a traceback
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return f"cannot write the report to standard output ({getattr(exc, 'strerror', None) or exc})"
    return None


def _say(message: str) -> None:
    """One line on stderr, whatever the message holds."""
    try:
        print(f"accountguard: {printable(message)}", file=sys.stderr, flush=True)
    except (AttributeError, OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())

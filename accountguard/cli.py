"""`accountguard plan PLAN.json`, `accountguard hcl DIR`, `accountguard live`: exit 0 when every
control passes or does not apply, 1 when one fails or errors (with
`--fail-on regressions`: only what the plan makes worse), 2 for input or usage
it cannot accept."""
from __future__ import annotations

import argparse
import importlib.resources
import sys
from dataclasses import replace

from .config import FAIL_ON, ConfigError, load_config
from .controls import all_controls
from .engine import evaluate, failed
from .limits import LIVE_DEADLINE_SECONDS
from .model import InputError
from .reports import FORMATS
from .sources.hcl import load_directory
from .sources.live import DEFAULT_REPORT_TIMEOUT, load_account
from .sources.plan import load_plan


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="accountguard", description="Judge AWS account protection controls.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    plan = commands.add_parser("plan", help="judge a Terraform plan (terraform show -json PLANFILE)")
    plan.add_argument("path", metavar="PLAN.json")
    plan.add_argument("--fail-on", choices=FAIL_ON,
                      help="failures (default): every failure fails; regressions: only what this plan "
                           "makes worse (a plan without prior state is judged in full)")
    hcl = commands.add_parser("hcl", help="judge a directory of .tf files without running Terraform")
    hcl.add_argument("path", metavar="DIR")
    hcl.add_argument("--var-file", action="append", default=[], metavar="FILE", help="a .tfvars file (repeatable)")
    hcl.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a variable (repeatable)")
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
    commands.add_parser("checkov-dir", help="print the directory to give checkov's --external-checks-dir")
    for sub in (plan, hcl, live):
        sub.add_argument("--format", choices=sorted(FORMATS), default="text")
        sub.add_argument("--config", metavar="FILE",
                         help="accountguard.toml or pyproject.toml (default: found in the working directory)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "checkov-dir":
        print(importlib.resources.files("accountguard.policies"))
        return 0
    try:
        controls = all_controls()
        config = load_config(args.config, {c.id for c in controls})
        if getattr(args, "fail_on", None):
            config = replace(config, fail_on=args.fail_on)
        if args.command == "plan":
            inventory = load_plan(args.path)
        elif args.command == "hcl":
            inventory = load_directory(args.path, args.var_file, args.var)
        else:
            inventory = load_account(args.profile, args.region, args.role_arn, args.report_timeout,
                                     deadline=args.deadline)
    except (InputError, ConfigError) as exc:
        print(f"accountguard: {exc}", file=sys.stderr)
        return 2
    results = evaluate(inventory, config, controls)
    sys.stdout.write(FORMATS[args.format](inventory, results))
    return 1 if failed(results, config) else 0


if __name__ == "__main__":
    sys.exit(main())

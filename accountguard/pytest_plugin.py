"""pytest front end: `pytest --plan PLAN.json` (or `--tf-dir DIR`) runs one
policy test per control (accountguard/test_policies.py) and gives users an
`inventory` fixture for their own policy tests. `pytest -m live` judges the
AWS account boto3's credentials reach (`live_inventory`), scanned once."""
from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import pytest

from .config import FAIL_ON, Config, ConfigError, load_config
from .controls import Control, all_controls
from .engine import blocking, evaluate
from .limits import LIVE_DEADLINE_SECONDS
from .model import InputError, Inventory, Status
from .reports.escape import printable
from .reports.text import ALREADY, explain
from .sources.hcl import load_directory
from .sources.live import load_account
from .sources.live.organization_scan import DEFAULT_ROLE, AccountScan, OrganizationReader, credit
from .sources.plan import load_plan

POLICY_TESTS = Path(__file__).with_name("test_policies.py")
_INVENTORIES = pytest.StashKey[dict]()
_CONFIG = pytest.StashKey[Config]()
_LIVE = pytest.StashKey[Inventory]()
_ORGANIZATION = pytest.StashKey[tuple]()
_SCANNED = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("accountguard", "accountguard policy tests")
    group.addoption("--plan", action="append", default=[], metavar="PLAN.json",
                    help="judge this Terraform plan JSON (repeatable)")
    group.addoption("--tf-dir", action="append", default=[], metavar="DIR",
                    help="judge this directory of .tf files (repeatable); with --plan, once: the "
                         "configuration the plans were made from, to follow references through locals")
    group.addoption("--tf-tree", metavar="ROOT",
                    help="with --tf-dir: the tree the directories may read from (default: each directory itself)")
    group.addoption("--accountguard-config", metavar="FILE",
                    help="accountguard.toml or pyproject.toml (default: found in the working directory)")
    group.addoption("--aws-profile", metavar="NAME", help="with -m live: the AWS profile to scan with")
    group.addoption("--aws-region", action="append", default=[], metavar="R",
                    help="with -m live: a region to judge (repeatable; default: every enabled region)")
    group.addoption("--aws-role-arn", metavar="ARN", help="with -m live: assume this role first")
    group.addoption("--aws-deadline", default=LIVE_DEADLINE_SECONDS, metavar="SECONDS",
                    help="with -m live: the most the whole scan may take, retries included (default: %(default)s)")
    group.addoption("--aws-organization", action="store_true",
                    help="with -m live: judge every active account of the organization (one test per account "
                         "and control; with -n, accounts are spread over pytest-xdist's workers)")
    group.addoption("--aws-role-name", default=DEFAULT_ROLE, metavar="NAME",
                    help="with --aws-organization: the scanner role in each member account (default: %(default)s)")
    group.addoption("--aws-account", action="append", default=[], metavar="ID",
                    help="with --aws-organization: judge only this account (repeatable)")
    group.addoption("--fail-on", choices=FAIL_ON,
                    help="failures (default): every failure fails; regressions: failures a plan's prior "
                         "state already had are reported as xfail")


def pytest_configure(config: pytest.Config) -> None:
    """Read the plans and configuration once; bad input stops the run with one line.
    Without --plan or --tf-dir the plugin stays out of the way of other test suites."""
    config.addinivalue_line("markers", "live: judges a live AWS account; selected with -m live")
    inventories: dict[str, Inventory] = {}
    config.stash[_INVENTORIES] = inventories
    config.stash[_CONFIG] = Config()
    if not config.getoption("plan") and not config.getoption("tf_dir") and not _live_selected(config):
        return
    try:
        settings = load_config(config.getoption("accountguard_config"), {c.id for c in all_controls()})
        if config.getoption("fail_on"):
            settings = replace(settings, fail_on=config.getoption("fail_on"))
        config.stash[_CONFIG] = settings
        plans, directories = config.getoption("plan"), config.getoption("tf_dir")
        if plans and len(directories) > 1:
            raise InputError("give one --tf-dir with --plan: the configuration the plans were made from")
        for path in plans:
            inventories[path] = load_plan(path, directories[0] if directories else None, config.getoption("tf_tree"))
        for path in [] if plans else directories:
            inventories[path] = load_directory(path, tree=config.getoption("tf_tree"))
    except (InputError, ConfigError) as exc:
        raise pytest.UsageError(f"accountguard: {printable(exc)}") from None


def _live_selected(config: pytest.Config) -> bool:
    return "live" in (config.getoption("markexpr", "") or "")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The policy tests are found by `testpaths` in a checkout of accountguard; there,
    without a plan, they are left out so that plain `pytest` runs the project's own tests.
    Asked for by name (`pytest --pyargs accountguard`), they need a plan."""
    if (collection_path == POLICY_TESTS and config.args_source is not pytest.Config.ArgsSource.ARGS
            and not config.stash.get(_INVENTORIES, None) and not _live_selected(config)):
        return True
    return None


def _judges_a_plan(name2fixturedefs: Mapping[str, Sequence[Any]]) -> bool:
    """Whether a test uses this plugin's `inventory` (another project may have a fixture of that name)."""
    fixturedefs = name2fixturedefs.get("inventory")
    return bool(fixturedefs) and fixturedefs[-1].func.__module__ == __name__


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that judges a plan, run without one, is a usage error: a CI job with a typo
    must not stay green with "skipped". Live tests run only when asked for (-m live);
    the account is scanned once, and an account that cannot be reached is one error,
    not one per test."""
    live = [item for item in items if item.get_closest_marker("live")]
    if live and not _live_selected(config):
        config.hook.pytest_deselected(items=live)
        items[:] = [item for item in items if not item.get_closest_marker("live")]
    if not config.stash[_INVENTORIES]:
        waiting = [item for item in items
                   if hasattr(item, "_fixtureinfo") and _judges_a_plan(item._fixtureinfo.name2fixturedefs)]
        if waiting:
            raise pytest.UsageError(f"accountguard: {waiting[0].nodeid.split('[')[0]} judges a plan, but none was "
                                    "given: add --plan PLAN.json or --tf-dir DIR (for the live tests: -m live)")
    if not live or not _live_selected(config):
        return
    if config.getoption("aws_organization"):
        return
    try:
        config.stash[_LIVE] = load_account(config.getoption("aws_profile"), config.getoption("aws_region"),
                                           config.getoption("aws_role_arn"),
                                           deadline=config.getoption("aws_deadline"))
    except InputError as exc:
        raise pytest.UsageError(f"accountguard: {printable(exc)}") from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if _judges_a_plan(metafunc._arg2fixturedefs):  # pytest has no public accessor
        paths = list(metafunc.config.stash[_INVENTORIES])
        metafunc.parametrize("inventory", paths, indirect=True, ids=[Path(p).name or p for p in paths])
    config = metafunc.config
    if "live_inventory" in metafunc.fixturenames and config.getoption("aws_organization") \
            and _live_selected(config):
        accounts = _organization(config)[1]
        # xdist_group: with `--dist loadgroup` every test of one account runs on one worker
        metafunc.parametrize("live_inventory", [
            pytest.param(a.account_id, id=f"{a.account_id}-{printable(a.name)}",
                         marks=pytest.mark.xdist_group(a.account_id)) for a in accounts], indirect=True)


def _organization(config: pytest.Config) -> tuple[OrganizationReader, list[AccountScan]]:
    """The organization, read once per process (each xdist worker reads it: only
    Organizations calls), and its accounts in account ID order, as every worker collects them."""
    if _ORGANIZATION not in config.stash:
        try:
            reader = OrganizationReader(config.getoption("aws_profile"), config.getoption("aws_region"),
                                        config.getoption("aws_role_name"),
                                        deadline=config.getoption("aws_deadline"))
            config.stash[_ORGANIZATION] = (reader, reader.select(config.getoption("aws_account")))
        except InputError as exc:
            raise pytest.UsageError(f"accountguard: {printable(exc)}") from None
    return config.stash[_ORGANIZATION]


def _member_inventory(config: pytest.Config, account_id: str) -> Inventory:
    """One account of the organization, scanned the first time a test of this process needs it."""
    reader, accounts = _organization(config)
    done = config.stash.setdefault(_SCANNED, {})
    if account_id not in done:
        account = next(a for a in accounts if a.account_id == account_id)
        if account.skipped is None:
            if account_id == reader.organization.management_account:
                account = reader.management()  # scanned once, whether for itself or for its members' credit
            else:
                reader.scan(account)
            management = reader.management()
            if account.inventory is not None:  # the management account only by the delegated administrators
                account.inventory = credit(account.inventory, None if account is management else
                                           management.inventory if management else None,
                                           reader.organization, reader.delegated())
        done[account_id] = account
    account = done[account_id]
    if account.skipped is not None:
        pytest.skip(f"account {account_id}: {printable(account.skipped)}")
    if account.inventory is None:
        pytest.fail(f"account {account_id} ({printable(account.name)}) cannot be judged: {printable(account.error)}",
                    pytrace=False)
    return account.inventory


@pytest.fixture
def inventory(request: pytest.FixtureRequest) -> Inventory:
    """The Inventory of one --plan (tests using it run once per plan)."""
    if not hasattr(request, "param"):
        pytest.fail("the inventory fixture needs --plan PLAN.json or --tf-dir DIR", pytrace=False)
    return request.config.stash[_INVENTORIES][request.param]


@pytest.fixture
def live_inventory(request: pytest.FixtureRequest) -> Inventory:
    """The Inventory of the live account (tests using it need the `live` marker);
    with --aws-organization, of one account of the organization."""
    if hasattr(request, "param") and request.config.getoption("aws_organization"):
        return _member_inventory(request.config, request.param)
    if _LIVE not in request.config.stash:
        pytest.fail("the live_inventory fixture needs the live marker and -m live", pytrace=False)
    return request.config.stash[_LIVE]


@pytest.fixture
def accountguard_config(request: pytest.FixtureRequest) -> Config:
    return request.config.stash[_CONFIG]


class WeakenedWarning(UserWarning):
    """A plan weakens a control that still passes."""


class StaleWaiverWarning(UserWarning):
    """A waiver of this control matches none of its findings: remove it."""


def assert_control(control: Control, inventory: Inventory, config: Config) -> None:
    """Pass, skip (not applicable) or fail with the control ID, every offending
    subject, why it matters and the fix. With `--fail-on regressions`, failures
    the plan's prior state already had are xfail; weakening that still passes
    is a warning unless `fail_on_warnings`."""
    result, = evaluate(inventory, config, [control])
    for note in inventory.notes:
        if note.startswith(f"stale waiver: {control.id} "):
            warnings.warn(StaleWaiverWarning(printable(note)), stacklevel=2)
    if result.status is Status.NOT_APPLICABLE:
        pytest.skip(f"{control.id}: {printable(result.findings[0].message)}")
    if any(blocking(f, config) for f in result.findings):
        pytest.fail(explain(result), pytrace=False)
    if result.status is Status.FAIL:
        waived = [f"{f.subject}: {f.waiver.describe()}" for f in result.findings if f.waiver is not None]
        pytest.xfail(f"waived: {'; '.join(waived)}" if result.waived else f"{ALREADY}: {explain(result)}")
    for finding in result.findings:
        if finding.status is Status.WARN:
            warnings.warn(WeakenedWarning(f"{control.id} {printable(finding.message)}"), stacklevel=2)

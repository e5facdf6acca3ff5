"""One report for an organization scan, in every format: a summary row per
account (ID, name, OU path, failures, errors), then each account's findings in
that format's usual form, every result naming its account. Names and OU paths
come from AWS and are escaped like any other input value."""
from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Callable

from .. import __version__
from ..config import Config
from ..model import Inventory, Status
from ..organization import AccountResult
from ..sources.live.organization_scan import AccountScan, OrganizationScan
from . import json_report, junit, markdown, sarif, text
from .escape import printable


def inventory_of(account: AccountScan) -> Inventory:
    """The account's inventory; for one that could not be scanned or was skipped, an empty one naming it."""
    if account.inventory is not None:
        return account.inventory
    return Inventory(f"account {account.account_id}", "live", [])


def verdict(judged: AccountResult) -> str:
    account = judged.account
    if account.skipped is not None:
        return "SKIPPED"
    if account.inventory is None:
        return "ERROR"
    if judged.count(Status.ERROR):
        return "ERROR"
    return "FAIL" if judged.count(Status.FAIL) else "PASS"


def why(judged: AccountResult) -> str:
    """For an account that was not judged: why."""
    return judged.account.skipped or judged.account.error or ""


def _calls(scan: OrganizationScan, judged: list[AccountResult]) -> Counter:
    calls: Counter = Counter(scan.api_calls)
    for a in judged:
        if a.account.inventory is not None:
            calls.update(a.account.inventory.facts.get("api_calls", {}))
    return calls


def _summary_line(scan: OrganizationScan, judged: list[AccountResult]) -> str:
    verdicts = Counter(verdict(a) for a in judged)
    return (f"{len(judged)} accounts: {verdicts['FAIL']} failing, {verdicts['ERROR']} with errors, "
            f"{verdicts['PASS']} passing, {verdicts['SKIPPED']} skipped")


def render_text(scan: OrganizationScan, judged: list[AccountResult], config: Config | None = None) -> str:
    rows = [("ACCOUNT", "NAME", "OU PATH", "FAIL", "ERROR", "RESULT")]
    for a in judged:
        counted = a.account.inventory is not None
        rows.append((a.account.account_id, printable(a.account.name), printable(a.account.path),
                     str(a.count(Status.FAIL)) if counted else "-", str(a.count(Status.ERROR)) if counted else "-",
                     verdict(a) + (f": {printable(why(a))}" if why(a) else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    out = [f"accountguard: {printable(scan.source)}, read from account {scan.caller_account_id}", ""]
    out += ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths)) + "  " + row[5]
            for row in rows]
    out += [""] + [f"Note: {printable(note)}" for note in scan.notes] + ([""] if scan.notes else [])
    for a in judged:
        if a.account.skipped is not None:
            continue
        out += [f"== account {a.account.account_id} ({printable(a.account.name)}, {printable(a.account.path)}) ==",
                text.render(inventory_of(a.account), a.results, config).rstrip("\n"), ""]
    out.append(f"Organization {printable(scan.organization_id)}: {_summary_line(scan, judged)}; "
               f"{sum(_calls(scan, judged).values())} read-only API calls and AssumeRole")
    return "\n".join(out) + "\n"


def _account_keys(account: AccountScan) -> dict:
    return {"account_id": account.account_id, "account_name": account.name, "account_path": account.path}


def render_json(scan: OrganizationScan, judged: list[AccountResult], config: Config | None = None) -> str:
    controls = Counter("waived" if r.waived else r.status.value for a in judged for r in a.results)
    findings = Counter(f.status.value for a in judged for r in a.results for f in r.findings)
    report = {
        "source": scan.source,
        "results": [{**json_report._result(r, f), **_account_keys(a.account)}
                    for a in judged for r in a.results for f in r.findings],
        "configuration": (config or Config()).in_force(), "accountguard_version": __version__,
        "summary": {"controls": dict(sorted(controls.items())), "findings": dict(sorted(findings.items()))},
        "organization": {
            "id": scan.organization_id, "management_account_id": scan.management_account_id,
            "read_from_account_id": scan.caller_account_id,
            "accounts": [{**_account_keys(a.account), "status": a.account.status, "verdict": verdict(a).lower(),
                          "failures": a.count(Status.FAIL), "errors": a.count(Status.ERROR),
                          **({"reason": why(a)} if why(a) else {}),
                          **({"notes": a.account.inventory.notes} if a.account.inventory is not None
                             and a.account.inventory.notes else {})} for a in judged]},
        "api_calls": dict(sorted(_calls(scan, judged).items()))}
    if scan.notes:
        report["notes"] = scan.notes
    return json.dumps(report, indent=2) + "\n"


def render_sarif(scan: OrganizationScan, judged: list[AccountResult], config: Config | None = None) -> str:
    rules = {r.control.id: r.control for a in judged for r in a.results}
    index = {control_id: i for i, control_id in enumerate(rules)}
    found = []
    for a in judged:
        for r in a.results:
            for f in r.findings:
                if f.status not in sarif.LEVELS:
                    continue
                result = sarif._result(f, index[f.control], inventory_of(a.account))
                result["message"]["text"] = f"account {a.account.account_id}: {result['message']['text']}"
                result["partialFingerprints"]["accountguardFinding/v1"] = hashlib.sha256(
                    f"{a.account.account_id}\0{f.control}\0{f.subject}".encode()).hexdigest()
                result["properties"].update(_account_keys(a.account))
                found.append(result)
    run = {"tool": {"driver": {"name": "accountguard", "version": __version__, "semanticVersion": __version__,
                               "rules": [sarif._rule(c) for c in rules.values()]}},
           "automationDetails": {"id": f"accountguard/organization/{scan.organization_id}/"},
           "results": found, "properties": {"configuration": (config or Config()).in_force(),
                                            "accounts": [{**_account_keys(a.account), "verdict": verdict(a).lower(),
                                                          **({"reason": why(a)} if why(a) else {})}
                                                         for a in judged]}}
    return json.dumps({"$schema": sarif.SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def render_junit(scan: OrganizationScan, judged: list[AccountResult], config: Config | None = None) -> str:
    suites = ET.Element("testsuites", name=f"accountguard: {printable(scan.source)}")
    for a in judged:
        name = f"account {a.account.account_id} ({printable(a.account.name)}, {printable(a.account.path)})"
        suite = junit.suite(name, a.results)
        if a.account.skipped is not None:
            suite.set("skipped", "1")
            suite.set("tests", "1")
            case = ET.SubElement(suite, "testcase", classname="account", name=a.account.account_id)
            ET.SubElement(case, "skipped", message=printable(a.account.skipped))
        suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def render_markdown(scan: OrganizationScan, judged: list[AccountResult], config: Config | None = None) -> str:
    e = markdown.escape
    out = [f"### accountguard: {e(scan.source)}", "",
           "| Account | Name | OU path | Failures | Errors | Result |", "| --- | --- | --- | ---: | ---: | --- |"]
    for a in judged:
        counted = a.account.inventory is not None
        out.append(f"| {a.account.account_id} | {e(a.account.name)} | {e(a.account.path)} | "
                   f"{a.count(Status.FAIL) if counted else '-'} | {a.count(Status.ERROR) if counted else '-'} | "
                   f"{verdict(a)}{': ' + e(why(a)) if why(a) else ''} |")
    out += [""] + [f"> {e(note)}" for note in scan.notes] + ([""] if scan.notes else [])
    for a in judged:
        if a.account.skipped is None and verdict(a) != "PASS":
            body = markdown.render(inventory_of(a.account), a.results, config).split("\n", 2)[2]
            out += [f"#### Account {a.account.account_id} ({e(a.account.name)})", "", body]
    out.append(f"**{e(_summary_line(scan, judged))}**")
    return "\n".join(out) + "\n"


ORGANIZATION_FORMATS: dict[str, Callable[[OrganizationScan, list[AccountResult], Config | None], str]] = {
    "text": render_text, "json": render_json, "sarif": render_sarif, "markdown": render_markdown,
    "junit": render_junit}

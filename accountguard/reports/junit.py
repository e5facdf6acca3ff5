"""JUnit XML, for CI test tabs without pytest: one test case per control and
subject, a suite per input. ElementTree escapes markup; control characters,
which XML 1.0 cannot carry at all, are shown as code points."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from ..config import Config
from ..engine import ControlResult
from ..model import Inventory, Status
from .escape import printable
from .text import fix_for


def render(inventory: Inventory, results: list[ControlResult], config: Config | None = None) -> str:
    suites = ET.Element("testsuites", name="accountguard")
    suites.append(suite(f"accountguard: {inventory.source}", results))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def suite(name: str, results: list[ControlResult]) -> ET.Element:
    """The test suite of one input (or one account of an organization)."""
    suite = ET.Element("testsuite", name=name)
    counts: Counter = Counter()
    for result in results:
        control = result.control
        for finding in result.findings:
            case = ET.SubElement(suite, "testcase", classname=control.id,
                                 name=f"{control.title}: {printable(finding.subject)}")
            counts["tests"] += 1
            if finding.location:
                case.set("file", printable(finding.location[0]))
                case.set("line", str(finding.location[1]))
            if finding.waiver is not None:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=printable(f"waived: {finding.waiver.describe()}: "
                                                               f"{finding.message}"))
            elif finding.status is Status.FAIL:
                counts["failures"] += 1
                message = printable(finding.message)
                failure = ET.SubElement(case, "failure", type=control.id, message=message)
                failure.text = f"{message}\n\nWhy: {control.rationale}\nFix:\n{fix_for(result)}\n"
            elif finding.status is Status.ERROR:
                counts["errors"] += 1
                ET.SubElement(case, "error", type="cannot-judge", message=printable(finding.message))
            elif finding.status is Status.NOT_APPLICABLE:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=printable(finding.message))
            elif finding.status is Status.WARN:
                ET.SubElement(case, "system-out").text = f"weakened by this change, still passing: {printable(finding.message)}"
    for key in ("tests", "failures", "errors", "skipped"):
        suite.set(key, str(counts[key]))
    return suite

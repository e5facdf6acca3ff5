"""The checkov front end under faults, as a property: for damaged plans and an `accountguard`
that crashes, hangs, prints garbage, partial JSON or leaves controls out, every AG check on every
scope checkov scans is FAILED with the real reason or carries accountguard's own verdicts; never
a PASSED on a scope accountguard did not judge, never a traceback from our check file, never a
secret from the input or the environment, and accountguard asked once per scope.

checkov takes seconds per run: each example is one run over three scopes (two damaged plans and
a directory), and there are few examples."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from conftest import EXPECTED
from test_checkov import DIRECTORIES, FIXTURES, OUR_IDS, PROVIDER_ONLY, checkov, ours

pytestmark = pytest.mark.checkov
ACCOUNTGUARD = Path(sys.executable).with_name("accountguard")
SENSITIVE_EMAIL = "oncall-billing@example.com"  # examples/baseline: variable "alert_email", sensitive = true
MARKER = "marker-secret-5d1c@example.com"
ENV_MARKER = "marker-env-secret-93b7"
# A stand-in for accountguard: logs how it was asked, then misbehaves as the fault says.
FAKE = textwrap.dedent('''\
    import json, subprocess, sys, time
    fault = json.loads(open(sys.argv[1]).read())
    with open(fault["log"], "a") as log:
        log.write(json.dumps(sys.argv[2:]) + "\\n")
    if fault["kind"] == "crash":
        sys.stderr.write(fault["stderr"])
        sys.exit(fault["code"])
    if fault["kind"] == "hang":
        time.sleep(60)
    if fault["kind"] == "garbage":
        sys.stdout.buffer.write(bytes.fromhex(fault["stdout"]))
        sys.exit(fault["code"])
    real = subprocess.run([fault["accountguard"], *sys.argv[2:]], capture_output=True)
    sys.stderr.buffer.write(real.stderr)
    out = real.stdout
    if real.returncode in (0, 1) and fault["kind"] == "partial":
        out = out[:fault["cut"] % max(len(out.rstrip()), 1)]  # a strict prefix: never valid JSON
    def dropped(report):
        report["results"] = [r for r in report["results"] if r["control"] not in fault["drop"]]
        return json.dumps(report)
    if real.returncode in (0, 1) and fault["kind"] == "missing":
        if sys.argv[2] == "checkov-scopes":  # one report per scope
            batch = json.loads(out)
            for scope in batch["scopes"]:
                if scope["exit"] in (0, 1):
                    scope["report"] = dropped(json.loads(scope["report"]))
            out = json.dumps(batch).encode()
        else:
            out = dropped(json.loads(out)).encode()
    sys.stdout.buffer.write(out)
    sys.exit(real.returncode)
''')

faults = st.one_of(
    st.builds(dict, kind=st.just("real")),
    st.builds(dict, kind=st.just("crash"), code=st.sampled_from([2, 3, 70, 127, 255]),
              stderr=st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=40).map(
                  lambda line: f"warning: ignored\naccountguard: {line}\x1b[31m\r\n")),
    st.builds(dict, kind=st.just("hang")),
    st.builds(dict, kind=st.just("garbage"), code=st.sampled_from([0, 1]),
              stdout=st.binary(max_size=200).map(bytes.hex)),
    st.builds(dict, kind=st.just("partial"), cut=st.integers(0, 10**6)),
    st.builds(dict, kind=st.just("missing"), drop=st.lists(st.sampled_from(OUR_IDS), min_size=1, unique=True)),
)
# A key left out, values of the wrong type, the plan cut short. Not here: what checkov 3.3.30
# itself dies on (a top-level value of the wrong type crashes its plan parser; an integer of more
# than 4,300 digits or nesting a few hundred deep crash it and then hang its parallel runner).
BATCH_BREAKING = ("crash", "hang", "garbage", "partial")  # faults of every accountguard process, a batch's too
DROPPABLE = ["format_version", "terraform_version", "resource_changes", "prior_state", "configuration",
             "planned_values", "variables"]
damages = st.one_of(
    st.builds(dict, kind=st.just("none")),
    st.builds(dict, kind=st.just("drop"), key=st.sampled_from(DROPPABLE)),
    st.builds(dict, kind=st.just("retype"), every=st.integers(1, 5),
              value=st.sampled_from(["", 0, -1, [], [None], {"": {}}, "\x1b]0;x\x07", None, True])),
    st.builds(dict, kind=st.just("cut"), at=st.integers(1, 10**6)),
)


def damaged(name, damage, target):
    """fixtures/<name>.json damaged, its sensitive value replaced by the marker secret."""
    text = (FIXTURES / f"{name}.json").read_text().replace(SENSITIVE_EMAIL, MARKER)
    plan = json.loads(text)
    if damage["kind"] == "drop":
        plan.pop(damage["key"], None)
    elif damage["kind"] == "retype":  # every n-th resource: each value, as checkov and accountguard read it
        for change in plan["resource_changes"][::damage["every"]]:
            for values in (change["change"].get("after") or {}, *_planned(plan, change["address"])):
                values.update(dict.fromkeys(values, damage["value"]))
    text = json.dumps(plan)
    if damage["kind"] == "cut":
        text = text[:damage["at"] % len(text)]
    target.write_text(text)
    return target.resolve()


def _planned(plan, address):
    modules = [plan["planned_values"]["root_module"]]
    while modules:
        module = modules.pop()
        modules += module.get("child_modules", [])
        yield from (r["values"] for r in module.get("resources", []) if r["address"] == address and "values" in r)


def verdicts(kind, path):
    """The failing controls accountguard itself finds on a scope, or None when it refuses it."""
    done = subprocess.run([str(ACCOUNTGUARD), kind, str(path), "--format", "json"], capture_output=True)
    try:
        return {r["control"] for r in json.loads(done.stdout)["results"] if r["status"] in ("fail", "error")}
    except ValueError:
        return None


@settings(max_examples=4, deadline=None, database=None, phases=[Phase.generate],  # shrinking: a run each
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fault=faults, first=damages, second=damages)
def test_checkov_under_faults_fails_closed_with_the_reason(tmp_path_factory, fault, first, second):
    work = tmp_path_factory.mktemp("faults")
    plans = [damaged("baseline", first, work / "baseline.json"), damaged("no-trail", second, work / "no-trail.json")]
    directory = work / "provider-only"
    directory.mkdir()
    (directory / "main.tf").write_text(PROVIDER_ONLY)
    log, spec, fake = work / "calls.log", work / "fault.json", work / "fake_accountguard.py"
    spec.write_text(json.dumps({**fault, "log": str(log), "accountguard": str(ACCOUNTGUARD)}))
    fake.write_text(FAKE)
    env = {"AWS_SECRET_ACCESS_KEY": ENV_MARKER, "ACCOUNTGUARD_COMMAND_TIMEOUT": "1" if fault["kind"] == "hang" else "120"}
    done = checkov(*DIRECTORIES, "terraform_plan", "-o", "json", "--check", ",".join(OUR_IDS), "-f", str(plans[0]), "-f", str(plans[1]),
                   "-d", str(directory), command=f"{sys.executable} {fake} {spec}", env=env)
    assert 'accountguard_checks.py", line' not in done.stdout + done.stderr, "a traceback from our check"
    found = {"passed_checks": [], "failed_checks": [], "parsing_errors": []}
    for report in _documents(done.stdout):
        for key in found:
            found[key] += report["results"].get(key, [])
    # checkov prints the code of what it reports (the plan's values): the secret may be there, not in ours.
    said = done.stderr + json.dumps([c["details"] for c in ours(found, "failed_checks") + ours(found, "passed_checks")])
    assert MARKER not in said and ENV_MARKER not in done.stdout + done.stderr
    asked = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    batches = [a[1:] for a in asked if a[0] == "checkov-scopes"]
    alone = [a[:2] for a in asked if a[0] != "checkov-scopes"]
    scopes = [("plan", p, p) for p in plans] + [("hcl", directory, directory / "main.tf")]
    for kind, path, scanned in scopes:
        passed, failed = ours(found, "passed_checks", scanned), ours(found, "failed_checks", scanned)
        in_batches = sum(f"{kind}:{path}" in batch for batch in batches)
        if not passed and not failed:  # nothing checkov shows in it (it may not read it): not asked either
            assert [kind, str(path)] not in alone and not in_batches, (kind, path)
            damage = dict(zip(plans, (first, second))).get(path, {"kind": "none"})
            assert damage["kind"] != "none", (kind, path, "an undamaged scope is scanned")
            continue
        # Asked once per scope: in one batch with the other scopes of its checkov runner (alone if it is
        # the only one), and alone again when that batch failed as a whole.
        asked_alone = alone.count([kind, str(path)])
        assert in_batches <= 1, (kind, path, batches)
        if not in_batches or fault["kind"] in BATCH_BREAKING:
            assert asked_alone == 1, (kind, path, asked)
        else:  # the real accountguard crashing on a damaged plan breaks the batch too
            assert asked_alone <= 1, (kind, path, asked)
        reported = {c["check_id"] for c in passed + failed}
        assert reported == set(OUR_IDS), (kind, path, "every check reports on every scope")
        oracle = verdicts(kind, path)
        judged = oracle if fault["kind"] in ("real", "missing") else None
        unjudged = set(OUR_IDS) if judged is None else set(fault.get("drop", ()))
        for check in unjudged:
            assert not [c for c in passed if c["check_id"] == check], (kind, path, check, "PASSED unjudged")
            reasons = [c["details"] for c in failed if c["check_id"] == check]
            assert len(reasons) == 1, (kind, path, check, "one FAILED per check per scope")
            assert _reason(fault, oracle) in " ".join(reasons[0]), (reasons, fault)
            assert all(ch.isprintable() for ch in "".join(reasons[0])), reasons
        if judged is not None:
            assert {c["check_id"] for c in failed} == judged | unjudged, (kind, path)


def _reason(fault, oracle):
    if oracle is None and fault["kind"] in ("real", "missing", "partial"):
        return "exited with"  # accountguard refused the input, or crashed on it
    return {"crash": f"exited with {fault.get('code')}: accountguard: ", "hang": "took longer than 1 s",
            "garbage": "printed no valid JSON report", "partial": "printed no valid JSON report",
            "missing": "accountguard's report has no result for"}[fault["kind"]]


def _documents(text):
    decoder, position = json.JSONDecoder(), 0
    while text[position:].strip():
        position += len(text[position:]) - len(text[position:].lstrip())
        data, position = decoder.raw_decode(text, position)
        yield from data if isinstance(data, list) else [data]


# A stand-in for accountguard that logs how it was asked and dies, as a segfault would, whenever a
# scope it is asked about is the hostile plan; otherwise it is the real accountguard.
KILLED_BY = textwrap.dedent('''\
    import json, os, signal, sys
    log, hostile, accountguard = sys.argv[1:4]
    with open(log, "a") as handle:
        handle.write(json.dumps(sys.argv[4:]) + "\\n")
    if any(arg.endswith(hostile) for arg in sys.argv[4:]):
        os.kill(os.getpid(), signal.SIGSEGV)
    os.execv(accountguard, [accountguard, *sys.argv[4:]])
''')


@pytest.mark.parametrize("hostile", ["refused", "killer"])
def test_a_hostile_scope_in_a_batch_affects_only_itself(tmp_path, hostile):
    """Three plans of one checkov run, judged in one batch. One that accountguard refuses (`errored:
    true`, Terraform's mark of a failed plan, which accountguard/sources/plan.py refuses) is FAILED
    with the reason in a batch that stands; one that kills accountguard kills the batch, and then each
    plan is judged alone. Either way the other two get accountguard's verdicts (examples/expected.toml)."""
    plan = json.loads((FIXTURES / "baseline.json").read_text())
    bad = (tmp_path / f"{hostile}.json").resolve()
    bad.write_text(json.dumps({**plan, "errored": hostile == "refused"}))
    fake, log = tmp_path / "fake_accountguard.py", tmp_path / "calls.log"
    fake.write_text(KILLED_BY)
    sound = {name: (FIXTURES / f"{name}.json").resolve() for name in ("no-trail", "trail-unencrypted")}
    plans = [*sound.values(), bad]
    done = checkov("--framework", "terraform_plan", "-o", "json", "--check", ",".join(OUR_IDS),
                   *[arg for p in plans for arg in ("-f", str(p))],
                   command=f"{sys.executable} {fake} {log} /killer.json {ACCOUNTGUARD}")
    found = {"passed_checks": [], "failed_checks": []}
    for report in _documents(done.stdout):
        for key in found:
            found[key] += report["results"].get(key, [])
    for name, path in sound.items():
        assert {c["check_id"] for c in ours(found, "failed_checks", path)} == set(EXPECTED[name]), name
        assert {c["check_id"] for c in ours(found, "passed_checks", path)} == set(OUR_IDS) - set(EXPECTED[name]), name
    assert not ours(found, "passed_checks", bad)
    failed = ours(found, "failed_checks", bad)
    assert sorted(c["check_id"] for c in failed) == OUR_IDS
    reason = "the plan errored" if hostile == "refused" else "accountguard plan was killed by signal 11"
    assert all(reason in " ".join(c["details"]) for c in failed), [c["details"] for c in failed]
    asked = [json.loads(line) for line in log.read_text().splitlines()]
    assert [sorted(a[1:]) for a in asked if a[0] == "checkov-scopes"] == [sorted(f"plan:{p}" for p in plans)]
    alone = sorted(a[1] for a in asked if a[0] != "checkov-scopes")
    assert alone == ([] if hostile == "refused" else sorted(map(str, plans)))

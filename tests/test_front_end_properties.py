"""The promise of the command line and the pytest front end, as a property: whatever plan
and configuration they are given, the outcome is a judged result, or exit 2 (pytest: a
usage error) with exactly one line on stderr; never a traceback, and never a secret from
the input or the environment in any output."""
import io
import json
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_plan_robustness import REPLACEMENTS, mutate, paths

from accountguard.cli import main

SECRET = "oncall-billing@example.com"  # var.alert_email, sensitive = true in examples/baseline
ENVIRONMENT_SECRETS = {"AWS_SECRET_ACCESS_KEY": "agmarker-secret-access-key-3f9c",
                       "AWS_SESSION_TOKEN": "agmarker-session-token-81d2", "GITHUB_TOKEN": "agmarker-gh-token-5e07"}
SECRETS = (SECRET, *ENVIRONMENT_SECRETS.values())
BASELINE = (FIXTURES / "baseline.json").read_text()
PLAN = json.loads(BASELINE)
# Damage anywhere but in what marks values sensitive: a plan that says a value is not
# sensitive may show it; one that says it is must never.
SENSITIVITY = ("after_sensitive", "before_sensitive", "sensitive_values", "variables")
PATHS = [p for p in paths(PLAN) if p and not any(step in SENSITIVITY for step in p)]
CONFIG_LINES = ['tool = "x"', "[tool]\naccountguard = 5", 'fail_on = "regressions"', "fail_on = 3",
                "fail_on_warnings = true", "[thresholds]\npassword_min_length = 8",
                "[thresholds]\nkey_max_age_days = 30",
                'allow_weaker_thresholds = ["password_min_length"]', "allow_weaker_thresholds = 1",
                '[managed_elsewhere]\nAG_DET_1 = "delegated admin"', "[managed_elsewhere]\nAG_NOPE = 1",
                "thresholds = [", "[tool.accountguard]\nthresholds = 5", "\x00", "[thresholds]\nroot_unused_days = -1"]


@st.composite
def damaged_plans(draw) -> bytes:
    """A real plan, damaged in its structure or its text."""
    how = draw(st.sampled_from(["structure", "truncate", "splice", "nest", "number", "utf-16"]))
    event(how)
    if how == "structure":
        plan = json.loads(BASELINE)
        mutate(plan, draw(st.lists(st.tuples(st.sampled_from(PATHS), st.booleans(), REPLACEMENTS),
                                   min_size=1, max_size=4)))
        return json.dumps(plan).encode()
    text = BASELINE
    at = draw(st.integers(0, len(text)))
    if how == "truncate":
        return text[:at].encode()
    if how == "splice":
        junk = draw(st.text(max_size=20))
        return (text[:at] + junk + text[at + draw(st.integers(0, 50)):]).encode("utf-8", "surrogatepass")
    if how == "nest":
        depth = draw(st.sampled_from([255, 257, 2_000, 200_000]))
        return text.replace('"tags": null', '"tags": ' + "[" * depth + "]" * depth, 1).encode()
    if how == "number":
        return text.replace('"tags": null', '"tags": ' + "7" * draw(st.sampled_from([4300, 4301, 50_000])), 1).encode()
    return text.encode("utf-16")


CONFIG_TEXTS = st.one_of(st.lists(st.sampled_from(CONFIG_LINES), max_size=3).map("\n".join), st.text(max_size=40))
configurations = st.one_of(st.none(), st.tuples(st.sampled_from(["accountguard.toml", "pyproject.toml"]), CONFIG_TEXTS))
# pytest reads a pyproject.toml beside its arguments itself (and fails on `tool = "x"`).
pytest_configurations = st.one_of(st.none(), st.tuples(st.just("accountguard.toml"), CONFIG_TEXTS))


def write_inputs(directory: Path, plan: bytes, configuration) -> list[str]:
    (directory / "plan.json").write_bytes(plan)
    args = [str(directory / "plan.json")]
    if configuration is not None:
        name, text = configuration
        (directory / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        args += ["--config", str(directory / name)]
    return args


def run_main(args: list[str]) -> tuple[int, str, str]:
    """accountguard's main() with its real streams' behaviour (text over bytes): a
    traceback would be an exception out of here."""
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in range(2))
    with redirect_stdout(out), redirect_stderr(err):
        status = main(args)
    return status, *(stream.detach().getvalue().decode("utf-8") for stream in (out, err))


@pytest.fixture(autouse=True)
def marker_secrets(monkeypatch):
    for key, value in ENVIRONMENT_SECRETS.items():
        monkeypatch.setenv(key, value)


def test_the_plan_carries_the_secret():
    assert SECRET in BASELINE


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(plan=damaged_plans(), configuration=configurations, fmt=st.sampled_from(["text", "json"]))
def test_cli_judges_or_rejects_with_one_line(plan, configuration, fmt):
    with tempfile.TemporaryDirectory() as directory:
        status, out, err = run_main(["plan", *write_inputs(Path(directory), plan, configuration), "--format", fmt])
    for secret in SECRETS:
        assert secret not in out and secret not in err
    if status == 2:
        event("rejected")
        assert out == "" and len(err.splitlines()) == 1 and err.startswith("accountguard: "), err
    else:
        event("judged")
        assert status in (0, 1) and err == ""
        if fmt == "json":
            assert json.loads(out)["results"]
        else:
            assert out.startswith("accountguard: ")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(plan=damaged_plans(), configuration=pytest_configurations)
def test_pytest_judges_or_stops_with_one_usage_error(pytester, plan, configuration):
    with tempfile.TemporaryDirectory() as directory:
        args = write_inputs(Path(directory), plan, configuration)
        if configuration is not None:
            args[1] = "--accountguard-config"
        result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-rA", "-p", "no:cacheprovider",
                                              "--plan", *args)
    output = result.stdout.str() + result.stderr.str()
    for secret in SECRETS:
        assert secret not in output
    assert "Traceback" not in output and "INTERNALERROR" not in output
    if result.ret == pytest.ExitCode.USAGE_ERROR:
        event("usage error")
        assert [line for line in result.stderr.lines if line.strip()] == \
            [next(line for line in result.stderr.lines if line.startswith("ERROR: accountguard: "))]
    else:
        event("judged")
        assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)

"""The live mode against an endpoint that misbehaves: whatever it answers (errors,
throttling, garbage, truncated, oversized or slow bodies, or nothing at all),
`accountguard live` gives either one line on stderr and exit 2, or a judged
result where what could not be read is `error`, never a pass and never a fail;
it never prints a traceback or a credential, and it ends by its deadline.

Faults are injected over HTTP by the layer in front of moto (tests/moto_endpoint.py);
the account is the secure one of tests/moto_account.py, seeded once."""
import io
import json
import os
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from moto_account import Account, Pace, reset
from moto_endpoint import Fault

from accountguard import cli, limits
from accountguard.sources.live.reader import READ_TIMEOUT
from accountguard.controls import all_controls

LIVE = {c.id for c in all_controls() if "L" in c.modes}
MARKERS = {"key": "AKIAMARKERKEY7Q2Z", "secret": "MarkerSecret/9xQv+Zt", "token": "MarkerToken7Hq2",
           "user": "markeruser5T", "password": "MarkerPass8Wk"}
GAPS = ("ListAnalyzers", "ListOrganizationsFeatures")  # moto has no backend: refused, as for a scanner without them
BASELINE_ERRORS = {"AG_DET_2"}  # access-analyzer:ListAnalyzers refused (GAPS): an error, never a pass
# What each call feeds, for the secure account judged in eu-west-1 (README: "What it reads"; a
# failed read makes its resource type unreadable, so every control of that type is an error).
FEEDS = {
    "GetAccountAuthorizationDetails": {"AG_MFA_1", "AG_MFA_2", "AG_MFA_3", "AG_KEY_1"},  # users come from it
    "GenerateCredentialReport": {"AG_MFA_3", "AG_KEY_1", "AG_KEY_2", "AG_ROOT_4"},
    "GetCredentialReport": {"AG_MFA_3", "AG_KEY_1", "AG_KEY_2", "AG_ROOT_4"},
    "GetAccountSummary": {"AG_ROOT_1", "AG_ROOT_2", "AG_ROOT_3"},  # root keys and MFA
    "ListVirtualMFADevices": {"AG_ROOT_3"},  # virtual or hardware
    "GetAccountPasswordPolicy": {"AG_PWD_1"},
    "DescribeTrails": {"AG_TRAIL_1", "AG_TRAIL_2", "AG_TRAIL_3", "AG_TRAIL_4", "AG_MON_1"},
    "GetTrailStatus": {"AG_TRAIL_1", "AG_MON_1"},  # the CIS alarms count only when fed by a trail passing AG_TRAIL_1
    "GetEventSelectors": {"AG_TRAIL_1", "AG_MON_1"},
    "DescribeLogGroups": {"AG_MON_1"},  # the trail's log group: its class decides whether metric filters run
    "DescribeMetricFilters": {"AG_MON_1"},
    "DescribeAlarms": {"AG_BILL_1", "AG_MON_1"},
    "ListSubscriptionsByTopic": {"AG_BILL_1", "AG_MON_1"},  # an alarm counts when someone is told
    "DescribeKey": {"AG_TRAIL_3"},  # the trail's key; the alarm topics are not encrypted
    "GetKeyPolicy": {"AG_TRAIL_3", "AG_KEY_1"},  # AG_KEY_1: what every key policy grants the key's user
    "ListKeys": {"AG_KEY_1"},
    "ListGrants": {"AG_KEY_1"},  # resource-based policies: a key cannot be told read-only without them
    "ListTopics": {"AG_KEY_1"},
    "ListQueues": {"AG_KEY_1"},
    "ListSecrets": {"AG_KEY_1"},
    "DescribeBudgets": set(),  # the billing alarm passes AG_BILL_1 alone: budgets are read only when no alarm will do
    "ListDetectors": {"AG_DET_1"},
    "GetDetector": {"AG_DET_1"},
    "DescribeRegions": set(),  # with --region: only a note that it cannot tell whether the region is enabled
}
START = "GetCallerIdentity"  # nothing can be judged without it: exit 2
# The SDKs' standard retry mode retries 500, 502, 503, 504, 429, throttling codes and broken
# connections (docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
THROTTLING = ("Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException")
ATTEMPTS = 3  # limits.LIVE_MAX_ATTEMPTS in these tests, to keep back-off short
START_ATTEMPTS = 2  # sts:GetCallerIdentity: no network should not take long to tell
DEADLINE = 25.0
LIMIT = 256 * 1024  # limits.LIVE_RESPONSE_MAX_BYTES in these tests


@pytest.fixture(scope="module")
def pace():
    """How slowly this machine seeded the account (tests/moto_account.py's Pace): the time a scan
    may take past its deadline, to judge and print, is scaled by it."""
    return Pace()


@pytest.fixture(scope="module")
def secure_account(moto, pace):
    with pace:
        reset(moto.url)
        Account().seed()
    yield moto
    moto.clear()


@pytest.fixture
def small_limits():
    """Fewer retries and a smaller response limit; botocore's service models loaded once, not per scan."""
    import botocore.loaders
    import botocore.session
    loader = botocore.loaders.create_loader()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "LIVE_MAX_ATTEMPTS", ATTEMPTS)
        patch.setattr(limits, "LIVE_RESPONSE_MAX_BYTES", LIMIT)
        patch.setattr(botocore.session, "create_loader", lambda *args: loader)
        yield


def _environment(moto, patch, **changes):
    """Credentials and endpoint userinfo that are marker secrets, as a user's shell would hold them."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        patch.delenv(key)
    host = moto.url.split("://", 1)[1]
    env = {"AWS_ACCESS_KEY_ID": MARKERS["key"], "AWS_SECRET_ACCESS_KEY": MARKERS["secret"],
           "AWS_SESSION_TOKEN": MARKERS["token"], "AWS_DEFAULT_REGION": "eu-west-1",
           "AWS_ENDPOINT_URL": f"http://{MARKERS['user']}:{MARKERS['password']}@{host}",
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_EC2_METADATA_DISABLED": "true"}
    env.update(changes)
    for key, value in env.items():
        if value is None:
            patch.delenv(key, raising=False)
        else:
            patch.setenv(key, value)
    return dict(os.environ)


def _hang_every_read(moto):
    """Every read the scan makes gets no answer for ten minutes: only the deadline ends it."""
    for operation in [*FEEDS, *GAPS]:
        moto.inject(operation, Fault(status=None, delay=600), times=1000)


def _live(*args):
    """`accountguard live` in this process (so the faults can be injected cheaply): exit code,
    stdout, stderr, seconds. An exception escaping it is a traceback a user would see."""
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli.main(["live", *args])
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue(), time.monotonic() - started


def _assert_nothing_leaked(*outputs):
    for output in outputs:
        for name, marker in MARKERS.items():
            assert marker not in output, f"the {name} marker was printed"
        assert "Traceback" not in output


def _statuses(stdout):
    """Each control's worst status (a subject that does not apply, such as AG_ORG_1's
    management account, does not outweigh the others' pass)."""
    worst: dict[str, str] = {}
    rank = ["not_applicable", "pass", "warn", "fail", "error"].index
    for result in json.loads(stdout)["results"]:
        worst[result["control"]] = max(worst.get(result["control"], "not_applicable"), result["status"], key=rank)
    return worst


def _retried(fault):
    """True: the SDK retries this answer, False: it does not, None: it is no fault (slow, then answered)."""
    if fault.status is None and not fault.truncated:
        return None
    if fault.truncated:
        return True
    if fault.size is not None or fault.status < 300:
        return False
    return fault.status in (500, 502, 503, 504, 429) or (fault.body is None and fault.code in THROTTLING)


def _unreadable(injections, certainly):
    """The calls that cannot be read: `certainly`, those whose fault is not retried or outlasts
    the retries; otherwise also those a retry may not mend (botocore does not retry an error
    whose body it cannot parse, whatever its status)."""
    return {operation for operation, fault, times in injections if _retried(fault) is not None and (
        not certainly or not _retried(fault) or times >= (START_ATTEMPTS if operation == START else ATTEMPTS))}


# The property: arbitrary faults on arbitrary calls.

GARBAGE = st.one_of(st.just(b""), st.sampled_from([b"<html><body>Gateway</body></html>", b"{", b"[1, 2]", b"null",
                                                   b'{"trailList": [', b"<ErrorResponse>", b"<x/>"]),
                    st.binary(max_size=80).map(lambda b: b"\xff" + b))  # 0xff: no JSON, XML or CBOR document
FAULTS = st.one_of(
    st.builds(Fault, status=st.sampled_from([400, 403, 404, 429, 500, 502, 503, 504]),
              code=st.sampled_from(THROTTLING + ("AccessDenied", "InternalError", "ServiceUnavailable",
                                                 "ValidationError", "SomethingNew")),
              message=st.text(max_size=60)),
    st.builds(Fault, status=st.sampled_from([200, 403, 500]), body=GARBAGE),
    st.builds(Fault, status=st.sampled_from([None, 500]), truncated=st.just(True)),
    st.builds(Fault, status=st.just(200), size=st.integers(LIMIT + 1, 3 * LIMIT), declared=st.booleans()),
    st.builds(Fault, status=st.none(), delay=st.floats(0.01, 0.3)),
)
INJECTIONS = st.lists(st.tuples(st.sampled_from(sorted(FEEDS) + [START]), FAULTS,
                                st.sampled_from([1, 2, 1000])), min_size=1, max_size=3, unique_by=lambda i: i[0])


@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(injections=INJECTIONS)
# Found by this test: botocore takes these for answers without data, so that the secure
# account failed AG_BILL_1 and AG_MON_1, or passed AG_TRAIL_1 on selectors it never saw.
@example(injections=[("DescribeAlarms", Fault(200, body=b""), 1000)])
@example(injections=[("GetEventSelectors", Fault(200, body=b'{"EventSelectors": ['), 1000)])
# A log group's class decides AG_MON_1: refused, the alarms on it are an error, never a pass.
@example(injections=[("DescribeLogGroups", Fault(403, code="AccessDeniedException"), 1000)])
@example(injections=[("GetCallerIdentity", Fault(None, truncated=True), 1), ("DescribeTrails", Fault(200, body=b"{"), 1)])
def test_whatever_the_endpoint_answers_it_is_one_line_or_a_result_with_errors_never_a_pass(
        secure_account, small_limits, pace, injections):
    """A failing example is printed as it is: shrinking one takes minutes of scans."""
    moto = secure_account
    moto.clear()
    for operation in GAPS:
        moto.fail(operation, 403, "AccessDeniedException", times=1000)
    for operation, fault, times in injections:
        moto.inject(operation, fault, times)
    with pytest.MonkeyPatch.context() as patch:
        _environment(moto, patch)
        deadline = pace.scaled(DEADLINE)  # no fault here hangs: on a quiet machine the scan ends well before
        code, stdout, stderr, seconds = _live("--region", "eu-west-1", "--format", "json", "--deadline", str(deadline))
    moto.clear()
    _assert_nothing_leaked(stdout, stderr)
    assert seconds < deadline + pace.scaled(5)
    certain, possible = _unreadable(injections, certainly=True), _unreadable(injections, certainly=False)
    if START in certain or (code == 2 and START in possible):
        assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1 and stderr.startswith("accountguard: ")
        return
    assert code == 1 and stderr == "", stderr
    found = _statuses(stdout)
    errors = {c for c, s in found.items() if s == "error"}
    assert set(found) == LIVE and {s for c, s in found.items() if c not in errors} == {"pass"}, found
    assert errors >= BASELINE_ERRORS.union(*(FEEDS.get(o, set()) for o in certain)), found
    if "deadline" not in stdout:  # past it, whatever was still unread is an error too
        assert errors <= BASELINE_ERRORS.union(*(FEEDS.get(o, set()) for o in possible)), found


# The deadline.

def _deadline(pace, seconds, below):
    """`seconds` scaled by the machine's pace (a loaded machine may not even start a scan in 6 s),
    whole, and under `below`: the time after which something else than the deadline (a read
    timeout, the fault's own end) would end the scan."""
    return int(min(pace.scaled(seconds), below))


def test_an_endpoint_that_answers_sts_and_then_hangs_is_cut_off_at_the_deadline(secure_account, pace):
    """Each call, every retry included, ends by the deadline: every control that needs a read is an
    error; without --region, the regions cannot be listed and the start fails in one line."""
    moto = secure_account
    moto.clear()
    _hang_every_read(moto)
    deadline = _deadline(pace, 6, READ_TIMEOUT - 5)
    with pytest.MonkeyPatch.context() as patch:
        _environment(moto, patch)
        judged = _live("--region", "eu-west-1", "--format", "json", "--deadline", str(deadline))
        start = _live("--deadline", str(deadline))
    moto.clear()
    code, stdout, stderr, seconds = judged
    assert code == 1 and stderr == "" and seconds < deadline + pace.scaled(5)
    assert set(_statuses(stdout).values()) == {"error"}
    assert f"the scan's deadline of {deadline} s passed" in stdout
    code, stdout, stderr, seconds = start
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1 and seconds < deadline + pace.scaled(5)
    assert stderr.startswith("accountguard: ") and f"deadline of {deadline} s" in stderr
    _assert_nothing_leaked(*judged[1:3], *start[1:3])


def test_an_answer_dripping_in_byte_by_byte_is_cut_off_at_the_deadline(secure_account, pace):
    """Each byte comes before any read timeout, the whole would take 60 s: the deadline still holds."""
    moto = secure_account
    moto.clear()
    for operation in GAPS:
        moto.fail(operation, 403, "AccessDeniedException", times=1000)
    moto.inject("GetAccountPasswordPolicy", Fault(200, body=b" " * 600, drip=0.1), times=1000)
    deadline = _deadline(pace, 8, 60 - 10)
    with pytest.MonkeyPatch.context() as patch:
        _environment(moto, patch)
        code, stdout, stderr, seconds = _live("--region", "eu-west-1", "--format", "json", "--deadline", str(deadline))
    moto.clear()
    assert code == 1 and stderr == "" and seconds < deadline + pace.scaled(5)
    found = _statuses(stdout)
    assert found["AG_PWD_1"] == "error" and f"the scan's deadline of {deadline} s passed" in stdout


def test_pytest_live_keeps_its_deadline(secure_account, pace, pytester):
    """--aws-deadline reaches the scan: against a hanging endpoint every live test fails as an error."""
    moto = secure_account
    moto.clear()
    _hang_every_read(moto)
    deadline = _deadline(pace, 6, READ_TIMEOUT - 5)
    with pytest.MonkeyPatch.context() as patch:
        _environment(moto, patch)
        result = pytester.runpytest_subprocess("--pyargs", "accountguard", "-m", "live", "--aws-region", "eu-west-1",
                                               "--aws-deadline", str(deadline))
    moto.clear()
    assert result.parseoutcomes()["failed"] == len(LIVE)
    result.stdout.fnmatch_lines([f"*the scan's deadline of {deadline} s passed*"])
    _assert_nothing_leaked(*result.stdout.lines, *result.stderr.lines)


@pytest.mark.parametrize("fault", [Fault(status=200, size=10 * 1024 ** 3, declared=True),
                                   Fault(status=200, size=limits.LIVE_RESPONSE_MAX_BYTES + 1, declared=False)],
                         ids=["10 GiB declared", "64 MiB + 1 chunked"])
def test_an_oversized_response_is_refused_and_errors_the_controls_that_need_it(secure_account, fault):
    """10 GiB declared: refused from its Content-Length, never read (reading it would outlast the
    deadline); chunked: read up to the limit and no further."""
    moto = secure_account
    moto.clear()
    for operation in GAPS:
        moto.fail(operation, 403, "AccessDeniedException", times=1000)
    moto.inject("GetAccountAuthorizationDetails", fault, times=1000)
    with pytest.MonkeyPatch.context() as patch:
        _environment(moto, patch)
        code, stdout, stderr, seconds = _live("--region", "eu-west-1", "--format", "json", "--deadline", "60")
    moto.clear()
    assert code == 1 and stderr == ""
    errors = {c for c, s in _statuses(stdout).items() if s == "error"}
    assert errors == BASELINE_ERRORS | FEEDS["GetAccountAuthorizationDetails"]
    assert f"more than the limit of {limits.LIVE_RESPONSE_MAX_BYTES} bytes" in stdout
    assert "deadline" not in stdout


# Every way the start can fail: one line, exit 2, in a real process, from both front ends.

STS_WITHOUT_ACCOUNT = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                       b"<GetCallerIdentityResult></GetCallerIdentityResult></GetCallerIdentityResponse>")


def _config(tmp_path, text):
    path = tmp_path / "config"
    path.write_text(text)
    return str(path)


START_FAILURES = [  # (id, environment changes, arguments, faults, words in the line)
    ("malformed config", lambda t: {"AWS_CONFIG_FILE": _config(t, "[default\nregion = eu-west-1\n")}, [], {},
     "the AWS configuration cannot be read: ConfigParseError"),
    ("key id without secret", lambda t: {"AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None}, [], {},
     "cannot get AWS credentials: PartialCredentialsError"),
    ("failing credential_process", lambda t: {
        "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None, "AWS_PROFILE": "p",
        "AWS_CONFIG_FILE": _config(t, "[profile p]\ncredential_process = sh -c 'echo line one >&2; echo line two >&2;"
                                      " exit 3'\n")}, [], {}, "cannot get AWS credentials: CredentialRetrievalError"),
    ("credential_process printing no JSON", lambda t: {
        "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None, "AWS_PROFILE": "p",
        "AWS_CONFIG_FILE": _config(t, "[profile p]\ncredential_process = echo not json\n")}, [], {},
     "cannot get AWS credentials"),
    ("no credentials", lambda t: {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                                  "AWS_SESSION_TOKEN": None}, [], {}, "no AWS credentials found"),
    ("no network", lambda t: {"AWS_ENDPOINT_URL": f"http://{MARKERS['user']}:{MARKERS['password']}@127.0.0.1:9"},
     [], {}, "cannot reach AWS: EndpointConnectionError"),
    ("endpoint that is no URL", lambda t: {"AWS_ENDPOINT_URL": f"{MARKERS['user']}:{MARKERS['password']}@nowhere"},
     [], {}, "cannot call sts:GetCallerIdentity: ValueError: Invalid endpoint"),
    ("STS refused", lambda t: {}, [], {START: Fault(403, "AccessDenied", "not authorized to perform "
                                                                         "sts:GetCallerIdentity")},
     "cannot call sts:GetCallerIdentity: AccessDenied (not authorized to perform sts:GetCallerIdentity)"),
    ("STS garbage", lambda t: {}, [], {START: Fault(200, body=b"<html>\n" + MARKERS["secret"].encode())},
     "cannot call sts:GetCallerIdentity: ResponseParserError: the response cannot be parsed"),
    ("STS without an account", lambda t: {}, [], {START: Fault(200, body=STS_WITHOUT_ACCOUNT)},
     "sts:GetCallerIdentity answered without a valid account ID and ARN"),
    ("STS oversized", lambda t: {}, [], {START: Fault(200, size=10 * 1024 ** 3)},
     "cannot call sts:GetCallerIdentity: ResponseTooLarge"),
    ("role ARN too short", lambda t: {}, ["--role-arn", "bad"], {},
     "cannot assume role bad: ParamValidationError: Parameter validation failed: Invalid length for parameter RoleArn"),
    ("role ARN with a newline", lambda t: {}, ["--role-arn", "arn:aws:iam::123456789012:role/x\n::error::"],
     {"AssumeRole": Fault(400, "ValidationError", "bad\nrole")},
     r"cannot assume role arn:aws:iam::123456789012:role/x ::error::: ValidationError (bad role)"),
    ("deadline zero", lambda t: {}, ["--deadline", "0"], {}, "the deadline must be a positive number of seconds"),
    ("deadline not a number", lambda t: {}, ["--deadline", "nan"], {},
     "the deadline must be a positive number of seconds"),
]


@pytest.mark.parametrize("changes, args, faults, words", [case[1:] for case in START_FAILURES],
                         ids=[case[0] for case in START_FAILURES])
def test_every_failed_start_is_one_line_and_exit_2(secure_account, tmp_path, changes, args, faults, words):
    moto = secure_account
    moto.clear()
    for operation, fault in faults.items():
        moto.inject(operation, fault, times=10)
    with pytest.MonkeyPatch.context() as patch:
        env = _environment(moto, patch, **changes(tmp_path))
    done = subprocess.run([sys.executable, "-m", "accountguard", "live", "--region", "eu-west-1", *args],
                          capture_output=True, text=True, env=env, timeout=120)
    moto.clear()
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("accountguard: ")
    assert words in done.stderr
    _assert_nothing_leaked(done.stderr)


@pytest.mark.parametrize("changes, args, words", [
    (lambda t: {"AWS_SECRET_ACCESS_KEY": None}, [], "cannot get AWS credentials: PartialCredentialsError"),
    (lambda t: {"AWS_CONFIG_FILE": _config(t, "[default\n")}, [], "the AWS configuration cannot be read"),
    (lambda t: {}, ["--aws-deadline", "-1"], "the deadline must be a positive number of seconds, not '-1'"),
    (lambda t: {}, ["--aws-deadline", "soon"], "the deadline must be a positive number of seconds, not 'soon'"),
], ids=["key id without secret", "malformed config", "negative deadline", "deadline not a number"])
def test_pytest_live_fails_to_start_with_one_usage_error(secure_account, pytester, tmp_path, changes, args, words):
    with pytest.MonkeyPatch.context() as patch:
        _environment(secure_account, patch, **changes(tmp_path))
        result = pytester.runpytest_subprocess("--pyargs", "accountguard", "-m", "live", "--aws-region", "eu-west-1",
                                               *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.lines if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERROR: accountguard: ") and words in lines[0]
    _assert_nothing_leaked(*result.stdout.lines, *result.stderr.lines)

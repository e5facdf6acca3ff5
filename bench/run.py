"""`make bench`: wall time and peak memory (interpreter start-up included) of
`accountguard plan` on generated plans of 5,000 and 50,000 resources, of
`accountguard hcl` on a tree of 100 .tf files in 10 local modules, the time
accountguard's checks add to checkov on the 5,000-resource plan, and a live scan
of a moto account with 1,000 users in 3 regions (wall time and API calls), and
`live --organization` over 100 moto accounts at concurrency 1, 8 and 32.
`bench/run.py organization [OPTIONS]` runs only the last (OPTIONS: those of
bench/genorganization.py, e.g. --accounts 20)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SIZES = (5_000, 50_000)
TARGET_SECONDS = {5_000: 1.5}
HCL_TARGET_SECONDS = 2.0
CHECKOV_ADDED_TARGET = 0.10
LIVE_TARGET_SECONDS = 3.0
ORGANIZATION_TARGET_SECONDS = 30.0  # for 100 accounts
ORGANIZATION_TARGET_ACCOUNTS = 100
ROOT = Path(__file__).resolve().parent.parent


def measure(*args: str) -> tuple[float, float, int]:
    """Best wall time of three runs of `accountguard ARGS`, peak RSS in MiB, exit code."""
    accountguard = Path(sys.executable).with_name("accountguard")
    best, peak, code = float("inf"), 0.0, -1
    for _ in range(3):
        start = time.perf_counter()
        process = subprocess.Popen([str(accountguard), *args, "--format", "json"], stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        best = min(best, time.perf_counter() - start)
        peak = max(peak, usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return best, peak, code


def checkov_seconds(plan: Path, *selection: str) -> float:
    checkov = os.environ.get("ACCOUNTGUARD_CHECKOV", str(ROOT / ".venv-checkov" / "bin" / "checkov"))
    start = time.perf_counter()
    subprocess.run([checkov, "--skip-download", "--quiet", "--compact", "-f", str(plan), *selection],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def generate(script: str, *args: str) -> int:
    """Run a generator in its own process: a child's peak memory counts the parent's at fork."""
    done = subprocess.run([sys.executable, str(HERE / script), *args], check=True, capture_output=True, text=True)
    return int(done.stdout)


def organization(*options: str) -> bool:
    """`live --organization` (bench/genorganization.py OPTIONS, its JSON kept in
    bench/out/organization.json); True when a target is missed."""
    output = subprocess.run([sys.executable, str(HERE / "genorganization.py"), *options], check=True,
                            stdout=subprocess.PIPE, text=True).stdout
    OUT.mkdir(exist_ok=True)
    (OUT / "organization.json").write_text(output)  # every figure, per scan
    found = json.loads(output)
    single = found["single_account_calls"]
    print(f"\naccountguard live --organization on {found['accounts']} moto accounts, 3 regions, moto "
          f"{found['moto']}, {found['cores']} cores (single-account scan: {sum(single.values())} calls; "
          f"seeding took {found['seeding_seconds']:.0f} s):")
    print(f"  {'':13} {'accounts':>8} {'concurrency':>11} {'wall s':>7} {'scanner CPU s':>13} {'moto CPU s':>10} "
          f"{'requests':>8} {'calls/account':>13}  load  target")
    missed = False
    for kind, run in [("warm-up", found["warmup"])] + [("", r) for r in found["runs"]] + \
            [("growth", r) for r in found["growth"]]:
        same = run["calls_per_account"] == [single]
        timed = kind == "" and run["accounts"] == ORGANIZATION_TARGET_ACCOUNTS
        verdict = "-" if not timed else "met" if run["seconds"] < ORGANIZATION_TARGET_SECONDS else \
            f"MISSED (< {ORGANIZATION_TARGET_SECONDS:g} s)"
        missed |= verdict.startswith("MISSED") or not same or bool(run["errors"]) or bool(run["not_passing"])
        calls = f"{run['account_calls'] / run['scanned']:.0f}" + (" same" if same else " DIFFERENT")
        print(f"  {kind:13} {run['accounts']:>8} {run['concurrency']:>11} {run['seconds']:>7.1f} "
              f"{run['scanner_cpu_seconds']:>13.1f} {run['moto_cpu_seconds']:>10.1f} {run['moto_requests']:>8} "
              f"{calls:>13} {run['load_average_before']:>5.1f}  {verdict}")
        if not same:
            print(f"    calls per account: {json.dumps(run['calls_per_account'])}\n"
                  f"    single account: {json.dumps(single)}")
        if run["errors"] or run["not_passing"]:
            print(f"    errors: {run['errors']}, not passing: {run['not_passing']}")
    return missed


def main() -> int:
    if sys.argv[1:2] == ["organization"]:
        return 1 if organization(*sys.argv[2:]) else 0
    OUT.mkdir(exist_ok=True)
    print(f"{'resources':>10} {'plan MiB':>9} {'wall s':>7} {'peak MiB':>9} {'ms/1k res':>10}  exit  target")
    missed = False
    for size in SIZES:
        plan = OUT / f"plan-{size}.json"
        count = generate("genplan.py", str(size), str(plan))
        wall, peak, code = measure("plan", str(plan))
        target = TARGET_SECONDS.get(size)
        verdict = "-" if target is None else ("met" if wall < target else f"MISSED (< {target} s)")
        missed |= verdict.startswith("MISSED") or code != 0
        print(f"{count:>10} {plan.stat().st_size / 2**20:>9.1f} {wall:>7.2f} {peak:>9.0f} "
              f"{1000 * wall / count * 1000:>10.1f}  {code:>4}  {verdict}")
    files = generate("gentree.py", str(OUT / "tree"))
    wall, peak, code = measure("hcl", str(OUT / "tree"))
    verdict = "met" if wall < HCL_TARGET_SECONDS else f"MISSED (< {HCL_TARGET_SECONDS} s)"
    missed |= verdict.startswith("MISSED") or code not in (0, 1)
    print(f"\naccountguard hcl: {files} .tf files in 10 modules: {wall:.2f} s, {peak:.0f} MiB peak, "
          f"exit {code}, target {verdict}")
    plan = OUT / "plan-5000.json"
    ours = ",".join(f"AG_{c}" for c in ("PWD_1", "MFA_1", "MFA_2", "KEY_1", "TRAIL_1", "TRAIL_2", "TRAIL_3",
                                         "TRAIL_4", "BILL_1", "DET_1", "DET_2", "MON_1"))
    empty = OUT / "empty-checks"
    empty.mkdir(exist_ok=True)
    (empty / "__init__.py").touch()
    builtin = checkov_seconds(plan, "--check", "CKV_AWS_18")
    external = checkov_seconds(plan, "--check", "CKV_AWS_18", "--external-checks-dir", str(empty))
    with_ours = checkov_seconds(plan, "--check", f"CKV_AWS_18,{ours}", "--external-checks-dir", str(ROOT / "policies"))
    added = (with_ours - external) / external
    verdict = "met" if added < CHECKOV_ADDED_TARGET else f"MISSED (< {CHECKOV_ADDED_TARGET:.0%})"
    missed |= verdict.startswith("MISSED")
    print(f"\ncheckov on the 5,000-resource plan, one built-in check (CKV_AWS_18):\n"
          f"  alone                                   {builtin:5.1f} s\n"
          f"  with an empty --external-checks-dir     {external:5.1f} s  (checkov's own cost of any external checks)\n"
          f"  with accountguard's {len(ours.split(','))} checks              {with_ours:5.1f} s  "
          f"{(with_ours - builtin) / builtin:+.0%} vs alone, {added:+.0%} vs the empty directory: target {verdict}")
    live = json.loads(subprocess.run([sys.executable, str(HERE / "genaccount.py")], check=True,
                                     capture_output=True, text=True).stdout)
    verdict = "met" if live["seconds"] < LIVE_TARGET_SECONDS else f"MISSED (< {LIVE_TARGET_SECONDS} s)"
    missed |= verdict.startswith("MISSED") or bool(live["failing"])
    print(f"\naccountguard live on a moto account, {live['users']} users, 20 groups, 200 policies, 3 regions:\n"
          f"  {live['seconds']:.2f} s (after a {live['warm_up_seconds']:.1f} s warm-up), "
          f"{sum(live['calls'].values())} API calls "
          f"({', '.join(f'{k} {v}' for k, v in sorted(live['calls'].items()))}): target {verdict}")
    missed |= organization()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""A front end imports what it uses: a plan needs no HCL parser, and only live needs
boto3 (how long a start takes is `make bench`'s to measure, not a test's)."""
import json
import subprocess
import sys

import pytest
from conftest import FIXTURES
from fixturegen import ROOT

# The command in a new process, then the top-level packages it imported, on stderr's last line.
PROBE = ("import json, sys\nfrom accountguard.cli import main\nstatus = main(sys.argv[1:])\n"
         "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n")
HEAVY = {"lark", "hcl2", "boto3", "botocore"}


@pytest.mark.parametrize("args, needed", [
    (["plan", str(FIXTURES / "baseline.json")], set()),
    (["hcl", str(ROOT / "examples" / "baseline")], {"lark", "hcl2"}),
    (["live", "--help"], set()),
    (["checkov-dir"], set()),
], ids=["plan", "hcl", "live --help", "checkov-dir"])
def test_a_front_end_imports_only_what_it_uses(args, needed):
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True)
    imported = set(json.loads(done.stderr.splitlines()[-1]))
    assert "accountguard" in imported
    assert imported & HEAVY == needed

"""Every bound on what accountguard will read, build or wait for, in one place.

Input comes from pull requests and from APIs nobody here controls: each bound
turns a hostile or broken input into one clear error (an `InputError`, exit 2)
within seconds, instead of a hang, a traceback or an exhausted machine.
"""
from __future__ import annotations

MiB = 1024 * 1024

# Plan JSON (`terraform show -json`): a 50,000-resource plan is about 100 MiB.
PLAN_MAX_BYTES = 512 * MiB
JSON_MAX_DEPTH = 256  # Terraform's own plans nest a few dozen levels at most
JSON_MAX_INT_DIGITS = 4300  # Python's own default for int <-> str conversion

# Configuration files (accountguard.toml, pyproject.toml).
CONFIG_MAX_BYTES = 1 * MiB

# `.tf` directories.
TF_FILE_MAX_BYTES = 8 * MiB  # one .tf, .tfvars or file()-read file
TF_TREE_MAX_FILES = 10_000  # .tf files across the root and its local modules
TF_COLLECTION_MAX = 100_000  # elements of one list, map, range(), count or for_each
TF_STRING_MAX_CHARS = 16 * MiB
TF_EVALUATION_MAX_STEPS = 20_000_000  # expression nodes evaluated in one run
TF_MODULE_MAX_DEPTH = 32  # nested module calls

# Live account.
LIVE_DEADLINE_SECONDS = 300.0  # the whole scan, every retry included
LIVE_RESPONSE_MAX_BYTES = 64 * MiB  # one API response body
LIVE_MAX_ATTEMPTS = 5  # per call, the first included: throttling, 5xx and broken connections are retried with back-off

# checkov adapter: how long one `accountguard plan|hcl` run per scope may take.
CHECKOV_COMMAND_TIMEOUT_SECONDS = 300.0

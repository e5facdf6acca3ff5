"""Every bound on what accountguard will read, build or wait for, in one place.

Input comes from pull requests and from APIs nobody here controls: each bound
turns a hostile or broken input into one clear error (an `InputError`, exit 2)
within seconds, instead of a hang, a traceback or an exhausted machine.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

from .model import InputError

MiB = 1024 * 1024

# Plan JSON (`terraform show -json`): a 50,000-resource plan is about 100 MiB.
PLAN_MAX_BYTES = 512 * MiB
JSON_MAX_DEPTH = 256  # Terraform's own plans nest a few dozen levels at most
JSON_MAX_INT_DIGITS = 4300  # Python's own default for int <-> str conversion

# Configuration files (accountguard.toml, pyproject.toml).
CONFIG_MAX_BYTES = 1 * MiB

# `.tf` directories.
# python-hcl2 parses about 100 KiB of dense configuration per second of CPU and holds
# some 300 bytes of parse tree per byte: these keep a whole tree within about 5 s and
# 200 MB. All of examples/, modules included, is about 100 KiB.
TF_FILE_MAX_BYTES = 256 * 1024  # one .tf, .tfvars or file()-read file
TF_TREE_MAX_BYTES = 512 * 1024  # all files read in one run: the root, its local modules, file()
TF_TREE_MAX_FILES = 10_000  # files read (or entries listed by fileset) across the root and its local modules
TF_COLLECTION_MAX = 100_000  # elements of one list, map, range(), count or for_each
TF_STRING_MAX_CHARS = 16 * MiB  # characters of one value (a string, or all strings in one list or map)
# Expression nodes evaluated, plus elements and 4 KiB string chunks built, in one run:
# each example takes under 2,000; half a million take about a second.
TF_EVALUATION_MAX_STEPS = 500_000
TF_MODULE_MAX_DEPTH = 32  # nested module calls
TF_NUMBER_MAX_BITS = 4096  # an integer of about 1,200 digits: far past any count, port or size
TF_JSON_MAX_DEPTH = 256  # values nested in one .tf.json file: generated configurations nest a few dozen

# Live account.
LIVE_DEADLINE_SECONDS = 300.0  # the whole scan, every retry included
LIVE_RESPONSE_MAX_BYTES = 64 * MiB  # one API response body
LIVE_MAX_ATTEMPTS = 5  # per call, the first included: throttling, 5xx and broken connections are retried with back-off

# checkov adapter: how long one `accountguard plan|hcl` run per scope may take.
CHECKOV_COMMAND_TIMEOUT_SECONDS = 300.0


class LimitExceeded(InputError):
    """A bound of accountguard's (not Terraform's) that the input goes past."""

    located = False

    def at(self, where: str) -> "LimitExceeded":
        """This error with the file and line where it happened, if it has none yet."""
        if self.located:
            return self
        located = LimitExceeded(f"{where}: {self}")
        located.located = True
        return located


class Budget:
    """The evaluation steps left to one `.tf` run: every expression node, and
    every element or 4 KiB of string a function or template builds, spends one."""

    def __init__(self, steps: int = TF_EVALUATION_MAX_STEPS) -> None:
        self.left = steps

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left < 0:
            raise LimitExceeded(f"the configuration takes more than {TF_EVALUATION_MAX_STEPS:,} evaluation steps "
                             f"(a limit of accountguard's, not Terraform's)")

    def built(self, value: Any) -> None:
        """Spend for a value a function or template built; InputError past the size limits."""
        elements, chars = 0, 0
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                chars += len(item)
                if chars > TF_STRING_MAX_CHARS:
                    raise LimitExceeded(f"a value longer than {TF_STRING_MAX_CHARS // MiB} Mi characters "
                                     f"(a limit of accountguard's)")
                continue
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
            else:
                continue
            elements += len(item)
            if elements > TF_COLLECTION_MAX:
                raise LimitExceeded(f"a value of more than {TF_COLLECTION_MAX:,} elements (a limit of accountguard's)")
        self.spend(1 + elements + chars // 4096)


# The budget of the run in progress; None outside one (an expression evaluated on
# its own, as in the evaluator's tests, is not input from a pull request).
_BUDGET: ContextVar[Budget | None] = ContextVar("accountguard_budget", default=None)


@contextmanager
def budget() -> Iterator[Budget]:
    """A fresh budget for one run (load_directory)."""
    token = _BUDGET.set(Budget())
    try:
        yield _BUDGET.get()
    finally:
        _BUDGET.reset(token)


def spend(steps: int = 1) -> None:
    current = _BUDGET.get()
    if current is not None:
        current.spend(steps)


def built(value: Any) -> None:
    current = _BUDGET.get()
    if current is not None:
        current.built(value)


def number(value: Any) -> Any:
    """`value`, or LimitExceeded if it is an integer too large to compute with in bounded time."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > TF_NUMBER_MAX_BITS:
        raise LimitExceeded(f"a number of more than {TF_NUMBER_MAX_BITS} bits (a limit of accountguard's)")
    return value


def collection(size: int, what: str, where: str | None = None) -> None:
    """LimitExceeded if `what` (count, for_each, range(), ...) would have more than the limit of elements."""
    if size > TF_COLLECTION_MAX:
        exc = LimitExceeded(f"{what} would have more than {TF_COLLECTION_MAX:,} elements "
                            f"(a limit of accountguard's, not Terraform's)")
        raise exc.at(where) if where else exc

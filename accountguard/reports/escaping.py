"""Values from the input, made safe to show: a plan, a `.tf` file or an API can
carry control characters (terminal escapes, CR, newlines that forge a CI
workflow command) in any name or message."""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def visible(text: str) -> str:
    """Control characters shown as `\\uXXXX`, so one value stays on one line and prints as itself."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)

"""Values from the input, made safe for every human-readable output."""
from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(value: object) -> str:
    """A value from a plan, a .tf file, a configuration or an API as visible text on one line.

    Control and format characters (ESC, CR, line breaks, bidi overrides, lone surrogates)
    are written as escapes, so no input can start a line, move the cursor, colour a
    terminal or write a CI log command: GitHub's `::error::` works only at the start of a
    line, its older `##[error]` anywhere in one.
    """
    text = str(value)
    if not text.isprintable():
        text = "".join(c if c.isprintable() or c == " " else _NAMED.get(c) or c.encode("unicode_escape").decode()
                       for c in text)
    return text.replace("##[", "#\\x23[")

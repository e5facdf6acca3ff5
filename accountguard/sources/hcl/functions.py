"""Terraform's built-in functions, each as Terraform (go-cty's stdlib and
Terraform's lang/funcs) defines it: arguments converted to the parameter types,
the same results and the same errors. tests/test_hcl_differential.py compares
every one of them with `terraform console`.

A function not implemented here gives an unknown result, never a guess; so does
an implemented one where Terraform's result depends on what this evaluator
cannot reproduce exactly (Unicode grapheme clusters, RE2-only regex syntax).
Unknown arguments give unknown results (with their provenance), except where
Terraform keeps the structure (concat of lists with unknown elements, ...)."""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import os
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from lark import Tree

from ... import limits
from ...limits import TF_STRING_MAX_CHARS
from ...model import SENSITIVE, Unknown
from . import sandbox, syntax
from .expressions import EvalError, Indeterminate, Scope, UnseenJSON, _digits, _exact, _from_exact, _integer, \
    _round_binary, _string, evaluate, has_sensitive, normalized, number_text, render, resolved, type_name, unknowns, unseen
from .types import DYNAMIC, convert, equal, set_of, unify


def _list(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise EvalError(f"expected a list, got {type(value).__name__}")


def _path(scope: Scope, path: Any) -> tuple[Path, str]:
    """A file function's path, relative to the root module as in Terraform, and as written."""
    written = _string(path)
    return scope.root_dir / written, written


def _read(scope: Scope, path: Any) -> Any:
    target, written = _path(scope, path)
    return sandbox.read_text(target, written)


def _filebase64(scope: Scope, path: Any) -> Any:
    target, written = _path(scope, path)
    return sandbox.read_bytes(target, written, lambda data: base64.b64encode(data).decode())


def _fileexists(scope: Scope, path: Any) -> Any:
    target, written = _path(scope, path)
    return sandbox.is_file(target, written)


def _fileset(scope: Scope, path: Any, pattern: Any) -> Any:
    target, written = _path(scope, path)
    return sandbox.fileset(target, written, _string(pattern))


def _templatefile(scope: Scope, path: Any, variables: Any) -> Any:
    text = _read(scope, path)
    if isinstance(text, Unknown):
        return text
    if not isinstance(variables, dict):
        raise EvalError("templatefile needs a map of variables")

    def only_variables(name: str) -> Any:
        raise EvalError(f"template {path} refers to {name}, which is not among its variables")
    try:
        parts = syntax.parse_template(text)
    except ValueError as exc:
        raise EvalError(f"template {path}: {exc}") from None
    return render(parts, Scope(only_variables, scope.base_dir, scope.root_dir, dict(variables)))


# --- strings ------------------------------------------------------------------

def _simple_text(text: str) -> str:
    """`text`, if every character is one grapheme cluster and Python's string
    functions treat it as Go's do; Indeterminate otherwise."""
    if not text.isascii():
        raise Indeterminate("a function of non-ASCII text (Unicode rules differ between Go and Python)")
    return text


def _graphemes(text: str) -> str:
    """`text`, if each code point is a grapheme cluster of its own (no combining
    marks, joiners or CRLF); Indeterminate otherwise."""
    if "\r\n" in text or any(unicodedata.category(c) in ("Mn", "Mc", "Me", "Cf", "So") or
                             0x1F1E6 <= ord(c) <= 0x1F1FF or 0xFE00 <= ord(c) <= 0xFE0F for c in text):
        raise Indeterminate("a function of text with combined characters (grapheme clusters)")
    return text


def _substr(text: str, offset: int, length: int) -> str:
    chars = _graphemes(text)
    if offset < 0:
        offset += len(chars)
    elif length == 0:
        return ""
    if offset > 0:
        chars = chars[offset:]
    if length < 0:
        return chars
    return chars[:length] if length > 0 else chars


def _title(text: str) -> str:
    out, previous = [], " "
    for c in _simple_text(text):
        out.append(c.upper() if not (previous.isalnum() or previous == "_") else c)
        previous = c
    return "".join(out)


def _split(separator: str, text: str) -> list[str]:
    if separator == "":
        return list(_graphemes(text))
    return text.split(separator)


def _join(separator: str, *lists: list) -> str:
    if not lists:
        raise EvalError("join: at least one list is required")
    items = [item for values in lists for item in values]
    if any(item is None for item in items):
        raise EvalError("join: an element is null")
    return separator.join(items)


def _indent(spaces: int, text: str) -> str:
    if spaces < 0:
        raise EvalError("indent: the number of spaces must not be negative")
    if "\n" not in text:
        return text
    if spaces * text.count("\n") > TF_STRING_MAX_CHARS:
        raise EvalError("indent: the result is too long")
    return text.replace("\n", "\n" + " " * spaces)


# RE2 (Terraform's regex syntax) translated to Python's re where both mean the
# same; anything else is Indeterminate, never a guess.
_RE2_ESCAPES = set("dDwWbBAnrtfv.\\*+?()[]{}|^$-/ '\"!#%&,:;<=>@_`~")


def _python_regex(pattern: str) -> re.Pattern:
    out, i, in_class = [], 0, False
    repeats = [False]  # per open group: whether it holds a repetition or alternation
    while i < len(pattern):
        c = pattern[i]
        if not in_class and c in "*+?{|" and (i == 0 or pattern[i - 1] != "\\"):
            repeats[-1] = True
        if not in_class and c == "(" and (i == 0 or pattern[i - 1] != "\\"):
            repeats.append(False)
        if not in_class and c == ")" and (i == 0 or pattern[i - 1] != "\\") and len(repeats) > 1:
            inner = repeats.pop()
            if inner and pattern[i + 1:i + 2] in ("*", "+", "{", "?"):
                raise Indeterminate("nested repetition (RE2 matches in linear time, Python's re may not)")
            repeats[-1] = repeats[-1] or inner
        if c == "\\":
            if i + 1 >= len(pattern):
                raise EvalError("invalid regexp pattern: trailing backslash")
            e = pattern[i + 1]
            if e == "z" and not in_class:
                out.append(r"\Z")
            elif e in ("s", "S"):
                if in_class:
                    raise Indeterminate("\\s inside a character class")
                out.append(r"[\t\n\f\r ]" if e == "s" else r"[^\t\n\f\r ]")
            elif e in _RE2_ESCAPES:
                out.append(c + e)
            elif e.isdigit():
                raise Indeterminate("a regex digit escape (octal in RE2, a backreference in Python)")
            else:
                raise Indeterminate(f"regex escape \\{e}")
            i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                raise Indeterminate("POSIX character classes")
            if c == "]" and out[-1] not in ("[", "[^"):
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                if pattern.startswith("]", i):
                    out.append(r"\]")
                    i += 1
                continue
            out.append("[")
            if pattern.startswith("]", i + 1):
                out.append(r"\]")
                i += 1
        elif c == "$":
            out.append(r"(?!(?s:.))")  # RE2's $ is the end of the text, Python's also before a final \n
        elif c == "(" and pattern.startswith("(?", i):
            if pattern.startswith("(?P<", i) or pattern.startswith("(?:", i):
                out.append(pattern[i:i + 3])
                i += 3
                continue
            if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
                raise EvalError("invalid regexp pattern: lookaround is not RE2")
            raise Indeterminate("regex flags")
        elif c == "{" and re.match(r"\{,", pattern[i:]):
            raise Indeterminate("{,n} repetition")
        else:
            out.append(c)
        i += 1
    try:
        return re.compile("".join(out), re.ASCII)
    except re.error as exc:
        raise EvalError(f"invalid regexp pattern: {exc}") from None
    except RecursionError:
        raise Indeterminate("a regex too deeply nested") from None


def _matches(compiled: re.Pattern, text: str) -> list[re.Match]:
    """Successive non-overlapping matches as Go finds them (an empty match right
    after a match is skipped, where Python's finditer keeps it)."""
    found, position, last_end = [], 0, -1
    while position <= len(text):
        match = compiled.search(text, position)
        if match is None:
            break
        accept = not (match.start() == match.end() == last_end)
        if accept:
            found.append(match)
        last_end = match.end()
        position = match.end() if match.end() > position else position + 1
    return found


def _expand(template: str, match: re.Match) -> str:
    """Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$."""
    out, i = [], 0
    while i < len(template):
        c = template[i]
        if c != "$" or i + 1 >= len(template):
            out.append(c)
            i += 1
            continue
        if template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        named = re.match(r"\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+)", template[i + 1:])
        if not named:
            out.append(c)
            i += 1
            continue
        name = named.group(1) or named.group(2)
        i += 1 + named.end()
        try:
            group = match.group(int(name) if name.isdigit() else name)
        except IndexError:
            group = None
        out.append(group or "")
    return "".join(out)


def _replace(text: str, search: str, replacement: str) -> str:
    if len(search) > 1 and search[0] == "/" and search[-1] == "/":
        compiled = _python_regex(search[1:-1])
        out, last = [], 0
        for match in _matches(compiled, text):
            out.append(text[last:match.start()])
            out.append(_expand(replacement, match))
            last = match.end()
        out.append(text[last:])
        return "".join(out)
    if (text.count(search) if search else len(text) + 1) * len(replacement) > TF_STRING_MAX_CHARS:
        raise EvalError("replace: the result is too long")
    return text.replace(search, replacement)


def _regex_result(compiled: re.Pattern, match: re.Match) -> Any:
    names = [n for n in compiled.groupindex]
    if compiled.groups == 0:
        return match.group(0)
    if names and len(names) != compiled.groups:
        raise EvalError("invalid regexp pattern: cannot mix both named and unnamed capture groups")
    if names:
        return {name: match.group(name) for name in names}
    return list(match.groups())


def _regex(pattern: str, text: str) -> Any:
    compiled = _python_regex(pattern)
    found = _matches(compiled, text)
    if not found:
        raise EvalError("regex: pattern did not match any part of the given string")
    return _regex_result(compiled, found[0])


def _regexall(pattern: str, text: str) -> list:
    compiled = _python_regex(pattern)
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise EvalError("invalid regexp pattern: cannot mix both named and unnamed capture groups")
    return [_regex_result(compiled, match) for match in _matches(compiled, text)]


# --- format -------------------------------------------------------------------

_VERB = re.compile(r"%([ +\-#0]*)(?:\[([0-9]+)\])?([0-9]+)?(?:\.([0-9]+))?(.)?", re.S)


def _pad(text: str, flags: str, width: int | None, zero_ok: bool = False) -> str:
    if width is not None and width > TF_STRING_MAX_CHARS:
        raise EvalError("format: the width is too large")
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text + " " * (width - len(text))
    if "0" in flags and zero_ok:
        sign = text[0] if text[:1] in "+- " and text[:1] else ""
        return sign + "0" * (width - len(text)) + text[len(sign):]
    return " " * (width - len(text)) + text


def _go_g(value: int | float) -> str:
    """Go's %v / big.Float.Text('g', -1) of a number."""
    digits, point = _digits(value)
    sign, digits = ("-", digits[1:]) if digits.startswith("-") else ("", digits)
    exponent = point - 1
    if exponent < -4 or exponent >= 6:  # big.Float.Text('g', -1) decides with precision 6
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return number_text(value)


def _format(spec: str, *values: Any) -> str:
    out, position, next_arg, highest = [], 0, 0, 0
    while position < len(spec):
        percent = spec.find("%", position)
        if percent < 0:
            out.append(spec[position:])
            break
        out.append(spec[position:percent])
        if spec.startswith("%%", percent):
            out.append("%")
            position = percent + 2
            continue
        match = _VERB.match(spec, percent)
        flags, index, width, precision, verb = match.groups()
        if verb is None or verb == "*" or (match.group(0).count(".") and precision is None):
            raise EvalError(f"format: invalid format sequence at offset {percent}")
        position = match.end()
        if index is not None:
            next_arg = int(index) - 1
        if next_arg >= len(values) or next_arg < 0:
            raise EvalError(f"format: not enough arguments for %{verb} at {percent}")
        value = values[next_arg]
        next_arg += 1
        highest = max(highest, next_arg)
        out.append(_format_one(verb, flags, int(width) if width else None,
                               int(precision) if precision is not None else None, value))
    if highest < len(values):
        raise EvalError(f"format: too many arguments; only {highest} used by format string")
    return "".join(out)


def _format_one(verb: str, flags: str, width: int | None, precision: int | None, value: Any) -> str:
    if value is None and verb != "v":
        raise EvalError(f"format: a null value cannot be formatted with %{verb}")
    if verb == "v" and "#" not in flags and isinstance(value, str):
        return _pad(value, flags, width)
    if verb == "v" and "#" not in flags and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _pad(_go_g(value), flags, width)
    if verb == "v":
        return _pad(_json_text(value), flags, width)
    if verb == "t":
        return _pad("true" if convert(value, "bool") else "false", flags, width)
    if verb in "sq":
        text = convert(value, "string")
        if precision is not None:
            text = _graphemes(text)[:precision]
        if verb == "q":
            text = _json_text(text)
        return _pad(text, flags, width)
    if verb in "bdoxX":
        number = convert(value, "number")
        if isinstance(number, float) and not number.is_integer():
            raise EvalError(f"format: %{verb} needs a whole number")
        number = int(number)
        if precision is not None:
            raise Indeterminate("a precision on an integer verb")
        body = {"b": "b", "d": "d", "o": "o", "x": "x", "X": "X"}[verb]
        text = format(abs(number), body)
        sign = "-" if number < 0 else "+" if "+" in flags else " " if " " in flags else ""
        if "#" in flags:
            raise Indeterminate("the # flag on an integer verb")
        return _pad(sign + text, flags, width, zero_ok=True)
    if verb in "eEfgG":
        number = convert(value, "number")
        if isinstance(number, float) and len(_digits(number)[0].lstrip("-")) > 15:
            raise Indeterminate("a fraction Terraform keeps to 512 bits")
        if verb in "gG" and precision is None:
            text = _go_g(number)
            text = text.upper() if verb == "G" else text
        elif abs(number) >= 1e15 or (number != 0 and abs(number) < 1e-300):
            raise Indeterminate("a number outside what a double formats exactly")
        else:
            text = format(number, f"{'+' if '+' in flags else ' ' if ' ' in flags else ''}"
                                  f".{6 if precision is None else precision}{verb}")
        if "+" in flags and not text.startswith(("-", "+")):
            text = "+" + text
        return _pad(text, flags, width, zero_ok=True)
    raise EvalError(f"format: unsupported format verb %{verb}")


def _formatlist(spec: str, *values: Any) -> list[str]:
    length = None
    for value in values:
        if isinstance(value, list):
            if length is not None and len(value) != length:
                raise EvalError("formatlist: lists of different lengths")
            length = len(value)
    if length is None:
        return [_format(spec, *values)]
    return [_format(spec, *[v[i] if isinstance(v, list) else v for v in values]) for i in range(length)]


# --- collections ----------------------------------------------------------------

def _sequence(value: Any, what: str) -> list:
    if isinstance(value, list):
        return value
    raise EvalError(f"{what}: a list, set or tuple is required, not {type_name(value)}")


def _mapping(value: Any, what: str) -> dict:
    if isinstance(value, dict):
        return value
    raise EvalError(f"{what}: a map or object is required, not {type_name(value)}")


def _length(value: Any) -> int:
    if isinstance(value, str):
        return len(_graphemes(value))
    if isinstance(value, (list, dict)):
        return len(value)
    raise EvalError(f"length: a string, collection or structure is required, not {type_name(value)}")


def _lookup(mapping: Any, key: str, *default: Any) -> Any:
    mapping = _mapping(mapping, "lookup")
    if len(default) > 1:
        raise EvalError("lookup: too many arguments")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError("lookup: the given key does not exist")


def _merge(*maps: Any) -> Any:
    out: dict = {}
    for mapping in maps:
        if mapping is None:
            continue
        if isinstance(mapping, Unknown):
            return unseen("", *maps)
        out.update(_mapping(mapping, "merge"))
    return out


def _concat(*lists: Any) -> Any:
    if not lists:
        raise EvalError("concat: at least one argument is required")
    out: list = []
    for item in lists:
        if isinstance(item, Unknown):
            return unseen("", *lists)
        out.extend(_sequence(item, "concat"))
    return out


def _flatten(value: Any) -> Any:
    out: list = []
    for item in _sequence(value, "flatten"):
        if isinstance(item, Unknown):
            return unseen("", item)
        if isinstance(item, list):
            inner = _flatten(item)
            if isinstance(inner, Unknown):
                return inner
            out.extend(inner)
        else:
            out.append(item)
    return out


def _coalesce(*values: Any) -> Any:
    if any(isinstance(v, (list, dict)) for v in values):
        raise Indeterminate("coalesce() of collections (Terraform unifies their types)")
    values = tuple(unify(list(values), DYNAMIC))
    for value in values:
        if isinstance(value, Unknown):
            return unseen("", value)
        if value is not None and value != "":
            return value
    raise EvalError("coalesce: no non-null, non-empty-string arguments")


def _coalescelist(*lists: Any) -> Any:
    for value in lists:
        if not isinstance(value, (list, Unknown)):
            raise EvalError("coalescelist: all arguments must be lists or tuples")
    for value in lists:
        if isinstance(value, Unknown):
            return unseen("", value)
        if _sequence(value, "coalescelist"):
            return value
    raise EvalError("coalescelist: no non-null arguments")


def _element(values: list, index: int) -> Any:
    if not values:
        raise EvalError("element: cannot use element function with an empty list")
    index = int(math.fmod(index, len(values)))  # Go's %: the sign of the index
    if index < 0:
        raise EvalError("element: cannot use element function with a negative index")
    return values[index]


def _one(values: Any) -> Any:
    values = _sequence(values, "one")
    if len(values) > 1:
        raise EvalError("one: must be a list, set, or tuple value with either zero or one elements")
    return values[0] if values else None


def _index(values: list, wanted: Any) -> int:
    for i, value in enumerate(values):
        if equal(value, wanted):
            return i
    raise EvalError("index: item not found")


def _distinct(values: list) -> list:
    out: list = []
    for value in values:
        if not any(equal(value, seen) for seen in out):
            out.append(value)
    return out


def _slice(values: list, start: int, end: int) -> list:
    if start < 0 or end > len(values) or start > end:
        raise EvalError("slice: index out of range")
    return values[start:end]


def _zipmap(keys: list, values: list) -> dict:
    values = _sequence(values, "zipmap")
    if len(keys) != len(values):
        raise EvalError("zipmap: number of keys and values must match")
    if any(k is None for k in keys):
        raise EvalError("zipmap: a key is null")
    return dict(zip(keys, values))


def _keys(mapping: Any) -> list:
    return sorted(_mapping(mapping, "keys"))


def _values(mapping: Any) -> list:
    mapping = _mapping(mapping, "values")
    return [mapping[k] for k in sorted(mapping)]


def _contains(values: Any, wanted: Any) -> bool:
    return any(equal(value, wanted) for value in _sequence(values, "contains"))


def _setop(kind: str, *sets: Any) -> list:
    lists = [convert(_sequence(s, kind), ("set", DYNAMIC)) for s in sets]
    if any(isinstance(x, (list, dict)) for s in lists for x in s):
        raise Indeterminate(f"{kind}() of sets of collections")
    kinds = {type_name(x) for s in lists for x in s if x is not None}
    if len(kinds) > 1:
        if not kinds <= {"string", "number", "bool"}:
            raise Indeterminate(f"{kind}() of sets of different element types")
        lists = [convert(s, ("set", "string")) for s in lists]
    if not lists:
        raise EvalError(f"{kind}: at least one set is required")
    first, rest = lists[0], lists[1:]
    if kind == "setunion":
        return set_of(unify([x for s in lists for x in s], DYNAMIC))
    if kind == "setintersection":
        return set_of([x for x in first if all(any(equal(x, y) for y in r) for r in rest)])
    return set_of([x for x in first if not any(equal(x, y) for y in rest[0])])


RANGE_MAX = 1024  # cty's own limit on range()


def _range(*args: Any) -> list:
    if len(args) == 1:
        start, end, step = 0, args[0], (-1 if args[0] < 0 else 1)
    elif len(args) == 2:
        start, end, step = args[0], args[1], (-1 if args[1] < args[0] else 1)
    elif len(args) == 3:
        start, end, step = args
    else:
        raise EvalError("range: must have one, two, or three arguments")
    if step == 0:
        raise EvalError("range: step must not be zero")
    down = step < 0
    if down and end > start:
        raise EvalError("range: end must be less than start when step is negative")
    if not down and end < start:
        raise EvalError("range: end must be greater than start when step is positive")
    if any(isinstance(a, float) and math.isinf(a) for a in (start, end, step)):
        raise EvalError("range: more than 1024 values were generated")
    if all(type(a) is int for a in (start, end, step)):
        values = list(itertools.islice(range(start, end, step), RANGE_MAX + 1))
        if len(values) > RANGE_MAX:
            raise EvalError("range: more than 1024 values were generated")
        return values
    exact = [_exact(a) for a in (start, end, step)]
    values, number = [], exact[0]
    while (number > exact[1]) if down else (number < exact[1]):
        if len(values) >= RANGE_MAX:
            raise EvalError("range: more than 1024 values were generated")
        values.append(_from_exact(number))
        number = _round_binary(number + exact[2])  # each step rounded, as big.Float adds
    return values


def _min_max(pick: Callable, *numbers: Any) -> Any:
    if not numbers:
        raise EvalError("at least one number is required")
    return pick(numbers)


# --- encoding and types ---------------------------------------------------------

def _json_text(value: Any) -> str:
    """Go's encoding/json as cty uses it: sorted keys, <>& escaped, numbers as Terraform prints them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                             ("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\x7f", "\x7f")):
            text = text.replace(char, escape)
        return text
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_text(k)}:{_json_text(value[k])}" for k in sorted(value)) + "}"
    raise EvalError(f"jsonencode: cannot encode a {type_name(value)}")


def _jsonencode(value: Any) -> Any:
    if has_sensitive(value):
        return SENSITIVE
    if any(True for _ in unknowns(value)):
        partly = unseen("", value)
        return UnseenJSON(partly.why, partly.sources, document=value)
    return _json_text(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _jsondecode(text: str) -> Any:
    def number(literal: str) -> Any:
        from .expressions import parse_number
        return parse_number(literal)

    def reject(constant: str) -> Any:
        raise ValueError(constant)
    try:
        return json.loads(text, parse_float=number, parse_int=number, parse_constant=reject)
    except (ValueError, RecursionError):
        raise EvalError("jsondecode: the string is not valid JSON") from None


def _tostring(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        raise EvalError(f"tostring: cannot convert {type_name(value)} to string")
    return convert(value, "string")


def _tobool(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        raise EvalError(f"tobool: cannot convert {type_name(value)} to bool")
    return convert(value, "bool")


def _tonumber(value: Any) -> Any:
    if isinstance(value, (list, dict, bool)):
        raise EvalError(f"tonumber: cannot convert {type_name(value)} to number")
    return convert(value, "number")


def _tolist(value: Any) -> Any:
    return None if value is None else convert(_sequence(value, "tolist"), ("list", DYNAMIC))


def _toset(value: Any) -> Any:
    return None if value is None else convert(_sequence(value, "toset"), ("set", DYNAMIC))


def _tomap(value: Any) -> Any:
    return None if value is None else convert(_mapping(value, "tomap"), ("map", DYNAMIC))


def _base64decode(text: str) -> str:
    try:
        decoded = base64.b64decode(text, validate=True)
        return decoded.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise EvalError("base64decode: not valid base64 of UTF-8 text") from None


def _hash(name: str, encoding: str) -> Callable[[str], str]:
    def digest(text: str) -> str:
        raw = hashlib.new(name, text.encode()).digest()
        return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode()
    return digest


def _urlencode(text: str) -> str:
    return urllib.parse.quote_plus(text, safe="")


def _go_clean(path: str) -> str:
    """Go's path/filepath.Clean."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = ("/" if rooted else "") + "/".join(parts)
    return cleaned or ("/" if rooted else ".")


def _basename(path: str) -> str:
    if path == "":
        return "."
    path = path.rstrip("/")
    if path == "":
        return "/"
    return path[path.rfind("/") + 1:]


def _dirname(path: str) -> str:
    return _go_clean(path[:path.rfind("/") + 1]) if "/" in path else "."


def _sum(values: list) -> Any:
    if not values:
        raise EvalError("sum: cannot sum an empty list")
    from .expressions import _binary
    total = values[0]
    for value in values[1:]:
        total = _binary("+", total, value)
    return total


def _chunklist(values: list, size: int) -> list:
    if size < 0:
        raise EvalError("chunklist: the size must not be negative")
    if size == 0:
        return [values]
    return [values[i:i + size] for i in range(0, len(values), size)]


def _parseint(text: str, base: int) -> int:
    if not 2 <= base <= 62:
        raise EvalError("parseint: base must be between 2 and 62")
    if base > 36:
        raise Indeterminate("parseint with a base above 36")
    try:
        if not re.fullmatch(r"[+-]?[0-9A-Za-z]+", text):
            raise ValueError
        return int(text, base)
    except ValueError:
        raise EvalError(f"parseint: the string is not a base {base} integer") from None


def _ceil_floor(pick: Callable) -> Callable:
    def apply(number: Any) -> Any:
        if isinstance(number, float) and math.isinf(number):
            return number
        return pick(number) if isinstance(number, float) else number
    return apply


def _alltrue(values: list) -> Any:
    return all(v is True for v in values)


def _anytrue(values: list) -> Any:
    return any(v is True for v in values)


@dataclass(frozen=True)
class Function:
    """A built-in: the types its parameters convert to (cty's JSON form), the
    type of its variadic parameter, and whether unknown elements may pass
    through (the result keeps the structure) or make the result unknown."""

    impl: Callable[..., Any]
    params: tuple = ()
    variadic: Any = None
    structural: bool = False
    allow_null: bool = False


S, N, B, D = "string", "number", "bool", DYNAMIC
LS, LD = ("list", S), ("list", D)
FUNCTIONS: dict[str, Function] = {
    # strings
    "chomp": Function(lambda s: s.rstrip("\r\n"), (S,)),
    "endswith": Function(lambda s, p: s.endswith(p), (S, S)),
    "format": Function(_format, (S,), D, allow_null=True),
    "formatlist": Function(_formatlist, (S,), D, allow_null=True),
    "indent": Function(lambda n, s: _indent(_integer(n), s), (N, S)),
    "join": Function(_join, (S,), LS),
    "lower": Function(lambda s: _simple_text(s).lower(), (S,)),
    "regex": Function(_regex, (S, S)),
    "regexall": Function(_regexall, (S, S)),
    "replace": Function(_replace, (S, S, S)),
    "split": Function(_split, (S, S)),
    "startswith": Function(lambda s, p: s.startswith(p), (S, S)),
    "strcontains": Function(lambda s, p: p in s, (S, S)),
    "strrev": Function(lambda s: _graphemes(s)[::-1], (S,)),
    "substr": Function(lambda s, o, n: _substr(s, _integer(o), _integer(n)), (S, N, N)),
    "title": Function(_title, (S,)),
    "trim": Function(lambda s, c: s.strip(c), (S, S)),
    "trimprefix": Function(lambda s, p: s.removeprefix(p), (S, S)),
    "trimspace": Function(lambda s: _simple_text(s).strip(" \t\n\v\f\r"), (S,)),
    "trimsuffix": Function(lambda s, p: s.removesuffix(p), (S, S)),
    "upper": Function(lambda s: _simple_text(s).upper(), (S,)),
    # collections
    "alltrue": Function(_alltrue, (("list", B),)),
    "anytrue": Function(_anytrue, (("list", B),)),
    "chunklist": Function(lambda v, n: _chunklist(v, _integer(n)), (LD, N), structural=True),
    "coalesce": Function(_coalesce, (), D, structural=True, allow_null=True),
    "coalescelist": Function(_coalescelist, (), D, structural=True),
    "compact": Function(lambda v: [x for x in v if x not in (None, "")], (LS,)),
    "concat": Function(_concat, (), D, structural=True),
    "contains": Function(_contains, (D, D)),
    "distinct": Function(_distinct, (LD,)),
    "element": Function(lambda v, i: _element(_sequence(v, "element"), _integer(i)), (D, N), structural=True),
    "flatten": Function(_flatten, (D,), structural=True),
    "index": Function(lambda v, x: _index(_sequence(v, "index"), x), (D, D)),
    "keys": Function(_keys, (D,), structural=True),
    "length": Function(_length, (D,), structural=True),
    "lookup": Function(_lookup, (D, S), D, structural=True),
    "merge": Function(_merge, (), D, structural=True, allow_null=True),
    "one": Function(_one, (D,), structural=True),
    "range": Function(_range, (), N),
    "reverse": Function(lambda v: list(reversed(_sequence(v, "reverse"))), (D,), structural=True),
    "setintersection": Function(lambda *s: _setop("setintersection", *s), (), D),
    "setsubtract": Function(lambda a, b: _setop("setsubtract", a, b), (D, D)),
    "setunion": Function(lambda *s: _setop("setunion", *s), (), D),
    "slice": Function(lambda v, a, b: _slice(_sequence(v, "slice"), _integer(a), _integer(b)), (D, N, N),
                      structural=True),
    "sort": Function(lambda v: sorted(v) if None not in v else _null_element("sort"), (LS,)),
    "sum": Function(_sum, (("list", N),)),
    "values": Function(_values, (D,), structural=True),
    "zipmap": Function(_zipmap, (LS, D), structural=True),
    # numbers
    "abs": Function(lambda n: abs(n), (N,)),
    "ceil": Function(_ceil_floor(math.ceil), (N,)),
    "floor": Function(_ceil_floor(math.floor), (N,)),
    "max": Function(lambda *n: _min_max(max, *n), (), N),
    "min": Function(lambda *n: _min_max(min, *n), (), N),
    "parseint": Function(lambda s, b: _parseint(s, _integer(b)), (S, N)),
    "signum": Function(lambda n: (_integer(n, "signum") > 0) - (_integer(n, "signum") < 0), (N,)),
    # encoding, hashing, types
    "base64decode": Function(_base64decode, (S,)),
    "base64encode": Function(lambda s: base64.b64encode(s.encode()).decode(), (S,)),
    "base64sha256": Function(_hash("sha256", "base64"), (S,)),
    "base64sha512": Function(_hash("sha512", "base64"), (S,)),
    "jsondecode": Function(_jsondecode, (S,)),
    "jsonencode": Function(_jsonencode, (D,), structural=True, allow_null=True),
    "md5": Function(_hash("md5", "hex"), (S,)),
    "sha1": Function(_hash("sha1", "hex"), (S,)),
    "sha256": Function(_hash("sha256", "hex"), (S,)),
    "sha512": Function(_hash("sha512", "hex"), (S,)),
    "tobool": Function(_tobool, (D,), allow_null=True),
    "tolist": Function(_tolist, (D,), structural=True, allow_null=True),
    "tomap": Function(_tomap, (D,), structural=True, allow_null=True),
    "tonumber": Function(_tonumber, (D,), allow_null=True),
    "toset": Function(_toset, (D,), allow_null=True),
    "tostring": Function(_tostring, (D,), allow_null=True),
    "urlencode": Function(_urlencode, (S,)),
    # paths (no file system access)
    "basename": Function(_basename, (S,)),
    "dirname": Function(_dirname, (S,)),
}


def _null_element(name: str) -> Any:
    raise EvalError(f"{name}: an element is null")


def _arguments(name: str, function: Function, args: list) -> list:
    """The arguments converted to the parameter types, as Terraform checks them."""
    count = len(function.params)
    if len(args) < count or (function.variadic is None and len(args) > count):
        raise EvalError(f"{name}(): expected {count} argument{'s' if count != 1 else ''}, got {len(args)}")
    out = []
    for i, arg in enumerate(args):
        type_ = function.params[i] if i < count else function.variadic
        if arg is None and not function.allow_null:
            raise EvalError(f"{name}(): argument {i + 1} must not be null")
        out.append(convert(arg, type_, f"{name}() argument {i + 1}"))
    return out


WITH_FILES = {"file": _read, "filebase64": _filebase64, "templatefile": _templatefile, "fileexists": _fileexists,
              "fileset": _fileset, "abspath": lambda scope, p: os.path.abspath(scope.root_dir / _string(p))}


def call(names: list[str], argument_trees: list[Tree], scope: Scope, expand: bool) -> Any:
    name = "::".join(names)
    if name in ("try", "can"):
        return _try(name, argument_trees, scope)
    args = [resolved(evaluate(tree, scope)) for tree in argument_trees]
    if expand and args:
        if isinstance(args[-1], Unknown):
            return unseen("", args[-1])
        args = args[:-1] + _list(args[-1])
    function = FUNCTIONS.get(name)
    if function is None and name not in WITH_FILES:
        return unseen(f"function {name}() is not evaluated by accountguard", *args)
    if any(isinstance(a, Unknown) for a in args) or \
            not (function and function.structural) and any(True for a in args for _ in unknowns(a)):
        return unseen("", *args)
    if not (function and function.structural) and any(has_sensitive(a) for a in args):
        return SENSITIVE
    limits.built(args)
    try:
        if function is None:
            result = WITH_FILES[name](scope, *args)
        else:
            result = function.impl(*_arguments(name, function, args))
        limits.built(result)
        return normalized(result)
    except (EvalError, Indeterminate):
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise EvalError(f"{name}(): {type(exc).__name__}") from None  # never the values


def _try(name: str, argument_trees: list[Tree], scope: Scope) -> Any:
    """try() and can(): an argument that depends on something unknown makes the result
    unknown, since Terraform cannot tell yet whether it fails."""
    if not argument_trees or (name == "can" and len(argument_trees) != 1):
        raise EvalError(f"{name}(): wrong number of arguments")
    for tree in argument_trees:
        try:
            value = resolved(evaluate(tree, scope))
        except EvalError:
            continue
        if any(True for _ in unknowns(value)):
            return unseen("", value)
        return True if name == "can" else value
    if name == "can":
        return False
    raise EvalError("try: no expression succeeded")

"""Terraform's built-in functions, the ones account configurations use.
Unknown arguments give unknown results (with their provenance), except where
Terraform keeps the structure (concat of lists with unknown elements, ...)."""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any, Callable

from lark import Tree

from ... import limits
from ...model import SENSITIVE, Unknown
from . import sandbox, syntax
from .expressions import EvalError, Scope, _string, _to_number, evaluate, has_sensitive, render, \
    resolved, unknowns, unseen


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


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if isinstance(mapping, Unknown) or isinstance(key, Unknown):
        return unseen("", mapping, key)
    if isinstance(mapping, dict) and key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key {key!r}")


def _merge(*maps: Any) -> Any:
    out: dict = {}
    for mapping in maps:
        if mapping is None:
            continue
        if isinstance(mapping, Unknown):
            return unseen("", *maps)
        if not isinstance(mapping, dict):
            raise EvalError("merge takes maps")
        out.update(mapping)
    return out


def _concat(*lists: Any) -> Any:
    out: list = []
    for item in lists:
        if isinstance(item, Unknown):
            return unseen("", *lists)
        out.extend(_list(item))
    return out


def _flatten(value: Any) -> Any:
    out: list = []
    for item in _list(value):
        if isinstance(item, (list, tuple)):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            return unseen("", value)
        if value is not None and value != "":
            return value
    raise EvalError("coalesce: no non-null argument")


def _jsonencode(value: Any) -> Any:
    if has_sensitive(value):
        return SENSITIVE
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise EvalError("jsondecode: not JSON") from None


def _element(values: Any, index: Any) -> Any:
    values = _list(values)
    if not values:
        raise EvalError("element of an empty list")
    return values[int(_to_number(index)) % len(values)]


def _one(values: Any) -> Any:
    values = _list(values)
    if len(values) > 1:
        raise EvalError("one: more than one element")
    return values[0] if values else None


def _range(*args: Any) -> list:
    numbers = range(*(int(limits.number(_to_number(a))) for a in args))
    try:
        size = len(numbers)
    except OverflowError:
        size = limits.TF_COLLECTION_MAX + 1
    limits.collection(size, "range()")
    return list(numbers)


def _tostring(value: Any) -> str | None:
    return None if value is None else _string(value)


def _tobool(value: Any) -> bool | None:
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    if value is None:
        return None
    raise EvalError(f"tobool: {value!r}")


def _format(spec: Any, *values: Any) -> str:
    out, values_left, i = [], list(values), 0
    spec = _string(spec)
    while i < len(spec):
        if spec[i] == "%" and i + 1 < len(spec):
            verb = spec[i + 1]
            if verb == "%":
                out.append("%")
            else:
                value = values_left.pop(0)
                out.append(json.dumps(value) if verb == "q" else _string(value))
            i += 2
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


PURE: dict[str, Callable[..., Any]] = {
    "concat": _concat, "merge": _merge, "lookup": _lookup, "flatten": _flatten, "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((l for l in lists if l), []),
    "jsonencode": _jsonencode, "jsondecode": _jsondecode, "element": _element, "one": _one,
    "length": lambda v: len(v), "keys": lambda m: sorted(m), "values": lambda m: [m[k] for k in sorted(m)],
    "contains": lambda values, v: v in _list(values), "distinct": lambda v: list(dict.fromkeys(_list(v))),
    "compact": lambda v: [x for x in _list(v) if x not in (None, "")],
    "reverse": lambda v: list(reversed(_list(v))), "sort": lambda v: sorted(_list(v), key=str),
    "slice": lambda v, a, b: _list(v)[int(a):int(b)], "zipmap": lambda k, v: dict(zip(_list(k), _list(v))),
    "tolist": _list, "toset": lambda v: list(dict.fromkeys(_list(v))), "tomap": lambda m: dict(m),
    "tostring": _tostring, "tonumber": lambda v: None if v is None else _to_number(v), "tobool": _tobool,
    "join": lambda sep, v: _string(sep).join(_string(x) for x in _list(v)),
    "split": lambda sep, s: _string(s).split(_string(sep)), "format": _format,
    "formatlist": lambda spec, *lists: [_format(spec, *row) for row in zip(*[_list(l) for l in lists])],
    "lower": lambda s: _string(s).lower(), "upper": lambda s: _string(s).upper(),
    "title": lambda s: _string(s).title(), "trimspace": lambda s: _string(s).strip(),
    "trim": lambda s, c: _string(s).strip(_string(c)), "trimprefix": lambda s, p: _string(s).removeprefix(p),
    "trimsuffix": lambda s, p: _string(s).removesuffix(p), "chomp": lambda s: _string(s).rstrip("\r\n"),
    "replace": lambda s, a, b: _string(s).replace(_string(a), _string(b)),
    "startswith": lambda s, p: _string(s).startswith(_string(p)),
    "endswith": lambda s, p: _string(s).endswith(_string(p)),
    "substr": lambda s, a, n: _string(s)[int(a):(int(a) + int(n)) if int(n) >= 0 else None],
    "min": lambda *v: min(_to_number(x) for x in v), "max": lambda *v: max(_to_number(x) for x in v),
    "abs": lambda v: abs(_to_number(v)), "range": _range,
    "alltrue": lambda v: all(x in (True, "true") for x in _list(v)),
    "anytrue": lambda v: any(x in (True, "true") for x in _list(v)),
    "setunion": lambda *sets: list(dict.fromkeys(x for s in sets for x in _list(s))),
    "setintersection": lambda first, *rest: [x for x in _list(first) if all(x in _list(r) for r in rest)],
    "setsubtract": lambda a, b: [x for x in _list(a) if x not in _list(b)],
    "index": lambda v, x: _list(v).index(x),
    "basename": lambda p: Path(_string(p)).name, "dirname": lambda p: str(Path(_string(p)).parent),
}
# Functions that keep their arguments' structure: an unknown element stays an
# unknown element instead of making the whole result unknown.
STRUCTURAL = {"concat", "merge", "lookup", "flatten", "coalesce", "coalescelist", "element", "one", "length",
              "keys", "values", "tolist", "toset", "tomap", "slice", "reverse", "zipmap", "compact"}
WITH_FILES = {"file": _read, "filebase64": _filebase64, "templatefile": _templatefile, "fileexists": _fileexists,
              "fileset": _fileset, "abspath": lambda scope, p: os.path.abspath(scope.root_dir / _string(p))}
NOT_STATIC = {"timestamp", "uuid", "bcrypt", "md5", "sha1", "sha256", "filemd5", "filesha256", "base64sha256",
              "plantimestamp", "uuidv5"}


def call(name: str, argument_trees: list[Tree], scope: Scope, expand: bool) -> Any:
    if name in ("try", "can"):
        for tree in argument_trees:
            try:
                value = resolved(evaluate(tree, scope))
            except EvalError:
                continue
            return True if name == "can" else value
        if name == "can":
            return False
        raise EvalError("try: no argument could be evaluated")
    args = [resolved(evaluate(tree, scope)) for tree in argument_trees]
    if expand and args:
        if isinstance(args[-1], Unknown):
            return unseen("", args[-1])
        args = args[:-1] + _list(args[-1])
    if name in NOT_STATIC:
        return unseen(f"{name}() is known only after apply", *args)
    if name not in PURE and name not in WITH_FILES:
        return unseen(f"function {name}() is not evaluated statically", *args)
    if any(isinstance(a, Unknown) for a in args) or \
            name not in STRUCTURAL and any(True for a in args for _ in unknowns(a)):
        return unseen("", *args)
    if name not in STRUCTURAL and name != "jsonencode" and any(has_sensitive(a) for a in args):
        return SENSITIVE
    limits.built(args)
    try:
        result = WITH_FILES[name](scope, *args) if name in WITH_FILES else PURE[name](*args)
        limits.built(result)
        return result
    except EvalError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise EvalError(f"{name}(): {exc}") from None

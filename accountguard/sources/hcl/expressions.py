"""Terraform's expression language over python-hcl2's parse tree: enough of it
(operators, templates, for expressions, splats, the common functions) that a
configuration evaluates to the values its plan would show.

A value that cannot be known statically is an `Unseen`: an Unknown that also
records which resources it comes from, so that `alarm_actions = [var.topic]`
still leads to the topic however many module inputs lie in between.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from lark import Token, Tree

from ... import limits
from ...model import SENSITIVE, Unknown
from . import syntax


@dataclass(frozen=True)
class Unseen(Unknown):
    sources: frozenset[str] = frozenset()


class EvalError(Exception):
    """An expression Terraform itself would reject (or that we cannot follow)."""


class Lazy:
    """An object whose attributes are evaluated on demand (var, local, a resource)."""

    def get(self, key: str) -> Any:
        raise NotImplementedError

    def materialize(self) -> Any:
        return Unseen("a whole object is known only after apply")


def unknowns(value: Any) -> Iterator[Unknown]:
    if isinstance(value, Unknown):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from unknowns(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from unknowns(item)


def has_sensitive(value: Any) -> bool:
    if value is SENSITIVE:
        return True
    if isinstance(value, dict):
        return any(has_sensitive(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_sensitive(v) for v in value)
    return False


def unseen(why: str, *values: Any) -> Unseen:
    """An unknown that keeps the provenance of every unknown among `values`."""
    sources: set[str] = set()
    for value in values:
        for item in unknowns(value):
            sources |= getattr(item, "sources", frozenset())
            if why == "":
                why = item.why
    return Unseen(why or "known only after apply", frozenset(sources))


class Scope:
    """Names visible to an expression: iteration variables, then the module's."""

    def __init__(self, resolve: Callable[[str], Any], base_dir: Path, root_dir: Path,
                 names: dict[str, Any] | None = None) -> None:
        self.resolve = resolve
        self.base_dir = base_dir  # path.module
        self.root_dir = root_dir  # path.root, and where relative file() paths start
        self.names = names or {}

    def with_names(self, **names: Any) -> "Scope":
        return Scope(self.resolve, self.base_dir, self.root_dir, {**self.names, **names})

    def lookup(self, name: str) -> Any:
        if name in self.names:
            return self.names[name]
        return self.resolve(name)


# --- values ------------------------------------------------------------------

def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    if value is None:
        raise EvalError("null value in a string template")
    raise EvalError(f"cannot use a {type(value).__name__} in a string template")


def _get(value: Any, key: Any) -> Any:
    if isinstance(value, Unknown) or value is SENSITIVE:
        return value
    if isinstance(value, Lazy):
        return value.get(str(key))
    if isinstance(value, dict):
        if key not in value and str(key) not in value:
            raise EvalError(f"no key {key!r}")
        return value[key] if key in value else value[str(key)]
    if isinstance(value, (list, tuple)):
        if isinstance(key, Unknown):
            return unseen("", key, *value)
        try:
            return value[int(key)]
        except (IndexError, ValueError, TypeError):
            raise EvalError(f"index {key!r} out of range") from None
    raise EvalError(f"cannot index a {type(value).__name__}")


def resolved(value: Any) -> Any:
    """A value with no Lazy left in it."""
    if isinstance(value, Lazy):
        return value.materialize()
    if isinstance(value, dict):
        return {k: resolved(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolved(v) for v in value]
    return value


# --- the evaluator -------------------------------------------------------------

_ESCAPES = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)')


def _unescape(text: str) -> str:
    def replace(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}.get(code, code)
    return _ESCAPES.sub(replace, text)


def _children(tree: Tree) -> list[Tree]:
    return [c for c in tree.children if isinstance(c, Tree) and c.data not in syntax.IGNORED]


def _string_parts(tree: Tree) -> tuple:
    """A quoted string's parts, in the template part format of syntax.parse_template."""
    parts: list = []
    for part in tree.children:
        if not isinstance(part, Tree):
            continue
        inner = part.children[0]
        if isinstance(inner, Token):
            if inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                parts.append(str(inner)[1:])
            else:
                parts.append(_unescape(str(inner)))
        elif inner.data == "interpolation":
            parts.append(("interp", _children(inner)[0]))
        else:
            parts.extend(syntax.parse_template("".join(str(t) for t in inner.scan_values(lambda v: True))))
    return tuple(parts)


def render(parts: tuple, scope: Scope) -> Any:
    """Evaluate a template: a single interpolation keeps its type, as in Terraform."""
    if len(parts) == 1 and isinstance(parts[0], tuple) and parts[0][0] == "interp":
        return evaluate(parts[0][1], scope)
    pieces, _ = _render(parts, 0, scope, stop=())
    if any(p is SENSITIVE for p in pieces):
        return SENSITIVE
    if any(isinstance(p, Unknown) for p in pieces):
        return unseen("", *pieces)
    limits.built(pieces)
    return "".join(pieces)


def _render(parts: tuple, i: int, scope: Scope, stop: tuple) -> tuple[list, int]:
    pieces: list = []
    while i < len(parts):
        part = parts[i]
        if isinstance(part, str):
            pieces.append(part)
            i += 1
            continue
        kind = part[0]
        if kind in stop:
            return pieces, i
        if kind == "interp":
            value = evaluate(part[1], scope)
            pieces.append(value if isinstance(value, Unknown) or value is SENSITIVE else _string(value))
            i += 1
        elif kind == "if":
            condition = evaluate(part[1], scope)
            then, i = _render(parts, i + 1, scope, ("else", "endif"))
            otherwise: list = []
            if i < len(parts) and parts[i][0] == "else":
                otherwise, i = _render(parts, i + 1, scope, ("endif",))
            i += 1
            if isinstance(condition, Unknown):
                pieces.append(unseen("", condition, *then, *otherwise))
            else:
                pieces.extend(then if condition else otherwise)
        elif kind == "for":
            _, key_name, value_name, collection_tree = part
            collection = evaluate(collection_tree, scope)
            start = i + 1
            end = _skip_to_endfor(parts, start)
            body = parts[start:end]
            i = end + 1
            if isinstance(collection, Unknown):
                pieces.append(collection)
                continue
            items = collection.items() if isinstance(collection, dict) else enumerate(collection)
            for key, value in items:
                names = {value_name: value, **({key_name: key} if key_name else {})}
                rendered, _ = _render(body, 0, scope.with_names(**names), ())
                pieces.extend(rendered)
        else:
            raise EvalError(f"unexpected template directive {kind}")
    return pieces, i


def _skip_to_endfor(parts: tuple, i: int) -> int:
    depth = 0
    while i < len(parts):
        if isinstance(parts[i], tuple) and parts[i][0] == "for":
            depth += 1
        elif isinstance(parts[i], tuple) and parts[i][0] == "endfor":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise EvalError("%{for} without %{endfor}")


def _binary(operator: str, left: Any, right: Any) -> Any:
    if operator == "&&" and left is False or operator == "||" and left is True:
        return left
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return unseen("", left, right)
    if left is SENSITIVE or right is SENSITIVE:
        return SENSITIVE
    try:
        if operator == "==":
            return left == right
        if operator == "!=":
            return left != right
        if operator == "&&":
            return bool(left) and bool(right)
        if operator == "||":
            return bool(left) or bool(right)
        left, right = limits.number(_to_number(left)), limits.number(_to_number(right))
        result = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                  "/": lambda: left / right, "%": lambda: math.fmod(left, right),
                  "<": lambda: left < right, ">": lambda: left > right,
                  "<=": lambda: left <= right, ">=": lambda: left >= right}[operator]()
    except (TypeError, ZeroDivisionError, KeyError) as exc:
        raise EvalError(f"cannot apply {operator}: {exc}") from None
    return limits.number(int(result) if isinstance(result, float) and result.is_integer() else result)


def _to_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvalError(f"{value!r} is not a number")
    if isinstance(value, str):
        try:
            return _number(value)
        except ValueError:
            raise EvalError(f"{value!r} is not a number") from None
    return value


def _splat(value: Any, steps: list[Tree], scope: Scope) -> Any:
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        for step in steps:
            item = _step(item, step, scope)
        out.append(item)
    return out


def _step(value: Any, step: Tree, scope: Scope) -> Any:
    if step.data == "get_attr":
        return _get(value, syntax._name(_children(step)[0]))
    if step.data == "short_index":
        return _get(value, int(str(step.children[-1])))
    return _get(value, evaluate(_children(step)[0], scope))


def _for(tree: Tree, scope: Scope, as_object: bool) -> Any:
    parts = _children(tree)
    intro, rest = parts[0], parts[1:]
    intro_parts = _children(intro)
    names = [syntax._name(t) for t in intro_parts if t.data == "identifier"]
    collection = evaluate(intro_parts[-1], scope)
    condition = rest[-1] if rest and rest[-1].data == "for_cond" else None
    if condition is not None:
        rest = rest[:-1]
    grouped = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in tree.children)
    if isinstance(collection, Unknown):
        return collection
    if isinstance(collection, Lazy):
        collection = resolved(collection)
    items = collection.items() if isinstance(collection, dict) else enumerate(collection)
    out_list: list = []
    out_dict: dict = {}
    for key, value in items:
        bound = {names[-1]: value, **({names[0]: key} if len(names) == 2 else {})}
        inner = scope.with_names(**bound)
        if condition is not None:
            keep = evaluate(_children(condition)[0], inner)
            if isinstance(keep, Unknown):
                return unseen("", keep)
            if not keep:
                continue
        if as_object:
            k = evaluate(rest[0], inner)
            v = evaluate(rest[1], inner)
            if isinstance(k, Unknown):
                return unseen("", k)
            if grouped:
                out_dict.setdefault(_string(k), []).append(v)
            else:
                out_dict[_string(k)] = v
        else:
            out_list.append(evaluate(rest[0], inner))
    return out_dict if as_object else out_list


def evaluate(tree: Tree | Token, scope: Scope) -> Any:
    """The value of an expression tree in `scope`; EvalError where Terraform would fail."""
    limits.spend()
    if isinstance(tree, Token):
        raise EvalError(f"unexpected token {tree!s}")
    kind = tree.data
    if kind in ("expr_term", "object_elem_key"):
        inner = _children(tree)
        if not inner:  # a keyword used as an object key
            return str(tree.children[0].children[0]) if tree.children else None
        return evaluate(inner[0], scope)
    if kind == "identifier":
        return scope.lookup(str(tree.children[0]))
    if kind == "keyword":
        return str(tree.children[0])
    if kind == "literal_value":
        return {"true": True, "false": False, "null": None}[str(tree.children[0])]
    if kind in ("int_lit", "float_lit"):
        return _number(str(tree.children[0]))
    if kind == "string":
        return render(_string_parts(tree), scope)
    if kind in ("heredoc_template", "heredoc_template_trim"):
        text = syntax.heredoc_text(str(tree.children[0]), kind.endswith("trim"))
        return render(syntax.parse_template(text), scope)
    if kind == "template_string":
        return _unescape(str(tree.children[0])[2:-2])
    if kind == "tuple":
        return [evaluate(item, scope) for item in _children(tree)]
    if kind == "object":
        out = {}
        for element in _children(tree):
            key_tree, value_tree = _children(element)
            key_inner = _children(key_tree)
            if key_inner and key_inner[0].data == "expr_term" and _children(key_inner[0]) \
                    and _children(key_inner[0])[0].data == "identifier":
                key = str(_children(key_inner[0])[0].children[0])
            else:
                key = evaluate(key_tree, scope)
            if isinstance(key, Unknown):
                return unseen("", key)
            out[_string(key)] = evaluate(value_tree, scope)
        return out
    if kind == "conditional":
        condition, then, otherwise = _children(tree)
        test = evaluate(condition, scope)
        if isinstance(test, Unknown) or test is SENSITIVE:
            branches = []
            for branch in (then, otherwise):
                try:
                    branches.append(evaluate(branch, scope))
                except EvalError:
                    pass
            return unseen("", test, *branches)
        if not isinstance(test, bool):
            raise EvalError("condition is not a bool")
        return evaluate(then if test else otherwise, scope)
    if kind == "binary_op":
        left_tree, term = _children(tree)[:2]
        operator_tree, right_tree = _children(term)
        operator = str(operator_tree.children[0])
        left = evaluate(left_tree, scope)
        if operator == "&&" and left is False or operator == "||" and left is True:
            return left
        return _binary(operator, left, evaluate(right_tree, scope))
    if kind == "unary_op":
        operator, operand = str(tree.children[0]), evaluate(_children(tree)[0], scope)
        if isinstance(operand, Unknown) or operand is SENSITIVE:
            return operand
        return (not operand) if operator == "!" else -_to_number(operand)
    if kind in ("get_attr_expr_term", "index_expr_term"):
        base, step = _children(tree)
        return _step(evaluate(base, scope), step, scope)
    if kind in ("attr_splat_expr_term", "full_splat_expr_term"):
        base, splat = _children(tree)
        return _splat(evaluate(base, scope), _children(splat), scope)
    if kind == "for_tuple_expr":
        return _for(tree, scope, as_object=False)
    if kind == "for_object_expr":
        return _for(tree, scope, as_object=True)
    if kind == "function_call":
        from .functions import call
        names = [syntax._name(t) for t in _children(tree) if t.data == "identifier"]
        arguments = next((t for t in _children(tree) if t.data == "arguments"), None)
        argument_trees = _children(arguments) if arguments is not None else []
        expand = arguments is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS"
                                               for c in arguments.children)
        return call(names[-1], argument_trees, scope, expand)
    if kind == "braces_index":
        return evaluate(_children(tree)[0], scope)
    raise EvalError(f"unsupported expression {kind}")

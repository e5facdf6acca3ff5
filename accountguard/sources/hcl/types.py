"""Terraform's type conversion (go-cty's `convert`): a value is converted to the
type Terraform expects before anything uses it, a variable's to its `type`
constraint (with `optional(T, default)` defaults), a resource attribute's to
its type in the provider schema. `"false"` for a bool attribute is false, not a
true-ish string.

Types are in cty's JSON form, as the schema snapshot has them: "string",
"number", "bool", "dynamic", ("list"|"set"|"map", T), ("tuple", [T, ...]),
("object", {name: T}) and, from type constraints, ("object", {name: T},
{optional name: default or NO_DEFAULT}).
"""
from __future__ import annotations

import re
from typing import Any, Callable

from lark import Tree

from ...model import SENSITIVE, Unknown
from .expressions import EvalError, Indeterminate, Lazy, Unseen, _string, parse_number, resolved, type_name

DYNAMIC = "dynamic"
PRIMITIVES = ("string", "number", "bool")
NO_DEFAULT = object()


def convert(value: Any, type_: Any, where: str = "") -> Any:
    """`value` as Terraform converts it to `type_`; EvalError where Terraform refuses."""
    if isinstance(value, Lazy):
        value = resolved(value)
    if value is None or isinstance(value, Unknown) or value is SENSITIVE or type_ == DYNAMIC:
        return value
    if isinstance(type_, str):
        return _primitive(value, type_, where)
    kind = type_[0]
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise EvalError(f"{where or 'value'}: a {kind} is required, not {type_name(value)}")
        items = unify([convert(item, type_[1], f"{where}[{i}]") for i, item in enumerate(value)], type_[1])
        return set_of(items) if kind == "set" else items
    if kind == "map":
        if not isinstance(value, dict):
            raise EvalError(f"{where or 'value'}: a map is required, not {type_name(value)}")
        converted = {key: convert(item, type_[1], f"{where}[{key!r}]") for key, item in value.items()}
        return dict(zip(converted, unify(list(converted.values()), type_[1])))
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(type_[1]):
            raise EvalError(f"{where or 'value'}: a tuple of {len(type_[1])} elements is required")
        return [convert(item, t, f"{where}[{i}]") for i, (item, t) in enumerate(zip(value, type_[1]))]
    if kind == "object":
        if not isinstance(value, dict):
            raise EvalError(f"{where or 'value'}: an object is required, not {type_name(value)}")
        optional = type_[2] if len(type_) > 2 else {}
        out = {}
        for name, attribute_type in type_[1].items():
            inner = f"{where}.{name}" if where else name
            if value.get(name) is None and name in optional:
                default = optional[name]
                out[name] = None if default is NO_DEFAULT else convert(default, attribute_type, inner)
            elif name in value:
                out[name] = convert(value[name], attribute_type, inner)
            else:
                raise EvalError(f"{where or 'object'}: attribute {name!r} is required")
        return out
    raise EvalError(f"unsupported type {type_!r}")


def conform(value: Any, type_: Any, where: str = "") -> Any:
    """convert(), with what this evaluator cannot reproduce exactly as an unknown."""
    try:
        return convert(value, type_, where)
    except Indeterminate as exc:
        return Unseen(str(exc))


def _primitive(value: Any, type_: str, where: str) -> Any:
    what = where or "value"
    if type_ == "string":
        if isinstance(value, (bool, int, float, str)):
            return _string(value)
    elif type_ == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            number = parse_number(value)
            if number is None:
                raise EvalError(f"{what}: a number is required")
            return number
    elif type_ == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "1", "false", "0"):
            return value in ("true", "1")
    raise EvalError(f"{what}: a {type_} is required, not {type_name(value)}")


def set_of(items: list) -> list:
    """A set as a list: duplicates gone, in the order Terraform lists a set's elements
    (strings lexically, numbers numerically, others as given)."""
    if any(isinstance(i, (list, dict)) for i in items):
        raise Indeterminate("a set of collections (Terraform orders them by hash)")
    unique: list = []
    seen: set = set()  # by type and value, as `equal` compares them: linear, whatever the size
    for item in items:
        key = ("bool" if isinstance(item, bool) else "string" if isinstance(item, str) else
               "number" if isinstance(item, (int, float)) else "other", item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    present = [i for i in unique if i is not None]
    if all(isinstance(i, str) for i in present) or all(isinstance(i, bool) for i in present) or \
            all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in present):
        return sorted(present) + [None] * (len(unique) - len(present))
    return unique


def equal(left: Any, right: Any) -> bool:
    """Terraform's ==: values of different types are never equal (true != 1)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right))
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return False
    if isinstance(left, str) != isinstance(right, str):
        return False
    return left == right


def _shape(value: Any) -> Any:
    """A value's type, as far as unifying needs it (a list's length does not count)."""
    if isinstance(value, list):
        return ("list", frozenset(_shape(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple((k, _shape(v)) for k, v in sorted(value.items())))
    return type_name(value)


def unify(items: list, element_type: Any) -> list:
    """Elements of a collection of `any` (list(any), map(any)) converted to one
    type, as Terraform does: mixed primitives become strings."""
    if element_type != DYNAMIC:
        return items
    known = [i for i in items if i is not None and not isinstance(i, Unknown) and i is not SENSITIVE]
    kinds = {type_name(i) for i in known}
    if kinds & {"object", "list"} and (len({_shape(i) for i in known}) > 1 or None in items):
        raise Indeterminate("elements of different structural types (Terraform would try to unify them)")
    if len(kinds) <= 1:
        return items
    if kinds <= {"string", "number", "bool"} and "string" in kinds:
        return [convert(i, "string") for i in items]
    if kinds <= {"string", "number", "bool"}:
        raise EvalError("all elements must have the same type (number and bool do not convert)")
    raise Indeterminate("elements of different structural types (Terraform would try to unify them)")


# --- type constraints ----------------------------------------------------------

_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def parse_type(tree: Tree, constant: Callable[[Tree], Any]) -> Any:
    """A variable's `type` expression as a type; `constant` evaluates an
    `optional()` default. EvalError for what is not a type."""
    from . import syntax
    kind = tree.data
    inner = [c for c in tree.children if isinstance(c, Tree) and c.data not in syntax.IGNORED]
    if kind == "expr_term" and inner:
        return parse_type(inner[0], constant)
    if kind == "identifier":
        name = str(tree.children[0])
        if name in PRIMITIVES:
            return name
        if name == "any":
            return DYNAMIC
        raise EvalError(f"{name} is not a type")
    if kind == "function_call":
        names = [syntax._name(t) for t in inner if t.data == "identifier"]
        arguments = next((t for t in inner if t.data == "arguments"), None)
        args = [c for c in arguments.children if isinstance(c, Tree) and c.data not in syntax.IGNORED] \
            if arguments is not None else []
        name = names[-1]
        if name in ("list", "set", "map") and len(args) == 1:
            return (name, parse_type(args[0], constant))
        if name == "tuple" and len(args) == 1:
            elements = _inner(args[0], "tuple")
            return ("tuple", [parse_type(e, constant) for e in elements])
        if name == "object" and len(args) == 1:
            attributes, optional = {}, {}
            for element in _inner(args[0], "object"):
                key_tree, value_tree = [c for c in element.children if isinstance(c, Tree)
                                        and c.data not in syntax.IGNORED]
                key = "".join(str(v) for v in key_tree.scan_values(lambda v: True)).strip('"')
                value_inner = _unwrap(value_tree)
                if value_inner.data == "function_call" and \
                        syntax._name(next(t for t in value_inner.children if isinstance(t, Tree))) == "optional":
                    opt_args = [c for c in next(t for t in value_inner.children if isinstance(t, Tree)
                                                and t.data == "arguments").children
                                if isinstance(c, Tree) and c.data not in syntax.IGNORED]
                    attributes[key] = parse_type(opt_args[0], constant)
                    optional[key] = convert(constant(opt_args[1]), attributes[key], f"default of {key}") \
                        if len(opt_args) > 1 else NO_DEFAULT  # Terraform checks a default even when unused
                else:
                    attributes[key] = parse_type(value_tree, constant)
            return ("object", attributes, optional) if optional else ("object", attributes)
    raise EvalError("not a type constraint")


def _unwrap(tree: Tree) -> Tree:
    from . import syntax
    while tree.data == "expr_term":
        inner = [c for c in tree.children if isinstance(c, Tree) and c.data not in syntax.IGNORED]
        if len(inner) != 1:
            break
        tree = inner[0]
    return tree


def _inner(tree: Tree, kind: str) -> list[Tree]:
    from . import syntax
    tree = _unwrap(tree)
    if tree.data != kind:
        raise EvalError(f"a {kind} type needs a {kind} of types")
    return [c for c in tree.children if isinstance(c, Tree) and c.data not in syntax.IGNORED]

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
import unicodedata
from decimal import Decimal, localcontext
from fractions import Fraction
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from lark import Token, Tree

from ... import limits
from ...model import SENSITIVE, Unknown
from . import syntax


@dataclass(frozen=True)
class Unseen(Unknown):
    sources: frozenset[str] = frozenset()


@dataclass(frozen=True)
class UnseenJSON(Unseen):
    """JSON text with unknown parts (jsonencode of a partly unknown value): the
    text is unknown, `document` is the value it encodes, unknowns inside, so
    that a policy's known Effect and Action can still be judged."""
    document: Any = field(default=None, compare=False, hash=False)


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

class Indeterminate(Exception):
    """A value Terraform computes but this evaluator cannot reproduce exactly
    (e.g. a fraction Terraform keeps to 512 bits): the result is unknown, never
    a guess. Not an EvalError: try() and can() must not take it for a failure."""


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_EXPONENT = 400  # beyond this a number is not evaluated (Terraform keeps 512-bit floats)


def parse_number(text: str) -> int | float | None:
    """A number as Terraform parses one from a string (cty.ParseNumberVal); None if it is not one."""
    if not _NUMBER.fullmatch(text):
        return None
    exact = Decimal(text)
    if abs(exact.adjusted()) > MAX_EXPONENT:
        raise Indeterminate("a number beyond what accountguard evaluates")
    if exact == exact.to_integral_value():
        return int(exact)
    return float(exact)


def _number(text: str) -> int | float:
    number = parse_number(text)
    if number is None:
        raise EvalError("a string that is not a number was given where a number is needed")
    return number


PRECISION_BITS = 512  # Terraform's numbers are big.Float with 512-bit mantissas


def _round_binary(value: Fraction) -> Fraction:
    """`value` rounded to 512 bits, to nearest even, as big.Float rounds every result."""
    if value.denominator == 1 and value.numerator.bit_length() <= PRECISION_BITS:
        return value  # exact already, as every small whole number is
    sign, magnitude = (1, value) if value > 0 else (-1, -value)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length() - PRECISION_BITS
    while magnitude / Fraction(2) ** exponent >= 2 ** PRECISION_BITS:
        exponent += 1
    while magnitude / Fraction(2) ** exponent < 2 ** (PRECISION_BITS - 1):
        exponent -= 1
    mantissa = round(magnitude / Fraction(2) ** exponent)  # Python rounds halves to even
    return sign * mantissa * Fraction(2) ** exponent


def _exact(value: int | float) -> Fraction:
    """The 512-bit number Terraform holds for a value (a float stands for its shortest decimal)."""
    return Fraction(value) if isinstance(value, int) else _round_binary(Fraction(repr(value)))


def _from_exact(value: Fraction) -> int | float:
    """An arithmetic result, rounded as Terraform rounds it, as a value: Indeterminate
    unless a short decimal identifies it (1/3, 0.1 / 1000 are not guesses of ours)."""
    value = _round_binary(value)
    if value.denominator == 1:
        return int(value)
    for digits in range(1, 16):
        with localcontext() as context:
            context.prec = digits
            decimal = +(Decimal(value.numerator) / Decimal(value.denominator))
        if _round_binary(Fraction(decimal)) == value:
            return float(decimal)
    raise Indeterminate("a fraction Terraform computes with 512-bit precision")


def _digits(value: int | float) -> tuple[str, int]:
    """(significant digits, decimal exponent) of a number as Terraform prints it:
    the shortest digits that identify it. Indeterminate for a float with more
    digits than a double keeps exactly."""
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            raise EvalError("an infinite number cannot be used here")
        sign, digits, exponent = Decimal(repr(value)).as_tuple()
        text = "".join(map(str, digits)).rstrip("0") or "0"
        if len(text) > 15:
            raise Indeterminate("a fraction Terraform computes with 512-bit precision")
        return ("-" if sign else "") + text, exponent + len(digits)
    text = str(abs(value))
    stripped = text.rstrip("0") or "0"
    return ("-" if value < 0 else "") + stripped, len(text) if value else 1


def number_text(value: int | float) -> str:
    """A number converted to a string, as Terraform does (big.Float.Text('f', -1))."""
    if isinstance(value, int):
        return str(value)
    digits, point = _digits(value)
    sign, digits = ("-", digits[1:]) if digits.startswith("-") else ("", digits)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def normalized(value: Any) -> Any:
    """`value` with its strings in Unicode NFC, as every string is in Terraform (cty
    normalizes each string it makes: literals, templates, function results)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    return value


def _string(value: Any) -> str:
    """A value converted to a string where Terraform converts one (templates, string parameters)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return value
    if value is None:
        raise EvalError("a null value cannot be used as a string")
    raise EvalError(f"a {type_name(value)} cannot be used as a string")


def _to_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None or not isinstance(value, (int, float, str)):
        raise EvalError(f"a number is required, not {type_name(value)}")
    if isinstance(value, str):
        return _number(value)
    return value


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise EvalError(f"a bool is required, not {type_name(value)}")


def _integer(value: Any, what: str = "index") -> int:
    """A number as Terraform takes a whole-number argument (a Go int)."""
    number = _to_number(value)
    if isinstance(number, float):
        if math.isinf(number) or not number.is_integer():
            raise EvalError(f"{what} must be a whole number")
        number = int(number)
    if not -2 ** 63 <= number < 2 ** 63:
        raise EvalError(f"{what} is too large")
    return number


def with_source(value: Any, address: str) -> Any:
    """`value` read from the resource at `address`: its unknown parts point there."""
    if isinstance(value, Unknown):
        sources = getattr(value, "sources", frozenset())
        if address in sources:
            return value
        return replace(value, sources=sources | {address}) if isinstance(value, Unseen) \
            else Unseen(value.why, sources | {address})
    if isinstance(value, dict):
        return {k: with_source(v, address) for k, v in value.items()}
    if isinstance(value, list):
        return [with_source(v, address) for v in value]
    return value


def _get(value: Any, key: Any) -> Any:
    if isinstance(value, Unknown) or value is SENSITIVE:
        return value
    if isinstance(key, Unknown):
        return unseen("", key, value if not isinstance(value, Lazy) else None)
    if isinstance(value, Lazy):
        found = value.get(_string(key))
        address = getattr(value, "address", None)
        return with_source(found, address) if address else found
    if isinstance(value, dict):
        name = _string(key)
        if name not in value:
            raise EvalError(f"no key {name!r}")
        return value[name]
    if isinstance(value, list):
        index = _integer(key)
        if not 0 <= index < len(value):
            raise EvalError(f"index {index} out of range")
        return value[index]
    if value is None:
        raise EvalError("attempt to index a null value")
    raise EvalError(f"cannot index a {type_name(value)}")


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


_DIRECTIVES = {"template_if_start": "if", "template_else": "else", "template_endif": "endif",
               "template_for_start": "for", "template_endfor": "endfor"}


def _string_parts(tree: Tree) -> tuple:
    """A quoted string's parts, in the template part format of syntax.parse_template,
    with `~` strip markers applied to the literal text beside them."""
    parts: list = []
    strip_next = False
    for part in tree.children:
        if not isinstance(part, Tree):
            continue
        inner = part.children[0]
        if isinstance(inner, Token):
            if inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                text = _unescape(str(inner)[1:])
            else:
                text = _unescape(str(inner))
            if strip_next:
                text, strip_next = text.lstrip(" \t\r\n"), False
            parts.append(text)
            continue
        strip_next = False
        if inner.data == "interpolation":
            parts.append(("interp", _children(inner)[0]))
            continue
        kind = _DIRECTIVES.get(inner.data)
        if kind is None:
            raise EvalError(f"unsupported template part {inner.data}")
        tokens = [c for c in inner.children if isinstance(c, Token)]
        if len(tokens) > 1 and tokens[1].type == "STRIP_MARKER" and parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1].rstrip(" \t\r\n")
        strip_next = len(tokens) > 1 and tokens[-2].type == "STRIP_MARKER"
        expressions = _children(inner)
        if kind == "if":
            parts.append(("if", expressions[-1]))
        elif kind == "for":
            names = [syntax._name(t) for t in expressions if t.data == "identifier"]
            key, value = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            parts.append(("for", key, value, expressions[-1]))
        else:
            parts.append((kind,))
    return tuple(p for p in parts if p != "")


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
    return normalized("".join(pieces))


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
            value = resolved(evaluate(part[1], scope))
            pieces.append(value if isinstance(value, Unknown) or value is SENSITIVE else _string(value))
            i += 1
        elif kind == "if":
            condition = evaluate(part[1], scope)
            then, i = _render(parts, i + 1, scope, ("else", "endif"))
            otherwise: list = []
            if i < len(parts) and parts[i][0] == "else":
                otherwise, i = _render(parts, i + 1, scope, ("endif",))
            if i >= len(parts):
                raise EvalError("%{if} without %{endif}")
            i += 1
            if isinstance(condition, Unknown) or condition is SENSITIVE:
                pieces.append(unseen("", condition, *then, *otherwise))
            else:
                pieces.extend(then if _to_bool(condition) else otherwise)
        elif kind == "for":
            _, key_name, value_name, collection_tree = part
            collection = resolved(evaluate(collection_tree, scope))
            start = i + 1
            end = _skip_to_endfor(parts, start)
            body = parts[start:end]
            i = end + 1
            if isinstance(collection, Unknown) or collection is SENSITIVE:
                pieces.append(unseen("", collection))
                continue
            for key, value in _items(collection):
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


def _items(collection: Any) -> list[tuple[Any, Any]]:
    """What a `for` iterates: a map's keys in lexical order, a list's indexes."""
    if isinstance(collection, dict):
        return sorted(collection.items())
    if isinstance(collection, list):
        return list(enumerate(collection))
    if collection is None:
        raise EvalError("cannot iterate over a null value")
    raise EvalError(f"cannot iterate over a {type_name(collection)}")


_ARITHMETIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
_COMPARISONS = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
                ">=": lambda a, b: a >= b}


def _binary(operator: str, left: Any, right: Any) -> Any:
    """Terraform's binary operators: operands converted to the operator's type
    (`"1" + 1` is 2, `"true" && true` is true); == compares type and value."""
    if operator in ("==", "!="):
        if any(True for _ in unknowns([left, right])) or SENSITIVE in (left, right):
            return unseen("", left, right) if any(True for _ in unknowns([left, right])) else SENSITIVE
        from .types import equal
        return equal(left, right) == (operator == "==")
    if operator in ("&&", "||"):
        left = left if isinstance(left, Unknown) or left is SENSITIVE else _to_bool(left)
        right = right if isinstance(right, Unknown) or right is SENSITIVE else _to_bool(right)
        decisive = operator == "||"
        if left is decisive or right is decisive:
            return decisive
    elif not isinstance(left, Unknown) and left is not SENSITIVE:
        left = _to_number(left)
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return unseen("", left, right)
    if left is SENSITIVE or right is SENSITIVE:
        return SENSITIVE
    if operator in ("&&", "||"):
        return left and right if operator == "&&" else left or right
    left, right = limits.number(left), limits.number(_to_number(right))
    if operator in _COMPARISONS:
        return _COMPARISONS[operator](left, right)
    infinite = any(isinstance(v, float) and math.isinf(v) for v in (left, right))
    if operator == "/":
        if right == 0:
            if left == 0:
                raise EvalError("cannot divide zero by zero")
            return math.copysign(math.inf, left) * (math.copysign(1, right) if isinstance(right, float) else 1)
        if infinite:
            raise Indeterminate("arithmetic on an infinite number")
        return _from_exact(_exact(left) / _exact(right))
    if infinite:
        raise Indeterminate("arithmetic on an infinite number")
    if operator == "%":
        if right == 0:
            return left  # go-cty: a modulo by zero is the dividend
        quotient = _exact(left) / _exact(right)
        truncated = math.trunc(quotient)
        return _from_exact(_exact(left) - truncated * _exact(right))
    if operator not in _ARITHMETIC:
        raise EvalError(f"unsupported operator {operator}")
    if isinstance(left, int) and isinstance(right, int):
        return _ARITHMETIC[operator](left, right)
    return _from_exact(_ARITHMETIC[operator](_exact(left), _exact(right)))


def _splat(value: Any, steps: list[Tree], scope: Scope) -> Any:
    if isinstance(value, Unknown) or value is SENSITIVE:
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
        if isinstance(value, list) and not isinstance(value, Lazy):
            raise EvalError("a list has no attributes (use [*] or an index)")
        return _get(value, syntax._name(_children(step)[0]))
    if step.data == "short_index":
        return _get(value, int(str(step.children[-1])))
    return _get(value, evaluate(_children(step)[0], scope))


def _for(tree: Tree, scope: Scope, as_object: bool) -> Any:
    parts = _children(tree)
    intro, rest = parts[0], parts[1:]
    intro_parts = _children(intro)
    names = [syntax._name(t) for t in intro_parts if t.data == "identifier"]
    collection = resolved(evaluate(intro_parts[-1], scope))
    condition = rest[-1] if rest and rest[-1].data == "for_cond" else None
    if condition is not None:
        rest = rest[:-1]
    grouped = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in tree.children)
    if isinstance(collection, Unknown) or collection is SENSITIVE:
        return unseen("", collection)
    out_list: list = []
    out_dict: dict = {}
    for key, value in _items(collection):
        bound = {names[-1]: value, **({names[0]: key} if len(names) == 2 else {})}
        inner = scope.with_names(**bound)
        if condition is not None:
            keep = resolved(evaluate(_children(condition)[0], inner))
            if isinstance(keep, Unknown) or keep is SENSITIVE:
                return unseen("", keep)
            if not _to_bool(keep):
                continue
        if as_object:
            k = resolved(evaluate(rest[0], inner))
            v = evaluate(rest[1], inner)
            if isinstance(k, Unknown) or k is SENSITIVE:
                return unseen("", k)
            name = _string(k)
            if grouped:
                out_dict.setdefault(name, []).append(v)
            elif name in out_dict:
                raise EvalError("duplicate key in a for expression (use ... to group)")
            else:
                out_dict[name] = v
        else:
            out_list.append(evaluate(rest[0], inner))
    return out_dict if as_object else out_list


def _conditional(tree: Tree, scope: Scope) -> Any:
    condition, then, otherwise = _children(tree)
    test = resolved(evaluate(condition, scope))
    if isinstance(test, Unknown) or test is SENSITIVE:
        branches = []
        for branch in (then, otherwise):
            try:
                branches.append(evaluate(branch, scope))
            except EvalError:
                pass
        return unseen("", test, *branches)
    chosen, other = (then, otherwise) if _to_bool(test) else (otherwise, then)
    value = evaluate(chosen, scope)
    try:
        alternative = evaluate(other, scope)
    except (EvalError, Indeterminate):
        return value
    return _unify_results(value, alternative)


def _unify_results(value: Any, alternative: Any) -> Any:
    """The chosen result of a conditional in the type both results unify to, as
    Terraform requires: `true ? 1 : "a"` is "1"; an object and a tuple are an error."""
    if value is None or alternative is None or isinstance(value, Unknown) or isinstance(alternative, Unknown) \
            or SENSITIVE in (value, alternative) or isinstance(value, Lazy) or isinstance(alternative, Lazy):
        return value
    kinds = {type_name(value), type_name(alternative)}
    if len(kinds) == 1 and kinds <= {"string", "number", "bool"}:
        return value
    if kinds <= {"string", "number", "bool"}:
        if "string" not in kinds:
            raise EvalError("inconsistent conditional result types (number and bool)")
        return _string(value)
    if kinds == {"object"}:
        if value.keys() == alternative.keys():
            return {k: _unify_results(value[k], alternative[k]) for k in value}
        other = value or alternative
        if not (value and alternative):  # {} unifies with a map, if the other's values are of one type
            from .types import _shape
            if len({_shape(v) for v in other.values()}) <= 1:
                return value
        raise Indeterminate("a conditional between objects of different attributes (Terraform unifies their types)")
    if kinds == {"list"}:
        if len(value) == len(alternative):
            return [_unify_results(a, b) for a, b in zip(value, alternative)]
        elements = {type_name(v) for v in value + alternative if v is not None}
        if len(elements) > 1 or elements & {"list", "object"} or any(isinstance(v, Unknown) for v in value):
            raise Indeterminate("a conditional between lists of different lengths (Terraform unifies their types)")
        return value
    raise EvalError(f"inconsistent conditional result types ({' and '.join(sorted(kinds))})")


def _object(tree: Tree, scope: Scope) -> Any:
    out = {}
    for element in _children(tree):
        key_tree, value_tree = _children(element)
        key_inner = _children(key_tree)
        if key_inner and key_inner[0].data == "expr_term" and _children(key_inner[0]) \
                and _children(key_inner[0])[0].data == "identifier":
            key = str(_children(key_inner[0])[0].children[0])
        else:
            key = resolved(evaluate(key_tree, scope))
        if isinstance(key, Unknown) or key is SENSITIVE:
            return unseen("", key)
        name = _string(key)
        if name in out:
            raise EvalError("duplicate object key")
        out[name] = evaluate(value_tree, scope)
    return out


def _template(text: str) -> tuple:
    try:
        return syntax.parse_template(text)
    except ValueError as exc:
        raise EvalError(f"a template that is not valid: {exc}") from None


def evaluate(tree: Tree | Token, scope: Scope) -> Any:
    """The value of an expression tree in `scope`; EvalError where Terraform would fail,
    unknown where Terraform would give a value this evaluator cannot reproduce."""
    try:
        return _evaluate(tree, scope)
    except Indeterminate as exc:
        return Unseen(str(exc))


def _evaluate(tree: Tree | Token, scope: Scope) -> Any:
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
        return render(_template(syntax.heredoc_text(str(tree.children[0]), kind.endswith("trim"))), scope)
    if kind == "json_string":
        return normalized(str(tree.children[0]))
    if kind == "json_template":  # Terraform parses a JSON string's template when it evaluates it
        return render(_template(str(tree.children[0])), scope)
    if kind == "template_string":
        return _unescape(str(tree.children[0])[2:-2])
    if kind == "tuple":
        return [evaluate(item, scope) for item in _children(tree)]
    if kind == "object":
        return _object(tree, scope)
    if kind == "conditional":
        return _conditional(tree, scope)
    if kind == "binary_op":
        left_tree, term = _children(tree)[:2]
        operator_tree, right_tree = _children(term)
        operator = str(operator_tree.children[0])
        return limits.number(_binary(operator, resolved(evaluate(left_tree, scope)),
                                 resolved(evaluate(right_tree, scope))))
    if kind == "unary_op":
        operator, operand = str(tree.children[0]), resolved(evaluate(_children(tree)[0], scope))
        if isinstance(operand, Unknown) or operand is SENSITIVE:
            return operand
        if operator == "!":
            return not _to_bool(operand)
        number = _to_number(operand)
        return -number if number != 0 else 0
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
        return call(names, argument_trees, scope, expand)
    if kind == "braces_index":
        return evaluate(_children(tree)[0], scope)
    raise EvalError(f"unsupported expression {kind}")

"""CloudWatch Logs filter patterns, evaluated on a log event the way CloudWatch
matches them, so that a metric filter is judged by what it matches, not by how
it is written.

Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
- JSON patterns `{ SELECTOR OP VALUE }` with `=`, `!=`, `<`, `>`, `<=`, `>=`, `IS TRUE`,
  `IS FALSE`, `IS NULL`, `EXISTS`, `NOT EXISTS`, `&&`, `||` and parentheses; string
  values quoted or bare, with `*` as a wildcard. A comparison on a property the event
  does not have does not match (`NOT EXISTS` is how a pattern asks for absence).
- Term patterns: every term must occur in the event, `?term` any of them, `-term` none;
  an empty pattern matches every event.
What this does not evaluate (regular expressions `%...%`, space-delimited `[...]`
patterns, `[*]` array selectors) raises PatternNotEvaluated, never a guess.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

MAX_PATTERN_CHARS = 1024  # CloudWatch's own limit on a filter pattern
_TOKEN = re.compile(r'\s*(\(|\)|&&|\|\||!=|<=|>=|=|<|>|"(?:[^"\\]|\\.)*"|[^\s()=!<>&|"]+)')
_SELECTOR = re.compile(r"^\$((?:\.[A-Za-z0-9_@$-]+|\[[0-9]+\])+)$")
_PART = re.compile(r"\.([A-Za-z0-9_@$-]+)|\[([0-9]+)\]")
_MISSING = object()


class PatternNotEvaluated(Exception):
    """A pattern, or part of one, that accountguard does not evaluate."""


Matcher = Callable[[dict], bool]


def compile_pattern(pattern: str) -> Matcher:
    """A function telling whether a log event (a decoded JSON object) matches."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternNotEvaluated(f"the pattern is longer than CloudWatch's {MAX_PATTERN_CHARS} characters")
    text = pattern.strip()
    if "%" in text:
        raise PatternNotEvaluated("regular expressions (%...%) are not evaluated")
    if text.startswith("{"):
        if not text.endswith("}"):
            raise PatternNotEvaluated("a JSON pattern must end with }")
        return _JsonParser(text[1:-1]).parse()
    if text.startswith("["):
        raise PatternNotEvaluated("space-delimited patterns ([...]) are not evaluated")
    return _terms(text)


def _terms(text: str) -> Matcher:
    tokens = [m.group(1) for m in re.finditer(r'\s*("(?:[^"\\]|\\.)*"|\S+)', text)]
    required, any_of, excluded = [], [], []
    for token in tokens:
        target = required
        if token[0] in "?-" and len(token) > 1:
            target, token = (any_of if token[0] == "?" else excluded), token[1:]
        target.append(_unquote(token))
    if required == [""] and not any_of and not excluded:
        required = []  # `""`: every event

    def matches(event: dict) -> bool:
        raw = json.dumps(event, separators=(",", ":"))
        return (all(t in raw for t in required) and (not any_of or any(t in raw for t in any_of))
                and not any(t in raw for t in excluded))
    return matches


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


class _JsonParser:
    def __init__(self, body: str) -> None:
        self.tokens: list[str] = []
        position = 0
        while body[position:].strip():
            match = _TOKEN.match(body, position)
            if not match:
                raise PatternNotEvaluated(f"cannot read the pattern at {body[position:position + 20]!r}")
            self.tokens.append(match.group(1))
            position = match.end()
        self.at = 0

    def parse(self) -> Matcher:
        matcher = self._or()
        if self.at != len(self.tokens):
            raise PatternNotEvaluated(f"unexpected {self.tokens[self.at]!r} in the pattern")
        return matcher

    def _peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise PatternNotEvaluated("the pattern ends too early")
        self.at += 1
        return token

    def _or(self) -> Matcher:
        parts = [self._and()]
        while self._peek() == "||":
            self.at += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda event: any(p(event) for p in parts))

    def _and(self) -> Matcher:
        parts = [self._unary()]
        while self._peek() == "&&":
            self.at += 1
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda event: all(p(event) for p in parts))

    def _unary(self) -> Matcher:
        if self._peek() == "(":
            self.at += 1
            inner = self._or()
            if self._take() != ")":
                raise PatternNotEvaluated("unbalanced parentheses in the pattern")
            return inner
        return self._comparison()

    def _comparison(self) -> Matcher:
        path = _selector(self._take())
        operator = self._take()
        if operator.upper() == "IS":
            word = self._take().upper()
            wanted = {"TRUE": True, "FALSE": False, "NULL": None}
            if word not in wanted:
                raise PatternNotEvaluated(f"IS {word} is not a JSON filter test")
            return lambda event: (lambda v: v is not _MISSING and v is wanted[word])(_lookup(event, path))
        if operator.upper() == "NOT":
            if self._take().upper() != "EXISTS":
                raise PatternNotEvaluated("NOT must be followed by EXISTS")
            return lambda event: _lookup(event, path) is _MISSING
        if operator.upper() == "EXISTS":
            return lambda event: _lookup(event, path) is not _MISSING
        if operator not in ("=", "!=", "<", ">", "<=", ">="):
            raise PatternNotEvaluated(f"unknown operator {operator!r}")
        token = self._take()
        quoted = token.startswith('"')
        value = _unquote(token)
        number = None if quoted else _as_number(value)
        if operator in ("<", ">", "<=", ">=") and number is None:
            raise PatternNotEvaluated(f"{operator} needs a number")
        return lambda event: _compare(_lookup(event, path), operator, value, number)


def _selector(token: str) -> list[str | int]:
    match = _SELECTOR.match(token)
    if not match:
        raise PatternNotEvaluated(f"{token!r} is not a selector this evaluates")
    return [int(index) if index else name for name, index in _PART.findall(match.group(1))]


def _lookup(event: Any, path: list[str | int]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(event, list) or part >= len(event):
                return _MISSING
            event = event[part]
        elif isinstance(event, dict) and part in event:
            event = event[part]
        else:
            return _MISSING
    return event


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(found: Any, operator: str, value: str, number: float | None) -> bool:
    if found is _MISSING or isinstance(found, (dict, list)):
        return False
    if number is not None and isinstance(found, (int, float)) and not isinstance(found, bool):
        return {"=": found == number, "!=": found != number, "<": found < number, ">": found > number,
                "<=": found <= number, ">=": found >= number}[operator]
    if operator not in ("=", "!="):
        return False
    if not isinstance(found, str):
        return operator == "!="
    equal = re.fullmatch(".*".join(re.escape(p) for p in value.split("*")), found, re.DOTALL) is not None
    return equal if operator == "=" else not equal

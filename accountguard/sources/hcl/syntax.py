"""Configuration text in one place: .tf files (python-hcl2) and .tf.json files
(Terraform's JSON syntax) -> blocks and attributes whose values are expression
trees (Lark), with file and line for every block. Also parses template text
(heredocs, templatefile, JSON strings) into the same kind of tree."""
from __future__ import annotations

import bisect
import gc
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from ... import limits
from ...model import InputError
from .grammar import parser as _parser

IGNORED = ("new_line_or_comment",)


@dataclass
class Attribute:
    name: str
    expression: Tree
    line: int
    file: str = ""


@dataclass
class Block:
    type: str
    labels: list[str]
    attributes: dict[str, Attribute]
    blocks: list["Block"]
    file: str
    line: int

    def blocks_of(self, type_: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == type_]


def _name(tree: Tree | Token) -> str:
    """An identifier, keyword, literal word or quoted label, as text."""
    if isinstance(tree, Token):
        return str(tree)
    if tree.data == "string":
        return "".join(str(part.children[0]) for part in tree.children if isinstance(part, Tree))
    return str(tree.children[0])


def _body(body: Tree, file: str) -> tuple[dict[str, Attribute], list[Block]]:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, Tree) or child.data in IGNORED:
            continue
        if child.data == "attribute":
            name = _name(child.children[0])
            attributes[name] = Attribute(name, child.children[-1], child.meta.line, file)
        elif child.data == "block":
            blocks.append(_block(child, file))
    return attributes, blocks


def _block(tree: Tree, file: str) -> Block:
    parts = [c for c in tree.children if isinstance(c, Tree) and c.data not in IGNORED]
    *head, body = parts
    attributes, blocks = _body(body, file)
    return Block(_name(head[0]), [_name(label) for label in head[1:]], attributes, blocks, file, tree.meta.line)


# What the grammar's terminals are, in words: a syntax error names what was
# expected and what was found by kind, never by the text found (it could be a
# credentials file someone made look like a .tf).
_TERMINALS = {
    "EQ": "'='", "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','", "COLON": "':'", "DOT": "'.'", "QMARK": "'?'", "DBLQUOTE": "'\"'", "ELLIPSIS": "'...'",
    "FOR_OBJECT_ARROW": "'=>'", "NAME": "a name", "INT_LITERAL": "a number", "FLOAT_LITERAL": "a number",
    "STRING_CHARS": "text", "NL_OR_COMMENT": "a new line", "$END": "the end of the file",
    "INTERP_START": "'${'", "DIRECTIVE_START": "'%{'", "HEREDOC_TEMPLATE": "a heredoc",
    "HEREDOC_TEMPLATE_TRIM": "a heredoc", "TEMPLATE_STRING": "a template",
}
_EXPRESSION_STARTS = {"NAME", "INT_LITERAL", "LSQB", "LBRACE", "DBLQUOTE", "LPAR"}


def _described(terminals: set[str]) -> str:
    if _EXPRESSION_STARTS <= terminals:
        return "an expression"
    words = sorted({_TERMINALS.get(t, t.lower()) for t in terminals if not t.startswith("__")})
    return " or ".join(words) if len(words) <= 4 else f"one of {', '.join(words)}"


def _syntax_error(path: str, exc: Exception) -> InputError:
    """file:line:column, what was expected and what kind of thing was found: no text of the file."""
    line, column = getattr(exc, "line", -1), getattr(exc, "column", -1)
    where = f"{path}:{line}:{column}" if line and line > 0 else f"{path}:?"
    if isinstance(exc, UnexpectedInput):
        token = getattr(exc, "token", None)
        found = _TERMINALS.get(token.type, "a token") if token is not None else "a character"
        expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
        detail = f"expected {_described(set(expected))}, found {found}" if expected else f"unexpected {found}"
    else:
        detail = "cannot be parsed"
    return InputError(f"{where}: syntax error: {detail}")


def _parse(text: str, shown_as: str) -> Tree:
    gc.disable()  # a parse tree has no cycles; collecting while it grows makes parsing quadratic
    try:
        return _parser().parse((text if text.endswith("\n") else text + "\n") + "\n")
    except LarkError as exc:
        raise _syntax_error(shown_as, exc) from None
    except RecursionError:
        raise InputError(f"{shown_as}: syntax error: nested too deeply") from None
    finally:
        gc.enable()


def parse_file(text: str, shown_as: str) -> list[Block]:
    """The top-level blocks of one .tf file's text; InputError with file:line:column on bad syntax."""
    _, blocks = _body(_parse(text, shown_as).children[0], shown_as)
    return blocks


def parse_attributes(text: str, shown_as: str) -> dict[str, Attribute]:
    """A .tfvars file: attributes only."""
    attributes, _ = _body(_parse(text, shown_as).children[0], shown_as)
    return attributes


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> Tree:
    """One expression, e.g. from a --var value or inside a template's ${...}."""
    tree = _parser().parse(f"x = {text}\n\n")
    attributes, _ = _body(tree.children[0], "<expression>")
    return attributes["x"].expression


# --- templates ---------------------------------------------------------------
# A parsed template is a list of parts: str, ("interp", Tree), ("if", Tree),
# ("else",), ("endif",), ("for", key, value, Tree), ("endfor",).

def _closing_brace(text: str, start: int) -> int:
    depth, i, quote = 0, start, False
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise ValueError(f"unterminated template sequence at character {start}")


@lru_cache(maxsize=1024)
def parse_template(text: str) -> tuple:
    """Template parts; ValueError (naming a position, never the text) on bad syntax."""
    try:
        return _template_parts(text)
    except (LarkError, IndexError):
        raise ValueError("an expression or directive in the template is not valid") from None


def _template_parts(text: str) -> tuple:
    parts: list = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            literal.append(text[i + 1:i + 3])
            i += 3
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            end = _closing_brace(text, i + 2)
            inner = text[i + 2:end].strip().strip("~").strip()
            if literal:
                chunk = "".join(literal)
                if text.startswith("~", i + 2):  # `~`: HCL trims the literal's last line token
                    head, newline, last = chunk.rpartition("\n")
                    chunk = head + newline + last.rstrip(" \t\r") if last else head.rstrip(" \t\r\n")
                if chunk:
                    parts.append(chunk)
                literal = []
            if text[i] == "$":
                parts.append(("interp", parse_expression(inner)))
            else:
                words = inner.split(None, 1)
                keyword = words[0] if words else ""
                if keyword == "if":
                    parts.append(("if", parse_expression(words[1])))
                elif keyword in ("else", "endif", "endfor"):
                    parts.append((keyword,))
                elif keyword == "for":
                    head, _, collection = words[1].partition(" in ")
                    names = [n.strip() for n in head.split(",")]
                    key, value = (names[0], names[1]) if len(names) == 2 else (None, names[0])
                    parts.append(("for", key, value, parse_expression(collection)))
                else:
                    raise ValueError(f"unknown template directive at character {i}")
            strip_after = end - 1 > i + 2 and text[end - 1] == "~"
            i = end + 1
            while strip_after and i < len(text) and text[i] in " \t\r\n":  # up to the first line's end
                i += 1
                if text[i - 1] == "\n":
                    break
            continue
        literal.append(text[i])
        i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def heredoc_text(token: str, trim: bool) -> str:
    """The body of `<<EOF ... EOF` (or `<<-EOF`, indentation removed)."""
    first_newline = token.index("\n")
    body = token[first_newline + 1:]
    body = body[: body.rstrip("\n").rfind("\n") + 1] if "\n" in body.rstrip("\n") else ""
    if trim:
        lines = body.split("\n")
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        body = "\n".join(line[cut:] for line in lines)
    return body


# --- JSON syntax (.tf.json) ----------------------------------------------------
# Terraform's JSON configuration syntax (developer.hashicorp.com/terraform/language/
# syntax/json, HCL's json/spec.md) mapped to the same Blocks and expression trees
# as native syntax: a string where an expression goes is a template ("json_template",
# evaluated like a heredoc's text), one Terraform takes literally is "json_string";
# numbers, bools, null, arrays and objects are python-hcl2's own tree nodes.

_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_JSON_WORDS = {"true": ("TRUE", True), "false": ("FALSE", False), "null": ("NULL", None)}


@dataclass
class _JSONValue:
    """A JSON value and the line it starts on. `value`: [(key, line, _JSONValue)] for
    an object (duplicates kept, in order), [_JSONValue] for an array, str, the
    number's text, True, False or None."""
    kind: str  # object, array, string, number, literal
    value: Any
    line: int


class _JSONReader:
    """A strict JSON reader that records lines and bounds nesting; errors name the
    file, line and column and what was expected, never the text."""

    def __init__(self, text: str, shown: str) -> None:
        self.text, self.shown, self.pos = text, shown, 0
        self.newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def fail(self, expected: str) -> InputError:
        line = self.line(self.pos)
        column = self.pos - (self.newlines[line - 2] if line > 1 else -1)
        found = "the end of the file" if self.pos >= len(self.text) else "something else"
        return InputError(f"{self.shown}:{line}:{column}: not valid JSON: expected {expected}, found {found}")

    def skip(self) -> None:
        self.pos = _JSON_SPACE.match(self.text, self.pos).end()

    def document(self) -> _JSONValue:
        value = self.value(0)
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("the end of the file")
        return value

    def value(self, depth: int) -> _JSONValue:
        if depth > limits.TF_JSON_MAX_DEPTH:
            raise limits.LimitExceeded(f"{self.shown}:{self.line(self.pos)}: values nested more than "
                                       f"{limits.TF_JSON_MAX_DEPTH} deep (a limit of accountguard's)")
        self.skip()
        line, char = self.line(self.pos), self.text[self.pos:self.pos + 1]
        if char == "{":
            return _JSONValue("object", self.members(depth), line)
        if char == "[":
            return _JSONValue("array", self.elements(depth), line)
        if char == '"':
            return _JSONValue("string", self.string(), line)
        number = _JSON_NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            return _JSONValue("number", number.group(), line)
        for word, (_, value) in _JSON_WORDS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return _JSONValue("literal", value, line)
        raise self.fail("a value")

    def string(self) -> str:
        try:
            text, self.pos = json.decoder.scanstring(self.text, self.pos + 1)
        except ValueError:
            raise self.fail("a complete string without control characters") from None
        return text

    def members(self, depth: int) -> list:
        self.pos += 1
        members: list = []
        self.skip()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return members
        while True:
            self.skip()
            if not self.text.startswith('"', self.pos):
                raise self.fail("a property name in quotes")
            line = self.line(self.pos)
            key = self.string()
            self.skip()
            if not self.text.startswith(":", self.pos):
                raise self.fail("':'")
            self.pos += 1
            members.append((key, line, self.value(depth + 1)))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith("}", self.pos):
                self.pos += 1
                return members
            else:
                raise self.fail("',' or '}'")

    def elements(self, depth: int) -> list:
        self.pos += 1
        elements: list = []
        self.skip()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return elements
        while True:
            elements.append(self.value(depth + 1))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith("]", self.pos):
                self.pos += 1
                return elements
            else:
                raise self.fail("',' or ']'")


def _json_expression(node: _JSONValue, literal: bool) -> Tree:
    """A JSON value as an expression tree: strings are templates unless `literal`."""
    if node.kind == "string":
        return Tree("json_string" if literal else "json_template", [Token("JSON_STRING", node.value)])
    if node.kind == "number":
        return Tree("expr_term", [Tree("int_lit", [Token("INT_LITERAL", node.value)])])
    if node.kind == "literal":
        word = {True: "true", False: "false", None: "null"}[node.value]
        return Tree("expr_term", [Tree("literal_value", [Token(_JSON_WORDS[word][0], word)])])
    if node.kind == "array":
        return Tree("expr_term", [Tree("tuple", [_json_expression(item, literal) for item in node.value])])
    elements = [Tree("object_elem", [Tree("object_elem_key", [_json_expression(_JSONValue("string", key, line),
                                                                                literal)]),
                                     _json_expression(value, literal)])
                for key, line, value in node.value]
    return Tree("expr_term", [Tree("object", elements)])


@dataclass(frozen=True)
class _Kind:
    """How Terraform maps one block type's JSON body (the page's block-type-specific
    exceptions): which properties are nested blocks (and their kinds), which values
    are literal, references or type expressions rather than expressions."""
    labels: int = 0
    nested: Callable[[list[str]], dict[str, "_Kind"]] = lambda labels: {}
    literal: frozenset = frozenset()
    all_literal: bool = False
    reference: frozenset = frozenset()  # a string that is a reference or keyword: provider = "aws.east"
    references: frozenset = frozenset()  # an array of them: depends_on = ["aws_s3_bucket.b"]
    keyword_or_references: frozenset = frozenset()  # ignore_changes = "all" or ["tags"]
    type_expression: frozenset = frozenset()
    reference_map: frozenset = frozenset()  # module providers = {"aws.dst": "aws.east"}


_CONDITION = _Kind()
_CONNECTION = _Kind(literal=frozenset({"type"}))
_PROVISIONER = _Kind(labels=1, nested=lambda labels: {"connection": _CONNECTION})
_LIFECYCLE = _Kind(nested=lambda labels: {"precondition": _CONDITION, "postcondition": _CONDITION},
                   keyword_or_references=frozenset({"ignore_changes"}),
                   references=frozenset({"replace_triggered_by"}))


def _schema_kind(schema: Any, meta: dict[str, _Kind] | None = None) -> _Kind:
    """A block whose nested block types come from a provider schema (None: no nested blocks known)."""
    def nested(labels: list[str]) -> dict[str, _Kind]:
        found = {name: _schema_kind(block.block) for name, block in (schema.blocks.items() if schema else ())}
        return {**found, "dynamic": _dynamic_kind(schema), **(meta or {})}
    return _Kind(nested=nested)


def _dynamic_kind(schema: Any) -> _Kind:
    def nested(labels: list[str]) -> dict[str, _Kind]:
        inner = schema.blocks.get(labels[0]) if schema else None
        return {"content": _schema_kind(inner.block if inner else None)}
    return _Kind(labels=1, nested=nested, reference=frozenset({"iterator"}))


def _resource_kind(mode: str) -> _Kind:
    from ...schema import resource_schema
    meta = {"lifecycle": _LIFECYCLE, **({"provisioner": _PROVISIONER, "connection": _CONNECTION}
                                        if mode == "managed" else {})}

    def nested(labels: list[str]) -> dict[str, _Kind]:
        return _schema_kind(resource_schema(mode, labels[0]), meta).nested(labels)
    return _Kind(labels=2, nested=nested, reference=frozenset({"provider"}), references=frozenset({"depends_on"}))


def _provider_kind() -> _Kind:
    from ...schema import provider_schema

    def nested(labels: list[str]) -> dict[str, _Kind]:
        return _schema_kind(provider_schema() if labels[0] == "aws" else None).nested(labels)
    return _Kind(labels=1, nested=nested, literal=frozenset({"alias", "version"}))


_TERRAFORM_SETTINGS = _Kind(all_literal=True)
_TOP_LEVEL = {
    "resource": _resource_kind("managed"),
    "data": _resource_kind("data"),
    "ephemeral": _Kind(labels=2, nested=lambda labels: {"lifecycle": _LIFECYCLE},
                       reference=frozenset({"provider"}), references=frozenset({"depends_on"})),
    "variable": _Kind(labels=1, nested=lambda labels: {"validation": _CONDITION}, type_expression=frozenset({"type"}),
                      literal=frozenset({"default", "description", "sensitive", "nullable", "ephemeral"})),
    "output": _Kind(labels=1, nested=lambda labels: {"precondition": _CONDITION},
                    literal=frozenset({"description", "sensitive", "ephemeral"}),
                    references=frozenset({"depends_on"})),
    "locals": _Kind(),
    "module": _Kind(labels=1, literal=frozenset({"source", "version"}), references=frozenset({"depends_on"}),
                    reference_map=frozenset({"providers"})),
    "provider": _provider_kind(),
    "terraform": _Kind(all_literal=True, nested=lambda labels: {
        "required_providers": _TERRAFORM_SETTINGS, "backend": _Kind(labels=1, all_literal=True),
        "cloud": _Kind(all_literal=True, nested=lambda labels: {"workspaces": _TERRAFORM_SETTINGS}),
        "provider_meta": _Kind(labels=1, all_literal=True)}),
    "moved": _Kind(reference=frozenset({"from", "to"})),
    "import": _Kind(reference=frozenset({"to", "provider"})),
    "removed": _Kind(reference=frozenset({"from"}), nested=lambda labels: {
        "lifecycle": _LIFECYCLE, "provisioner": _PROVISIONER, "connection": _CONNECTION}),
    "check": _Kind(labels=1, nested=lambda labels: {"data": _resource_kind("data"), "assert": _CONDITION}),
}


class _JSONConfig:
    """One .tf.json file's JSON mapped to Blocks."""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def fail(self, line: int, what: str) -> InputError:
        return InputError(f"{self.shown}:{line}: not a valid configuration: {what}")

    def reference(self, node: _JSONValue, name: str) -> Tree:
        if node.kind != "string":
            raise self.fail(node.line, f"{name} must be a string holding a reference")
        try:
            return parse_expression(node.value)
        except (LarkError, RecursionError):
            raise self.fail(node.line, f"{name} must be a string holding a reference") from None

    def template(self, node: _JSONValue) -> None:
        """Every template parses, or the configuration is rejected, as `terraform plan` rejects it."""
        if node.kind == "string" and ("${" in node.value or "%{" in node.value):
            try:
                parse_template(node.value)
            except ValueError:
                raise self.fail(node.line, "a string is not a valid template") from None
        elif node.kind == "array":
            for item in node.value:
                self.template(item)
        elif node.kind == "object":
            for key, line, value in node.value:
                self.template(_JSONValue("string", key, line))
                self.template(value)

    def expression(self, name: str, node: _JSONValue, kind: _Kind) -> Tree:
        if kind.all_literal or name in kind.literal:
            return _json_expression(node, literal=True)
        if name in kind.type_expression:
            return self.reference(node, name)
        if name in kind.reference:
            return self.reference(node, name)
        if name in kind.keyword_or_references and node.kind == "string":
            return self.reference(node, name)
        if name in kind.references or name in kind.keyword_or_references:
            if node.kind != "array":
                raise self.fail(node.line, f"{name} must be an array of strings holding references")
            return Tree("expr_term", [Tree("tuple", [self.reference(item, name) for item in node.value])])
        if name in kind.reference_map:
            if node.kind != "object":
                raise self.fail(node.line, f"{name} must be an object of provider references")
            return Tree("expr_term", [Tree("object", [
                Tree("object_elem", [Tree("object_elem_key", [self.reference(_JSONValue("string", key, line), name)]),
                                     self.reference(value, name)]) for key, line, value in node.value])])
        self.template(node)
        return _json_expression(node, literal=False)

    def body(self, node: _JSONValue, kind: _Kind, labels: list[str]) -> tuple[dict[str, Attribute], list[Block]]:
        if node.kind != "object":
            raise self.fail(node.line, "a block's body must be an object")
        nested = kind.nested(labels)
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for name, line, value in node.value:
            if name == "//":
                continue
            if name in nested:
                blocks += self.blocks(name, nested[name], value, [])
                continue
            if name in attributes:
                raise self.fail(line, "an argument is given twice")
            attributes[name] = Attribute(name, self.expression(name, value, kind), line, self.shown)
        return attributes, blocks

    def blocks(self, type_: str, kind: _Kind, node: _JSONValue, labels: list[str], line: int = 0) -> list[Block]:
        """The blocks one property stands for: an object per label level, arrays of
        objects for repeated blocks at any level."""
        if node.kind == "literal" and node.value is None:  # null: no blocks (Terraform plans it so)
            return []
        if node.kind == "array":
            return [block for item in node.value for block in self.blocks(type_, kind, item, labels, item.line)]
        if node.kind != "object":
            raise self.fail(node.line, "a block must be given as an object or an array of objects")
        if len(labels) < kind.labels:
            return [block for label, label_line, inner in node.value if label != "//"
                    for block in self.blocks(type_, kind, inner, labels + [label], label_line)]
        attributes, nested = self.body(node, kind, labels)
        return [Block(type_, labels, attributes, nested, self.shown, line or node.line)]


def parse_json_file(text: str, shown_as: str) -> list[Block]:
    """The top-level blocks of one .tf.json file's text; InputError naming file and line
    (never the text) if it is not valid JSON or not a valid configuration."""
    try:
        root = _JSONReader(text, shown_as).document()
    except RecursionError:
        raise InputError(f"{shown_as}: not valid JSON: nested too deeply") from None
    config = _JSONConfig(shown_as)
    if root.kind != "object":
        raise config.fail(root.line, "the file must hold one JSON object")
    blocks: list[Block] = []
    for type_, line, value in root.value:
        if type_ == "//":
            continue
        kind = _TOP_LEVEL.get(type_)
        if kind is None:
            raise config.fail(line, "a property that is not a block type of Terraform's")
        if type_ == "locals":
            blocks += [Block("locals", [], *config.body(item, kind, []), shown_as, item.line)
                       for item in (value.value if value.kind == "array" else [value])]
            continue
        blocks += config.blocks(type_, kind, value, [], line)
    return blocks

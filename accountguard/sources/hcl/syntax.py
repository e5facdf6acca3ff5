"""python-hcl2 in one place: files -> blocks and attributes whose values are
expression trees (Lark), with file and line for every block. Also parses
template text (heredocs, templatefile) into the same kind of tree."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from ...model import InputError

IGNORED = ("new_line_or_comment",)


@dataclass
class Attribute:
    name: str
    expression: Tree
    line: int


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
            attributes[name] = Attribute(name, child.children[-1], child.meta.line)
        elif child.data == "block":
            blocks.append(_block(child, file))
    return attributes, blocks


def _block(tree: Tree, file: str) -> Block:
    parts = [c for c in tree.children if isinstance(c, Tree) and c.data not in IGNORED]
    *head, body = parts
    attributes, blocks = _body(body, file)
    return Block(_name(head[0]), [_name(label) for label in head[1:]], attributes, blocks, file, tree.meta.line)


def _syntax_error(path: str, exc: Exception) -> InputError:
    line = getattr(exc, "line", None)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, UnexpectedInput) and hasattr(exc, "token"):
        text = f"unexpected {str(exc.token)!r}" if str(exc.token) else "unexpected end of file"
    return InputError(f"{path}:{line if line and line > 0 else '?'}: syntax error: {text}")


def parse_file(path: Path, shown_as: str) -> list[Block]:
    """The top-level blocks of one .tf file; InputError with file:line on bad syntax."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{shown_as}: cannot read ({exc})") from None
    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = hcl2.parses_to_tree(text)
    except LarkError as exc:
        raise _syntax_error(shown_as, exc) from None
    _, blocks = _body(tree.children[0], shown_as)
    return blocks


def parse_attributes(text: str, shown_as: str) -> dict[str, Attribute]:
    """A .tfvars file: attributes only."""
    try:
        tree = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
    except LarkError as exc:
        raise _syntax_error(shown_as, exc) from None
    attributes, _ = _body(tree.children[0], shown_as)
    return attributes


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> Tree:
    """One expression, e.g. from a --var value or inside a template's ${...}."""
    tree = hcl2.parses_to_tree(f"x = {text}\n")
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
    raise ValueError("unterminated template sequence")


@lru_cache(maxsize=1024)
def parse_template(text: str) -> tuple:
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
                    raise ValueError(f"unknown template directive %{{{inner}}}")
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

"""python-hcl2 in one place: files -> blocks and attributes whose values are
expression trees (Lark), with file and line for every block. Also parses
template text (heredocs, templatefile) into the same kind of tree."""
from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import lru_cache
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
        return hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
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

"""python-hcl2's grammar as a Lark LALR parser, built once and shipped in data/.

Building the parser from the grammar takes seconds; loading lark's own
serialization of it (Lark.save) a fraction of that, and nothing is written at run
time (lark's `cache=` writes beside python-hcl2, or rebuilds on every run where it
cannot). `python tests/parsergen.py` writes data/hcl_parser.pickle.gz from the
installed python-hcl2 and lark; tests/test_hcl_grammar.py builds one afresh and
compares. A snapshot built from another grammar or lark version is not used: the
parser is then built in memory."""
from __future__ import annotations

import gzip
import hashlib
import io
import pickle
from functools import lru_cache
from importlib import resources
from pathlib import Path

import hcl2.parser
import lark
from hcl2.postlexer import PostLexer
from lark import Lark
from lark.lexer import PatternRE

SNAPSHOT = "data/hcl_parser.pickle.gz"

# HCL scans `$${` and `%%{` as three-character escapes; python-hcl2 8.1.4 (the latest)
# takes them up to the next `}`, so "$${${1}}" stayed literal text and ["$${", "}"]
# became one string. Its grammar with the two terminals as HCL's scanner has them.
_ESCAPES = {"ESCAPED_INTERPOLATION": r"\$\$\{", "ESCAPED_DIRECTIVE": r"%%\{"}


def build() -> Lark:
    """python-hcl2's parser as hcl2.parser builds it, escapes corrected."""
    parser = Lark.open("hcl2.lark", parser="lalr", rel_to=hcl2.parser.__file__, propagate_positions=True,
                       postlex=PostLexer())
    patched = [terminal for terminal in parser.terminals if terminal.name in _ESCAPES]
    if len(patched) != len(_ESCAPES):
        raise RuntimeError("python-hcl2's grammar has changed: see grammar._ESCAPES")
    for terminal in patched:
        terminal.pattern = PatternRE(_ESCAPES[terminal.name])
    return parser


def built_from() -> dict[str, str]:
    """What a snapshot is valid for: the grammar's text, the escapes and lark's serialization."""
    grammar = (Path(hcl2.parser.__file__).parent / "hcl2.lark").read_bytes()
    return {"grammar_sha256": hashlib.sha256(grammar + repr(sorted(_ESCAPES.items())).encode()).hexdigest(),
            "lark": lark.__version__}


def serialized(parser: Lark) -> dict:
    """lark's serialization of `parser` (Lark.save), builtins only, its LALR states in one order."""
    saved = io.BytesIO()
    parser.save(saved, exclude_options=("postlex",))
    serial = pickle.loads(saved.getvalue())
    serial["data"]["parser"]["parser"] = _numbered(serial["data"]["parser"]["parser"])
    return {"built_from": built_from(), **serial}


def pack(parser: Lark) -> bytes:
    """The snapshot file: the same bytes for the same grammar and lark (no pickle memo, which
    would follow how objects happen to be shared in memory)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.fast = True
    pickler.dump(serialized(parser))
    return gzip.compress(out.getvalue(), compresslevel=9, mtime=0)


def _numbered(table: dict) -> dict:
    """A parse table with states numbered breadth first from the start, tokens by name: lark
    numbers them differently on every build, the automaton is the same."""
    tokens = table["tokens"]
    names = sorted(set(tokens.values()))
    order: list[int] = []
    number: dict[int, int] = {}

    def by_name(actions: dict) -> list:
        return sorted(actions.items(), key=lambda item: tokens[item[0]])

    def visit(state: int) -> None:
        if state not in number:
            number[state] = len(order)
            order.append(state)

    for start in sorted(table["start_states"]):
        visit(table["start_states"][start])
    for state in order:  # grows while it is read
        for _, (action, argument) in by_name(table["states"][state]):
            if action == 0:  # shift: argument is the next state; reduce: a rule
                visit(argument)
    if len(order) != len(table["states"]):
        raise RuntimeError("lark's parse table has states no shift reaches")
    index = {name: i for i, name in enumerate(names)}
    return {"tokens": dict(enumerate(names)),
            "states": {number[state]: {index[tokens[token]]: (action, number[argument] if action == 0 else argument)
                                       for token, (action, argument) in by_name(table["states"][state])}
                       for state in order},
            "start_states": {name: number[state] for name, state in table["start_states"].items()},
            "end_states": {name: number[state] for name, state in table["end_states"].items()}}


class _Builtins(pickle.Unpickler):
    """The snapshot holds dicts, lists, tuples, strings and numbers: no class is ever loaded."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"{SNAPSHOT} refers to {module}.{name}")


def shipped() -> dict | None:
    """The snapshot in data/, if it was built from the installed grammar and lark."""
    try:
        packed = gzip.decompress((resources.files("accountguard") / SNAPSHOT).read_bytes())
        serial = _Builtins(io.BytesIO(packed)).load()
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    return serial if serial.get("built_from") == built_from() else None


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The parser: from the snapshot when it fits, else built."""
    serial = shipped()
    if serial is None:
        return build()
    return Lark._load_from_dict(serial["data"], serial["memo"], postlex=PostLexer())

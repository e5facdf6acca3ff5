"""The HCL parser accountguard ships prebuilt (accountguard/sources/hcl/grammar.py) is the
parser lark builds from python-hcl2's grammar."""
from pathlib import Path

import pytest
from lark import Token, Tree

from accountguard.sources.hcl import grammar

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fresh():
    return grammar.build()


def shape(node):
    """A parse tree with every token's kind and every node's position, which Tree's == leaves out."""
    if isinstance(node, Token):
        return node.type, str(node), node.line, node.column
    if isinstance(node, Tree):
        meta = node.meta
        where = (meta.line, meta.column, meta.end_line, meta.end_column) if not meta.empty else None
        return node.data, where, [shape(child) for child in node.children]
    return node


def test_shipped_parser_is_a_fresh_build_of_the_installed_grammar(fresh):
    shipped = grammar.shipped()
    assert shipped is not None, "built from another grammar or lark: run `python tests/parsergen.py`"
    assert shipped == grammar.serialized(fresh), "run `python tests/parsergen.py` and commit the snapshot"


def test_the_parser_in_use_parses_every_example_as_a_fresh_build_does(fresh):
    """The loaded parser with python-hcl2's post-lexer, not only the same tables: same trees, same lines."""
    texts = {path.read_text() + "\n": path for path in sorted(ROOT.glob("examples/**/*.tf"))
             + sorted(ROOT.glob("tests/configs/**/*.tf"))}  # many examples share files
    assert len(texts) > 100
    loaded = grammar.parser()
    for text, path in texts.items():
        assert shape(loaded.parse(text)) == shape(fresh.parse(text)), path
    # HCL scans `$${` as an escape of three characters; python-hcl2's grammar took it up to the next `}`.
    tokens = list(loaded.parse('x = "$${a}"\n\n').scan_values(lambda v: isinstance(v, Token)))
    assert [(t.type, str(t)) for t in tokens if t.type in ("ESCAPED_INTERPOLATION", "STRING_CHARS")] == \
        [("ESCAPED_INTERPOLATION", "$${"), ("STRING_CHARS", "a}")]


def test_a_snapshot_of_another_lark_is_not_used(monkeypatch):
    monkeypatch.setattr(grammar.lark, "__version__", "0.0.1")
    assert grammar.shipped() is None  # parser() builds one in memory instead

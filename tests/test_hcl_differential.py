"""The .tf evaluator against Terraform itself: random expressions (every
function accountguard implements, operators, templates, for expressions) and
variable type conversions, evaluated by `terraform console` and by
accountguard, must agree: the same value, or an error in Terraform that is an
error or an unknown in accountguard. Unknown is never wrong (it turns into an
error verdict); a different value is.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lark.exceptions import LarkError

import terraform_console
from accountguard.sources.hcl import Loader
from accountguard.sources.hcl.sandbox import Sandbox
from accountguard.sources.hcl.expressions import EvalError, Indeterminate, Scope, evaluate, unknowns
from accountguard.sources.hcl.functions import FUNCTIONS, _json_text
from accountguard.sources.hcl.syntax import parse_expression

ERROR, UNKNOWN = terraform_console.ERROR, terraform_console.UNKNOWN
BATCH = 40
pytestmark = pytest.mark.terraform
SETTINGS = settings(max_examples=10, deadline=None, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck))


def _nothing(name: str):
    raise EvalError(f"{name} is not defined here")


SCOPE = Scope(_nothing, Path("."), Path("."))


def ours(expression: str) -> str:
    try:
        tree = parse_expression(expression)
    except LarkError:  # python-hcl2 rejects some valid text (`"%%{{"`): an input error, never a value
        return UNKNOWN
    try:
        value = evaluate(tree, SCOPE)
        if any(True for _ in unknowns(value)):
            return UNKNOWN
        return _json_text(value)
    except EvalError:
        return ERROR
    except Indeterminate:
        return UNKNOWN


def _decoded(text: str):
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def disagreements(expressions: list[str], theirs: list[str], mine: list[str]) -> list[str]:
    wrong = []
    for expression, terraform, accountguard in zip(expressions, theirs, mine):
        if accountguard == UNKNOWN or terraform == UNKNOWN:
            continue
        if ERROR in (terraform, accountguard):
            if terraform != ERROR:  # accountguard rejects what Terraform accepts: a false error
                wrong.append(f"{expression}: Terraform {terraform}, accountguard an error")
            elif accountguard != ERROR:
                wrong.append(f"{expression}: Terraform an error, accountguard {accountguard}")
        elif _decoded(terraform) != _decoded(accountguard):
            wrong.append(f"{expression}: Terraform {terraform}, accountguard {accountguard}")
    return wrong


def compare(expressions: list[str]) -> None:
    theirs = terraform_console.evaluate(expressions)
    mine = [ours(e) for e in expressions]
    wrong = sorted(set(disagreements(expressions, theirs, mine)))
    assert not wrong, "\n".join(wrong[:40])


# --- HCL text of values and expressions ------------------------------------------

ALPHABET = "ab AZ09-_./:*\n\t\"\\$%{}<>&é~,"


def hcl_string(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
               .replace("${", "$${").replace("%{", "%%{"))
    return f'"{escaped}"'


strings = st.text(ALPHABET, max_size=8)
numbers = st.one_of(st.integers(-1000, 1000), st.sampled_from(
    ["0.5", "1.5", "-2.25", "1e3", "2.5e-3", "100000000000", "0.1", "3.0", "1e20", "7"]))
scalars = st.one_of(st.none(), st.booleans(), numbers.map(str), strings.map(hcl_string),
                    st.sampled_from(['"true"', '"false"', '"1"', '"0"', '"12"', '"-3.5"', '"1e2"', '" 1"', '""']))


def _collections(children):
    return st.one_of(st.lists(children, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
                     st.dictionaries(st.text("abc_", min_size=1, max_size=3), children, max_size=3).map(
                         lambda d: "{" + ", ".join(f"{hcl_string(k)} = {v}" for k, v in d.items()) + "}"))


def _scalar_text(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


values = st.recursive(scalars.map(_scalar_text), _collections, max_leaves=8)
string_lists = st.lists(st.one_of(strings.map(hcl_string), numbers.map(str)), max_size=4).map(
    lambda items: "[" + ", ".join(items) + "]")
regexes = st.sampled_from(["[a-z]+", "(a)(b)?", "(?P<x>a+)", "\\d+", "^a", "b$", "a|", "x*", ".", "[^a]", "\\s",
                           "(", "a{2}", "\\.", "(a)|(?P<n>b)", "[]a]", "\\bA", "$", "\\z", "é"])
formats = st.lists(st.one_of(st.sampled_from(["%", "%%", "x", " ", "|", "é"]),
                             st.builds(lambda flags, width, precision, verb: f"%{flags}{width}{precision}{verb}",
                                       st.sampled_from(["", "-", "+", "0", " ", "#"]),
                                       st.sampled_from(["", "3", "05", "[1]", "[2]"]),
                                       st.sampled_from(["", ".2", ".0"]),
                                       st.sampled_from(list("vdsqtxXobeEfgG") + ["#v", "z"]))),
                   max_size=4).map("".join).map(hcl_string)

TYPED = {"string": strings.map(hcl_string), "number": numbers.map(str), "bool": st.sampled_from(["true", "false"]),
         ("list", "string"): string_lists, ("list", "bool"): st.lists(
             st.sampled_from(["true", "false", '"true"', "null"]), max_size=3).map(lambda i: "[" + ", ".join(i) + "]"),
         ("list", "number"): st.lists(numbers.map(str), max_size=3).map(lambda i: "[" + ", ".join(i) + "]")}


def argument(type_) -> st.SearchStrategy[str]:
    """Mostly a value of the parameter's type, sometimes anything (to compare errors)."""
    typed = TYPED.get(type_ if isinstance(type_, str) else tuple(type_))
    return st.one_of(typed, values) if typed is not None else values


@st.composite
def function_calls(draw, name: str | None = None) -> str:
    name = name or draw(st.sampled_from(sorted(FUNCTIONS)))
    function = FUNCTIONS[name]
    args = [draw(argument(t)) for t in function.params]
    if function.variadic is not None:
        args += draw(st.lists(argument(function.variadic), max_size=3))
    if name in ("regex", "regexall"):
        args[0] = draw(st.one_of(regexes.map(hcl_string), st.just(args[0])))
    if name == "replace":
        args[1] = draw(st.one_of(regexes.map(lambda r: hcl_string(f"/{r}/")), st.just(args[1])))
        args[2] = draw(st.one_of(st.sampled_from(['"[$1]"', '"$$"', '"$${n}-"', '"$0"', '"$1x"']), st.just(args[2])))
    if name in ("format", "formatlist"):
        args[0] = draw(st.one_of(formats, st.just(args[0])))
        args[1:] = ['"n"' if a == "null" else a for a in args[1:]]  # go-cty: a null argument is unknown
    if draw(st.integers(0, 9)) == 0 and args:  # a wrong number of arguments now and then
        args = args[:-1] if draw(st.booleans()) else args + [args[-1]]
    return f"{name}({', '.join(args)})"


OPERATORS = ["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"]
expressions = st.one_of(
    function_calls(),
    st.builds(lambda a, op, b: f"({a}) {op} ({b})", st.one_of(numbers.map(str), scalars.map(_scalar_text)),
              st.sampled_from(OPERATORS), st.one_of(numbers.map(str), scalars.map(_scalar_text))),
    st.builds(lambda c, a, b: f"({c}) ? {a} : {b}", scalars.map(_scalar_text), values, values),
    st.builds(lambda v: f'"<${{{v}}}>"', values),
    st.builds(lambda c, a, b: f'"x%{{ if {c} ~}}  {a} %{{~ else }}{b}%{{ endif }}y"', scalars.map(_scalar_text),
              strings.map(lambda t: hcl_string(t)[1:-1]), strings.map(lambda t: hcl_string(t)[1:-1])),
    st.builds(lambda v: f'"%{{ for k, x in {v} }}[${{k}}=${{x}}]%{{ endfor }}"', values),
    st.builds(lambda v: f"[for k, x in {v} : x]", values),
    st.builds(lambda v: f"{{for k, x in {v} : x => k}}", values),
    st.builds(lambda v: f"{{for k, x in {v} : x => k...}}", values),
    # parenthesised: python-hcl2 reads `-1[0]` as (-1)[0], HCL as -(1[0])
    st.builds(lambda v, i: f"({v})[{i}]", values, scalars.map(_scalar_text)),
    st.builds(lambda v: f"({v})[*]", values),
    st.builds(lambda op, v: f"{op}({v})", st.sampled_from(["-", "!"]), scalars.map(_scalar_text)),
    st.builds(lambda f: f"jsonencode({f})", function_calls()),
    values,
)


@SETTINGS
@given(st.lists(expressions, min_size=BATCH, max_size=BATCH, unique=True))
def test_expressions_evaluate_as_terraform_console_evaluates_them(batch):
    compare(batch)


CALLS_PER_FUNCTION = 5
FUNCTION_GROUPS = [sorted(FUNCTIONS)[i::8] for i in range(8)]  # small examples: hypothesis bounds their size


@pytest.mark.parametrize("names", FUNCTION_GROUPS, ids=lambda names: f"{names[0]}..")
def test_every_function_evaluates_as_terraform_console_evaluates_it(names):
    @settings(max_examples=3, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.tuples(*[st.lists(function_calls(name), min_size=CALLS_PER_FUNCTION, max_size=CALLS_PER_FUNCTION,
                                unique=True) for name in names]))
    def check(calls):
        compare([call for per_function in calls for call in per_function])
    check()


# Terraform's own documentation and go-cty's tests give these; each must be known.
KNOWN = {
    'format("%03d", 1)': '"001"',
    'replace("a-b-c", "/-/", "+")': '"a+b+c"',
    'replace("abc", "/(b)/", "[$1]")': '"a[b]c"',
    '"a%{ if true }b%{ else }c%{ endif }"': '"ab"',
    '"%{ for x in [1, 2] ~} ${x} %{~ endfor }"': '"12"',
    'tobool("false")': "false",
    'jsonencode({b = ["<"], a = 1.5})': json.dumps('{"a":1.5,"b":["\\u003c"]}'),
    "1 / 4": "0.25",
    'format("%v", 1234567)': '"1.234567e+06"',
    '"x${0.1 + 0.2}"': '"x0.3"',
}


def test_documented_results_are_known_and_equal_terraforms():
    expressions = list(KNOWN)
    theirs = terraform_console.evaluate(expressions)
    assert theirs == [KNOWN[e] for e in expressions]
    assert [ours(e) for e in expressions] == theirs


# Text python-hcl2 8.1.4 parses otherwise than HCL: a unary minus before an index, and
# the escapes `$${` / `%%{` (three characters in HCL, up to the next `}` in python-hcl2,
# which made "$${${1}}" literal and ["$${", "}"] one string). Each must be known and equal.
PARSE_CASES = ['-1[0]', '-(1)[0]', '-[1][0]', '-{a = 1}.a', '1 - -1', '3*-1', '[1, -1][1]',
               '"$${"', '"$${{"', '"$${{x}}"', '"x$${{${1}}}"', '"$${${1}}"', '["$${", "}"]', '"%%{{x}}"',
               '"%%{ if true }"', '"a$$${b}"', '"$$"', '"$${aws:username}"', '"%%{${"a"}}"']


def test_parse_cases_python_hcl2_got_wrong_are_terraforms():
    theirs = terraform_console.evaluate(PARSE_CASES)
    assert UNKNOWN not in theirs
    assert dict(zip(PARSE_CASES, [ours(e) for e in PARSE_CASES])) == dict(zip(PARSE_CASES, theirs))


# Terraform's strings are NFC (cty normalizes every string it makes): "e" and a combining
# acute accent are "é", in a literal, a template's result and a function's.
NFC_CASES = ['"e\u0301"', '"${"e"}\u0301"', 'basename("/x/e\u0301")', 'length("e\u0301")',
             '"e\u0301" == "\u00e9"', 'format("%s\u0301", "e")', 'split("/", "a\u0301/b")']


def test_strings_are_normalized_as_terraform_normalizes_them():
    theirs = terraform_console.evaluate(NFC_CASES)
    assert UNKNOWN not in theirs
    assert dict(zip(NFC_CASES, [ours(e) for e in NFC_CASES])) == dict(zip(NFC_CASES, theirs))


# --- conversion by a variable's type constraint ---------------------------------------

PRIMITIVE_TYPES = st.sampled_from(["string", "number", "bool", "any"])


def _types(children):
    return st.one_of(
        st.builds(lambda kind, t: f"{kind}({t})", st.sampled_from(["list", "set", "map"]), children),
        st.lists(st.tuples(st.sampled_from("abc"), children, st.sampled_from([None, "null", "default"])),
                 max_size=3, unique_by=lambda a: a[0]).map(_object_type),
        st.lists(children, min_size=1, max_size=2).map(lambda ts: f"tuple([{', '.join(ts)}])"))


def _object_type(attributes) -> str:
    parts = []
    for name, type_, optional in attributes:
        if optional is None:
            parts.append(f"{name} = {type_}")
        elif optional == "null":
            parts.append(f"{name} = optional({type_})")
        else:
            parts.append(f'{name} = optional({type_}, {"{}" if type_.startswith(("object", "map")) else "[]" if type_.startswith(("list", "set", "tuple")) else "1"})')
    return "object({" + ", ".join(parts) + "})"


type_constraints = st.recursive(PRIMITIVE_TYPES, _types, max_leaves=4)


def ours_variables(cases: list[tuple[str, str]], tmp_path: Path) -> list[str]:
    results = []
    for i, (type_, default) in enumerate(cases):
        directory = tmp_path / f"v{i}"
        directory.mkdir()
        (directory / "main.tf").write_text(f'variable "v" {{\n  type = {type_}\n  default = {default}\n}}\n')
        try:
            value = Loader(directory, Sandbox(directory), [], []).top.variable("v")
            results.append(UNKNOWN if any(True for _ in unknowns(value)) else _json_text(value))
        except EvalError:
            results.append(ERROR)
    return results


@settings(max_examples=3, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(type_constraints, values), min_size=30, max_size=30, unique=True))
def test_variables_convert_to_their_type_as_terraform_converts_them(tmp_path_factory, cases):
    tmp_path = tmp_path_factory.mktemp("variables")
    theirs = terraform_console.variables(cases)
    mine = ours_variables(cases, tmp_path)
    wrong = disagreements([f"type = {t}, default = {d}" for t, d in cases], theirs, mine)
    assert not wrong, "\n".join(wrong)


def test_documented_conversions(tmp_path):
    # Terraform's docs (language/expressions/type-constraints): "true" converts to bool true,
    # optional() attributes take their defaults, numbers convert from strings.
    cases = [("bool", '"true"'), ("bool", '"false"'), ("number", '"15"'), ("string", "14"),
             ('object({effect = optional(string, "Allow"), actions = list(string)})', '{actions = ["s3:*"]}'),
             ("list(object({a = optional(bool, true)}))", "[{}, {a = false}]")]
    expected = ["true", "false", "15", '"14"', '{"actions":["s3:*"],"effect":"Allow"}', '[{"a":true},{"a":false}]']
    assert terraform_console.variables(cases) == expected
    assert ours_variables(cases, tmp_path) == expected

"""Every resource type and data source of the AWS provider that can change a
control's verdict is read, an error or irrelevant by decision (docs/coverage.md),
never silently ignored; the provider's own schema says which types exist."""
import json
import tempfile
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from conftest import FIXTURES

import fixturegen
from accountguard.catalogue import coverage_markdown
from accountguard.controls import all_controls
from accountguard.resource_policies import GRANT_NAMES, GRANTS, POLICIES, POLICY_ATTRIBUTES
from accountguard.schema import resource_schema, resource_types

ROOT = FIXTURES.parent


@pytest.fixture(scope="module")
def provider_types():
    """`terraform providers schema -json` of the mirrored hashicorp/aws provider."""
    with tempfile.TemporaryDirectory(prefix="accountguard-schema-") as workdir:
        Path(workdir, "main.tf").write_text('terraform {\n  required_providers {\n'
                                            '    aws = { source = "hashicorp/aws" }\n  }\n}\n')
        env = fixturegen._environment(str(Path(workdir, ".terraform")))
        fixturegen._init("schema", Path(workdir), env)
        schema = json.loads(fixturegen._terraform("schema", Path(workdir), env, "providers", "schema", "-json"))
    (aws,) = schema["provider_schemas"].values()
    return set(aws["resource_schemas"]) | {f"data.{t}" for t in aws["data_source_schemas"]}


@pytest.mark.terraform
@pytest.mark.parametrize("control", all_controls(), ids=lambda c: c.id)
def test_every_type_of_the_control_families_is_classified(control, provider_types):
    coverage = control.coverage
    listed = set(coverage.read) | set(coverage.error) | set(coverage.irrelevant)
    assert listed <= provider_types, f"not in the provider's schema: {sorted(listed - provider_types)}"
    family = {t for t in provider_types if any(fnmatchcase(t, f) for f in coverage.families)}
    assert not family - listed, f"{control.id} does not say what it makes of {sorted(family - listed)}"
    if "P" in control.modes or "H" in control.modes:
        assert coverage.read, f"{control.id} is judged from Terraform but reads no resource type"


def test_docs_coverage_is_generated_from_the_registry():
    committed = (ROOT / "docs" / "coverage.md").read_text()
    assert committed == coverage_markdown(all_controls()), "run `python -m accountguard.catalogue`"


def _policy_attributes(block, prefix=""):
    """The string attributes of a schema block (nested ones as `block.attr`) named like a policy."""
    for name, attribute in block.attributes.items():
        if attribute.type == "string" and name in POLICY_ATTRIBUTES:
            yield prefix + name
    for name, nested in block.blocks.items():
        yield from _policy_attributes(nested.block, f"{prefix}{name}.")


def test_ag_key_1_classifies_every_resource_policy_and_grant_of_the_provider():
    """Derived from the shipped schema, not a hand list: every managed type with a policy-like
    string attribute, or named like a grant, is read, an error or irrelevant for AG_KEY_1; a
    read one is read at the attribute the schema has."""
    (control,) = [c for c in all_controls() if c.id == "AG_KEY_1"]
    carrying = {t: set(_policy_attributes(resource_schema("managed", t))) for t in resource_types("managed")}
    carrying = {t: attrs for t, attrs in carrying.items() if attrs or GRANT_NAMES.search(t)}
    assert len(carrying) > 80
    assert not [t for t in carrying if not control.coverage.classifies(t)]
    assert not {t: a for t, a in POLICIES.items() if a not in carrying.get(t, ())}
    assert set(GRANTS) <= set(carrying)


def test_live_mode_reads_resource_policies_as_the_providers_types():
    """docs/coverage.md's live lines name real types: what live mode reads is what a plan sets."""
    from accountguard.resource_policies import ACL_SETTINGS, GRANTS, LIVE_POLICIES, POLICIES
    from accountguard.sources.live.resource_policies import COVERED
    assert COVERED <= set(POLICIES) | set(GRANTS) | set(LIVE_POLICIES) | set(ACL_SETTINGS)

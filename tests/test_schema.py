"""The provider schema snapshot accountguard ships (accountguard/schema.py)."""
import gzip
import json

import pytest

import schemagen
from accountguard.schema import pack, resource_schema


@pytest.mark.terraform
def test_shipped_schema_matches_a_fresh_terraform_providers_schema():
    """Every type's schema, a JSON string of its own, exactly as schemagen writes it from Terraform's."""
    shipped = json.loads(gzip.decompress(schemagen.TARGET.read_bytes()))
    fresh = json.loads(gzip.decompress(pack(schemagen.generate())))
    assert shipped == fresh, "run `make schema` and commit accountguard/data/aws_schema.json.gz"


def test_schema_gives_types_nesting_and_flags():
    # terraform-provider-aws internal/service/cloudtrail/cloudtrail.go: event_selector is a
    # TypeList block (max 5) of include_management_events TypeBool; arn is Computed; name Required.
    trail = resource_schema("managed", "aws_cloudtrail")
    selector = trail.blocks["event_selector"]
    assert (selector.nesting, selector.max_items) == ("list", 5)
    assert selector.block.attributes["include_management_events"].type == "bool"
    assert trail.attributes["arn"].computed and not trail.attributes["arn"].optional
    assert trail.attributes["name"].required
    assert trail.attributes["tags"].type == ["map", "string"]
    # aws_iam_access_key.secret is Sensitive (internal/service/iam/access_key.go).
    assert resource_schema("managed", "aws_iam_access_key").attributes["secret"].sensitive
    assert resource_schema("data", "aws_iam_policy_document").attributes["json"].computed
    assert resource_schema("managed", "aws_no_such_thing") is None

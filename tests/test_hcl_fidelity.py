"""The .tf mode gives the values Terraform would: conversion by the provider
schema and by type constraints, functions, templates, references through
computed attributes and partly unknown policies. Each expectation cites what
Terraform or the provider does."""
from __future__ import annotations

import json
import textwrap

from conftest import TRAIL_BUCKET_TF

from accountguard.engine import evaluate as judge
from accountguard.model import SENSITIVE, Unknown
from accountguard.sources.hcl import load_directory

TRAIL = """
resource "aws_cloudtrail" "main" {
  name                          = "t"
  s3_bucket_name                = "b"
  is_multi_region_trail         = %(multi)s
  include_global_service_events = true
  enable_logging                = %(logging)s
  event_selector {
    read_write_type           = "All"
    include_management_events = %(management)s
  }
}
""" + TRAIL_BUCKET_TF.replace("%(bucket)s", "b")


def directory(tmp_path, **files: str):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


def status(inventory, control: str) -> str:
    found = {f.status.value for result in judge(inventory) for f in result.findings if f.control == control}
    return max(found, key=["not_applicable", "pass", "fail", "error"].index)


def resource(inventory, address: str):
    return next(r for r in inventory if r.address == address)


def test_strings_convert_to_the_schema_type(tmp_path):
    # aws_cloudtrail's include_management_events, is_multi_region_trail and enable_logging are
    # TypeBool (provider schema); Terraform converts "false" to false before the provider sees it.
    weak = load_directory(directory(tmp_path, **{"main.tf": TRAIL % {
        "multi": '"true"', "logging": '"true"', "management": '"false"'}}))
    trail = resource(weak, "aws_cloudtrail.main")
    assert trail.values["event_selector"][0]["include_management_events"] is False
    assert trail.values["is_multi_region_trail"] is True
    assert status(weak, "AG_TRAIL_1") == "fail"


def test_sound_trail_written_with_strings_passes(tmp_path):
    sound = load_directory(directory(tmp_path, **{"main.tf": TRAIL % {
        "multi": '"true"', "logging": '"1"', "management": '"true"'}}))  # cty converts "1" to true
    assert status(sound, "AG_TRAIL_1") == "pass"


def test_numbers_convert_from_strings_by_the_schema(tmp_path):
    # minimum_password_length is TypeInt: "16" is the number 16.
    found = load_directory(directory(tmp_path, **{"main.tf": """
        resource "aws_iam_account_password_policy" "p" {
          minimum_password_length = "16"
          require_symbols         = "true"
        }
    """}))
    values = resource(found, "aws_iam_account_password_policy.p").values
    assert values["minimum_password_length"] == 16 and values["require_symbols"] is True


def test_variables_convert_to_their_type_constraint(tmp_path):
    # Terraform docs, type constraints: a bool variable's "true" default is true; optional()
    # attributes take their defaults; `sensitive = "true"` is a bool too.
    found = load_directory(directory(tmp_path, **{"main.tf": """
        variable "multi" {
          type    = bool
          default = "true"
        }
        variable "statements" {
          type = list(object({
            effect  = optional(string, "Allow")
            actions = list(string)
          }))
          default = [{ actions = ["s3:GetObject"] }]
        }
        variable "email" {
          type      = string
          default   = "oncall@example.com"
          sensitive = "true"
        }
        resource "aws_cloudtrail" "main" {
          name                  = "t"
          s3_bucket_name        = "b"
          is_multi_region_trail = var.multi
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({ Version = "2012-10-17", Statement = [
            for s in var.statements : { Effect = s.effect, Action = s.actions, Resource = "*" }] })
        }
        resource "aws_sns_topic_subscription" "s" {
          topic_arn = "arn:aws:sns:us-east-1:111111111111:t"
          protocol  = "email"
          endpoint  = var.email
        }
    """}))
    assert resource(found, "aws_cloudtrail.main").values["is_multi_region_trail"] is True
    policy = json.loads(resource(found, "aws_iam_policy.p").values["policy"])
    assert policy["Statement"][0]["Effect"] == "Allow"
    assert resource(found, "aws_sns_topic_subscription.s").values["endpoint"] is SENSITIVE


def test_quoted_string_directives_and_functions(tmp_path):
    found = load_directory(directory(tmp_path, **{"main.tf": """
        locals {
          regions = ["eu-west-1", "us-east-1"]
        }
        resource "aws_sns_topic" "t" {
          name = "%{ for r in local.regions ~} ${replace(r, "/-[0-9]$/", "")}. %{~ endfor }${format("%03d", 7)}"
        }
    """}))
    # Terraform: ~ strips the whitespace beside the directive; replace with /re/ is a regex replace.
    assert resource(found, "aws_sns_topic.t").values["name"] == "eu-west.us-east.007"


def test_reference_through_a_computed_name_keeps_its_user(tmp_path):
    # The key's user is aws_iam_user.u's name, which depends on a variable without a value:
    # unknown, but still that user (as the plan's configuration references say).
    found = load_directory(directory(tmp_path, **{"main.tf": """
        variable "prefix" {
          type = string
        }
        resource "aws_iam_user" "u" {
          name = "${var.prefix}-deploy"
        }
        resource "aws_iam_access_key" "k" {
          user = aws_iam_user.u.name
        }
    """}))
    key = resource(found, "aws_iam_access_key.k")
    assert isinstance(key.values["user"], Unknown)
    assert found.link(key, "user", "aws_iam_user").resources == [resource(found, "aws_iam_user.u")]


def test_jsonencode_with_an_unknown_arn_keeps_the_known_effect_and_action(tmp_path):
    from accountguard.access import policy_of
    found = load_directory(directory(tmp_path, **{"main.tf": """
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{ Effect = "Allow", Action = "*", Resource = aws_s3_bucket.b.arn }]
          })
        }
    """}))
    policy_resource = resource(found, "aws_iam_policy.p")
    assert isinstance(policy_resource.values["policy"], Unknown)  # the text is not known
    policy = policy_of(found, policy_resource, "policy")
    statement = policy.statements[0]
    assert (statement.effect, statement.actions) == ("Allow", ("*",))
    assert isinstance(statement.resources[0], Unknown)


def test_unimplemented_functions_are_unknown_not_guessed(tmp_path):
    found = load_directory(directory(tmp_path, **{"main.tf": """
        resource "aws_sns_topic" "t" {
          name = "${cidrsubnet("10.0.0.0/16", 8, 1)}-${lower("ÉTÉ")}-${1 / 3}"
        }
    """}))
    assert isinstance(resource(found, "aws_sns_topic.t").values["name"], Unknown)


def test_optional_defaults_through_a_conditional_for_each(tmp_path):
    # The pattern of terraform-aws-modules/iam/modules/iam-user: a map(object) variable with
    # optional(string, "Allow"), iterated with `var.x != null ? var.x : {}` (Terraform unifies
    # {} with the map). The statement's effect is the default, Allow.
    found = load_directory(directory(tmp_path, **{"main.tf": """
        variable "permissions" {
          type = map(object({
            sid     = optional(string)
            actions = optional(list(string))
            effect  = optional(string, "Allow")
          }))
          default = { Logs = { actions = ["logs:CreateLogGroup"] } }
        }
        data "aws_iam_policy_document" "inline" {
          dynamic "statement" {
            for_each = var.permissions != null ? var.permissions : {}
            content {
              sid       = try(coalesce(statement.value.sid, statement.key))
              actions   = statement.value.actions
              effect    = statement.value.effect
              resources = ["*"]
            }
          }
        }
    """}))
    document = json.loads(resource(found, "data.aws_iam_policy_document.inline").values["json"])
    assert document["Statement"][0]["Effect"] == "Allow" and document["Statement"][0]["Sid"] == "Logs"


def test_regex_that_would_backtrack_is_unknown_not_a_hang(tmp_path):
    # RE2 (Terraform) matches (a+)+$ in linear time; Python's re backtracks exponentially on it.
    found = load_directory(directory(tmp_path, **{"main.tf": """
        resource "aws_sns_topic" "t" {
          name = replace("${join("", [for i in range(40) : "a"])}b", "/(a+)+$/", "x")
        }
    """}))
    assert isinstance(resource(found, "aws_sns_topic.t").values["name"], Unknown)


def test_conditional_between_a_map_of_objects_and_an_empty_object(tmp_path):
    # Terraform unifies `cond ? map(object) : {}` to the map type, whatever the lists' lengths.
    found = load_directory(directory(tmp_path, **{"main.tf": """
        variable "users" {
          type    = map(object({ groups = list(string) }))
          default = { a = { groups = ["x"] }, b = { groups = ["x", "y"] } }
        }
        resource "aws_iam_user" "u" {
          for_each = var.users != null ? var.users : {}
          name     = each.key
        }
    """}))
    assert sorted(r.address for r in found) == ['aws_iam_user.u["a"]', 'aws_iam_user.u["b"]']

"""Terraform plan JSON (`terraform show -json PLAN`) -> Inventory.

The inventory is the state after the change: resources being destroyed are
gone, values known only after apply are `Unknown`, sensitive ones `SENSITIVE`,
regions come from each resource's provider configuration, and references are
taken from `configuration` and resolved across modules. A plan with a prior
state also gets the inventory before the change and the list of changes.
"""
from __future__ import annotations

import codecs
import json
import os
import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from ..limits import JSON_MAX_DEPTH, JSON_MAX_INT_DIGITS, PLAN_MAX_BYTES, MiB
from ..model import (SENSITIVE, Change, InputError, Inventory, Resource, Unknown, Untraced, config_address,
                     providers_may_differ)

SUPPORTED_MAJOR_VERSIONS = ("0", "1")


def read_json(path: str | Path, what: str) -> Any:
    """Decode a JSON file written by any shell: UTF-8, with or without a BOM, or UTF-16.
    Within the bounds of limits.py: size, nesting depth, digits of a number."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size  # 0 for a pipe: then the read is bounded
            raw = b"" if size > PLAN_MAX_BYTES else handle.read(PLAN_MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a {what} file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if max(size, len(raw)) > PLAN_MAX_BYTES:
        raise InputError(f"{path}: larger than {PLAN_MAX_BYTES // MiB} MiB, the most accountguard reads")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file ({what} expected)") from None
    del raw
    if not text.strip():
        raise InputError(f"{path}: empty file, expected {what}")
    try:
        return json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise InputError(f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}") from None
    except RecursionError:
        raise InputError(f"{path}: nested deeper than {JSON_MAX_DEPTH} levels, not {what}") from None
    except _TooManyDigits:
        raise InputError(f"{path}: a number with more than {JSON_MAX_INT_DIGITS} digits, not {what}") from None


class _TooManyDigits(ValueError):
    pass


def _bounded_int(digits: str) -> int:
    """int() whatever sys.set_int_max_str_digits says: converting a long number takes quadratic time."""
    if len(digits.lstrip("-")) > JSON_MAX_INT_DIGITS:
        raise _TooManyDigits
    return int(digits)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest deeper than `limit`, walked level by level (no recursion)."""
    level = [value]
    for _ in range(limit):
        level = [child for node in level
                 for child in (node.values() if isinstance(node, dict) else node)
                 if isinstance(child, (dict, list))]
        if not level:
            return False
    return True


def _check_plan(plan: Any, path: str) -> None:
    hint = "run `terraform show -json PLANFILE > plan.json`"
    if not isinstance(plan, dict) or not plan:
        raise InputError(f"{path}: not a Terraform plan (expected a JSON object with format_version; {hint})")
    if _depth_exceeds(plan, JSON_MAX_DEPTH):
        raise InputError(f"{path}: nested deeper than {JSON_MAX_DEPTH} levels, not a Terraform plan")
    version = plan.get("format_version")
    if not isinstance(version, str):
        raise InputError(f"{path}: not a Terraform plan: no format_version ({hint})")
    if version.split(".")[0] not in SUPPORTED_MAJOR_VERSIONS:
        raise InputError(f"{path}: plan format_version {version!r} is not supported (supported: 0.x and 1.x)")
    if "resource_changes" not in plan and "planned_values" not in plan:
        if "values" in plan:
            raise InputError(f"{path}: this is a Terraform state, not a plan ({hint})")
        raise InputError(f"{path}: not a Terraform plan: no resource_changes or planned_values ({hint})")
    if plan.get("errored") is True:
        raise InputError(f"{path}: the plan errored (errored: true); fix `terraform plan` before judging it")


def _redact(value: Any) -> Any:
    """A sensitive subtree keeps its shape (how many subscribers) but no value."""
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return None if value is None else SENSITIVE


def _merge(value: Any, unknown: Any, sensitive: Any) -> Any:
    """One value tree from Terraform's after / after_unknown / after_sensitive."""
    if sensitive is True:
        return SENSITIVE if unknown is True else _redact(value)
    if unknown is True:
        return Unknown()
    if isinstance(value, dict) or isinstance(unknown, dict):
        value = value if isinstance(value, dict) else {}
        unknown = unknown if isinstance(unknown, dict) else {}
        sensitive = sensitive if isinstance(sensitive, dict) else {}
        if not unknown and not sensitive:
            return value
        return {key: _merge(value.get(key), unknown.get(key), sensitive.get(key))
                for key in value.keys() | unknown.keys()}
    if isinstance(value, list) or isinstance(unknown, list):
        value = value if isinstance(value, list) else []
        unknown = unknown if isinstance(unknown, list) else []
        sensitive = sensitive if isinstance(sensitive, list) else []
        if not unknown and not sensitive:
            return value
        length = max(len(value), len(unknown))
        return [_merge(value[i] if i < len(value) else None,
                       unknown[i] if i < len(unknown) else None,
                       sensitive[i] if i < len(sensitive) else None) for i in range(length)]
    return value


_MODULE = re.compile(r'module\.([^.\[]+)(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?(?:\.([^.\[]+))?')
_DATA = re.compile(r'data\.[^.\[]+\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?')
_RESOURCE = re.compile(r'[a-z][a-z0-9_]*\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?')
_NOT_RESOURCES = ("local.", "each.", "count.", "path.", "self.", "terraform.")


class _Targets(NamedTuple):
    """Where a reference ends: resource addresses, and the locals on the way
    (a plan records no locals, so a reference through one ends there)."""

    addresses: frozenset[str] = frozenset()
    locals: frozenset[str] = frozenset()

    def __or__(self, other: _Targets) -> _Targets:
        return _Targets(self.addresses | other.addresses, self.locals | other.locals)


class _Configuration:
    """The plan's `configuration` block: resources by address, and references
    followed through module inputs and outputs."""

    def __init__(self, configuration: dict[str, Any]) -> None:
        self.provider_config = configuration.get("provider_config") or {}
        self.resources: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {}
        self.modules: dict[tuple[str, ...], dict[str, Any]] = {}
        self.calls: dict[tuple[str, ...], dict[str, Any]] = {}
        self._walk(configuration.get("root_module") or {}, ())

    def _walk(self, module: dict[str, Any], path: tuple[str, ...]) -> None:
        self.modules[path] = module
        prefix = "".join(f"module.{name}." for name in path)
        for resource in module.get("resources") or ():
            self.resources[prefix + resource["address"]] = (resource, path)
        for name, call in (module.get("module_calls") or {}).items():
            self.calls[path + (name,)] = call
            self._walk(call.get("module") or {}, path + (name,))

    @lru_cache(maxsize=None)
    def resolve(self, reference: str, path: tuple[str, ...]) -> _Targets:
        """Resource addresses a reference written in module `path` ends at."""
        prefix = "".join(f"module.{name}." for name in path)
        if reference.startswith("local."):
            return _Targets(locals=frozenset({prefix + reference.split("[")[0]}))
        if reference.startswith(_NOT_RESOURCES):
            return _Targets()
        if reference.startswith("var."):
            call = self.calls.get(path)
            if call is None:
                return _Targets()
            name = reference.split(".")[1].split("[")[0]
            expression = (call.get("expressions") or {}).get(name) or {}
            return self._resolve_all(_references(expression), path[:-1])
        if reference.startswith("module."):
            match = _MODULE.match(reference)
            if not match or not match.group(2):
                return _Targets()
            child = path + (match.group(1),)
            outputs = (self.modules.get(child) or {}).get("outputs") or {}
            expression = (outputs.get(match.group(2)) or {}).get("expression") or {}
            return self._resolve_all(_references(expression), child)
        match = (_DATA if reference.startswith("data.") else _RESOURCE).match(reference)
        if not match:
            return _Targets()
        address = prefix + match.group(0)
        return _Targets(frozenset({config_address(address) if path else address}))

    def _resolve_all(self, references: list[str], path: tuple[str, ...]) -> _Targets:
        found = _Targets()
        for reference in references:
            found |= self.resolve(reference, path)
        return found

    def targets(self, address: str) -> dict[str, _Targets]:
        """Per attribute of the resource at `address`, where its references end."""
        return self._targets(config_address(address))

    @lru_cache(maxsize=None)
    def _targets(self, address: str) -> dict[str, _Targets]:
        entry = self.resources.get(address)
        if entry is None:
            return {}
        resource, path = entry
        return {attr: self._resolve_all(_references(expression), path)
                for attr, expression in (resource.get("expressions") or {}).items()}

    def configured(self, address: str) -> frozenset[str] | None:
        """The attributes and blocks the configuration writes for the resource; None
        for a resource the configuration does not show."""
        entry = self.resources.get(config_address(address))
        if entry is None:
            return None
        expressions = entry[0].get("expressions")
        return frozenset(expressions) if isinstance(expressions, dict) else frozenset()

    def references(self, address: str) -> dict[str, tuple[str, ...]]:
        return {attr: tuple(sorted(found.addresses)) for attr, found in self.targets(address).items()
                if found.addresses}

    def region(self, address: str, variables: dict[str, Any]) -> Any:
        entry = self.resources.get(config_address(address))
        if entry is None:
            return Unknown(f"{address} is not in the plan's configuration")
        key = entry[0].get("provider_config_key", "aws")
        provider = self.provider_config.get(key) or self.provider_config.get(key.rsplit(":", 1)[-1])
        if provider is None:
            return Unknown(f"provider {key} of {address} is not in the plan's configuration")
        expression = (provider.get("expressions") or {}).get("region") or {}
        if "constant_value" in expression:
            return expression["constant_value"]
        refs = expression.get("references") or []
        if len(refs) == 1 and refs[0].startswith("var.") and not provider.get("module_address"):
            variable = variables.get(refs[0].split(".")[1]) or {}
            if isinstance(variable.get("value"), str):
                return variable["value"]
        return Unknown(f"the region of provider {key} is not written in the plan "
                       "(set `region` in the provider block)")


def _references(expression: Any) -> list[str]:
    """Every reference inside an expression, nested blocks included."""
    if isinstance(expression, list):
        return [ref for item in expression for ref in _references(item)]
    if not isinstance(expression, dict):
        return []
    if isinstance(expression.get("references"), list):
        return list(expression["references"])
    if "constant_value" in expression:
        return []
    return [ref for value in expression.values() for ref in _references(value)]


def _module_resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources") or ()
    for child in module.get("child_modules") or ():
        yield from _module_resources(child)


def load_plan(path: str | Path, configuration_dir: str | Path | None = None,
              tree: str | Path | None = None) -> Inventory:
    """Read a plan JSON file; InputError if it is not one accountguard can judge.
    `configuration_dir`: the directory the plan was made from (read within `tree`),
    to follow references through locals, which plan JSON does not record, and to
    locate findings in its files."""
    configuration = None
    if configuration_dir is not None:
        from .hcl import load_directory  # the HCL parser, only for --tf-dir
        configuration = load_directory(configuration_dir, tree=tree)
    return plan_inventory(read_json(path, "Terraform plan JSON"), str(path), configuration)


def plan_inventory(plan: Any, source: str, configuration: Inventory | None = None) -> Inventory:
    """The Inventory of decoded plan JSON; InputError for anything that is not a readable plan."""
    _check_plan(plan, source)
    try:
        return inventory_from_plan(plan, source, configuration)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{source}: not a Terraform plan accountguard can read "
                         f"(unexpected structure: {type(exc).__name__})") from None


MAX_NAMED = 3  # resources named in a note; the rest are counted


def _named(addresses: list[str]) -> str:
    more = len(addresses) - MAX_NAMED
    return ", ".join(addresses[:MAX_NAMED]) + (f" and {more} more" if more > 0 else "")


def inventory_from_plan(plan: dict[str, Any], source: str, directory: Inventory | None = None) -> Inventory:
    """The account after the plan is applied: what it creates, updates or reads;
    what it forgets (`removed` with `destroy = false`), which stays in the account
    as it was; and every resource it leaves alone (an incomplete `-target` plan,
    a `-refresh-only` plan), as the prior state has it. `directory`: the plan's
    configuration read as a .tf directory, whose references through locals are taken."""
    configuration = _Configuration(plan.get("configuration") or {})
    if directory is not None:
        strays = sorted({r.config_address for r in directory} - configuration.resources.keys())
        if strays:
            raise InputError(f"{directory.source} is not the configuration {source} was made from: it declares "
                             f"{_named(strays)}, which the plan does not")
    variables = plan.get("variables") or {}
    resources: list[Resource] = []
    seen: set[str] = set()
    planned: set[tuple[str, str]] = set()  # (address, deposed key) of every object the plan has an action for
    changes: list[Change] = []
    forgotten: list[str] = []

    def add(address: str, type_: str, mode: str, values: Any) -> None:
        seen.add(address)
        if not isinstance(values, dict):
            return
        resource = Resource(address=address, type=type_, mode=mode, values=values,
                            region=configuration.region(address, variables),
                            references=configuration.references(address),
                            configured=configuration.configured(address))
        _follow_locals(resource, configuration, directory)
        resources.append(resource)

    for change in plan.get("resource_changes") or ():
        if change.get("mode") not in ("managed", "data") or not change.get("type", "").startswith("aws_"):
            continue
        body = change.get("change") or {}
        actions = tuple(body.get("actions") or ())
        planned.add((change["address"], change.get("deposed") or ""))
        if change["mode"] == "managed" and actions and actions not in (("no-op",), ("read",), ("forget",)):
            changes.append(Change(change["address"], change["type"], actions))
        if "forget" in actions:  # Terraform lets go of the object; AWS keeps it
            forgotten.append(change["address"])
            prior = {"address": change["address"], "type": change["type"], "mode": change["mode"],
                     "values": body.get("before"), "sensitive_values": body.get("before_sensitive")}
            kept = _state_resource(prior, configuration, variables)
            if body.get("after") is not None:  # ["create", "forget"]: a new object takes the address
                kept.address = f"{change['address']} (forgotten object)"
            if isinstance(kept.values, dict):
                resources.append(kept)
        if body.get("after") is None and body.get("after_unknown") in (None, {}, False):
            seen.add(change["address"])  # destroyed or forgotten: no object of this configuration after the change
            continue
        values = _merge(body.get("after"), body.get("after_unknown"), body.get("after_sensitive"))
        add(change["address"], change["type"], change["mode"], values)

    # Plans without resource_changes (Terraform omits it when it plans no object at all,
    # as in -refresh-only): planned_values has the known values.
    if "resource_changes" not in plan:
        planned_values = (plan.get("planned_values") or {}).get("root_module") or {}
        for resource in _module_resources(planned_values):
            if resource["address"] not in seen and resource.get("type", "").startswith("aws_"):
                planned.add((resource["address"], resource.get("deposed_key") or ""))
                add(resource["address"], resource["type"], resource.get("mode", "managed"),
                    _merge(resource.get("values"), None, resource.get("sensitive_values")))

    # What the plan has no action for stays as it is: data sources read during planning,
    # and every resource outside an incomplete plan's targets or in a -refresh-only plan.
    untouched = []
    for resource in _prior_resources(plan):
        if resource["mode"] == "data" and resource["address"] not in seen:
            values = _merge(resource.get("values"), None, resource.get("sensitive_values"))
            add(resource["address"], resource["type"], "data", values)
        elif resource["mode"] == "managed" and isinstance(resource.get("values"), dict) \
                and (resource["address"], resource.get("deposed_key") or "") not in planned:
            seen.add(resource["address"])
            untouched.append(resource["address"])
            resources.append(_state_resource(resource, configuration, variables))

    notes = []
    if plan.get("complete") is False:
        notes.append("this plan is incomplete (\"complete\": false; made with -target, or with changes deferred): "
                     "it changes only what it plans, "
                     + (f"and the {len(untouched)} resources it leaves alone are judged as the prior state has "
                        f"them" if untouched else "and what it does not plan is not created")
                     + "; judge a full plan to see the whole configuration")
    if forgotten:
        notes.append("removed from Terraform with destroy = false, so still in the account and judged as the "
                     f"prior state has it: {_named(forgotten)}")
    if directory is not None:  # the configuration at hand: findings point at its files and lines
        for resource in resources:
            resource.location = resource.location or directory.location_of(resource.address) \
                or directory.location_of(resource.config_address)
    facts = {"observed_at": made} if (made := _timestamp(plan)) else {}
    facts["providers_may_differ"] = providers_may_differ(
        [set(c.get("expressions") or ()) for c in configuration.provider_config.values() if c.get("name") == "aws"])
    return Inventory(source=source, kind="plan", resources=resources, notes=notes, facts=facts,
                     before=_inventory_before(plan, configuration, variables, source), changes=changes,
                     anchor=directory.anchor if directory is not None else None)


def _timestamp(plan: dict[str, Any]) -> datetime | None:
    """When Terraform made the plan (`timestamp`, RFC 3339), if it says; never later than
    now, which no plan can be made after (a later one would let a grant seem expired)."""
    try:
        made = datetime.fromisoformat(str(plan["timestamp"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return min(made if made.tzinfo else made.replace(tzinfo=timezone.utc), datetime.now(timezone.utc))


def _follow_locals(resource: Resource, configuration: _Configuration, directory: Inventory | None) -> None:
    """References through `local.*`, which plan JSON does not record: taken from
    the configuration's directory when there is one, else named in the Unknowns."""
    elsewhere = directory.at(resource.address) if directory is not None else None
    for attr, found in configuration.targets(resource.address).items():
        if not found.locals or attr not in resource.values:
            continue
        through = ", ".join(sorted(found.locals))
        if elsewhere is not None and elsewhere.references.get(attr):
            resource.references[attr] = tuple(sorted(set(resource.references.get(attr, ()))
                                                     | set(elsewhere.references[attr])))
            continue
        why = (f"{resource.address}.{attr} is known only after apply and is set through {through}, "
               + ("which a plan does not record: give the configuration's directory with --tf-dir to follow it"
                  if directory is None else f"which {directory.source} does not resolve to a resource either"))
        resource.values = {**resource.values, attr: _untraced(resource.values[attr], Untraced(why))}


def _untraced(value: Any, why: Untraced) -> Any:
    if isinstance(value, Unknown):
        return why
    if isinstance(value, dict):
        return {key: _untraced(item, why) for key, item in value.items()}
    if isinstance(value, list):
        return [_untraced(item, why) for item in value]
    return value


def _prior_resources(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    prior = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    for resource in _module_resources(prior):
        if resource.get("mode") in ("managed", "data") and resource.get("type", "").startswith("aws_"):
            yield resource


def _state_resource(resource: dict[str, Any], configuration: _Configuration, variables: dict[str, Any]) -> Resource:
    """An object as the state has it: known values, and a region from its ARN,
    which holds even when the configuration no longer has the resource."""
    values = _merge(resource.get("values"), None, resource.get("sensitive_values"))
    arn = values.get("arn") if isinstance(values, dict) else None
    region = arn.split(":")[3] if isinstance(arn, str) and arn.count(":") >= 5 else ""
    return Resource(address=resource["address"], type=resource["type"], mode=resource["mode"], values=values,
                    region=region or configuration.region(resource["address"], variables),
                    references=configuration.references(resource["address"]),
                    configured=configuration.configured(resource["address"]))


def _inventory_before(plan: dict[str, Any], configuration: _Configuration, variables: dict[str, Any],
                      source: str) -> Inventory | None:
    """The account as the prior state has it; None for a new account (no managed resources yet)."""
    resources = [_state_resource(r, configuration, variables)
                 for r in _prior_resources(plan) if isinstance(r.get("values"), dict)]
    if not any(r.mode == "managed" for r in resources):
        return None
    return Inventory(source=f"{source} (before the change)", kind="plan", resources=resources)

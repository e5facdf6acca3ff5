"""A directory of .tf and .tf.json files -> Inventory, with the values `terraform plan` would
show: variables (defaults, tfvars, --var-file, --var), locals, local modules
with count/for_each, dynamic blocks, provider aliases and regions, and policy
documents rendered as the provider renders them.

What cannot be known statically (computed attributes, data sources that call
AWS, registry or git modules, variables without a value) is Unseen, with the
resources it comes from, so the controls follow references as on a plan.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from ...access import render_policy_document
from ... import limits
from ...model import SENSITIVE, InputError, Inventory, RenderedJSON, Resource, Unknown, UnseenPart, providers_may_differ
from ...schema import BlockSchema, resource_schema
from .expressions import EvalError, Lazy, Scope, Unseen, _string, _to_number, evaluate, has_sensitive, resolved, \
    unknowns, unseen
from .sandbox import Refused, Sandbox, judging
from .types import DYNAMIC, conform, parse_type
from .syntax import Attribute, Block, parse_attributes, parse_expression, parse_file, parse_json_file

TREE_VARIABLE = "ACCOUNTGUARD_TREE"  # the tree when none is given, if it contains the directory
META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}


def is_override(name: str) -> bool:
    """Terraform's override files: merged into the other files' blocks, not added to them."""
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def _nested_type(block: Block) -> str:
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def _merge(base: Block, override: Block) -> None:
    """Terraform's merge of an override block: its arguments replace the base's; its
    nested blocks replace all of the base's blocks of the same type (dynamic ones included)."""
    base.attributes.update(override.attributes)
    replaced = {_nested_type(b) for b in override.blocks}
    base.blocks = [b for b in base.blocks if _nested_type(b) not in replaced] + override.blocks


class ModuleConfig:
    """One module directory, parsed once however often it is called."""

    def __init__(self, directory: Path, shown: str, sandbox: Sandbox) -> None:
        self.directory = directory
        self.shown = shown  # the directory as the user would write it, for locations
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attribute] = {}
        self.outputs: dict[str, Block] = {}
        self.resources: list[tuple[str, Block]] = []  # (mode, block)
        self.by_name: dict[tuple[str, str, str], Block] = {}  # (mode, type, name) -> block
        self.managed_types: set[str] = set()
        self.calls: dict[str, Block] = {}
        self.providers: dict[str, Block] = {}
        files = sorted([*directory.glob("*.tf"), *directory.glob("*.tf.json")], key=lambda p: p.name)
        if not files:
            raise InputError(f"{shown}: no .tf or .tf.json files")
        texts: list[tuple[Path, str, str]] = []  # all read before any is parsed: the size limits come first
        for path in files:
            shown_path = os.path.join(shown, path.name)
            try:
                texts.append((path, shown_path, sandbox.read_text(path, shown_path)))
            except Refused as exc:
                raise InputError(f"{exc}; not read") from None
        overrides: list[Block] = []
        for path, shown_path, text in texts:
            blocks = (parse_json_file if path.name.endswith(".json") else parse_file)(text, shown_path)
            if is_override(path.name):
                overrides += blocks
            else:
                for block in blocks:
                    self._add(block)
        for block in overrides:
            self._override(block)

    def _add(self, block: Block) -> None:
        kind, labels = block.type, block.labels
        if kind == "variable" and labels:
            self.variables[labels[0]] = block
        elif kind == "locals":
            self.locals.update(block.attributes)
        elif kind == "output" and labels:
            self.outputs[labels[0]] = block
        elif kind in ("resource", "data") and len(labels) == 2:
            mode = "managed" if kind == "resource" else "data"
            self.resources.append((mode, block))
            self.by_name[(mode, labels[0], labels[1])] = block
            if mode == "managed":
                self.managed_types.add(labels[0])
        elif kind == "module" and labels:
            self.calls[labels[0]] = block
        elif kind == "provider" and labels:
            self.providers[self._provider_key(block)] = block

    @staticmethod
    def _provider_key(block: Block) -> str:
        alias = block.attributes.get("alias")
        return block.labels[0] + (f".{evaluate(alias.expression, _CONSTANT)}" if alias else "")

    def _override(self, block: Block) -> None:
        """Merge one block of an override file into the block it overrides (Terraform's
        rules); a block with nothing to override is an error, as in Terraform."""
        kind, labels = block.type, block.labels
        if kind == "locals":
            for name, attribute in block.attributes.items():
                if name not in self.locals:
                    raise InputError(f"{block.file}:{attribute.line}: local.{name} overrides nothing "
                                     f"(an override file can only change what another file defines)")
                self.locals[name] = attribute
            return
        found = {"variable": lambda: self.variables.get(labels[0]), "output": lambda: self.outputs.get(labels[0]),
                 "module": lambda: self.calls.get(labels[0]),
                 "resource": lambda: self.by_name.get(("managed", *labels)),
                 "data": lambda: self.by_name.get(("data", *labels)),
                 "provider": lambda: self.providers.get(self._provider_key(block))}.get(kind)
        if found is None:  # terraform, moved, import, check: nothing a control judges
            return
        base = found() if labels else None
        if base is None:
            raise InputError(f"{block.file}:{block.line}: {kind} {' '.join(labels)} overrides nothing "
                             f"(an override file can only change what another file defines)")
        _merge(base, block)


def _constant_only(name: str) -> Any:
    raise EvalError(f"{name} cannot be used here")


_CONSTANT = Scope(_constant_only, Path("."), Path("."))


def _why(value: Any) -> str:
    found = next(unknowns(value), None)
    return found.why if found else "sensitive"


def _traversal(tree: Any) -> str:
    """`aws.us_east_1` as written (provider references are not values)."""
    return ".".join(str(t) for t in tree.scan_values(lambda v: getattr(v, "type", "") == "NAME"))


def _count(value: Any, where: str) -> int:
    """count as Terraform takes it: a whole number >= 0 (a numeric string converts)."""
    if value is None:
        raise InputError(f"{where}: invalid count: null (a whole number is required)")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{where}: invalid count: a {type(value).__name__}, not a number")
    try:
        number = _to_number(value)
    except EvalError:
        raise InputError(f"{where}: invalid count: a string that is not a number") from None
    if isinstance(number, float) and not number.is_integer():
        raise InputError(f"{where}: invalid count: {number} is not a whole number")
    if number < 0:
        raise InputError(f"{where}: invalid count: {number} is less than zero")
    limits.collection(int(number), "count", where)
    return int(number)


def _for_each(value: Any, where: str) -> list[tuple[str, Any]]:
    """for_each as Terraform takes it: a map, or a set of strings; (key, value) sorted by key.
    A list of unique strings is taken as the set it most likely is (toset() here gives a list)."""
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list) and (not value or any(isinstance(v, str) for v in value)):
        if any(v is None for v in value) or any(isinstance(v, (list, dict)) for v in value):
            raise InputError(f"{where}: invalid for_each: a set of strings must not hold null, lists or maps")
        keys = [v if isinstance(v, str) else _string(v) for v in value]
        if len(set(keys)) != len(keys):
            raise InputError(f"{where}: invalid for_each: a list with duplicates (a map, or a set of strings "
                             f"such as toset([...]), is required)")
        items = [(k, k) for k in keys]
    else:
        kind = "list of non-strings" if isinstance(value, list) else "null" if value is None else type(value).__name__
        raise InputError(f"{where}: invalid for_each: a {kind} (a map, or a set of strings, is required)")
    limits.collection(len(items), "for_each", where)
    return sorted(items)


def _located(attribute: Attribute, compute: Callable[[], Any]) -> Any:
    """compute(), with a limit error placed at the attribute being evaluated."""
    try:
        return compute()
    except limits.LimitExceeded as exc:
        raise exc.at(f"{attribute.file}:{attribute.line}") from None


class _Memo:
    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}
        self.active: set[Any] = set()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key in self.values:
            return self.values[key]
        if key in self.active:
            raise EvalError(f"cycle through {key}")
        self.active.add(key)
        try:
            value = compute()
        finally:
            self.active.discard(key)
        self.values[key] = value
        return value


class _Object(Lazy):
    def __init__(self, get: Callable[[str], Any], materialize: Callable[[], Any] | None = None) -> None:
        self._get, self._materialize = get, materialize

    def get(self, key: str) -> Any:
        return self._get(key)

    def materialize(self) -> Any:
        return self._materialize() if self._materialize else super().materialize()


class ModuleInstance:
    def __init__(self, loader: "Loader", config: ModuleConfig, prefix: str,
                 inputs: dict[str, Callable[[], Any]], providers: dict[str, "ProviderConfig"], depth: int = 0) -> None:
        self.loader, self.config, self.prefix, self.depth = loader, config, prefix, depth
        self.inputs, self.providers = inputs, dict(providers)
        for key, block in config.providers.items():  # legacy: providers configured inside a module
            self.providers[key] = ProviderConfig(key, block, self)
        self.scope = Scope(self.resolve, config.directory, loader.root)
        self.memo = _Memo()

    # names in expressions
    def resolve(self, name: str) -> Any:
        if name == "var":
            return _Object(self.variable)
        if name == "local":
            return _Object(self.local)
        if name == "module":
            return _Object(self.module_value)
        if name == "data":
            return _Object(lambda type_: _Object(lambda n: self.resource_value("data", type_, n)))
        if name == "path":
            return {"module": os.path.relpath(self.config.directory, self.loader.root), "root": ".", "cwd": "."}
        if name == "terraform":
            return {"workspace": "default"}
        if name in self.config.managed_types:
            return _Object(lambda n: self.resource_value("managed", name, n))
        raise EvalError(f"unknown name {name!r}")

    def variable(self, name: str) -> Any:
        def compute() -> Any:
            block = self.config.variables.get(name)
            if block is None:
                raise EvalError(f"undeclared variable {name!r}")
            if name in self.inputs:
                value = self.inputs[name]()
            elif "default" in block.attributes:
                value = evaluate(block.attributes["default"].expression, _CONSTANT)
            else:
                return Unseen(f"variable {name} has no value (give it with --var or --var-file)")
            if "type" in block.attributes:
                constraint = parse_type(block.attributes["type"].expression,
                                        lambda tree: resolved(evaluate(tree, _CONSTANT)))
                value = conform(resolved(value), constraint, f"variable {name}")
            sensitive = block.attributes.get("sensitive")
            if sensitive and conform(evaluate(sensitive.expression, _CONSTANT), "bool") is True \
                    and value is not None and not isinstance(value, Unknown):
                return SENSITIVE
            return value
        return self.memo.get(("var", name), compute)

    def local(self, name: str) -> Any:
        attribute = self.config.locals.get(name)
        if attribute is None:
            raise EvalError(f"unknown local {name!r}")
        return self.memo.get(("local", name), lambda: _located(attribute, lambda: evaluate(attribute.expression,
                                                                                          self.scope)))

    def instances(self, mode: str, block: Block) -> list[tuple[str, dict[str, Any]]] | Unseen:
        """(address, iteration names) of every instance of a resource or module block."""
        def compute() -> Any:
            try:
                return expand()
            except EvalError as exc:
                return Unseen(f"{block.file}:{block.line}: count or for_each cannot be evaluated: {exc}")
            except limits.LimitExceeded as exc:
                raise exc.at(f"{block.file}:{block.line}") from None

        def expand() -> Any:
            kind = "module" if block.type == "module" else mode
            base = self.prefix + {"managed": "", "data": "data.", "module": "module."}[kind] + ".".join(
                block.labels if kind != "module" else block.labels[:1])
            if "count" in block.attributes:
                attribute = block.attributes["count"]
                count = resolved(evaluate(attribute.expression, self.scope))
                if isinstance(count, Unknown) or count is SENSITIVE:
                    return unseen(f"the count of {base} is not known ({_why(count)})", count)
                return [(f"{base}[{i}]", {"count": {"index": i}})
                        for i in range(_count(count, f"{block.file}:{attribute.line}"))]
            if "for_each" in block.attributes:
                attribute = block.attributes["for_each"]
                each = resolved(evaluate(attribute.expression, self.scope))
                if isinstance(each, Unknown) or isinstance(each, (list, dict)) and any(
                        True for _ in unknowns(each if isinstance(each, list) else list(each))):
                    return unseen(f"the for_each of {base} is not known ({_why(each)})", each)
                items = _for_each(each, f"{block.file}:{attribute.line}")
                return [(f'{base}[{json.dumps(k)}]', {"each": {"key": k, "value": v}}) for k, v in items]
            return [(base, {})]
        return self.memo.get(("instances", mode, id(block)), compute)

    def resource_value(self, mode: str, type_: str, name: str) -> Any:
        block = self.config.by_name.get((mode, type_, name))
        if block is None:
            raise EvalError(f"no {'data ' if mode == 'data' else ''}resource {type_}.{name}")
        instances = self.instances(mode, block)
        if isinstance(instances, Unknown):
            address = f"{self.prefix}{'data.' if mode == 'data' else ''}{type_}.{name}"
            return Unseen(instances.why, frozenset({address}))
        objects = [(names, self.loader.instance(self, mode, block, address, names)) for address, names in instances]
        if "count" in block.attributes:
            return [obj for _, obj in objects]
        if "for_each" in block.attributes:
            return {names["each"]["key"]: obj for names, obj in objects}
        return objects[0][1]

    def module_value(self, name: str) -> Any:
        children = self.loader.children(self, name)
        block = self.config.calls[name]
        if isinstance(children, Unknown):
            return children
        if "count" in block.attributes:
            return [child.outputs_object() for _, child in children]
        if "for_each" in block.attributes:
            return {names["each"]["key"]: child.outputs_object() for names, child in children}
        return children[0][1].outputs_object()

    def outputs_object(self) -> Any:
        def output(name: str) -> Any:
            block = self.config.outputs.get(name)
            if block is None or "value" not in block.attributes:
                raise EvalError(f"module has no output {name!r}")
            value = block.attributes["value"]
            return self.memo.get(("output", name), lambda: _located(value, lambda: evaluate(value.expression,
                                                                                           self.scope)))
        return _Object(output)


class UnreadModule:
    """A registry or git module, or one outside the tree: its outputs and resources cannot be seen."""

    def __init__(self, why: str) -> None:
        self.why = why

    def outputs_object(self) -> Any:
        return _Object(lambda name: Unseen(f"{self.why} (output {name})"), lambda: Unseen(self.why))


class ProviderConfig:
    def __init__(self, key: str, block: Block | None, module: ModuleInstance | None) -> None:
        self.key, self.block, self.module = key, block, module

    def region(self) -> Any:
        attribute = self.block.attributes.get("region") if self.block else None
        if attribute is None:
            return Unknown(f"provider {self.key} sets no region (it would come from the environment)")
        try:
            value = resolved(evaluate(attribute.expression, self.module.scope))
        except EvalError as exc:
            return Unknown(f"the region of provider {self.key} cannot be evaluated: {exc}")
        return value if isinstance(value, str) else Unknown(f"the region of provider {self.key} is not known")


class Instance(Lazy):
    """One resource instance: configured attributes evaluate on demand; the rest
    (ARNs, IDs) are Unseen and point back here."""

    def __init__(self, module: ModuleInstance, mode: str, block: Block, address: str, names: dict) -> None:
        self.module, self.mode, self.block, self.address = module, mode, block, address
        self.scope = module.scope.with_names(**names)
        self.memo = _Memo()
        self.schema = resource_schema(mode, block.labels[0]) or BlockSchema({}, {})

    def materialize(self) -> Any:
        return Unseen(f"{self.address} is known only after apply", frozenset({self.address}))

    def get(self, key: str) -> Any:
        if key in self.block.attributes and key not in META_ARGUMENTS:
            return self.memo.get(key, lambda: self.attribute(self.block.attributes[key], schema=self.schema))
        if any(b.type == key or (b.type == "dynamic" and b.labels == [key]) for b in self.block.blocks):
            return self.memo.get(key, lambda: self.blocks(self.block, self.scope, self.schema).get(key, []))
        if self.block.labels[0] == "aws_iam_policy_document" and key in ("json", "minified_json"):
            return self.memo.get(key, lambda: self.policy_json(indented=key == "json"))
        return Unseen(f"{self.address}.{key} is known only after apply", frozenset({self.address}))

    def attribute(self, attribute: Attribute, scope: Scope | None = None, schema: BlockSchema | None = None) -> Any:
        """The attribute's value, converted to its type in the provider schema."""
        found = schema.attributes.get(attribute.name) if schema else None
        try:
            return _located(attribute, lambda: conform(resolved(evaluate(attribute.expression, scope or self.scope)),
                                                       found.type if found else DYNAMIC, attribute.name))
        except EvalError as exc:
            return Unseen(f"{attribute.file}:{attribute.line}: {exc}")

    def blocks(self, block: Block, scope: Scope, schema: BlockSchema | None = None) -> dict[str, list]:
        out: dict[str, list] = {}
        for child in block.blocks:
            if child.type in ("lifecycle", "provisioner", "connection"):
                continue
            if child.type == "dynamic" and child.labels:
                name = child.labels[0]
                iterator = child.attributes.get("iterator")
                iterator_name = _traversal(iterator.expression) if iterator else name
                collection = self.attribute(child.attributes["for_each"], scope) if "for_each" in child.attributes else []
                content = next(iter(child.blocks_of("content")), None)
                if isinstance(collection, Unknown):
                    out[name] = collection
                    continue
                items = collection.items() if isinstance(collection, dict) else enumerate(collection or [])
                for key, value in items:
                    inner = scope.with_names(**{iterator_name: {"key": key, "value": value}})
                    out.setdefault(name, []).append(self.block_values(content, inner, _nested(schema, name))
                                                    if content else {})
            else:
                out.setdefault(child.type, []).append(self.block_values(child, scope, _nested(schema, child.type)))
        return out

    def block_values(self, block: Block, scope: Scope, schema: BlockSchema | None = None) -> dict[str, Any]:
        values = {name: self.attribute(attribute, scope, schema) for name, attribute in block.attributes.items()}
        values.update(self.blocks(block, scope, schema))
        return values

    def values(self) -> dict[str, Any]:
        values = {name: self.get(name) for name in self.block.attributes if name not in META_ARGUMENTS}
        for name, blocks in self.blocks(self.block, self.scope, self.schema).items():
            values[name] = blocks
        if self.block.labels[0] == "aws_iam_policy_document":
            values["json"] = self.get("json")
        return values

    def policy_json(self, indented: bool) -> Any:
        """The JSON the AWS provider renders from an aws_iam_policy_document (`json` indented,
        `minified_json` not)."""
        values = {name: self.get(name) for name in self.block.attributes if name not in META_ARGUMENTS}
        values.update(self.blocks(self.block, self.scope, self.schema))
        document = render_policy_document(values)
        if isinstance(document, Unknown) or any(True for _ in unknowns(document)):
            partly = unseen(f"{self.address}.json is known only after apply", document)
            return Unseen(partly.why, partly.sources | {self.address})
        if has_sensitive(document):
            return SENSITIVE
        return RenderedJSON(json.dumps(document).replace("&{", "${"), indented)


def _nested(schema: BlockSchema | None, name: str) -> BlockSchema | None:
    nested = schema.blocks.get(name) if schema else None
    return nested.block if nested else None


class Loader:
    def __init__(self, root: Path, sandbox: Sandbox, var_files: list[str], variables: list[str]) -> None:
        self.root = root.resolve()
        self.sandbox = sandbox
        self.configs: dict[Path, ModuleConfig] = {}
        self.unseen: list[UnseenPart] = []
        self._instances: dict[str, Instance] = {}
        self._children: dict[tuple[int, str], Any] = {}
        config = self.config(self.root, os.path.normpath(str(root)))
        inputs = _root_variables(root, sandbox, config, var_files, variables)
        self.top = ModuleInstance(self, config, "", inputs, {"aws": ProviderConfig("aws", None, None)})

    def config(self, directory: Path, shown: str) -> ModuleConfig:
        directory = directory.resolve()
        if directory not in self.configs:
            self.configs[directory] = ModuleConfig(directory, shown, self.sandbox)
        return self.configs[directory]

    def instance(self, module: ModuleInstance, mode: str, block: Block, address: str, names: dict) -> Instance:
        if address not in self._instances:
            self._instances[address] = Instance(module, mode, block, address, names)
        return self._instances[address]

    def children(self, parent: ModuleInstance, name: str) -> Any:
        key = (id(parent), name)
        if key not in self._children:
            self._children[key] = self._make_children(parent, name)
        return self._children[key]

    def module_config(self, config: ModuleConfig, block: Block, depth: int,
                      address: str) -> ModuleConfig | UnreadModule:
        """The configuration a module block calls, or why it is not read."""
        source = str(evaluate(block.attributes["source"].expression, _CONSTANT) if "source" in block.attributes else "")
        if not source.startswith(("./", "../")):
            return UnreadModule(f"{address} comes from {source!r}, which cannot be read statically")
        shown = os.path.normpath(os.path.join(config.shown, source))
        try:
            directory = self.sandbox.directory(config.directory / source, shown)
        except Refused as exc:
            if not (config.directory / source).is_dir():
                raise InputError(f"{block.file}:{block.line}: module {block.labels[0]}: {source} is not a directory") \
                    from None
            return UnreadModule(self.sandbox.refuse(f"{address}: {exc}; not read (widen the tree with --tree "
                                                    f"to include it)"))
        if depth >= limits.TF_MODULE_MAX_DEPTH:
            raise InputError(f"{block.file}:{block.line}: module {block.labels[0]}: modules nest more than "
                             f"{limits.TF_MODULE_MAX_DEPTH} deep (does a module call itself?)")
        return self.config(directory, shown)

    def hidden_types(self, config: ModuleConfig, depth: int, address: str) -> frozenset[str] | None:
        """The resource types a module's instances could hold; None if any (it calls an unread module)."""
        types = {block.labels[0] for _, block in config.resources}
        for name, call in config.calls.items():
            child = self.module_config(config, call, depth + 1, f"{address}.module.{name}")
            inner = None if isinstance(child, UnreadModule) else self.hidden_types(child, depth + 1, address)
            if inner is None:
                return None
            types |= inner
        return frozenset(types)

    def _make_children(self, parent: ModuleInstance, name: str) -> Any:
        block = parent.config.calls.get(name)
        if block is None:
            raise EvalError(f"no module {name!r}")
        address = f"{parent.prefix}module.{name}"
        config = self.module_config(parent.config, block, parent.depth, address)
        instances = parent.instances("module", block)
        if isinstance(instances, Unknown):
            hides = None if isinstance(config, UnreadModule) else self.hidden_types(config, parent.depth + 1, address)
            self.unseen.append(UnseenPart(instances.why, hides))
            return instances
        if isinstance(config, UnreadModule):
            self.unseen.append(UnseenPart(config.why))
            return [(names, config) for _, names in instances]
        arguments = {arg: attribute for arg, attribute in block.attributes.items()
                     if arg not in META_ARGUMENTS and arg not in ("source", "version", "providers")}
        for arg, attribute in arguments.items():
            if arg not in config.variables:
                raise InputError(f"{block.file}:{attribute.line}: module {name}: {config.shown} declares no "
                                 f"variable {arg!r}")
        for variable, declared in config.variables.items():
            if variable not in arguments and "default" not in declared.attributes:
                raise InputError(f"{block.file}:{block.line}: module {name}: the required variable {variable!r} "
                                 f"of {config.shown} is not given")
        providers = {key: value for key, value in parent.providers.items()}
        if "providers" in block.attributes:
            mapping = block.attributes["providers"].expression
            for element in mapping.find_data("object_elem"):
                key_tree, value_tree = [c for c in element.children if hasattr(c, "data")]
                target = parent.providers.get(_traversal(value_tree))
                if target is not None:
                    providers[_traversal(key_tree)] = target
        children = []
        for address, names in instances:
            scope = parent.scope.with_names(**names)
            inputs = {arg: (lambda a=attribute, s=scope: evaluate(a.expression, s))
                      for arg, attribute in arguments.items()}
            children.append((names, ModuleInstance(self, config, address + ".", inputs, providers, parent.depth + 1)))
        return children

    def resources(self) -> list[Resource]:
        found: list[Resource] = []
        self._collect(self.top, found)
        return found

    def _collect(self, module: ModuleInstance, found: list[Resource]) -> None:
        for mode, block in module.config.resources:
            type_ = block.labels[0]
            if not type_.startswith("aws_"):
                continue
            instances = module.instances(mode, block)
            if isinstance(instances, Unknown):
                self.unseen.append(UnseenPart(instances.why, frozenset({type_})))
                continue
            provider_key = _traversal(block.attributes["provider"].expression) if "provider" in block.attributes else "aws"
            provider = module.providers.get(provider_key)
            region = provider.region() if provider else Unknown(f"provider {provider_key} is not configured")
            for address, names in instances:
                instance = self.instance(module, mode, block, address, names)
                values = instance.values()
                references = {attr: tuple(sorted(set().union(*(getattr(u, "sources", frozenset())
                                                             for u in unknowns(value)))))
                              for attr, value in values.items()}
                found.append(Resource(address=address, type=type_, mode=mode, values=values, region=region,
                                      references={a: r for a, r in references.items() if r},
                                      location=(block.file, block.line), configured=_configured(block)))
        for name in module.config.calls:
            children = self.children(module, name)
            if isinstance(children, Unknown):
                continue
            for _, child in children:
                if isinstance(child, ModuleInstance):
                    self._collect(child, found)


def _root_variables(root: Path, sandbox: Sandbox, config: ModuleConfig, var_files: list[str],
                    variables: list[str]) -> dict[str, Callable[[], Any]]:
    """Values for the root module's variables, in Terraform's order of precedence."""
    values: dict[str, Callable[[], Any]] = {}
    files = [root / "terraform.tfvars", root / "terraform.tfvars.json"] + sorted(root.glob("*.auto.tfvars")) \
        + sorted(root.glob("*.auto.tfvars.json"))
    for path in [p for p in files if os.path.lexists(p)] + [Path(f) for f in var_files]:
        try:
            text = sandbox.read_text(path, str(path))
        except Refused as exc:
            raise InputError(f"cannot read variable file: {exc}") from None
        if path.name.endswith(".json"):
            try:
                for name, value in json.loads(text).items():
                    values[name] = lambda v=value: v
            except (ValueError, AttributeError, RecursionError):
                raise InputError(f"{path}: not a JSON object of variable values") from None
            continue
        for name, attribute in parse_attributes(text, str(path)).items():
            values[name] = lambda a=attribute: evaluate(a.expression, _CONSTANT)
    for assignment in variables:
        name, sep, text = assignment.partition("=")
        if not sep or not name:
            raise InputError(f"--var {name if sep else '...'}: expected NAME=VALUE")
        block = config.variables.get(name)
        if block is None:
            raise InputError(f"--var {name}: the configuration declares no variable {name!r}")
        type_ = block.attributes.get("type")
        if type_ is None or _traversal(type_.expression) == "string":
            values[name] = lambda t=text: t
        else:
            try:
                tree = parse_expression(text)
            except Exception:
                raise InputError(f"--var {name}: the value is not a valid expression (not shown)") from None
            values[name] = lambda t=tree: evaluate(t, _CONSTANT)
    return values


def module_outline(directory: Path, tree: Path) -> tuple[list[Path], bool]:
    """The directories a module's local module calls (`source = "../x"`) point at, and
    whether it configures a provider (as root modules do, and shared modules should not)."""
    sandbox = Sandbox(tree)
    with judging(sandbox):
        config = ModuleConfig(directory, str(directory), sandbox)
    sources = (evaluate(call.attributes["source"].expression, _CONSTANT)
               for call in config.calls.values() if "source" in call.attributes)
    return ([directory / source for source in sources if str(source).startswith(("./", "../"))],
            bool(config.providers))


def load_directory(directory: str | Path, var_files: list[str] = (), variables: list[str] = (),
                   tree: str | Path | None = None) -> Inventory:
    """Read a Terraform root module; InputError if it cannot be read.

    Nothing outside `tree` is read, except the variable files named (see
    sandbox.py). Without `tree`: $ACCOUNTGUARD_TREE if it contains the
    directory (for front ends that run `accountguard hcl` themselves, such as
    the checkov checks), else the directory itself."""
    root = Path(directory)
    if not root.exists():
        raise InputError(f"{directory}: no such directory")
    if not root.is_dir():
        raise InputError(f"{directory}: not a directory (give the directory that holds the .tf files)")
    named = [Path(f) for f in var_files]
    if tree is not None:
        sandbox = Sandbox(Path(tree), named)
        if not sandbox.contains(root):
            raise InputError(f"--tree {tree}: does not contain {directory}")
    else:
        sandbox = Sandbox(Path(os.environ.get(TREE_VARIABLE) or root), named)
        if not sandbox.contains(root):
            sandbox = Sandbox(root, named)
    try:
        with judging(sandbox), limits.budget():
            loader = Loader(root, sandbox, list(var_files), list(variables))
            resources = loader.resources()
    except EvalError as exc:  # a configuration Terraform itself would reject
        raise InputError(f"{directory}: cannot evaluate the configuration: {exc}") from None
    except RecursionError:
        raise InputError(f"{directory}: expressions or references nested too deeply to evaluate") from None
    except MemoryError:
        raise InputError(f"{directory}: the configuration needs more memory than there is") from None
    providers = [set(b.attributes) | {c.type for c in b.blocks} for config in loader.configs.values()
                 for key, b in config.providers.items() if key.split(".")[0] == "aws"]
    return Inventory(source=str(directory), kind="hcl", resources=resources, unseen=loader.unseen,
                     notes=sandbox.refused, anchor=_anchor(loader.top.config, resources),
                     facts={"providers_may_differ": providers_may_differ(providers)})


def _anchor(root: ModuleConfig, resources: list[Resource]) -> tuple[str, int] | None:
    """Where findings about the whole account point: the root module's aws provider
    block, else its first resource, else nothing (the directory as a whole)."""
    providers = sorted((b.file, b.line) for name, b in root.providers.items() if name.split(".")[0] == "aws")
    if providers:
        return providers[0]
    located = sorted(r.location for r in resources if r.location and not r.module_instance)
    return located[0] if located else None


def _configured(block: Any) -> frozenset[str] | None:
    """What the block writes: its attributes and nested blocks; None with a `dynamic`
    block, whose content is not the attribute it generates."""
    if any(b.type == "dynamic" for b in block.blocks):
        return None
    return frozenset(block.attributes) | {b.type for b in block.blocks}

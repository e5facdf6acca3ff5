"""A directory of .tf files -> Inventory, with the values `terraform plan` would
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
from ...model import SENSITIVE, InputError, Inventory, Resource, Unknown
from ...schema import BlockSchema, resource_schema
from .expressions import EvalError, Lazy, Scope, Unseen, evaluate, has_sensitive, resolved, unknowns, unseen
from .types import DYNAMIC, conform, parse_type
from .syntax import Attribute, Block, parse_attributes, parse_expression, parse_file

META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}


class ModuleConfig:
    """One module directory, parsed once however often it is called."""

    def __init__(self, directory: Path, shown: str) -> None:
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
        files = sorted(directory.glob("*.tf"))
        if not files:
            raise InputError(f"{shown}: no .tf files")
        for path in files:
            for block in parse_file(path, os.path.join(shown, path.name)):
                self._add(block)

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
            alias = block.attributes.get("alias")
            name = labels[0] + (f".{evaluate(alias.expression, _CONSTANT)}" if alias else "")
            self.providers[name] = block


def _constant_only(name: str) -> Any:
    raise EvalError(f"{name} cannot be used here")


_CONSTANT = Scope(_constant_only, Path("."), Path("."))


def _why(value: Any) -> str:
    found = next(unknowns(value), None)
    return found.why if found else "sensitive"


def _traversal(tree: Any) -> str:
    """`aws.us_east_1` as written (provider references are not values)."""
    return ".".join(str(t) for t in tree.scan_values(lambda v: getattr(v, "type", "") == "NAME"))


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
                 inputs: dict[str, Callable[[], Any]], providers: dict[str, "ProviderConfig"]) -> None:
        self.loader, self.config, self.prefix = loader, config, prefix
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
        return self.memo.get(("local", name), lambda: evaluate(attribute.expression, self.scope))

    def instances(self, mode: str, block: Block) -> list[tuple[str, dict[str, Any]]] | Unseen:
        """(address, iteration names) of every instance of a resource or module block."""
        def compute() -> Any:
            try:
                return expand()
            except EvalError as exc:
                return Unseen(f"{block.file}:{block.line}: count or for_each cannot be evaluated: {exc}")

        def expand() -> Any:
            kind = "module" if block.type == "module" else mode
            base = self.prefix + {"managed": "", "data": "data.", "module": "module."}[kind] + ".".join(
                block.labels if kind != "module" else block.labels[:1])
            if "count" in block.attributes:
                count = resolved(evaluate(block.attributes["count"].expression, self.scope))
                if isinstance(count, Unknown) or count is SENSITIVE:
                    return unseen(f"the count of {base} is not known ({_why(count)})", count)
                return [(f"{base}[{i}]", {"count": {"index": i}}) for i in range(int(count))]
            if "for_each" in block.attributes:
                each = resolved(evaluate(block.attributes["for_each"].expression, self.scope))
                if isinstance(each, Unknown) or any(True for _ in unknowns(each if isinstance(each, list) else
                                                                         list(each or {}))):
                    return unseen(f"the for_each of {base} is not known ({_why(each)})", each)
                items = each.items() if isinstance(each, dict) else ((k, k) for k in each)
                return [(f'{base}[{json.dumps(str(k))}]', {"each": {"key": str(k), "value": v}})
                        for k, v in sorted(items, key=lambda kv: str(kv[0]))]
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
            return self.memo.get(("output", name), lambda: evaluate(block.attributes["value"].expression, self.scope))
        return _Object(output)


class RemoteModule:
    """A registry or git module: its outputs and resources cannot be seen."""

    def __init__(self, address: str, source: str) -> None:
        self.why = f"{address} comes from {source!r}, which cannot be read statically"

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
            return self.memo.get(key, self.policy_json)
        return Unseen(f"{self.address}.{key} is known only after apply", frozenset({self.address}))

    def attribute(self, attribute: Attribute, scope: Scope | None = None, schema: BlockSchema | None = None) -> Any:
        """The attribute's value, converted to its type in the provider schema."""
        found = schema.attributes.get(attribute.name) if schema else None
        try:
            return conform(resolved(evaluate(attribute.expression, scope or self.scope)),
                           found.type if found else DYNAMIC, attribute.name)
        except EvalError as exc:
            return Unseen(f"{self.block.file}:{attribute.line}: {exc}")

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

    def policy_json(self) -> Any:
        """The JSON the AWS provider renders from an aws_iam_policy_document."""
        values = {name: self.get(name) for name in self.block.attributes if name not in META_ARGUMENTS}
        values.update(self.blocks(self.block, self.scope, self.schema))
        document = render_policy_document(values)
        if isinstance(document, Unknown) or any(True for _ in unknowns(document)):
            partly = unseen(f"{self.address}.json is known only after apply", document)
            return Unseen(partly.why, partly.sources | {self.address})
        if has_sensitive(document):
            return SENSITIVE
        return json.dumps(document).replace("&{", "${")


def _nested(schema: BlockSchema | None, name: str) -> BlockSchema | None:
    nested = schema.blocks.get(name) if schema else None
    return nested.block if nested else None


class Loader:
    def __init__(self, root: Path, var_files: list[str], variables: list[str]) -> None:
        self.root = root.resolve()
        self.configs: dict[Path, ModuleConfig] = {}
        self.unseen: list[str] = []
        self._instances: dict[str, Instance] = {}
        self._children: dict[tuple[int, str], Any] = {}
        config = self.config(self.root, os.path.normpath(str(root)))
        inputs = _root_variables(root, config, var_files, variables)
        self.top = ModuleInstance(self, config, "", inputs, {"aws": ProviderConfig("aws", None, None)})

    def config(self, directory: Path, shown: str) -> ModuleConfig:
        directory = directory.resolve()
        if directory not in self.configs:
            self.configs[directory] = ModuleConfig(directory, shown)
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

    def _make_children(self, parent: ModuleInstance, name: str) -> Any:
        block = parent.config.calls.get(name)
        if block is None:
            raise EvalError(f"no module {name!r}")
        source = evaluate(block.attributes["source"].expression, _CONSTANT) if "source" in block.attributes else ""
        instances = parent.instances("module", block)
        if isinstance(instances, Unknown):
            self.unseen.append(instances.why)
            return instances
        if not str(source).startswith(("./", "../")):
            remote = RemoteModule(f"{parent.prefix}module.{name}", str(source))
            self.unseen.append(remote.why)
            return [(names, remote) for _, names in instances]
        directory = parent.config.directory / str(source)
        if not directory.is_dir():
            raise InputError(f"{block.file}:{block.line}: module {name}: {source} is not a directory")
        config = self.config(directory, os.path.normpath(os.path.join(parent.config.shown, str(source))))
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
                      for arg, attribute in block.attributes.items()
                      if arg not in META_ARGUMENTS and arg not in ("source", "version", "providers")}
            children.append((names, ModuleInstance(self, config, address + ".", inputs, providers)))
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
                self.unseen.append(instances.why)
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
                                      location=(block.file, block.line)))
        for name in module.config.calls:
            children = self.children(module, name)
            if isinstance(children, Unknown):
                continue
            for _, child in children:
                if isinstance(child, ModuleInstance):
                    self._collect(child, found)


def _root_variables(root: Path, config: ModuleConfig, var_files: list[str],
                    variables: list[str]) -> dict[str, Callable[[], Any]]:
    """Values for the root module's variables, in Terraform's order of precedence."""
    values: dict[str, Callable[[], Any]] = {}
    files = [root / "terraform.tfvars", root / "terraform.tfvars.json"] + sorted(root.glob("*.auto.tfvars")) \
        + sorted(root.glob("*.auto.tfvars.json"))
    for path in [p for p in files if p.is_file()] + [Path(f) for f in var_files]:
        try:
            text = path.read_text()
        except OSError as exc:
            raise InputError(f"{path}: cannot read variable file ({exc.strerror})") from None
        if path.suffix == ".json":
            try:
                for name, value in json.loads(text).items():
                    values[name] = lambda v=value: v
            except (ValueError, AttributeError):
                raise InputError(f"{path}: not a JSON object of variable values") from None
            continue
        for name, attribute in parse_attributes(text, str(path)).items():
            values[name] = lambda a=attribute: evaluate(a.expression, _CONSTANT)
    for assignment in variables:
        name, sep, text = assignment.partition("=")
        if not sep or not name:
            raise InputError(f"--var {assignment!r}: expected NAME=VALUE")
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
                raise InputError(f"--var {name}: {text!r} is not a valid value") from None
            values[name] = lambda t=tree: evaluate(t, _CONSTANT)
    return values


def load_directory(directory: str | Path, var_files: list[str] = (), variables: list[str] = ()) -> Inventory:
    """Read a Terraform root module; InputError if it cannot be read."""
    root = Path(directory)
    if not root.exists():
        raise InputError(f"{directory}: no such directory")
    if not root.is_dir():
        raise InputError(f"{directory}: not a directory (give the directory that holds the .tf files)")
    try:
        loader = Loader(root, list(var_files), list(variables))
        resources = loader.resources()
    except (EvalError, RecursionError) as exc:  # a configuration Terraform itself would reject
        raise InputError(f"{directory}: cannot evaluate the configuration: {exc}") from None
    return Inventory(source=str(directory), kind="hcl", resources=resources, unseen=loader.unseen)

"""The hashicorp/aws provider's schema (types, nesting, which attributes are
required, optional, computed, sensitive), from the snapshot in data/ that
tests/schemagen.py makes with `terraform providers schema -json`. Each type's
schema is stored as a JSON string of its own, decoded when first asked for: a
run reads a few dozen of the ~2100 types, and decoding them all took longer
than the rest of a plan's judgement.

Terraform converts every configured value to its attribute's type before the
provider sees it (`"false"` for a bool is false); a source that reads
configuration without Terraform needs the same types to give the same values.
Types are cty's JSON form: "string", "number", "bool", "dynamic",
["list"|"set"|"map", T], ["object", {name: T}] (optional attributes in a
fourth-element list are not used by providers), ["tuple", [T, ...]].
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

SNAPSHOT = "data/aws_schema.json.gz"


@dataclass(frozen=True)
class AttributeSchema:
    type: Any
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False


@dataclass(frozen=True)
class BlockSchema:
    attributes: dict[str, AttributeSchema]
    blocks: dict[str, "NestedBlock"]


@dataclass(frozen=True)
class NestedBlock:
    nesting: str  # "single", "list", "set" (hashicorp/aws uses no "map" or "group" blocks)
    block: BlockSchema
    min_items: int = 0
    max_items: int = 0  # 0: no limit


@lru_cache(maxsize=1)
def _snapshot() -> dict:
    return json.loads(gzip.decompress((resources.files("accountguard") / SNAPSHOT).read_bytes()))


def pack(schema: dict) -> bytes:
    """The snapshot file, from {"provider", "version", "provider_config": block, "managed" and
    "data": {type: block}} with compact blocks (tests/schemagen.py): the same bytes for the same schema."""
    def text(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    packed = schema | {"provider_config": text(schema["provider_config"]),
                       **{mode: {name: text(block) for name, block in schema[mode].items()} for mode in ("managed", "data")}}
    return gzip.compress(text(packed).encode(), compresslevel=9, mtime=0)


def _block(compact: dict) -> BlockSchema:
    attributes = {name: AttributeSchema(type_, "r" in flags, "o" in flags, "c" in flags, "s" in flags)
                  for name, (type_, flags) in compact.get("a", {}).items()}
    blocks = {name: NestedBlock(nesting, _block(inner), min_items, max_items)
              for name, (nesting, inner, min_items, max_items) in compact.get("b", {}).items()}
    return BlockSchema(attributes, blocks)


@lru_cache(maxsize=None)
def resource_schema(mode: str, type_: str) -> BlockSchema | None:
    """The schema of a resource ("managed") or data source ("data") type; None if the provider has none."""
    compact = _snapshot()[mode].get(type_)
    return None if compact is None else _block(json.loads(compact))


def provider_version() -> str:
    return _snapshot()["version"]


@lru_cache(maxsize=1)
def provider_schema() -> BlockSchema:
    """The schema of the aws provider's own configuration block."""
    return _block(json.loads(_snapshot()["provider_config"]))


def resource_types(mode: str) -> list[str]:
    """Every resource ("managed") or data source ("data") type of the snapshot."""
    return sorted(_snapshot()[mode])

"""The hashicorp/aws provider's schema, types only, as accountguard ships it.

`python tests/schemagen.py` (or `make schema`) runs `terraform providers schema
-json` on an empty configuration that requires hashicorp/aws at SCHEMA_VERSION
(from the filesystem mirror fixturegen finds, else the registry) and writes
accountguard/data/aws_schema.json.gz in the compact form accountguard/schema.py
reads (schema.pack). The test suite generates it afresh and compares.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from fixturegen import AWS_PROVIDER as PROVIDER, AWS_PROVIDER_VERSION as SCHEMA_VERSION, ROOT, _environment, _init

from accountguard.schema import pack

TARGET = ROOT / "accountguard" / "data" / "aws_schema.json.gz"
REQUIREMENT = f"""terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "{SCHEMA_VERSION}" }}
  }}
}}
"""
FLAGS = (("required", "r"), ("optional", "o"), ("computed", "c"), ("sensitive", "s"), ("write_only", "w"))


def compact_block(block: dict) -> dict:
    """{"a": {name: [cty type, flags]}, "b": {name: [nesting, block, min_items, max_items]}}."""
    out: dict = {}
    attributes = {name: [attribute["type"], "".join(flag for key, flag in FLAGS if attribute.get(key))]
                  for name, attribute in sorted((block.get("attributes") or {}).items())}
    nested = {name: [kind["nesting_mode"], compact_block(kind["block"]), kind.get("min_items", 0),
                     kind.get("max_items", 0)]
              for name, kind in sorted((block.get("block_types") or {}).items())}
    if attributes:
        out["a"] = attributes
    if nested:
        out["b"] = nested
    return out


def provider_schema() -> dict:
    """`terraform providers schema -json`, for hashicorp/aws only."""
    with tempfile.TemporaryDirectory(prefix="accountguard-schema-") as scratch:
        workdir = Path(scratch) / "config"
        workdir.mkdir()
        (workdir / "main.tf").write_text(REQUIREMENT)
        env = _environment(str(Path(scratch) / "data"))
        _init("schema", workdir, env)
        done = subprocess.run(["terraform", "providers", "schema", "-json"], cwd=workdir, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"terraform providers schema failed:\n{done.stderr or done.stdout}")
        return json.loads(done.stdout)["provider_schemas"][PROVIDER]


def generate() -> dict:
    schema = provider_schema()
    return {"provider": PROVIDER, "version": SCHEMA_VERSION,
            "provider_config": compact_block(schema["provider"]["block"]),
            "managed": {name: compact_block(s["block"]) for name, s in sorted(schema["resource_schemas"].items())},
            "data": {name: compact_block(s["block"]) for name, s in sorted(schema["data_source_schemas"].items())}}


def write(snapshot: dict, target: Path = TARGET) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pack(snapshot))
    return target


if __name__ == "__main__":
    try:
        print(write(generate()).relative_to(ROOT))
    except RuntimeError as exc:
        sys.exit(f"schemagen: {exc}")

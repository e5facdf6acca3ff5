"""Large realistic plans: the baseline's real Terraform plan instantiated N times
as `module "unit" { for_each = ... }`, names made unique per instance, as in an
organisation that stamps out one account baseline per team."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("alice", "bob", "auditor", "humans", "admins", "account-trail", "security-alerts", "billing-alerts",
         "RequireMFA")


def generate(resources: int, out: Path) -> int:
    base = json.loads((ROOT / "fixtures" / "baseline.json").read_text())
    per_unit = len(base["resource_changes"])
    units = max(1, round(resources / per_unit))
    changes, data = [], []
    base_changes = json.dumps(base["resource_changes"])
    base_data = json.dumps(base["prior_state"]["values"]["root_module"])
    for unit in range(units):
        key = f"team{unit:05d}"
        prefix = f'module.unit["{key}"]'
        text, data_text = base_changes, base_data
        for name in NAMES:
            text = text.replace(name, f"{name}-{key}")
            data_text = data_text.replace(name, f"{name}-{key}")
        for change in json.loads(text):
            change["address"] = f"{prefix}.{change['address']}"
            change["module_address"] = prefix + (f".{change['module_address']}" if change.get("module_address") else "")
            changes.append(change)
        module = json.loads(data_text)
        for child in module.get("child_modules", []):
            for resource in child.get("resources", []):
                resource["address"] = f"{prefix}.{resource['address']}"
            child["address"] = f"{prefix}.{child['address']}"
        data.append({"address": prefix, "resources": [], "child_modules": module.get("child_modules", [])})
    configuration = base["configuration"]
    configuration["root_module"] = {"module_calls": {"unit": {
        "source": "./modules/account-baseline", "for_each_expression": {"references": ["local.teams"]},
        "module": configuration["root_module"]}}}
    plan = {**base, "resource_changes": changes, "configuration": configuration,
            "prior_state": {"format_version": "1.0", "values": {"root_module": {"child_modules": data}}}}
    plan.pop("planned_values", None)
    out.write_text(json.dumps(plan))
    return len(changes)


if __name__ == "__main__":
    print(generate(int(sys.argv[1]), Path(sys.argv[2])))

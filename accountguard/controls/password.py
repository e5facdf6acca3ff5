from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Unknown
from ..regressions import lowered, turned_off
from . import control

REQUIRED_CLASSES = {
    "require_uppercase_characters": "upper-case letters",
    "require_lowercase_characters": "lower-case letters",
    "require_numbers": "numbers",
    "require_symbols": "symbols",
}


@control(
    id="AG_PWD_1", title="A strong account password policy exists", severity="medium", cis="1.8, 1.9",
    modes="PHL",
    rationale="Short or reused console passwords are guessed and stuffed; the account policy is the only lever on them.",
    fix='resource "aws_iam_account_password_policy" "strict" {\n'
        "  minimum_password_length      = 14\n  require_uppercase_characters = true\n"
        "  require_lowercase_characters = true\n  require_numbers              = true\n"
        "  require_symbols              = true\n  password_reuse_prevention    = 24\n}",
    weakenings=(lowered("aws_iam_account_password_policy", "minimum_password_length"),
                lowered("aws_iam_account_password_policy", "password_reuse_prevention"),
                *(turned_off("aws_iam_account_password_policy", attr) for attr in REQUIRED_CLASSES)),
)
def password_policy(inventory: Inventory, config: Config):
    policies = inventory.of_type("aws_iam_account_password_policy")
    if not policies:
        yield Fail("account", "there is no account password policy (aws_iam_account_password_policy)")
        return
    t = config.thresholds
    for policy in policies:
        problems, unknown = [], []
        checks = [("minimum_password_length", t.password_min_length, "minimum length"),
                  ("password_reuse_prevention", t.password_reuse_prevention, "reuse prevention")]
        for attr, minimum, label in checks:
            value = policy.values.get(attr)
            if isinstance(value, Unknown):
                unknown.append(attr)
            elif not isinstance(value, int) or value < minimum:
                problems.append(f"{label} is {value if value is not None else 'not set'} (needs >= {minimum})")
        for attr, label in REQUIRED_CLASSES.items():
            value = policy.values.get(attr)
            if isinstance(value, Unknown):
                unknown.append(attr)
            elif value is not True:
                problems.append(f"does not require {label}")
        if problems:
            if unknown:
                problems.append(f"{', '.join(unknown)} known only after apply (set explicitly)")
            yield Fail(policy.address, "password policy is weak: " + "; ".join(problems))
        elif unknown:
            yield Error(policy.address, f"{', '.join(unknown)} known only after apply; set them explicitly")
        else:
            weaker = [f"{name} = {getattr(t, name)}" for name in ("password_min_length", "password_reuse_prevention")
                      if name in t.weaker()]
            yield Pass(policy.address, "password policy is strong" if not weaker else
                       f"password policy meets the configured thresholds, weaker than the catalogue's "
                       f"({', '.join(weaker)})")

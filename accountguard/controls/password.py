from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Unknown
from ..regressions import lowered, turned_off
from . import Coverage, control

# What AWS applies to an attribute the configuration leaves out: the provider sends
# only what is set (UpdateAccountPasswordPolicy), and AWS's defaults are no
# character classes and no reuse prevention; the provider's own default length is 6.
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html
AWS_DEFAULTS = {"minimum_password_length": 6, "password_reuse_prevention": 0, "require_uppercase_characters": False,
                "require_lowercase_characters": False, "require_numbers": False, "require_symbols": False}

REQUIRED_CLASSES = {
    "require_uppercase_characters": "upper-case letters",
    "require_lowercase_characters": "lower-case letters",
    "require_numbers": "numbers",
    "require_symbols": "symbols",
}


@control(
    id="AG_PWD_1", title="A strong account password policy exists", severity="medium", cis="2.8, 2.9",
    modes="PHL",
    rationale="Short or reused console passwords are guessed and stuffed; the account policy is the only lever on them.",
    fix='resource "aws_iam_account_password_policy" "strict" {\n'
        "  minimum_password_length      = 14\n  require_uppercase_characters = true\n"
        "  require_lowercase_characters = true\n  require_numbers              = true\n"
        "  require_symbols              = true\n  password_reuse_prevention    = 24\n}",
    weakenings=(lowered("aws_iam_account_password_policy", "minimum_password_length"),
                lowered("aws_iam_account_password_policy", "password_reuse_prevention"),
                *(turned_off("aws_iam_account_password_policy", attr) for attr in REQUIRED_CLASSES)),
    coverage=Coverage(
        families=("aws_iam_account_password_policy", "data.aws_iam_account_*"),
        read=("aws_iam_account_password_policy",),
        irrelevant={"data.aws_iam_account_alias": "the account's sign-in alias; no part of the password policy"}),
)
def password_policy(inventory: Inventory, config: Config):
    policies = inventory.of_type("aws_iam_account_password_policy")
    if not policies:
        yield Fail("account", "there is no account password policy (aws_iam_account_password_policy)")
        return
    t = config.thresholds
    checks = [("minimum_password_length", t.password_min_length, "minimum length"),
              ("password_reuse_prevention", t.password_reuse_prevention, "reuse prevention")]
    for policy in policies:
        problems, unknown = [], []

        def value_of(attr):
            return AWS_DEFAULTS[attr] if policy.left_unset(attr) else policy.values.get(attr)

        for attr, minimum, label in checks:
            value = value_of(attr)
            if isinstance(value, Unknown):
                unknown.append(attr)
            elif not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                problems.append(f"{label} is {value if isinstance(value, int) else 'not readable'} "
                                f"(needs >= {minimum})")
        for attr, label in REQUIRED_CLASSES.items():
            value = value_of(attr)
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

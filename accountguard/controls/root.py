"""Root user controls: only a live account shows the root user's credentials
(the `root` fact: from the account summary, the credential report's
<root_account> row and the virtual MFA devices)."""
from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Unknown
from . import control

CENTRAL = "root credentials are managed centrally by AWS Organizations (no password, no keys)"


def _central(root: dict) -> bool:
    return root.get("centrally_managed") is True and root.get("access_keys_present") is False \
        and root.get("password_enabled") is False


@control(
    id="AG_ROOT_1", title="The root user has no access keys", severity="critical", cis="2.4", modes="L",
    rationale="A root access key can do anything, cannot be restricted, and is the first thing attackers look for.",
    fix="Delete the root user's access keys (console: Security credentials); Terraform cannot manage them.",
)
def root_keys(inventory: Inventory, config: Config):
    root = inventory.fact("root")
    keys = root["access_keys_present"]
    if isinstance(keys, Unknown):
        yield Error("account", f"cannot tell whether the root user has access keys: {keys.why}")
    elif _central(root):
        yield Pass("account", CENTRAL)
    elif keys:
        yield Fail("account", "the root user has an access key")
    else:
        yield Pass("account", "the root user has no access keys")


@control(
    id="AG_ROOT_2", title="The root user has MFA enabled", severity="critical", cis="2.5", modes="L",
    rationale="Without MFA a phished or reused root password hands over the whole account.",
    fix="Enable MFA for the root user (console: Security credentials); Terraform cannot manage it.",
)
def root_mfa(inventory: Inventory, config: Config):
    root = inventory.fact("root")
    mfa = root["mfa_enabled"]
    if _central(root):
        yield Pass("account", CENTRAL)
    elif isinstance(mfa, Unknown):
        yield Error("account", f"cannot tell whether the root user has MFA: {mfa.why}")
    elif mfa:
        yield Pass("account", "the root user has MFA")
    else:
        yield Fail("account", "the root user has no MFA device")


@control(
    id="AG_ROOT_3", title="The root user's MFA is a hardware device", severity="high", cis="2.6", modes="L",
    rationale="A virtual MFA device lives on a phone or laptop that can itself be compromised or lost.",
    fix="Register a hardware MFA device or security key for the root user and remove the virtual one.",
)
def root_hardware_mfa(inventory: Inventory, config: Config):
    root = inventory.fact("root")
    mfa, virtual = root["mfa_enabled"], root["virtual_mfa"]
    if _central(root):
        yield Pass("account", CENTRAL)
    elif isinstance(mfa, Unknown) or isinstance(virtual, Unknown):
        unknown = mfa if isinstance(mfa, Unknown) else virtual
        yield Error("account", f"cannot tell which MFA device the root user has: {unknown.why}")
    elif not mfa:
        yield Fail("account", "the root user has no MFA device at all")
    elif virtual:
        yield Fail("account", "the root user's MFA device is a virtual one")
    else:
        yield Pass("account", "the root user's MFA is a hardware device or security key")


@control(
    id="AG_ROOT_4", title="The root user is not used for everyday work", severity="high", cis="2.7", modes="L",
    rationale="Every root sign-in is a chance to leak the one credential that cannot be limited.",
    fix="Use IAM users or SSO roles for daily work and keep the root credentials locked away.",
)
def root_unused(inventory: Inventory, config: Config):
    last_used = inventory.fact("root")["last_used"]
    days = config.thresholds.root_unused_days
    if isinstance(last_used, Unknown):
        yield Error("account", f"cannot tell when the root user was last used: {last_used.why}")
    elif last_used is None:
        yield Pass("account", "the root user's password and keys have never been used (credential report)")
    else:
        age = (inventory.facts["observed_at"] - last_used).days
        if age < days:
            yield Fail("account", f"the root user was used {age} days ago ({last_used:%Y-%m-%d}); "
                                  f"it should be unused for at least {days} days")
        else:
            yield Pass("account", f"the root user was last used {age} days ago")

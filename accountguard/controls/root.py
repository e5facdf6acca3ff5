"""Root user controls: only a live account shows the root user's credentials."""
from . import live_only

live_only(
    id="AG_ROOT_1", title="The root user has no access keys", severity="critical", cis="1.4", modes="L",
    rationale="A root access key can do anything, cannot be restricted, and is the first thing attackers look for.",
    fix="Delete the root user's access keys (console: Security credentials); Terraform cannot manage them.",
)
live_only(
    id="AG_ROOT_2", title="The root user has MFA enabled", severity="critical", cis="1.5", modes="L",
    rationale="Without MFA a phished or reused root password hands over the whole account.",
    fix="Enable MFA for the root user (console: Security credentials); Terraform cannot manage it.",
)
live_only(
    id="AG_ROOT_3", title="The root user's MFA is a hardware device", severity="high", cis="1.6", modes="L",
    rationale="A virtual MFA device lives on a phone or laptop that can itself be compromised or lost.",
    fix="Register a hardware MFA device or security key for the root user and remove the virtual one.",
)
live_only(
    id="AG_ROOT_4", title="The root user is not used for everyday work", severity="high", cis="1.7", modes="L",
    rationale="Every root sign-in is a chance to leak the one credential that cannot be limited.",
    fix="Use IAM users or SSO roles for daily work and keep the root credentials locked away.",
)

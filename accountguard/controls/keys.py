from collections import Counter

from ..access import access_graph, assumable_roles, iam_made_elsewhere
from ..config import Config
from .. import resource_policies
from ..iam import write_power
from ..model import Error, Fail, Inventory, Pass, Unknown
from . import control, iam_types


@control(
    id="AG_KEY_1", title="No active access key belongs to a user who can change the account",
    severity="high", cis="-", modes="PHL",
    rationale="Long-lived keys leak (repositories, laptops, CI logs); a leaked key with write power is a takeover.",
    fix='resource "aws_iam_access_key" "this" {\n  user   = aws_iam_user.this.name\n'
        '  status = "Inactive"  # activate only while in use, or give the user read-only policies\n}',
    coverage=iam_types.coverage(iam_types.ACCESS + iam_types.ROLES + iam_types.ELSEWHERE + ("aws_iam_access_key",)
                                + iam_types.RESOURCE_POLICIES, irrelevant={
        "data.aws_iam_role": "looks up a role managed elsewhere: roles not managed in the plan are not seen, "
                             "as in every plan (live mode reads every role)", **resource_policies.IRRELEVANT},
                                defaults={**resource_policies.DEFAULTS,
        "aws_iam_access_key.status": "Active (provider: \"Defaults to Active\")",
        "aws_iam_role.inline_policy": "unset: the role's inline policies are those aws_iam_role_policy sets",
        "aws_iam_role.managed_policy_arns": "unset: the role's managed policies are those attachments set",
        "aws_iam_user.path": "/ (provider: \"Optional, default /\"): the path in the ARN a trust policy names",
        "aws_iam_role.path": "/ (provider: \"Optional, default /\"): the path in the ARN a trust policy names",
        **iam_types.ELSEWHERE_DEFAULTS}),
)
def no_writer_keys(inventory: Inventory, config: Config):
    for address, why in iam_made_elsewhere(inventory):
        yield Error(address, why)
    keys = inventory.of_type("aws_iam_access_key")
    if not keys:
        yield Pass("account", "there are no access keys", vacuous=True)
        return
    graph = access_graph(inventory)
    for key in keys:
        status = key.get("status", "Active")
        if isinstance(status, Unknown):
            yield Error(key.address, "the key's status is known only after apply")
            continue
        if status == "Inactive":
            yield Pass(key.address, "the key is inactive")
            continue
        link = inventory.link(key, "user", "aws_iam_user")
        owners = [u for u in link.resources if u.mode == "managed" and isinstance(u.values.get("name"), str)]
        if len(owners) != 1:
            looked_up = [u.values.get("user_name") for u in link.resources if u.mode == "data"]
            shown = (link.outside + [n for n in looked_up if isinstance(n, str)] or [None])[0]
            yield Error(key.address, f"user {shown} is not managed in this plan, so what it can do cannot be seen" if shown
                        else "cannot tell which user owns the key"
                        + (f": {link.unknown.why}" if link.unknown else ""))
            continue
        user = owners[0].values["name"]
        reason = write_power(graph.policy_set(user))
        if reason and not isinstance(reason, Unknown):
            yield Fail(key.address, f"active access key of user {user}, who can change the account: {reason}")
            continue
        granted, grant_error = resource_policies.resource_writer(inventory, owners[0])
        if granted:
            yield Fail(key.address, f"active access key of user {user}, who can change the account: {granted}")
            continue
        role_fail, role_error = _role_writer(inventory, graph, owners[0])
        if role_fail:
            yield Fail(key.address, f"active access key of user {user}, who {role_fail}")
        elif isinstance(reason, Unknown):
            yield Error(key.address, f"cannot tell whether user {user} is read-only: {reason.why}")
        elif grant_error:
            yield Error(key.address, f"cannot tell whether user {user} is read-only: {grant_error}")
        elif role_error:
            yield Error(key.address, f"cannot tell whether user {user} is read-only: it {role_error}")
        else:
            yield Pass(key.address, f"user {user} can only read")


def _role_writer(inventory: Inventory, graph, user) -> tuple[str | None, str | None]:
    """Why the user, by assuming roles, surely can change the account (first) or may
    (second): a role it can assume whose own policies, or resource policies naming it,
    go beyond Read and List."""
    maybe = None
    for reached in assumable_roles(inventory, user):
        power = write_power(graph.role_policy_set(reached.role))
        if power is None or isinstance(power, Unknown):
            granted, may_grant = resource_policies.resource_writer(inventory, reached.role)
            power = granted or power or (Unknown(may_grant) if may_grant else None)
        if power is None:
            continue
        via = f" (through {', '.join(reached.chain[:-1])})" if len(reached.chain) > 1 else ""
        if reached.certain and not isinstance(power, Unknown):
            return (f"can assume role {reached.role.address}{via} ({reached.why}), which can change the "
                    f"account: {power}"), None
        if maybe is None:
            maybe = (f"may assume role {reached.role.address}{via} ({reached.why}), which "
                     + (f"can change the account: {power}" if not isinstance(power, Unknown)
                        else f"may change the account: {power.why}"))
    return None, maybe


@control(
    id="AG_KEY_2", title="Access keys are rotated and unused keys deactivated", severity="medium",
    cis="2.11, 2.12", modes="L",
    rationale="Old and idle keys are the ones nobody notices leaking; two active keys double the exposure.",
    fix="Rotate keys within 90 days (create the new aws_iam_access_key, switch, delete the old) and set "
        'status = "Inactive" on keys unused for 45 days.',
)
def keys_rotated(inventory: Inventory, config: Config):
    keys = inventory.of_type("aws_iam_access_key")
    if not keys:
        yield Pass("account", "there are no access keys", vacuous=True)
        return
    now, t = inventory.facts["observed_at"], config.thresholds
    active = [k for k in keys if k.get("status") == "Active"]
    per_user = Counter(k.get("user") for k in active)
    for key in keys:
        if key.get("status") != "Active":
            yield Pass(key.address, "the key is inactive")
            continue
        created, used = key.values.get("create_date"), key.values.get("last_used_date")
        unknown = next((v for v in (created, used) if isinstance(v, Unknown)), None)
        if unknown is not None or created is None:
            yield Error(key.address, f"cannot tell how old the key is: {unknown.why if unknown else 'no date'}")
            continue
        problems = []
        age = (now - created).days
        if age > t.key_max_age_days:
            problems.append(f"not rotated for {age} days (at most {t.key_max_age_days})")
        idle = (now - (used or created)).days
        if idle > t.key_max_unused_days:
            problems.append(f"{'never used' if used is None else 'unused'} for {idle} days and still active "
                            f"(deactivate after {t.key_max_unused_days})")
        if per_user[key.get("user")] > 1:
            problems.append(f"user {key.get('user')} has two active keys")
        if problems:
            yield Fail(key.address, "; ".join(problems))
        else:
            yield Pass(key.address, f"rotated {age} days ago, last used {idle} days ago")

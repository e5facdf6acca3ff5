from collections import Counter

from ..access import access_graph, names
from ..config import Config
from ..iam import managed_write_grant, write_grant
from ..model import Error, Fail, Inventory, Pass, Unknown
from . import control


@control(
    id="AG_KEY_1", title="No active access key belongs to a user who can change the account",
    severity="high", cis="-", modes="PHL",
    rationale="Long-lived keys leak (repositories, laptops, CI logs); a leaked key with write power is a takeover.",
    fix='resource "aws_iam_access_key" "this" {\n  user   = aws_iam_user.this.name\n'
        '  status = "Inactive"  # activate only while in use, or give the user read-only policies\n}',
)
def no_writer_keys(inventory: Inventory, config: Config):
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
        users, unknown = names(inventory, key, "user", "aws_iam_user")
        if unknown is not None or not users:
            yield Error(key.address, "cannot tell which user owns the key"
                        + (f": {unknown.why}" if unknown else ""))
            continue
        user = users[0]
        unknowns = list(graph.unknown)
        writes = []
        for grant in graph.grants(user):
            if grant.managed_arn:
                reason = managed_write_grant(grant.managed_arn)
            elif grant.document is not None:
                reason = write_grant(grant.document)
            else:  # cannot be seen, or not valid policy JSON: either way, not proven read-only
                reason = grant.problem if isinstance(grant.problem, Unknown) else Unknown(str(grant.problem))
            if isinstance(reason, Unknown):
                unknowns.append(reason)
            elif reason:
                writes.append(f"{reason} (via {grant.via})")
        if writes:
            yield Fail(key.address, f"active access key of user {user}, who can change the account: "
                       + "; ".join(writes))
        elif unknowns:
            yield Error(key.address, f"cannot tell whether user {user} is read-only: {unknowns[0].why}")
        else:
            yield Pass(key.address, f"user {user} can only read")


@control(
    id="AG_KEY_2", title="Access keys are rotated and unused keys deactivated", severity="medium",
    cis="1.12-1.14", modes="L",
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

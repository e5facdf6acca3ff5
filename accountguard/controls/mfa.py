from ..access import POLICY_RESOURCES, access_graph, iam_made_elsewhere, policy_of, user_name
from ..config import Config
from ..iam import PolicySet, mfa_gap
from ..model import Error, Fail, Inventory, Pass, Unknown
from . import control, iam_types

MFA_POLICY_SOURCES = {**POLICY_RESOURCES, "data.aws_iam_policy": "policy"}  # an existing policy looked up
MFA_FIX = ('data "aws_iam_policy_document" "require_mfa" {\n'
           "  statement {\n    effect      = \"Deny\"\n"
           "    not_actions = [\"iam:CreateVirtualMFADevice\", \"iam:EnableMFADevice\", \"iam:GetUser\",\n"
           "                   \"iam:ListMFADevices\", \"iam:ResyncMFADevice\", \"sts:GetSessionToken\"]\n"
           "    resources   = [\"*\"]\n"
           "    condition {\n      test     = \"BoolIfExists\"\n"
           "      variable = \"aws:MultiFactorAuthPresent\"\n      values   = [\"false\"]\n    }\n  }\n}")


@control(
    id="AG_MFA_1", title="An MFA-enforcing policy exists", severity="high", cis="-", modes="PHL",
    rationale="A stolen password or access key without MFA must not be enough to act in the account.",
    fix=MFA_FIX + '\nresource "aws_iam_policy" "require_mfa" {\n'
        "  policy = data.aws_iam_policy_document.require_mfa.json\n}",
    coverage=iam_types.coverage(
        tuple(MFA_POLICY_SOURCES) + ("data.aws_iam_policy_document",),
        {**{t: "whom a policy reaches is AG_MFA_2's question; AG_MFA_1 asks whether one exists"
            for t in iam_types.ACCESS + ("aws_iam_access_key", "aws_iam_role")},
         **{t: "a policy a template makes is not read: AG_MFA_1 asks for one in the plan"
            for t in iam_types.ELSEWHERE}}),
)
def mfa_policy_exists(inventory: Inventory, config: Config):
    misses, unknown = [], []
    for type_, attr in MFA_POLICY_SOURCES.items():
        for resource in inventory.of_type(type_):
            document = policy_of(inventory, resource, attr)
            if isinstance(document, Unknown):
                unknown.append(f"{resource.address} ({document.why})")
                continue
            alone = PolicySet(scps=(document,)) if type_ == "aws_organizations_policy" else PolicySet((document,))
            gap = mfa_gap(alone)
            if gap is None:
                yield Pass(resource.address, "denies everything but MFA self-service without MFA")
                return
            if isinstance(gap, Unknown):
                unknown.append(f"{resource.address} ({gap.why})")
            elif "Deny" in {s.effect for s in document.statements}:
                misses.append(gap)
    if unknown:
        yield Error("account", "cannot tell whether these policies enforce MFA: " + "; ".join(unknown))
    else:
        yield Fail("account", "no policy denies everything but MFA self-service without MFA"
                   + (" (" + "; ".join(misses) + ")" if misses else ""))


@control(
    id="AG_MFA_2", title="Every IAM user is subject to an MFA-enforcing policy", severity="high", cis="-",
    modes="PHL",
    rationale="A user outside the MFA policy can act with a password or key alone.",
    fix="Add the user to the group that has the MFA policy attached:\n"
        'resource "aws_iam_user_group_membership" "this" {\n'
        "  user   = aws_iam_user.this.name\n  groups = [aws_iam_group.humans.name]\n}",
    coverage=iam_types.coverage(iam_types.ACCESS + iam_types.ELSEWHERE, {
        "aws_iam_access_key": "a key does not change which policies reach its user",
        "aws_iam_role": "roles are not IAM users; AG_MFA_2 judges users"}, defaults=iam_types.ELSEWHERE_DEFAULTS),
)
def users_subject_to_mfa(inventory: Inventory, config: Config):
    for address, why in iam_made_elsewhere(inventory):
        yield Error(address, why)
    graph = access_graph(inventory)
    if not graph.users:
        yield Pass("account", "there are no IAM users", vacuous=True)
        return
    for user in graph.users:
        name = user_name(user)
        if isinstance(name, Unknown):
            yield Error(user.address, name.why)
            continue
        gap = mfa_gap(graph.policy_set(name))
        if gap is None:
            yield Pass(user.address, f"user {name} is denied everything but MFA self-service without MFA")
        elif isinstance(gap, Unknown):
            yield Error(user.address, f"cannot tell whether user {name} is subject to MFA enforcement: {gap.why}")
        else:
            reached = ", ".join(sorted({g.name for g in graph.grants(name)})) or "none"
            exempt = (f"; SCPs do not restrict it: {graph.management} makes this the organization's management "
                      "account") if isinstance(graph.management, str) and graph.management \
                and inventory.of_type("aws_organizations_policy_attachment") else ""
            if graph.elsewhere:
                exempt += (f"; {graph.elsewhere[0]} attaches its SCP to another account than this input's "
                           f"({inventory.account})")
            yield Fail(user.address, f"user {name} is not subject to any MFA-enforcing policy: {gap} "
                       f"(policies reaching it: {reached}{exempt})")


@control(
    id="AG_MFA_3", title="Every IAM user with a console password has an active MFA device", severity="high",
    cis="2.10", modes="L",
    rationale="A policy that demands MFA protects nothing until the user has actually enrolled a device.",
    fix="Have each console user enrol an MFA device; Terraform cannot enrol one for them.",
)
def console_users_have_mfa(inventory: Inventory, config: Config):
    users = inventory.of_type("aws_iam_user")
    if not users:
        yield Pass("account", "there are no IAM users", vacuous=True)
    for user in users:
        password, mfa = user.values.get("password_enabled"), user.values.get("mfa_active")
        unknown = next((v for v in (password, mfa) if isinstance(v, Unknown)), None)
        if unknown is not None:
            yield Error(user.address, f"cannot tell whether user {user.get('name')} has MFA: {unknown.why}")
        elif password is not True:
            yield Pass(user.address, f"user {user.get('name')} has no console password")
        elif mfa is True:
            yield Pass(user.address, f"user {user.get('name')} has an MFA device")
        else:
            yield Fail(user.address, f"user {user.get('name')} has a console password and no MFA device")

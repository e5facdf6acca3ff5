"""The clients an organization scan shares between its accounts (reader.py
SharedClients), against moto on 127.0.0.1: each call is signed with the
credentials of the Reader making it, from threads at once, and counted by that
Reader; a shared client called outside a Reader's call is refused.

Expected answers: GetCallerIdentity "returns details about the IAM user or role
whose credentials are used to call the operation" (STS API Reference), so each
Reader must see its own account; IAM users belong to the account they were
created in (moto keeps one IAM backend per account, chosen from the access key)."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto_account import reset, session

from accountguard.sources.live.reader import Deadline, Reader, SharedClients, session_of

ACCOUNTS = [f"2000000000{n:02d}" for n in range(8)]


def _readers(base, shared):
    readers = []
    for account in ACCOUNTS:
        c = base.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/accountguard-scanner",
                                           RoleSessionName="seeding")["Credentials"]
        member = session_of(base, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        member.client("iam").create_user(UserName=f"user-of-{account}")  # seeding, not through the Reader
        readers.append(Reader(member, deadline=Deadline(60), shared=shared))
    return readers


def test_each_account_reads_its_own_data_through_the_shared_clients(moto):
    reset(moto.url)
    base = session()
    shared = SharedClients(base, Deadline(60))
    readers = _readers(base, shared)

    def read(reader):
        users = reader.pages("iam", "us-east-1", "ListUsers", "Users")
        return reader.identity()["Account"], [u["UserName"] for u in users]

    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(read, readers * 4))
    assert found == [(a, [f"user-of-{a}"]) for a in ACCOUNTS] * 4
    assert [dict(r.calls) for r in readers] == [{"iam:ListUsers": 4, "sts:GetCallerIdentity": 4}] * len(ACCOUNTS)
    assert all(r.client("iam", "us-east-1", "ListUsers") is shared.client("iam", "us-east-1") for r in readers)


def test_a_shared_client_called_outside_a_readers_call_is_refused(moto):
    """No Reader's credentials to sign with: refused before a request is made, never signed with others'."""
    reset(moto.url)
    shared = SharedClients(session(), Deadline(60))
    with pytest.raises(RuntimeError, match="outside a Reader's call"):
        shared.client("sts", "us-east-1").get_caller_identity()

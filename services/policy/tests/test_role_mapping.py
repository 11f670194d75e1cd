"""A person's role from the claims of their ID token."""

import pytest

from runagents_common.auth import Role
from runagents_policy.signin.role_mapping import NoRole, RoleMapping

ROLES = {"platform-admins": Role.ADMIN, "ops": Role.OPERATOR, "reviewers": Role.APPROVER, "staff": Role.VIEWER}


@pytest.mark.parametrize(("claim", "claims", "role"), [
    ("groups", {"groups": ["staff", "ops"]}, Role.OPERATOR),
    ("groups", {"groups": ["reviewers", "ops"]}, Role.OPERATOR),  # operator ranks above approver
    ("groups", {"groups": "platform-admins"}, Role.ADMIN),
    ("realm_access.roles", {"realm_access": {"roles": ["offline_access", "reviewers"]}}, Role.APPROVER),
    ("https://example.com/roles", {"https://example.com/roles": ["ops"]}, Role.OPERATOR),  # a namespaced claim
])
def test_the_highest_mapped_value_of_the_claim_gives_the_role(claim: str, claims: dict[str, object],
                                                              role: Role) -> None:
    assert RoleMapping(claim, ROLES).role_of(claims) is role


@pytest.mark.parametrize("claims", [{}, {"groups": ["strangers"]}, {"groups": 7}, {"realm_access": "ops"},
                                    {"groups": [{"name": "ops"}]}])
def test_with_nothing_mapped_the_default_role_or_a_refusal_naming_the_claim(claims: dict[str, object]) -> None:
    assert RoleMapping("groups", ROLES, default=Role.VIEWER).role_of(claims) is Role.VIEWER
    with pytest.raises(NoRole, match="'groups' claim"):
        RoleMapping("groups", ROLES).role_of(claims)
    with pytest.raises(NoRole):
        RoleMapping("realm_access.roles", ROLES).role_of(claims)

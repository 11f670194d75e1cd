"""An API key's prefix is read from its fixed-length head: the secret after it may hold "_" too."""

from runagents_policy.principals.keys import new_api_key, prefix_of


def test_the_prefix_of_a_key_whose_secret_holds_underscores_is_read() -> None:
    assert prefix_of("ra_abcdefghij_se_cr_et") == "ra_abcdefghij"


def test_every_new_key_names_its_own_prefix() -> None:
    for _ in range(200):  # about half of the secrets hold a "_"
        key, prefix = new_api_key()
        assert prefix_of(key) == prefix


def test_what_is_not_shaped_like_a_key_has_no_prefix() -> None:
    assert prefix_of("ra_short_secret") is None
    assert prefix_of("ra_abcdefghij") is None
    assert prefix_of("ra_abcdefghij_") is None
    assert prefix_of("sk-abcdefghij_secret") is None

"""An API key is named by its fixed-length prefix, whatever characters its secret holds."""

from runagents_policy.principals.keys import new_api_key, prefix_of


def test_a_key_whose_secret_holds_underscores_is_named_by_its_prefix() -> None:
    key, prefix = new_api_key()
    secret = key[len(prefix) + 1:]
    with_underscores = f"{prefix}_{secret[:5]}_{secret[5:10]}_{secret[10:]}"

    assert prefix_of(key) == prefix
    assert prefix_of(with_underscores) == prefix


def test_what_is_not_shaped_like_an_api_key_has_no_prefix() -> None:
    _key, prefix = new_api_key()
    assert prefix_of(f"{prefix}_") is None
    assert prefix_of(f"{prefix}x_secret") is None
    assert prefix_of("ra_short_secret") is None
    assert prefix_of("ras_analyzer_mac") is None
    assert prefix_of("not-a-key") is None

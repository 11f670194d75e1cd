"""Dev mode encrypts provider keys with a key of its own data dir, made once, readable by the platform alone."""

import stat
from pathlib import Path

from runagents_gateway.settings import DEV_SECRET_FILE, GatewaySettings


def test_dev_mode_makes_its_encryption_key_once_per_data_dir_in_an_owner_only_file(tmp_path: Path) -> None:
    first = GatewaySettings(mode="dev", data_dir=tmp_path / "one").secret_key().get_secret_value()
    again = GatewaySettings(mode="dev", data_dir=tmp_path / "one").secret_key().get_secret_value()
    other = GatewaySettings(mode="dev", data_dir=tmp_path / "two").secret_key().get_secret_value()

    assert first == again
    assert first != other
    assert len(first) >= 32
    key_file = tmp_path / "one" / DEV_SECRET_FILE
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_configured_key_wins_over_the_dev_one(tmp_path: Path) -> None:
    settings = GatewaySettings(mode="dev", data_dir=tmp_path, gateway_secret_key="configured-secret-key-0123456789")
    assert settings.secret_key().get_secret_value() == "configured-secret-key-0123456789"
    assert not (tmp_path / DEV_SECRET_FILE).exists()

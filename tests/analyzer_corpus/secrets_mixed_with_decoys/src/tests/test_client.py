from settings import Settings

GITHUB_TOKEN = "ghp_opyVmSFFOVrRzMBUb9UgCZPB6eIeNK1UJP8d"


def test_settings_load():
    assert Settings().password_min_length == 12

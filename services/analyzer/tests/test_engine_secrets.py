"""Secrets: provider key formats anywhere, high-entropy literals under secret names; masked previews only.

Key-shaped test values are assembled at run time so this file itself never holds one."""

import textwrap

import pytest

from runagents_analyzer.engine import Report, analyze_files
from runagents_analyzer.engine.secrets import mask

RANDOM_48 = "hu7diu0gutCwSAuin6VEDXGQXBv726GtkzboJFK7UYlr9suf"
RANDOM_40 = "kjXTkSolbramrb2KmIMAlo0idsZ9SMz3vXIwo8gl"
RANDOM_36 = "QAaZtCagcwwZPEU1Un12pVBPlC89foJ46Tqf"
RANDOM_24 = "VujXKL7KAcJ5AVX1c8XwlOct"
RANDOM_35 = "iXR7foqDnXN3CghKUMQF44Y8DU1GPnkLtEX"

KEYS = {
    "openai_api_key": "sk-" + "proj-" + RANDOM_48,
    "anthropic_api_key": "sk-" + "ant-api03-" + RANDOM_48 + RANDOM_40,
    "aws_access_key_id": "AK" + "IA" + "Q3EGRK7T2BX5VN4M",
    "github_token": "gh" + "p_" + RANDOM_36,
    "slack_token": "xo" + "xb-" + "2401938475-" + RANDOM_24,
    "stripe_key": "sk" + "_live_" + RANDOM_24,
    "google_api_key": "AI" + "za" + RANDOM_35,
    "jwt": "eyJ" + "hbGciOiJIUzI1NiJ9.eyJ" + "zdWIiOiJ1c2VyLTQyIn0.Qm9uZXMtYW5kLXN0b25lcy1zaWduYXR1cmU",
}


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def findings(report: Report) -> list[tuple[str, int, str]]:
    return [(s.file, s.line, s.kind) for s in report.secrets]


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_a_provider_key_in_python_is_found_with_its_kind(kind: str) -> None:
    report = analyze({"agent.py": f'import os\nCLIENT_SETTING = "{KEYS[kind]}"\n'})

    assert findings(report) == [("agent.py", 2, kind)]


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_the_preview_never_contains_the_key(kind: str) -> None:
    report = analyze({"notes.txt": f"use {KEYS[kind]} for now\n"})

    [secret] = report.secrets
    assert KEYS[kind] not in report.model_dump_json()
    assert secret.preview == mask(KEYS[kind])
    assert len(secret.preview) <= 8


def test_keys_are_found_in_any_text_file() -> None:
    report = analyze({
        ".env": f"OPENAI_API_KEY={KEYS['openai_api_key']}\nDEBUG=true\n",
        "config/settings.yaml": f"stripe:\n  api_key: {KEYS['stripe_key']}\n",
        "web/index.ts": f'const token = "{KEYS["github_token"]}";\n',
    })

    assert findings(report) == [
        (".env", 1, "openai_api_key"),
        ("config/settings.yaml", 2, "stripe_key"),
        ("web/index.ts", 1, "github_token"),
    ]


def test_a_pem_private_key_is_found_but_a_bare_header_constant_is_not() -> None:
    header = "-----BEGIN " + "RSA PRIVATE KEY-----"
    report = analyze({
        "deploy/key.pem": f"{header}\nMIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HcEJ\n",
        "parser.py": f'PEM_START = "{header}"\n',
    })

    assert findings(report) == [("deploy/key.pem", 1, "private_key")]
    assert report.secrets[0].preview == header


def test_high_entropy_literals_under_secret_names_are_found() -> None:
    report = analyze({"agent.py": """
        import requests
        DB_PASSWORD = "Tr0ub4dor&3x"
        webhook_secret = "a8f3Kd92LmQ0zX7vB1nR5tY"

        def call(client_token="Zq81LmX0pR7vB2nT5yKd"):
            headers = {"Authorization": "Bearer 9fK2mQ7xL0pZ4vR8tB1nY6wC"}
            return requests.post("https://api.acme.io", headers=headers, auth=("bot", "x"), timeout=3,
                                 api_key="Hd82kLq0Zm4Nx7Rt1Vb5Wc9Y")
    """})

    assert findings(report) == [
        ("agent.py", 2, "password"),
        ("agent.py", 3, "generic_secret"),
        ("agent.py", 5, "generic_secret"),
        ("agent.py", 6, "bearer_token"),
        ("agent.py", 8, "generic_secret"),
    ]


def test_a_password_in_a_connection_string_is_found() -> None:
    report = analyze({"db.py": 'DSN = "postgresql://app:S3cr9tPassw0rdz@db.internal:5432/app"\n'})

    assert findings(report) == [("db.py", 1, "connection_string_password")]


@pytest.mark.parametrize(
    "line",
    [
        'OPENAI_API_KEY = "sk-..."',
        'OPENAI_API_KEY = "sk-your-key-here"',
        'api_key = "YOUR_API_KEY"',
        'token = "<token>"',
        'password = "changeme"',
        'secret = "xxxxxxxxxxxxxxxxxxxxxxxx"',
        'AWS_KEY = "AKIAIOSFODNN7EXAMPLE"',
        'api_key = os.environ["OPENAI_API_KEY"]',
        'api_key = os.getenv("OPENAI_API_KEY")',
        'api_key = os.getenv("OPENAI_API_KEY", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxx")',
        'api_key = f"{prefix}{suffix}"',
        'max_tokens = "1024"',
        'tokenizer_name = "cl100k_base_tokenizer_v2"',
        'DATABASE_URL = "postgresql://postgres:postgres@localhost:5432/app"',
        'SECRET_KEY = "${SECRET_KEY}"',
        'description = "A token bucket rate limiter for outbound calls"',
    ],
)
def test_placeholders_env_reads_and_non_secrets_are_not_flagged(line: str) -> None:
    report = analyze({"agent.py": f"import os\n{line}\n"})

    assert report.secrets == []

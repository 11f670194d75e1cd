"""Outbound hosts: hosts that calls contact, not URLs that only appear in text."""

import textwrap

from runagents_analyzer.engine import Report, analyze_files


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def hosts(report: Report) -> dict[str, list[int]]:
    return {host.host: [source.line for source in host.sources] for host in report.hosts}


def test_hosts_come_from_tool_calls_client_base_urls_and_other_connection_calls() -> None:
    report = analyze({"agent.py": """
        import os
        import redis
        import requests
        from openai import OpenAI

        client = OpenAI(base_url=os.getenv("OPENAI_BASE_URL", "https://gateway.acme.io/v1"))
        cache = redis.Redis.from_url("redis://cache.internal:6379/0")

        def lookup(city):
            return requests.get(f"https://api.open-meteo.com/v1/forecast?city={city}")
    """})

    assert hosts(report) == {"api.open-meteo.com": [10], "cache.internal": [7], "gateway.acme.io": [6]}


def test_urls_only_in_comments_docstrings_logs_prints_and_emails_are_not_hosts() -> None:
    report = analyze({"agent.py": '''
        """Agent that talks to https://docs-in-module-docstring.io."""
        import logging
        import requests
        from google.oauth2 import service_account

        log = logging.getLogger(__name__)
        SUPPORT = "help@support-mail.io"
        SCOPES = ["https://www.googleapis.com/auth/drive"]


        def run():
            """See https://docs-in-function-docstring.io/guide for details."""
            # requests.get("https://commented-out.io/api")
            print("Docs: https://printed.io/docs")
            log.info("calling https://logged.io/endpoint")
            log.warning("https://warned.io")
            creds = service_account.Credentials.from_service_account_file("k.json", scopes=SCOPES)
            raise ValueError("https://error-message.io/help")
    '''})

    assert report.hosts == []


def test_each_host_lists_every_place_it_is_contacted_from() -> None:
    report = analyze({
        "a.py": 'import requests\nrequests.get("https://api.github.com/user")\n',
        "b.py": 'import httpx\nhttpx.post("https://api.github.com/gists")\n',
    })

    [github] = report.hosts
    assert github.host == "api.github.com"
    assert [(s.file, s.line) for s in github.sources] == [("a.py", 2), ("b.py", 2)]


def test_reserved_example_domains_are_not_hosts() -> None:
    report = analyze({"agent.py": 'import requests\nrequests.get("https://api.example.com/v1")\n'})

    assert report.hosts == []

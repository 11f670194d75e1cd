"""Constant propagation: URLs built from constants, env defaults, f-strings and attributes resolve."""

import textwrap

import pytest

from runagents_analyzer.engine import Report, analyze_files


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def called_urls(report: Report) -> list[str]:
    return sorted(call.url for tool in report.tools for call in tool.calls)


@pytest.mark.parametrize(
    ("setup", "call", "expected"),
    [
        ('BASE = "https://api.stripe.com/v1"', 'requests.post(BASE + "/charges")',
         "https://api.stripe.com/v1/charges"),
        ('HOST = "api.github.com"', 'requests.get(f"https://{HOST}/repos/{owner}/{repo}")',
         "https://api.github.com/repos/{owner}/{repo}"),
        ('BASE = os.environ.get("NOTION_URL", "https://api.notion.com")', 'requests.get(f"{BASE}/v1/pages")',
         "https://api.notion.com/v1/pages"),
        ('BASE = os.getenv("LINEAR_URL", "https://api.linear.app")', 'requests.post(BASE + "/graphql")',
         "https://api.linear.app/graphql"),
        ('BASE = os.getenv("JIRA_URL") or "https://jira.acme.io"', 'requests.get(f"{BASE}/rest/api/2")',
         "https://jira.acme.io/rest/api/2"),
        ('BASE = os.environ["WEATHER_API_URL"]', 'requests.get(BASE + "/forecast")', "{WEATHER_API_URL}/forecast"),
        ('URL = "https://api.trello.com/1/{}/{}"', 'requests.get(URL.format("boards", board))',
         "https://api.trello.com/1/boards/{board}"),
        ('URL = "https://api.airtable.com/v0/%s"', 'requests.get(URL % base_id)',
         "https://api.airtable.com/v0/{base_id}"),
        ('BASE = "https://api.zoom.us/v2/"', 'requests.get(urljoin(BASE, "users"))', "https://api.zoom.us/v2/users"),
        ('BASE = "https://api.sendgrid.com/"', 'requests.post(BASE.rstrip("/") + "/v3/mail/send")',
         "https://api.sendgrid.com/v3/mail/send"),
        ('ROUTES = {"search": "https://api.tavily.com/search"}', 'requests.post(ROUTES["search"])',
         "https://api.tavily.com/search"),
    ],
)
def test_a_url_built_from_known_parts_is_resolved(setup: str, call: str, expected: str) -> None:
    source = f"import os\nimport requests\nfrom urllib.parse import urljoin\n{setup}\n\n" \
             f"def run(owner, repo, board, base_id):\n    return {call}\n"

    report = analyze({"agent.py": source})

    assert called_urls(report) == [expected]


def test_class_attributes_and_init_defaults_resolve_through_self() -> None:
    report = analyze({"client.py": """
        import requests

        class Slack:
            base_url = "https://slack.com/api"

            def post(self, text):
                return requests.post(f"{self.base_url}/chat.postMessage", json={"text": text})

        class Hubspot:
            def __init__(self, base_url: str = "https://api.hubapi.com"):
                self.base_url = base_url

            def contacts(self):
                return requests.get(self.base_url + "/crm/v3/objects/contacts")
    """})

    assert called_urls(report) == ["https://api.hubapi.com/crm/v3/objects/contacts",
                                   "https://slack.com/api/chat.postMessage"]


def test_a_constant_imported_from_another_module_resolves() -> None:
    report = analyze({
        "config.py": 'API_ROOT = "https://api.pagerduty.com"\n',
        "agent.py": """
            import requests
            from config import API_ROOT

            def incidents():
                return requests.get(f"{API_ROOT}/incidents")
        """,
    })

    assert called_urls(report) == ["https://api.pagerduty.com/incidents"]


def test_a_wrapper_parameter_takes_the_values_of_its_call_sites() -> None:
    report = analyze({"agent.py": """
        import requests

        def fetch(url):
            return requests.get(url, timeout=5)

        fetch("https://api.weather.gov/points/1,2")
        fetch("https://hooks.zapier.com/hooks/catch/1")
    """})

    assert called_urls(report) == ["https://api.weather.gov/points/1,2", "https://hooks.zapier.com/hooks/catch/1"]


def test_the_definition_that_reaches_the_call_is_used() -> None:
    report = analyze({"agent.py": """
        import requests

        def run():
            url = "https://first.acme.io"
            url = url + "/v2/items"
            return requests.get(url)
    """})

    assert called_urls(report) == ["https://first.acme.io/v2/items"]


def test_both_branches_of_a_conditional_constant_are_kept() -> None:
    report = analyze({"agent.py": """
        import os
        import requests

        if os.getenv("PRODUCTION"):
            API = "https://api.acme.io"
        else:
            API = "https://staging.acme.io"

        def ping():
            return requests.get(API + "/ping")
    """})

    assert called_urls(report) == ["https://api.acme.io/ping", "https://staging.acme.io/ping"]


def test_an_unknown_part_is_rendered_as_a_named_template() -> None:
    report = analyze({"agent.py": """
        import requests

        def user(user_id, settings):
            return requests.get(f"https://api.github.com/users/{user_id}/{settings.section}")
    """})

    assert called_urls(report) == ["https://api.github.com/users/{user_id}/{settings.section}"]


def test_self_referencing_definitions_do_not_loop() -> None:
    report = analyze({"agent.py": """
        import requests
        from b import B as A
        A = A + "/x"

        def run():
            return requests.get(A)
    """, "b.py": "from agent import A as B\n"})

    assert report.errors == []

"""Tool calls through each HTTP library, named from the platform's variables or from the host."""

import textwrap

import pytest

from runagents_analyzer.engine import Report, analyze_files
from runagents_analyzer.engine.report import Tool


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def only_tool(report: Report) -> Tool:
    assert len(report.tools) == 1, report.tools
    return report.tools[0]


@pytest.mark.parametrize(
    ("code", "method", "url"),
    [
        ('import requests\nrequests.get("https://api.github.com/user")', "GET", "https://api.github.com/user"),
        ('from requests import post\npost("https://api.github.com/gists", json={})', "POST",
         "https://api.github.com/gists"),
        ('import requests\nrequests.request("PATCH", "https://api.github.com/user")', "PATCH",
         "https://api.github.com/user"),
        ('import requests\ns = requests.Session()\ns.delete("https://api.github.com/gists/1")', "DELETE",
         "https://api.github.com/gists/1"),
        ('import requests\nwith requests.Session() as s:\n    s.put("https://api.github.com/x")', "PUT",
         "https://api.github.com/x"),
        ('import httpx\nhttpx.post("https://api.github.com/markdown")', "POST", "https://api.github.com/markdown"),
        ('import httpx\nc = httpx.Client(base_url="https://api.github.com")\nc.get("/rate_limit")', "GET",
         "https://api.github.com/rate_limit"),
        ('import httpx\nasync def f():\n    async with httpx.AsyncClient(base_url="https://api.github.com/") as c:\n'
         '        await c.request("HEAD", "/zen")', "HEAD", "https://api.github.com/zen"),
        ('import aiohttp\nasync def f():\n    async with aiohttp.ClientSession() as session:\n'
         '        async with session.post("https://api.github.com/graphql", json={}) as r:\n            pass',
         "POST", "https://api.github.com/graphql"),
        ('import urllib.request\nurllib.request.urlopen("https://api.github.com/meta")', "GET",
         "https://api.github.com/meta"),
        ('from urllib.request import Request, urlopen\nreq = Request("https://api.github.com/x", data=b"{}")\n'
         'urlopen(req)', "POST", "https://api.github.com/x"),
        ('import http.client\nconn = http.client.HTTPSConnection("api.github.com")\nconn.request("GET", "/octocat")',
         "GET", "https://api.github.com/octocat"),
    ],
)
def test_each_http_library_call_is_a_tool_call(code: str, method: str, url: str) -> None:
    tool = only_tool(analyze({"agent.py": code + "\n"}))

    assert tool.name == "github"
    assert tool.host == "api.github.com"
    assert [(c.method, c.url) for c in tool.calls] == [(method, url)]


def test_a_call_is_reported_at_its_line() -> None:
    report = analyze({"tools/search.py": """
        import requests


        def search(q):
            return requests.get("https://api.search.brave.com/res/v1/web/search", params={"q": q})
    """})

    call = only_tool(report).calls[0]
    assert (call.file, call.line) == ("tools/search.py", 5)


@pytest.mark.parametrize(
    "url_expression",
    ['os.environ["TOOL_URL_ECHO"]', 'os.getenv("TOOL_URL_ECHO")', 'os.environ.get("TOOL_URL_ECHO")',
     'context.tools["echo"]', 'context.tools.get("echo")'],
)
def test_the_platform_tool_variables_name_the_tool(url_expression: str) -> None:
    report = analyze({"agent.py": f"""
        import os
        import requests

        def handler(request, context):
            base = {url_expression}
            return requests.post(f"{{base}}/echo", json=request)
    """})

    tool = only_tool(report)
    assert tool.name == "echo"
    assert tool.base_url == "{TOOL_URL_ECHO}"
    assert tool.calls[0].url == "{TOOL_URL_ECHO}/echo"


def test_a_multi_word_platform_tool_name_uses_hyphens() -> None:
    report = analyze({"agent.py": """
        import os, requests
        requests.get(os.environ["TOOL_URL_WEB_SEARCH"] + "/q")
    """})

    assert only_tool(report).name == "web-search"


def test_calls_to_one_base_url_are_one_tool() -> None:
    report = analyze({"agent.py": """
        import requests
        API = "https://api.stripe.com/v1"

        def charge():
            return requests.post(f"{API}/charges")

        def refund():
            return requests.post(f"{API}/refunds")
    """})

    tool = only_tool(report)
    assert (tool.name, tool.base_url) == ("stripe", "https://api.stripe.com/v1")
    assert [c.url for c in tool.calls] == ["https://api.stripe.com/v1/charges", "https://api.stripe.com/v1/refunds"]


def test_two_hosts_with_the_same_short_name_get_distinct_tool_names() -> None:
    report = analyze({"agent.py": """
        import requests
        requests.get("https://api.github.com/user")
        requests.get("https://api.github.com/repos")
        requests.post("https://uploads.github.com/repos/x/releases/1/assets")
    """})

    assert sorted(tool.name for tool in report.tools) == ["github", "uploads-github"]


def test_calls_to_llm_endpoints_are_llm_usage_not_tools() -> None:
    report = analyze({"agent.py": """
        import os, requests
        GATEWAY = os.environ.get("LLM_GATEWAY_URL", "http://localhost:8000/llm/v1/chat/completions")

        def ask(q):
            return requests.post(GATEWAY, json={"model": "playground-mini", "messages": []})

        def embed(q):
            body = {"model": "text-embedding-3-small", "input": q}
            return requests.post("https://api.openai.com/v1/embeddings", json=body)
    """})

    assert report.tools == []
    assert [(u.provider, u.model, u.role) for u in report.llm_usage] == [
        ("openai", "playground-mini", "chat"),
        ("openai", "text-embedding-3-small", "embedding"),
    ]


def test_a_call_whose_url_is_entirely_unknown_is_not_a_tool() -> None:
    report = analyze({"agent.py": """
        import requests

        def fetch(url):
            return requests.get(url)
    """})

    assert report.tools == []


def test_non_http_methods_of_http_clients_are_not_calls() -> None:
    report = analyze({"agent.py": """
        import requests
        s = requests.Session()
        s.headers.update({"User-Agent": "agent"})
        s.mount("https://", None)
        s.close()
    """})

    assert report.tools == []


def test_a_platform_tool_stays_a_tool_even_with_an_llm_like_path() -> None:
    report = analyze({"agent.py": """
        import os, requests
        requests.post(os.environ["TOOL_URL_SUMMARIZER"] + "/v1/chat/completions", json={})
    """})

    assert [tool.name for tool in report.tools] == ["summarizer"]
    assert report.llm_usage == []

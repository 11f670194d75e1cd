"""TypeScript/JavaScript at text level: fetch and axios tools, OpenAI/Anthropic/LangChain.js/AI SDK models."""

import textwrap

from runagents_analyzer.engine import Report, analyze_files


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


AGENT_TS = """
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import axios from "axios";
import { openai } from "@ai-sdk/openai";
import { ChatOpenAI } from "@langchain/openai";

const SEARCH_URL = process.env.TOOL_URL_SEARCH ?? "http://search:9000";
const GITHUB = "https://api.github.com";
// await fetch("https://commented-out.io/api");
/* axios.get("https://block-comment.io") */
const client = new OpenAI({ baseURL: "http://localhost:8000/llm/v1" });
const claude = new Anthropic();
const gh = axios.create({ baseURL: GITHUB });

export async function run(q: string) {
  const hits = await fetch(`${SEARCH_URL}/search?q=${q}`, { method: "POST", body: "{}" });
  const repo = await gh.get(`/repos/${q}`);
  await axios.post("https://hooks.slack.com/services/T0/B0/x", { text: "done" });
  const chat = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [] });
  const msg = await claude.messages.create({ model: "claude-3-5-haiku-latest", max_tokens: 50, messages: [] });
  const llm = new ChatOpenAI({ model: "gpt-4o" });
  const vec = openai.embedding("text-embedding-3-small");
  return [hits, repo, chat, msg, llm, vec];
}
"""


def test_fetch_and_axios_calls_are_tools_named_like_python_ones() -> None:
    report = analyze({"src/agent.ts": AGENT_TS})

    tools = {t.name: (t.base_url, [(c.method, c.url, c.line) for c in t.calls]) for t in report.tools}
    assert tools == {
        "search": ("http://search:9000", [("POST", "http://search:9000/search?q={q}", 16)]),
        "github": ("https://api.github.com", [("GET", "https://api.github.com/repos/{q}", 17)]),
        "slack": ("https://hooks.slack.com", [("POST", "https://hooks.slack.com/services/T0/B0/x", 18)]),
    }


def test_sdk_and_framework_model_calls_are_llm_usage() -> None:
    report = analyze({"src/agent.ts": AGENT_TS})

    assert [(u.provider, u.model, u.role, u.line) for u in report.llm_usage] == [
        ("openai", "gpt-4o-mini", "chat", 19),
        ("anthropic", "claude-3-5-haiku-latest", "chat", 20),
        ("openai", "gpt-4o", "chat", 21),
        ("openai", "text-embedding-3-small", "embedding", 22),
    ]


def test_commented_out_calls_are_ignored_and_hosts_come_from_calls() -> None:
    report = analyze({"src/agent.ts": AGENT_TS})

    assert [h.host for h in report.hosts] == ["api.github.com", "hooks.slack.com", "localhost", "search"]


def test_a_fetch_to_an_llm_api_is_llm_usage_with_the_body_model() -> None:
    report = analyze({"index.js": """
        const res = await fetch("https://api.openai.com/v1/chat/completions", {
          method: "POST",
          body: JSON.stringify({ model: "gpt-4.1", messages: [] }),
        });
    """})

    assert report.tools == []
    assert [(u.provider, u.model, u.role) for u in report.llm_usage] == [("openai", "gpt-4.1", "chat")]

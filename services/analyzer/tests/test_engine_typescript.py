"""TypeScript/JavaScript analysis on the tree-sitter syntax tree."""

import textwrap

from runagents_analyzer.engine import Report, analyze_files
from runagents_analyzer.engine.javascript import analyze_javascript
from runagents_analyzer.engine.sources import load_sources


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def calls(report: Report) -> list[tuple[str, str, str, int]]:
    return sorted((t.name, c.method, c.url, c.line) for t in report.tools for c in t.calls)


def usage(report: Report) -> list[tuple[str, str | None, str, int]]:
    return [(u.provider, u.model, u.role, u.line) for u in report.llm_usage]


def test_fetch_with_method_option_and_template_url_is_a_tool_call() -> None:
    report = analyze({"src/agent.ts": """
        const BASE = "https://api.github.com";
        export async function star(owner: string, repo: string) {
          await fetch(`${BASE}/user/starred/${owner}/${repo}`, { method: "PUT" });
          return fetch(BASE + "/repos/" + owner, { method: "post" as const });
        }
    """})

    assert calls(report) == [
        ("github", "POST", "https://api.github.com/repos/{owner}", 4),
        ("github", "PUT", "https://api.github.com/user/starred/{owner}/{repo}", 3),
    ]
    assert report.tools[0].base_url == "https://api.github.com"


def test_fetch_options_held_in_a_variable_give_the_method() -> None:
    report = analyze({"src/a.js": """
        const options = { method: "DELETE", headers: {} };
        fetch("https://api.notion.com/v1/blocks/1", options);
    """})

    assert calls(report) == [("notion", "DELETE", "https://api.notion.com/v1/blocks/1", 2)]


def test_env_default_with_nullish_or_or_is_the_url_and_tool_url_env_names_the_tool() -> None:
    report = analyze({"src/agent.ts": """
        const WEATHER = process.env.WEATHER_URL ?? "https://api.weather.gov";
        const SEARCH = process.env.SEARCH_URL || "https://search.example.org";
        await fetch(`${WEATHER}/points/1,2`);
        await fetch(`${process.env.TOOL_URL_ECHO}/echo`, { method: "POST" });
    """})

    assert calls(report) == [
        ("echo", "POST", "{TOOL_URL_ECHO}/echo", 4),
        ("weather", "GET", "https://api.weather.gov/points/1,2", 3),
    ]


def test_axios_verbs_config_call_and_instances_with_base_url() -> None:
    report = analyze({"src/tools.ts": """
        import axios from "axios";
        const slack = axios.create({ baseURL: "https://slack.com/api" });
        export async function tools(q: string) {
          await axios.get("https://api.stripe.com/v1/charges");
          await axios({ url: "https://api.linear.app/graphql", method: "post", data: { q } });
          await axios.request({ url: "https://api.trello.com/1/cards", method: "PUT" });
          await slack.post("/chat.postMessage", { text: q });
        }
    """})

    assert calls(report) == [
        ("linear", "POST", "https://api.linear.app/graphql", 5),
        ("slack", "POST", "https://slack.com/api/chat.postMessage", 7),
        ("stripe", "GET", "https://api.stripe.com/v1/charges", 4),
        ("trello", "PUT", "https://api.trello.com/1/cards", 6),
    ]


def test_axios_instance_created_in_another_file_keeps_its_base_url() -> None:
    report = analyze({
        "src/http.ts": 'import axios from "axios";\n'
                       'export const api = axios.create({ baseURL: "https://api.jira.com" });\n',
        "src/agent.ts": 'import { api } from "./http";\nexport const run = () => api.delete("/issue/1");\n',
    })

    assert calls(report) == [("jira", "DELETE", "https://api.jira.com/issue/1", 2)]


def test_got_ky_and_node_fetch_calls_are_tools() -> None:
    report = analyze({"src/a.mjs": """
        import got from "got";
        import ky from "ky";
        import fetchIt from "node-fetch";
        const client = got.extend({ prefixUrl: "https://api.airtable.com/v0" });
        await got.post("https://hooks.zapier.com/x", { json: {} });
        await ky.get("https://api.todoist.com/rest/v2/tasks").json();
        await client.get("bases");
        await fetchIt("https://api.sendgrid.com/v3/mail/send", { method: "POST" });
    """})

    assert calls(report) == [
        ("airtable", "GET", "https://api.airtable.com/v0/bases", 7),
        ("sendgrid", "POST", "https://api.sendgrid.com/v3/mail/send", 8),
        ("todoist", "GET", "https://api.todoist.com/rest/v2/tasks", 6),
        ("zapier", "POST", "https://hooks.zapier.com/x", 5),
    ]


def test_class_field_base_url_is_followed_into_methods() -> None:
    report = analyze({"src/client.ts": """
        export class Weather {
          private baseUrl = "https://api.openweathermap.org/data/2.5";
          async now(city: string) {
            return fetch(`${this.baseUrl}/weather?q=${encodeURIComponent(city)}`);
          }
        }
    """})

    assert calls(report) == [("openweathermap", "GET", "https://api.openweathermap.org/data/2.5/weather?q={city}", 4)]


def test_openai_sdk_chat_embeddings_and_responses() -> None:
    report = analyze({"src/llm.ts": """
        import OpenAI from "openai";
        const client = new OpenAI();
        const MODEL = process.env.OPENAI_MODEL ?? "gpt-4o-mini";
        await client.chat.completions.create({ model: MODEL, messages: [] });
        await client.embeddings.create({ model: "text-embedding-3-small", input: "x" });
        await client.responses.create({ model: "gpt-4.1", input: "hi" });
    """})

    assert usage(report) == [
        ("openai", "gpt-4o-mini", "chat", 4),
        ("openai", "text-embedding-3-small", "embedding", 5),
        ("openai", "gpt-4.1", "chat", 6),
    ]
    assert report.tools == []


def test_openai_client_with_a_groq_base_url_is_groq_and_its_host_is_reported() -> None:
    report = analyze({"src/llm.ts": """
        import OpenAI from "openai";
        const groq = new OpenAI({ baseURL: "https://api.groq.com/openai/v1", apiKey: process.env.GROQ_API_KEY });
        await groq.chat.completions.create({ model: "llama-3.1-8b-instant", messages: [] });
    """})

    assert usage(report) == [("groq", "llama-3.1-8b-instant", "chat", 3)]
    assert [h.host for h in report.hosts] == ["api.groq.com"]


def test_anthropic_sdk_messages_create_through_a_class_field() -> None:
    report = analyze({"src/claude.ts": """
        import Anthropic from "@anthropic-ai/sdk";
        export class Bot {
          private client = new Anthropic();
          ask() {
            return this.client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [] });
          }
        }
    """})

    assert usage(report) == [("anthropic", "claude-sonnet-4-5", "chat", 5)]


def test_vercel_ai_sdk_provider_models_and_embed() -> None:
    report = analyze({"src/ai.ts": """
        import { generateText, streamText, embed } from "ai";
        import { openai } from "@ai-sdk/openai";
        import { anthropic } from "@ai-sdk/anthropic";
        import { google } from "@ai-sdk/google";
        import { mistral } from "@ai-sdk/mistral";
        await generateText({ model: openai("gpt-4o"), prompt: "hi" });
        streamText({ model: anthropic("claude-3-5-sonnet-latest"), prompt: "hi" });
        await embed({ model: openai.embedding("text-embedding-3-small"), value: "x" });
        await generateText({ model: google("gemini-2.0-flash"), prompt: "x" });
        await generateText({ model: mistral("mistral-large-latest"), prompt: "x" });
    """})

    assert usage(report) == [
        ("openai", "gpt-4o", "chat", 6),
        ("anthropic", "claude-3-5-sonnet-latest", "chat", 7),
        ("openai", "text-embedding-3-small", "embedding", 8),
        ("google", "gemini-2.0-flash", "chat", 9),
        ("mistral", "mistral-large-latest", "chat", 10),
    ]


def test_langchain_js_chat_models_and_embeddings() -> None:
    report = analyze({"src/chain.js": """
        const { ChatOpenAI, OpenAIEmbeddings } = require("@langchain/openai");
        import { ChatAnthropic } from "@langchain/anthropic";
        const llm = new ChatOpenAI({ modelName: "gpt-4o-mini", temperature: 0 });
        const claude = new ChatAnthropic({ model: "claude-3-haiku-20240307" });
        const vectors = new OpenAIEmbeddings({ model: "text-embedding-3-large" });
    """})

    assert usage(report) == [
        ("openai", "gpt-4o-mini", "chat", 3),
        ("anthropic", "claude-3-haiku-20240307", "chat", 4),
        ("openai", "text-embedding-3-large", "embedding", 5),
    ]
    assert report.tier.value == "custom"
    assert report.tier.reason == "imports @langchain/openai (LangChain.js) in src/chain.js:1"


def test_urls_in_comments_logs_and_errors_are_not_hosts() -> None:
    report = analyze({"src/agent.ts": """
        // await fetch("https://commented.example.com/api")
        /* axios.post("https://block.io/x") */
        console.log("docs at https://docs.acme.dev/guide");
        logger.info(`calling https://log.acme.dev`);
        throw new Error("see https://errors.acme.dev");
        const r = await fetch("https://api.acme.dev/v1/items");
    """})

    assert [h.host for h in report.hosts] == ["api.acme.dev"]
    assert calls(report) == [("acme", "GET", "https://api.acme.dev/v1/items", 6)]


def test_placeholder_keys_and_env_reads_are_not_secrets_but_real_keys_are() -> None:
    report = analyze({"src/config.ts": """
        export const OPENAI_API_KEY = process.env.OPENAI_API_KEY;
        export const placeholder = "sk-...";
        export const apiKey = "YOUR_API_KEY";
        export const github = "ghp_Z8pQ4mT7vX2kR9wL5nB3cH6jF1sD0aGyUeIo";
    """})

    assert [(s.line, s.kind) for s in report.secrets] == [(4, "github_token")]
    assert "Z8pQ4mT7" not in report.secrets[0].preview


def test_packages_come_from_package_json_and_bare_imports_only() -> None:
    report = analyze({
        "package.json": '{"dependencies": {"openai": "^4", "zod": "^3"}, "devDependencies": {"vitest": "^1"}}',
        "src/agent.ts": """
            import fs from "node:fs";
            import path from "path";
            import { z } from "zod";
            import { Client } from "@modelcontextprotocol/sdk/client/index.js";
            import get from "lodash/get";
            import { helper } from "./helper";
            import type { Foo } from "@/types";
            const dotenv = require("dotenv");
        """,
        "src/agent.test.ts": 'import { it } from "vitest";\n',
    })

    assert [(p.name, p.source) for p in report.packages if p.ecosystem == "npm"] == [
        ("@modelcontextprotocol/sdk", "import"), ("dotenv", "import"), ("lodash", "import"),
        ("openai", "manifest"), ("zod", "manifest"),
    ]


def test_entry_point_from_start_script_maps_build_output_to_source() -> None:
    report = analyze({
        "package.json": '{"main": "lib/x.js", "scripts": {"start": "node dist/server.js"}}',
        "src/server.ts": "export {};\n",
        "src/index.ts": "export {};\n",
    })

    assert report.entry_point is not None
    assert (report.entry_point.file, report.entry_point.reason) == (
        "src/server.ts", "package.json scripts.start: node dist/server.js")


def test_entry_point_falls_back_to_conventional_names() -> None:
    report = analyze({"src/agent.ts": "export {};\n", "src/util.ts": "export {};\n"})

    assert report.entry_point is not None
    assert report.entry_point.file == "src/agent.ts"
    assert "agent.ts" in report.entry_point.reason


def test_ai_sdk_with_tools_is_custom_tier_but_plain_ai_sdk_is_not() -> None:
    with_tools = analyze({"src/a.ts": """
        import { generateText, tool } from "ai";
        import { openai } from "@ai-sdk/openai";
        await generateText({ model: openai("gpt-4o"), tools: { weather: tool({}) }, prompt: "x" });
    """})
    plain = analyze({"src/a.ts": """
        import { generateText } from "ai";
        import { openai } from "@ai-sdk/openai";
        await generateText({ model: openai("gpt-4o"), prompt: "x" });
    """})

    assert with_tools.tier.value == "custom"
    assert with_tools.tier.reason == "imports ai (Vercel AI SDK with tools) in src/a.ts:1"
    assert plain.tier.value == "platform"


def test_openai_agents_sdk_import_is_custom_tier_and_its_model_is_usage() -> None:
    report = analyze({"src/agent.ts": """
        import { Agent, run } from "@openai/agents";
        const agent = new Agent({ name: "a", instructions: "x", model: "gpt-4.1-mini" });
    """})

    assert report.tier.value == "custom"
    assert usage(report) == [("openai", "gpt-4.1-mini", "chat", 2)]


def test_a_file_that_does_not_parse_is_reported_and_the_rest_still_analyzed() -> None:
    report = analyze({"src/agent.ts": """
        const ok = await fetch("https://api.github.com/zen");
        function broken( {
        const x = 1;
    """, "src/other.ts": 'await fetch("https://api.stripe.com/v1/x");\n'})

    assert [(e.file, e.line) for e in report.errors] == [("src/agent.ts", 2)]
    assert report.errors[0].message.startswith("syntax error")
    assert [t.name for t in report.tools] == ["github", "stripe"]


def test_prisma_like_create_calls_are_not_llm_usage() -> None:
    report = analyze({"src/db.ts": """
        await prisma.messages.create({ data: { text: "hi" } });
        await db.embeddings.create({ data: {} });
    """})

    assert report.llm_usage == []


def test_fetch_to_an_llm_api_is_llm_usage_not_a_tool() -> None:
    report = analyze({"src/a.ts": """
        const body = { model: "claude-3-5-haiku-latest", messages: [] };
        await fetch("https://api.anthropic.com/v1/messages", { method: "POST", body: JSON.stringify(body) });
    """})

    assert report.tools == []
    assert usage(report) == [("anthropic", "claude-3-5-haiku-latest", "chat", 2)]


def test_every_call_of_three_hundred_typescript_files_is_found() -> None:
    # Speed is measured by bench/analyzer_accuracy.py, not asserted here.
    body = "\n".join(
        f"""
        export async function tool{i}(q: string): Promise<unknown> {{
          const url = `${{BASE}}/items/{i}?q=${{encodeURIComponent(q)}}`;
          const res = await fetch(url, {{ method: "POST", body: JSON.stringify({{ q, n: {i} }}) }});
          if (!res.ok) throw new Error(`failed ${{res.status}}`);
          const data = (await res.json()) as {{ items: string[] }};
          return data.items.map((item) => item.trim()).filter(Boolean);
        }}"""
        for i in range(12)
    )
    source = 'import OpenAI from "openai";\nconst BASE = "https://api.example.io";\n' + textwrap.dedent(body) + (
        '\nconst client = new OpenAI();\n'
        'export const ask = () => client.chat.completions.create({ model: "gpt-4o", messages: [] });\n'
    )
    sources = load_sources({f"src/mod{n}.ts": source.encode() for n in range(300)})

    result = analyze_javascript(sources.files)

    assert len(result.llm_usage) == 300
    assert len(result.http_calls) == 3600


def test_an_exported_handler_is_custom_tier_and_the_entry_point() -> None:
    report = analyze({"src/handler.ts": """
        import type { APIGatewayProxyEvent } from "aws-lambda";
        export const handler = async (event: APIGatewayProxyEvent) => ({ statusCode: 200, body: event.body });
    """})

    assert report.tier.value == "custom"
    assert report.tier.reason == "export handler in src/handler.ts:2"
    assert report.entry_point is not None and report.entry_point.file == "src/handler.ts"
    assert report.packages == []  # a type-only import needs no runtime package


def test_sdk_clients_and_constants_imported_from_sibling_modules_are_resolved() -> None:
    report = analyze({
        "src/lib/openai.ts": 'import OpenAI from "openai";\nexport const openai = new OpenAI();\n'
                             'export const MODEL = "o4-mini";\n',
        "src/route.ts": 'import { openai, MODEL } from "./lib/openai";\n'
                        "await openai.chat.completions.create({ model: MODEL, messages: [] });\n",
    })

    assert [(u.provider, u.model, u.file, u.line) for u in report.llm_usage] == [
        ("openai", "o4-mini", "src/route.ts", 2)]

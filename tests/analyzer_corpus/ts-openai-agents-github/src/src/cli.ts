#!/usr/bin/env node
import { Agent, run, tool } from "@openai/agents";
import { z } from "zod";

const GH = "https://api.github.com";

const listIssues = tool({
  name: "list_issues",
  description: "List open issues of a repository",
  parameters: z.object({ repo: z.string() }),
  async execute({ repo }) {
    const res = await fetch(`${GH}/repos/${repo}/issues?state=open`, {
      headers: { Accept: "application/vnd.github+json" },
    });
    return res.json();
  },
});

const agent = new Agent({
  name: "Repo assistant",
  instructions: "Answer questions about a GitHub repository using the tools.",
  model: "gpt-4.1-mini",
  tools: [listIssues],
});

const result = await run(agent, process.argv.slice(2).join(" "));
console.log(result.finalOutput);

import Anthropic from "@anthropic-ai/sdk";
import axios from "axios";
import { history, postMessage } from "./slack";

const anthropic = new Anthropic();
const JIRA = process.env.JIRA_BASE_URL || "https://acme.atlassian.net";

async function openTickets(): Promise<string[]> {
  const res = await axios.get(`${JIRA}/rest/api/3/search?jql=status=Open`, {
    auth: { username: "bot@acme.io", password: process.env.JIRA_TOKEN ?? "" },
  });
  return res.data.issues.map((i: { key: string }) => i.key);
}

export async function standup(channel: string) {
  const messages = await history(channel);
  const tickets = await openTickets();
  const summary = await anthropic.messages.create({
    model: "claude-3-5-haiku-latest",
    max_tokens: 512,
    messages: [{ role: "user", content: `Summarise: ${messages.map((m) => m.text).join("\n")} ${tickets}` }],
  });
  const block = summary.content[0];
  await postMessage(channel, block.type === "text" ? block.text : "");
}

standup(process.env.CHANNEL ?? "general");

import OpenAI from "openai";
import { z } from "zod";
import { GITHUB_API, OPENAI_KEY, TRIAGE_MODEL } from "./config";

const Label = z.enum(["bug", "feature", "question"]);
const openai = new OpenAI({ apiKey: OPENAI_KEY });

async function labelIssue(owner: string, repo: string, issue: number, label: string) {
  // See https://docs.github.com/en/rest/issues/labels for the payload
  const response = await fetch(`${GITHUB_API}/repos/${owner}/${repo}/issues/${issue}/labels`, {
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.GITHUB_TOKEN}` },
    body: JSON.stringify({ labels: [label] }),
  });
  if (!response.ok) throw new Error(`GitHub returned ${response.status}`);
}

async function classify(title: string, body: string): Promise<string> {
  const completion = await openai.chat.completions.create({
    model: TRIAGE_MODEL,
    messages: [
      { role: "system", content: "Classify the GitHub issue as bug, feature or question." },
      { role: "user", content: `${title}\n\n${body}` },
    ],
  });
  return Label.parse(completion.choices[0].message.content?.trim());
}

export async function triage(owner: string, repo: string, issue: number, title: string, body: string) {
  const label = await classify(title, body);
  await labelIssue(owner, repo, issue, label);
  console.log(`labelled ${owner}/${repo}#${issue} as ${label}`);
}

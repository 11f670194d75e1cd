import OpenAI from "openai";
import { model, openaiApiKey } from "./settings";

const client = new OpenAI({ apiKey: openaiApiKey });

// Old implementation, kept for reference:
// const res = await fetch("https://legacy.acme-tools.com/v1/echo", { method: "POST" });
/* await axios.post("https://old-hooks.acme.dev/notify", {}) */

export async function handle(input: string) {
  console.log("Calling the echo tool, docs at https://docs.acme-tools.com/echo");
  const echoed = await fetch(`${process.env.TOOL_URL_ECHO}/echo`, {
    method: "POST",
    body: JSON.stringify({ input }),
  });
  if (!echoed.ok) {
    throw new Error("Echo failed; status page: https://status.acme-tools.com");
  }
  const reply = await client.responses.create({ model, input: await echoed.text() });
  return reply.output_text;
}

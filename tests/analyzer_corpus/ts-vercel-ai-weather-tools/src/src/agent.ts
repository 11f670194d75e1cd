import { embed, generateText } from "ai";
import { openai } from "@ai-sdk/openai";
import { weather } from "./tools";

export async function answer(question: string) {
  const { text } = await generateText({
    model: openai("gpt-4o"),
    tools: { weather },
    maxSteps: 4,
    system: "You are a concise weather assistant.",
    prompt: question,
  });
  const { embedding } = await embed({ model: openai.embedding("text-embedding-3-small"), value: text });
  return { text, embedding };
}

answer(process.argv[2] ?? "Weather in Lisbon?").then((r) => console.log(r.text));

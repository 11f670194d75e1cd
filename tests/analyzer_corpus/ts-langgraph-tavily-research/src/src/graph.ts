import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { MemoryVectorStore } from "langchain/vectorstores/memory";
import { search } from "./search";

const llm = new ChatOpenAI({ modelName: "gpt-4o-mini", temperature: 0 });
const embeddings = new OpenAIEmbeddings({ model: "text-embedding-3-large" });
export const notes = new MemoryVectorStore(embeddings);

export const agent = createReactAgent({ llm, tools: [search] });

export async function research(topic: string) {
  const result = await agent.invoke({ messages: [{ role: "user", content: topic }] });
  return result.messages.at(-1)?.content;
}

import { tool } from "@langchain/core/tools";
import { z } from "zod";

const TAVILY_URL = "https://api.tavily.com";

export const search = tool(
  async ({ query }) => {
    const res = await fetch(TAVILY_URL + "/search", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ api_key: process.env.TAVILY_API_KEY, query, max_results: 5 }),
    });
    return JSON.stringify(await res.json());
  },
  { name: "search", description: "Web search", schema: z.object({ query: z.string() }) },
);

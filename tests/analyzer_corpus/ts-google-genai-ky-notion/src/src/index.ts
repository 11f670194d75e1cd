import { GoogleGenAI } from "@google/genai";
import { appendBlock, queryDatabase } from "./notion";

const ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY });

export async function summarize(databaseId: string, pageId: string) {
  const rows = await queryDatabase(databaseId);
  const response = await ai.models.generateContent({
    model: "gemini-2.0-flash",
    contents: `Summarise these rows: ${JSON.stringify(rows)}`,
  });
  const vector = await ai.models.embedContent({ model: "text-embedding-004", contents: response.text ?? "" });
  await appendBlock(pageId, response.text ?? "");
  return vector;
}

// broken draft left in the upload:
export function draft( {
  return

import ky from "ky";

const notion = ky.create({
  prefixUrl: "https://api.notion.com/v1",
  headers: { "Notion-Version": "2022-06-28", Authorization: `Bearer ${process.env.NOTION_TOKEN}` },
});

export const queryDatabase = (id: string) => notion.post(`databases/${id}/query`, { json: {} }).json();
export const appendBlock = (id: string, text: string) =>
  notion.patch(`blocks/${id}/children`, { json: { children: [{ paragraph: { rich_text: [{ text: { content: text } }] } }] } });

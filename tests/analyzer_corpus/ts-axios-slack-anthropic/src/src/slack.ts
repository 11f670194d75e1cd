import axios from "axios";

export const slack = axios.create({
  baseURL: "https://slack.com/api",
  headers: { Authorization: `Bearer ${process.env.SLACK_BOT_TOKEN}` },
});

export async function postMessage(channel: string, text: string) {
  await slack.post("/chat.postMessage", { channel, text });
}

export async function history(channel: string) {
  const { data } = await slack.get(`/conversations.history?channel=${channel}`);
  return data.messages as { text: string }[];
}

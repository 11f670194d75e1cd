const { OpenAI } = require("openai");

const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });

async function draftReply(ticket) {
  const completion = await openai.chat.completions.create({
    model: "gpt-4o",
    messages: [
      { role: "system", content: "Draft a polite support reply." },
      { role: "user", content: ticket },
    ],
  });
  return completion.choices[0].message.content;
}

module.exports = { draftReply };

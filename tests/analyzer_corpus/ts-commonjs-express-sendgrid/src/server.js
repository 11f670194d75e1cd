require("dotenv").config();
const express = require("express");
const axios = require("axios");
const path = require("node:path");
const { draftReply } = require("./lib/llm");

const SENDGRID_KEY = "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";
const app = express();
app.use(express.json());
app.use(express.static(path.join(__dirname, "public")));

app.post("/tickets", async (req, res) => {
  const reply = await draftReply(req.body.text);
  await axios.post(
    "https://api.sendgrid.com/v3/mail/send",
    { personalizations: [{ to: [{ email: req.body.from }] }], content: [{ type: "text/plain", value: reply }] },
    { headers: { Authorization: `Bearer ${SENDGRID_KEY}` } },
  );
  res.json({ ok: true });
});

app.listen(process.env.PORT || 3000, () => console.log("listening on http://localhost:3000"));

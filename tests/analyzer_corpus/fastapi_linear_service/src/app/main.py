import uvicorn
from anthropic import AsyncAnthropic
from fastapi import FastAPI
from pydantic import BaseModel

from app.linear import create_issue

app = FastAPI(title="Bug triage")
claude = AsyncAnthropic()


class Report(BaseModel):
    text: str


@app.post("/triage")
async def triage(report: Report):
    msg = await claude.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=100,
        system="Turn the bug report into a one-line issue title.",
        messages=[{"role": "user", "content": report.text}],
    )
    title = msg.content[0].text
    return {"created": await create_issue(title), "title": title}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000)

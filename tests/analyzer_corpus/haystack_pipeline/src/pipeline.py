import requests
from haystack import Pipeline, component
from haystack.components.builders import ChatPromptBuilder
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage


@component
class ReleaseNotes:
    @component.output_types(text=str)
    def run(self, repo: str):
        latest = requests.get(f"https://api.github.com/repos/{repo}/releases/latest").json()
        return {"text": latest.get("body", "")}


pipe = Pipeline()
pipe.add_component("notes", ReleaseNotes())
pipe.add_component("prompt", ChatPromptBuilder(template=[ChatMessage.from_user("Summarize: {{text}}")]))
pipe.add_component("llm", OpenAIChatGenerator(model="gpt-4o-mini"))
pipe.connect("notes.text", "prompt.text")
pipe.connect("prompt.prompt", "llm.messages")

if __name__ == "__main__":
    print(pipe.run({"notes": {"repo": "deepset-ai/haystack"}}))

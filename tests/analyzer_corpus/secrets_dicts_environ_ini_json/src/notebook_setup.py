import os

os.environ["OPENAI_API_KEY"] = "sk-proj-MM4YeaCox39sF74PejmhILU1caWKEJshcdxXJdituPxwHUJOUbiZGn0NFhghsTMd"
os.environ["LANGCHAIN_TRACING_V2"] = "true"
os.environ.setdefault("SERPAPI_API_KEY", "44ea49eed44e3b6cfdbd59a63d4c39f5")

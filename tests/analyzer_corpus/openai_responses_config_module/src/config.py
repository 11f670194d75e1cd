import os

OPENAI_API_KEY = "sk-proj-RtJsjy0HntYhjVZxF23WRLfLD0YIdi6fOPX7KUuaaoFewMuU"
MODEL_NAME = os.environ.get("MODEL_NAME", "gpt-4.1-mini")
MAX_OUTPUT_TOKENS = 800

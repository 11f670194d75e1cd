CONFIG = {
    "llm": {"model": "gpt-4o", "temperature": 0.1},
    "crm_base": "https://api.close.com/api/v1",
}

import os

AIRTABLE_BASE_URL = os.getenv("AIRTABLE_API_URL", "https://api.airtable.com/v0")
GITHUB_PAT = "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"

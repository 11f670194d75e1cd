import os

OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "sk-...")
ANTHROPIC_API_KEY = os.getenv("ANTHROPIC_API_KEY") or "YOUR_API_KEY"
GITHUB_TOKEN = "<token>"
SLACK_TOKEN = "xoxb-your-token-here"
STRIPE_KEY = "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx"
DB_PASSWORD = os.environ["DB_PASSWORD"]
SUPPORT_EMAIL = "help@supportdesk.io"
SCOPES = ["https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/calendar"]
REDIRECT_URI = "http://localhost:8080/oauth/callback"
API_KEY_HEADER = "X-Api-Key"
MAX_TOKENS = 4096

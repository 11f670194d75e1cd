import re
from dataclasses import dataclass

from pydantic import SecretStr
from pydantic_settings import BaseSettings

# OPENAI_API_KEY=sk-proj-RtJsjy0HntYhjVZxF23WRLfLD0YIdi6fOPX7KUuaaoFewMuU
KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9]{20,}")
AWS_DOCS_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"
LOGO_PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@dataclass
class AnthropicConfig:
    api_key: str = "sk-ant-api03-FBDNC_vATYuoOf5jNQyPQNzcsYDGca7KAEqfmWB1sZPEZPri4xw8nYjUoUZHXprtnTHl0q7cHe7XVyd0Dm2jVmaoot7F-AA"
    model: str = "claude-3-5-sonnet-latest"


class Settings(BaseSettings):
    stripe_api_key: SecretStr = SecretStr("sk_live_TIXQZ7L8l8K5mzRD2hxjg4mW")
    session_secret: str = "ae0ad8e6f79007a258c0a9ade55184b2e0ace2ce"
    token_url: str = "https://auth.acme.io/oauth/token"
    password_min_length: int = 12

import os
from dataclasses import dataclass


@dataclass
class Settings:
    anthropic_api_key: str = os.environ.get("ANTHROPIC_API_KEY", "")
    environment: str = os.environ.get("ENVIRONMENT", "dev")


settings = Settings()

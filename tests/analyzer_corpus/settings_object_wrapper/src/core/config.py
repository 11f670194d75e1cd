from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="APP_")

    openai_model: str = "gpt-4o-mini"
    embedding_model: str = "text-embedding-3-small"
    weather_base_url: str = "https://api.openweathermap.org/data/2.5"
    openweather_api_key: str = ""


settings = Settings()

import requests

from core.config import settings


class WeatherService:
    def __init__(self, base_url: str = settings.weather_base_url, api_key: str = settings.openweather_api_key):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def current(self, city: str) -> dict:
        response = requests.get(
            f"{self.base_url}/weather", params={"q": city, "appid": self.api_key, "units": "metric"}
        )
        response.raise_for_status()
        return response.json()

from core.llm import complete
from core.weather import WeatherService


def main() -> None:
    weather = WeatherService().current("Berlin")
    print(complete(f"Suggest an outfit for this weather: {weather}"))


if __name__ == "__main__":
    main()

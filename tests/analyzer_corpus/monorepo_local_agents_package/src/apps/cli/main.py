import sys

from agents import Agent


def main() -> None:
    print(Agent(model="claude-3-5-haiku-latest").research(" ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()

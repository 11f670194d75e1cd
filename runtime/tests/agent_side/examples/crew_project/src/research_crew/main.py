#!/usr/bin/env python
from datetime import datetime

from research_crew.crew import ResearchCrew


def run():
    inputs = {"topic": "AI LLMs", "current_year": str(datetime.now().year)}
    ResearchCrew().crew().kickoff(inputs=inputs)


if __name__ == "__main__":
    run()

#!/usr/bin/env python
import sys
import warnings

from echo_crew.crew import EchoCrew

warnings.filterwarnings("ignore", category=SyntaxWarning, module="pysbd")


def run():
    """Run the crew."""
    inputs = {"request": "Please echo: hello from a CrewAI project"}
    try:
        EchoCrew().crew().kickoff(inputs=inputs)
    except Exception as e:
        raise Exception(f"An error occurred while running the crew: {e}") from e


def train():
    """Train the crew for a given number of iterations."""
    inputs = {"request": "Please echo: hello"}
    EchoCrew().crew().train(n_iterations=int(sys.argv[1]), filename=sys.argv[2], inputs=inputs)

#!/usr/bin/env python
import sys

from market_research.crew import MarketResearch


def run():
    inputs = {"company": "Acme Corp"}
    MarketResearch().crew().kickoff(inputs=inputs)


def train():
    MarketResearch().crew().train(n_iterations=int(sys.argv[1]), inputs={"company": "Acme"})


if __name__ == "__main__":
    run()

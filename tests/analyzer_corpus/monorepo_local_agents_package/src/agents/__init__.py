from .researcher import Agent

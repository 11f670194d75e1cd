import os

from openai import OpenAI

client = OpenAI(timeout=30)
MODEL = os.environ["OPENAI_MODEL"]

import dspy
import vertexai
from vertexai.generative_models import GenerativeModel

lm = dspy.LM("openai/gpt-4o-mini", temperature=0.0)
dspy.configure(lm=lm)

vertexai.init(project="acme-ml-prod", location="us-central1")
vertex_model = GenerativeModel("gemini-1.5-flash-002")


class Summarize(dspy.Signature):
    """Summarize the document in one sentence."""

    document: str = dspy.InputField()
    summary: str = dspy.OutputField()


summarize = dspy.ChainOfThought(Summarize)

if __name__ == "__main__":
    print(summarize(document="DSPy is a framework for programming language models.").summary)
    print(vertex_model.generate_content("Say hi").text)

import sys

from openai import OpenAI

from config import MAX_OUTPUT_TOKENS, MODEL_NAME, OPENAI_API_KEY

client = OpenAI(api_key=OPENAI_API_KEY)


def summarize(text):
    result = client.responses.create(
        model=MODEL_NAME,
        instructions="Summarize the user's text in three bullet points.",
        input=text,
        max_output_tokens=MAX_OUTPUT_TOKENS,
    )
    return result.output_text


def main():
    print(summarize(sys.stdin.read()))


if __name__ == "__main__":
    main()

import sys

from llm import ask_claude


def review(diff):
    quick = ask_claude(f"List obvious bugs in this diff:\n{diff}")
    deep = ask_claude(f"Deep review, given these notes {quick}:\n{diff}", model="claude-3-opus-20240229")
    return deep


if __name__ == "__main__":
    print(review(sys.stdin.read()))

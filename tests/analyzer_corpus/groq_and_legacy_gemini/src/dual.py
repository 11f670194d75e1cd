import os

import google.generativeai as genai
from groq import Groq

genai.configure(api_key=os.environ["GOOGLE_API_KEY"])
gemini = genai.GenerativeModel("gemini-1.5-pro")
groq_client = Groq()


def fast(prompt):
    out = groq_client.chat.completions.create(
        model="llama-3.3-70b-versatile", messages=[{"role": "user", "content": prompt}]
    )
    return out.choices[0].message.content


def careful(prompt):
    return gemini.generate_content(prompt).text


if __name__ == "__main__":
    print(fast("2+2?"), careful("Prove it."))

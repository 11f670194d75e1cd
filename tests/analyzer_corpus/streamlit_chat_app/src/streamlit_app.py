import requests
import streamlit as st
from openai import OpenAI

st.title("Research chat")
st.caption("Powered by https://tavily.com and https://openai.com")

client = OpenAI(api_key=st.secrets["OPENAI_API_KEY"])

if "messages" not in st.session_state:
    st.session_state.messages = []

if prompt := st.chat_input("Ask me anything"):
    st.session_state.messages.append({"role": "user", "content": prompt})
    results = requests.post(
        "https://api.tavily.com/search", json={"api_key": st.secrets["TAVILY_API_KEY"], "query": prompt}
    ).json()
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": str(results)}, *st.session_state.messages],
        stream=True,
    )
    st.session_state.messages.append({"role": "assistant", "content": st.write_stream(stream)})

"""A Streamlit chat page over the OpenAI SDK."""

import streamlit as st
from openai import OpenAI

client = OpenAI()
st.title("Echo chat")

if prompt := st.chat_input("Say something"):
    st.chat_message("user").write(prompt)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
    st.chat_message("assistant").write(reply.choices[0].message.content)

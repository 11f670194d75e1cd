import requests
import streamlit as st

st.set_page_config(page_title="Release radar", page_icon="https://www.python.org/static/favicon.ico")
st.image("https://raw.githubusercontent.com/acme/radar/main/docs/logo.png", width=120)
st.link_button("Open the docs", "https://radar-docs.acme.dev/getting-started")
st.markdown("Built with [Streamlit](https://streamlit.io) - data from [PyPI](https://pypi.org)")
package = st.text_input("Package", help="Any project on https://pypi.org, e.g. requests")

if package:
    info = requests.get(f"https://pypi.org/pypi/{package}/json", timeout=10).json()["info"]
    st.metric("Latest version", info["version"])
    st.page_link(info.get("home_page") or "https://pypi.org", label="Home page")

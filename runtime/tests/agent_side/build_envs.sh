#!/bin/sh
# The framework virtualenvs the agent-side tests run in (.cache/fwenvs/<name>, built once, reused).
set -e
here=$(cd "$(dirname "$0")" && pwd); mkdir -p "$here/../../../.cache/fwenvs"; cd "$here/../../../.cache/fwenvs"
b() { name=$1; shift; [ -x $name/bin/python ] && [ -f $name/.done ] && return; uv venv -q --python 3.11 $name && VIRTUAL_ENV=$PWD/$name uv pip install -q "$@" && touch $name/.done; }
b openai_agents openai-agents==0.24.0 httpx==0.28.1
b langgraph langgraph==1.2.22 langchain-openai==1.7.3 "langchain>=1.2"
b langchain03 langchain==0.3.27 langchain-openai==0.3.35
b crewai crewai==1.15.30

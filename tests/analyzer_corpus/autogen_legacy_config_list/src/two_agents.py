import os

import autogen
import requests

config_list = [{"model": "gpt-4-turbo", "api_key": os.environ["OPENAI_API_KEY"]}]
llm_config = {"config_list": config_list, "temperature": 0, "timeout": 120}

assistant = autogen.AssistantAgent(name="assistant", llm_config=llm_config)
user_proxy = autogen.UserProxyAgent(
    name="user_proxy", human_input_mode="NEVER", code_execution_config={"work_dir": "coding", "use_docker": False}
)


@user_proxy.register_for_execution()
@assistant.register_for_llm(description="Get a random cat fact.")
def cat_fact() -> str:
    return requests.get("https://catfact.ninja/fact").json()["fact"]


if __name__ == "__main__":
    user_proxy.initiate_chat(assistant, message="Tell me a cat fact and explain it.")

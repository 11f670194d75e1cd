#!/usr/bin/env python
# coding: utf-8

# # Churn explainer
# Uses the OpenAI API to explain churn drivers. Docs: https://platform.openai.com/docs

# In[1]:


get_ipython().system('pip install openai pandas requests')


# In[2]:


import pandas as pd
import requests
from openai import OpenAI

client = OpenAI()


# In[3]:


resp = requests.get("https://raw.githubusercontent.com/acme-data/churn/main/customers.csv")
open("customers.csv", "wb").write(resp.content)
df = pd.read_csv("customers.csv")
df.head()


# In[4]:


# client.chat.completions.create(model="gpt-4", messages=[...])  # too slow, switched to mini
summary = df.describe().to_string()
out = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Explain churn drivers:\n" + summary}],
)
print(out.choices[0].message.content)

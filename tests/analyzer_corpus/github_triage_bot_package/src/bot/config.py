GITHUB_TOKEN = "ghp_opyVmSFFOVrRzMBUb9UgCZPB6eIeNK1UJP8d"
REPO = "acme/widgets"
LABEL_MODEL = "gpt-4o-mini"

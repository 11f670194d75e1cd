from bot.config import GITHUB_TOKEN, REPO
from bot.github_client import GitHubClient
from bot.labeler import pick_labels


def main():
    gh = GitHubClient(GITHUB_TOKEN)
    for issue in gh.issues(REPO):
        if not issue["labels"]:
            gh.add_labels(REPO, issue["number"], pick_labels(issue["title"], issue["body"] or ""))


if __name__ == "__main__":
    main()

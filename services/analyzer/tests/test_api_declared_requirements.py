"""A requirement that would install from outside the upload is refused at upload, with a 422 that
names it; one inside the upload is accepted."""

import pytest

from .conftest import Analyzer
from .test_api_uploads import assert_problem, zipped

AGENT = b"import six\n\ndef handler(message):\n    return message\n"


@pytest.mark.parametrize(("manifest", "content", "named"), [
    ("requirements.txt", b"six\n--index-url https://mirror.example/simple\n", "--index-url https://mirror.example/simple"),
    ("requirements.txt", b"tool @ git+https://github.com/example/tool.git\n", "tool @ git+https://github.com/example/tool.git"),
    ("requirements.txt", b"-e ../shared-lib\n", "../shared-lib"),
    ("requirements.txt", b"tool @ file:///opt/tool\n", "tool @ file:///opt/tool"),
    ("pyproject.toml", b'[project]\nname = "a"\ndependencies = ["tool @ https://example.com/tool-1.0.tar.gz"]\n',
     "tool @ https://example.com/tool-1.0.tar.gz"),
])
async def test_a_requirement_outside_the_upload_is_refused_at_upload_naming_it(
        analyzer: Analyzer, manifest: str, content: bytes, named: str) -> None:
    archive = zipped({"agent/agent.py": AGENT, f"agent/{manifest}": content})

    response = await analyzer.client.post("/api/v1/analyses", files={"files": ("agent.zip", archive)})

    body = assert_problem(response, 422, "upload_rejected", limit="requirement_outside_upload")
    assert named in body["detail"]
    assert [r["requirement"] for r in body["requirements"]] == [named]
    assert body["requirements"][0]["file"] == manifest


async def test_requirements_of_projects_inside_the_upload_are_accepted(analyzer: Analyzer) -> None:
    archive = zipped({
        "agent/agent.py": AGENT, "agent/requirements.txt": b"-r deps/base.txt\n-e ./libs/helper\n",
        "agent/deps/base.txt": b"six==1.16.0\n",
        "agent/libs/helper/pyproject.toml": b'[project]\nname = "helper"\nversion = "0.1"\n',
    })

    response = await analyzer.client.post("/api/v1/analyses", files={"files": ("agent.zip", archive)})

    assert response.status_code == 202, response.text
    done = await analyzer.wait_finished(response.json()["id"])
    assert done["status"] == "succeeded", done

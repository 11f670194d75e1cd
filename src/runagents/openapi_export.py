"""Writes each service's OpenAPI document under docs/openapi/ (``runagents openapi``); a test keeps them current."""

import json
import tempfile
from pathlib import Path
from typing import Any

from runagents.components import SERVICES, create_components
from runagents_common.bus import InMemoryBus
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.settings import PlatformSettings, RunMode


def openapi_documents() -> dict[str, dict[str, Any]]:
    """The OpenAPI document of every service, as ``runagents serve SERVICE`` serves it."""
    documents = {}
    with tempfile.TemporaryDirectory() as scratch:
        components = create_components(SERVICES, {"RUNAGENTS_MODE": "dev", "RUNAGENTS_DATA_DIR": scratch})
        for service, component in zip(SERVICES, components, strict=True):
            app = create_host_app(ServiceHost([component], InMemoryBus()), f"RunAgents {service}",
                                  settings=PlatformSettings(mode=RunMode.DEV, data_dir=Path(scratch)))
            documents[service] = app.openapi()
    return documents


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def export(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for service, document in openapi_documents().items():
        path = folder / f"{service}.json"
        path.write_text(render(document))
        written.append(path)
    return written

"""Writes each service's OpenAPI document under docs/openapi/ (``runagents openapi``); a test keeps them current."""

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from runagents.components import SERVICES, component_factory
from runagents_common.bus import InMemoryBus
from runagents_common.service import ServiceHost, create_host_app


def openapi_documents() -> dict[str, dict[str, Any]]:
    """The OpenAPI document of every service, as ``runagents serve SERVICE`` serves it."""
    documents = {}
    with tempfile.TemporaryDirectory() as scratch:
        saved = {k: os.environ.get(k) for k in ("RUNAGENTS_MODE", "RUNAGENTS_DATA_DIR")}
        os.environ.update({"RUNAGENTS_MODE": "dev", "RUNAGENTS_DATA_DIR": scratch})
        try:
            for service in SERVICES:
                component = component_factory(service)()
                app = create_host_app(ServiceHost([component], InMemoryBus()), f"RunAgents {service}")
                documents[service] = app.openapi()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
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

"""Where the platform's own packages are installed from."""

import json
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse


def installed_from(distribution: str) -> Path | None:
    """The folder ``distribution`` was installed from (an editable or local install, as the uv workspace
    makes them); None when it is not installed, or was installed from an index."""
    try:
        direct_url = metadata.distribution(distribution).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not direct_url:
        return None
    return Path(unquote(urlparse(json.loads(direct_url)["url"]).path))

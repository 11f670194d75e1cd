"""The sample agents that ship inside this package (``{"sample": "hello-world"}``)."""

from pathlib import Path

from runagents_analyzer.analyses.errors import UnknownSample

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
SKIPPED_DIRECTORIES = {"__pycache__"}
WRITTEN_FOR = b"http://localhost:8000"
"""The platform's address as the samples are written (``runagents dev``'s default); a sample is loaded with
the platform's own URL in its place, so its tool URLs name the platform it runs on."""


def sample_names() -> list[str]:
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(
        entry.name.replace("_", "-")
        for entry in SAMPLES_DIR.iterdir()
        if entry.is_dir() and not entry.name.startswith((".", "_"))
    )


def load_sample(name: str, platform_url: str) -> list[tuple[str, bytes]]:
    """The files of the sample ``name``, by path relative to the sample's folder, as written for a platform
    at ``platform_url``."""
    if name not in sample_names():
        known = ", ".join(sample_names()) or "none"
        raise UnknownSample(f"no sample named {name!r}; samples: {known}", sample=name)
    root = SAMPLES_DIR / name.replace("-", "_")
    platform = platform_url.rstrip("/").encode()
    return [
        (path.relative_to(root).as_posix(), path.read_bytes().replace(WRITTEN_FOR, platform))
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not path.is_symlink()
        and path.suffix != ".pyc"
        and not SKIPPED_DIRECTORIES.intersection(path.relative_to(root).parts)
    ]

"""Generate the analyzer's import -> distribution table from what distributions declare.

Reads installed or unpacked wheels' .dist-info folders (top_level.txt, else RECORD) and writes
services/analyzer/src/runagents_analyzer/engine/data/import_distributions.json: each top-level
module (two levels for namespace packages such as google.* or opentelemetry.*) mapped to the
distribution that installs it. The hand-kept table in engine/import_names.py wins over it.

    uv run python scripts/generate_import_distributions.py [FOLDER ...] [--wheels DIR]

FOLDERs are searched for *.dist-info folders (a site-packages folder, or uv's cache of unpacked
wheels, ~/.cache/uv/archive-v0, which holds every distribution the project's tests and benches
installed); --wheels DIR reads *.whl files, e.g. those `pip download --no-deps --only-binary=:all:
NAME...` put there for the distributions agent code commonly uses. Without arguments: this
environment's site-packages and uv's cache."""

import argparse
import csv
import io
import json
import re
import site
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from runagents_analyzer.engine.import_names import normalise_distribution

ANALYZER_ENGINE = Path(__file__).resolve().parents[1] / "services/analyzer/src/runagents_analyzer/engine"
OUTPUT = ANALYZER_ENGINE / "data/import_distributions.json"
NOT_MODULES = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "scripts",
                         "bin", "build", "tools", "src", "__pycache__", ".."})
OWN = re.compile(r"^runagents")


def _top_levels(record: list[str], top_level: str | None) -> set[str]:
    """Importable names: top-level modules and, under a namespace package (no __init__.py), `ns.sub`."""
    paths = [p for p in record if p and not p.startswith("..") and ".dist-info/" not in p and ".data/" not in p]
    known = set(paths)
    tops: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if len(parts) == 1:
            if parts[0].endswith(".py"):
                tops.add(parts[0][:-3])
            elif parts[0].endswith((".so", ".pyd")):
                tops.add(parts[0].split(".", 1)[0])
            continue
        top = parts[0]
        if top in NOT_MODULES or not top.isidentifier():
            continue
        if f"{top}/__init__.py" in known or (len(parts) < 3 and not parts[1].endswith(".py")):
            tops.add(top)
            continue
        sub = parts[1][:-3] if parts[1].endswith(".py") else parts[1].split(".", 1)[0]
        if sub.isidentifier() and sub != "__pycache__":
            tops.add(f"{top}.{sub}")
    if not tops and top_level:
        tops = {line.strip().replace("/", ".") for line in top_level.splitlines() if line.strip()}
    return {t for t in tops if not t.startswith("_") and "mypyc" not in t}


def _from_dist_info(folder: Path) -> tuple[str, set[str]] | None:
    metadata = folder / "METADATA"
    if not metadata.is_file():
        return None
    name = HeaderParser().parsestr(metadata.read_text(errors="replace")).get("Name", "")
    record = folder / "RECORD"
    rows = [row[0] for row in csv.reader(io.StringIO(record.read_text(errors="replace")))] if record.is_file() else []
    top_level = folder / "top_level.txt"
    return name, _top_levels(rows, top_level.read_text() if top_level.is_file() else None)


def _from_wheel(wheel: Path) -> tuple[str, set[str]] | None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next((n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA")), None)
        if dist_info is None:
            return None
        name = HeaderParser().parsestr(archive.read(f"{dist_info}/METADATA").decode(errors="replace")).get("Name", "")
        return name, _top_levels(names, None)


def collect(folders: list[Path], wheels: Path | None) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    entries = [e for f in folders for e in map(_from_dist_info, f.glob("**/*.dist-info")) if e]
    entries += [e for e in map(_from_wheel, sorted(wheels.glob("*.whl")) if wheels else []) if e]
    for name, modules in entries:
        if not name or OWN.match(name):
            continue
        for module in modules:
            found.setdefault(module, set()).add(name)
    table: dict[str, str] = {}
    for module, names in sorted(found.items()):
        # Several distributions install the same module (a slim and a full one, forks): the one named
        # like the module if there is one, else the shortest name.
        same = [n for n in names if normalise_distribution(n) == normalise_distribution(module.replace(".", "-"))]
        table[module] = sorted(same or names, key=lambda n: (len(n), normalise_distribution(n)))[0]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--wheels", type=Path)
    args = parser.parse_args()
    folders = args.folders or [Path(p) for p in site.getsitepackages()] + [Path.home() / ".cache/uv/archive-v0"]
    table = collect([f for f in folders if f.is_dir()], args.wheels)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps({"generated_by": "scripts/generate_import_distributions.py",
                                  "modules": table}, indent=1, sort_keys=True) + "\n")
    print(f"{len(table)} modules -> {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()

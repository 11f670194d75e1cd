"""Content-addressed source storage on the local filesystem."""

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from runagents_analyzer.sources import LocalSourceStore, SourceCorrupt, SourceManifest, SourceNotFound, tar_gz
from runagents_analyzer.sources.manifest import file_digest

TREE = {
    "agent.py": b"print('hello')\n",
    "requirements.txt": b"httpx\n",
    "lib/tools.py": b"import httpx\n",
    "lib/copy_of_agent.py": b"print('hello')\n",
}


@pytest.fixture
def store(tmp_path: Path) -> LocalSourceStore:
    return LocalSourceStore(tmp_path / "analyzer")


async def test_a_stored_tree_reads_back_byte_for_byte(store: LocalSourceStore) -> None:
    manifest = await store.put_tree(TREE)

    assert await store.get_tree(manifest.digest) == TREE
    assert await store.get_manifest(manifest.digest) == manifest


async def test_each_distinct_content_is_stored_once_under_its_sha256(store: LocalSourceStore) -> None:
    await store.put_tree(TREE)

    blobs = sorted(p for p in (store.root / "blobs" / "sha256").rglob("*") if p.is_file())
    assert [p.name for p in blobs] == sorted({file_digest(data) for data in TREE.values()})
    for blob in blobs:
        assert blob.parent.name == blob.name[:2]
        assert file_digest(blob.read_bytes()) == blob.name


async def test_the_same_tree_gets_the_same_digest_in_any_order(store: LocalSourceStore) -> None:
    first = await store.put_tree(TREE)
    second = await store.put_tree(dict(reversed(list(TREE.items()))))
    changed = await store.put_tree({**TREE, "agent.py": b"print('bye')\n"})

    assert first.digest == second.digest
    assert changed.digest != first.digest
    manifests = [p for p in (store.root / "sources").rglob("*.json")]
    assert len(manifests) == 2
    assert file_digest((store.manifest_path(first.digest)).read_bytes()) == first.digest


async def test_materialise_writes_the_exact_tree(store: LocalSourceStore, tmp_path: Path) -> None:
    manifest = await store.put_tree(TREE)
    target = tmp_path / "checkout"
    target.mkdir()

    await store.materialise(manifest.digest, target)

    written = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert written == TREE


async def test_an_unknown_digest_is_not_found(store: LocalSourceStore) -> None:
    with pytest.raises(SourceNotFound):
        await store.get_tree("0" * 64)
    with pytest.raises(SourceNotFound):
        await store.get_manifest("../../etc/passwd")


async def test_a_damaged_blob_is_detected_on_read(store: LocalSourceStore) -> None:
    manifest = await store.put_tree(TREE)
    store.blob_path(manifest.files["agent.py"]).write_bytes(b"tampered")

    with pytest.raises(SourceCorrupt, match=r"agent\.py"):
        await store.get_tree(manifest.digest)


async def test_a_missing_blob_is_reported_with_its_path(store: LocalSourceStore) -> None:
    manifest = await store.put_tree(TREE)
    store.blob_path(manifest.files["requirements.txt"]).unlink()

    with pytest.raises(SourceNotFound, match=r"requirements\.txt"):
        await store.get_tree(manifest.digest)


@pytest.mark.parametrize(
    "path", ["", "/etc/passwd", "../up.py", "a/../../b.py", "a//b.py", "./a.py", "a\\b.py", "dir/", "nul\x00.py"]
)
def test_a_manifest_refuses_paths_that_could_escape_the_tree(path: str) -> None:
    with pytest.raises(ValueError, match="safe relative"):
        SourceManifest.of_tree({path: b"x"})


def test_a_manifest_refuses_a_path_that_is_both_file_and_folder() -> None:
    with pytest.raises(ValueError, match="both a file and a folder"):
        SourceManifest.of_tree({"lib": b"x", "lib/a.py": b"y"})


def test_the_tarball_of_a_tree_holds_exactly_its_files_and_is_reproducible() -> None:
    archive = tar_gz(TREE)

    assert archive == tar_gz(dict(reversed(list(TREE.items()))))
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        members = tar.getmembers()
        assert all(m.isfile() for m in members)
        assert {m.name: tar.extractfile(m).read() for m in members} == TREE  # type: ignore[union-attr]

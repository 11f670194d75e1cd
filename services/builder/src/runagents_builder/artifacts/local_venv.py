"""Builds an agent as a local virtualenv (the agent's packages, nothing of the platform's) plus its source.

The runtime's server runs with the platform's own interpreter and starts the agent's code with this
virtualenv's (docs/runtime.md): the agent's declared versions are never constrained by the platform's.

Virtualenvs are cached by the hash of what is installed in them, so redeploying an agent or
deploying another with the same requirements costs nothing. A venv is built in a temporary
folder and renamed into place, so a crash never leaves a half-built one in the cache.
"""

import asyncio
import hashlib
import json
import os
import shutil
from pathlib import Path

from runagents_builder.artifacts.base import Artifact, ArtifactBuilder, BuildError, BuildInput, ProgressCallback

REQUIREMENT_FILES = ("requirements.txt",)
MAX_ERROR_LINES = 15


class LocalVenvBuilder(ArtifactBuilder):
    def __init__(self, root: Path, python: str, uv: str | None, timeout_seconds: float) -> None:
        self.envs_dir = root / "envs"
        self.sources_dir = root / "sources"
        self.python = python
        self.uv = uv
        self.timeout_seconds = timeout_seconds
        self._locks: dict[str, asyncio.Lock] = {}
        self._remove_abandoned_builds()

    async def build(self, request: BuildInput, progress: ProgressCallback) -> Artifact:
        if self.uv is None:
            raise BuildError("uv is not installed on the builder; install it with `pip install uv`")
        await progress("resolving", 30)
        requirements = self._requirements(request)
        cache_key = self._cache_key(requirements)
        env_dir = self.envs_dir / cache_key
        lock = self._locks.setdefault(cache_key, asyncio.Lock())
        async with lock:
            cached = (env_dir / "bin" / "python").exists()
            if not cached:
                await progress("installing", 50)
                await self._create_env(env_dir, requirements)
        await progress("packaging", 90)
        source_dir = self._store_source(request)
        return Artifact(kind="local-venv", ref=str(env_dir), source_dir=str(source_dir), cached=cached)

    def _requirements(self, request: BuildInput) -> list[str]:
        """The manifest's requirement lines when the upload has one (they carry versions), else
        the packages the analysis found from imports."""
        for name in REQUIREMENT_FILES:
            manifest = request.source_dir / name
            if manifest.is_file():
                lines = [line.split("#", 1)[0].strip() for line in manifest.read_text(errors="replace").splitlines()]
                # Options like -r/-e/--index-url could reach outside the upload: refuse them.
                refused = [line for line in lines if line.startswith("-")]
                if refused:
                    raise BuildError(f"{name}: options are not supported in requirements ({refused[0]!r})")
                return sorted({line for line in lines if line})
        return sorted(set(request.packages))

    def _cache_key(self, requirements: list[str]) -> str:
        identity = json.dumps({"python": self.python, "req": requirements})
        return hashlib.sha256(identity.encode()).hexdigest()[:24]

    def _remove_abandoned_builds(self) -> None:
        """Remove scratch folders of builds whose process is gone (a crash or a kill mid-build)."""
        for folder in [*self.envs_dir.glob(".*.tmp"), *self.sources_dir.glob(".*.tmp")]:
            pid = folder.name.rsplit(".", 2)[-2]
            # At start this process builds nothing yet: a folder with its pid is a dead builder's
            # whose pid was reused (a container restarted).
            if not pid.isdigit() or int(pid) == os.getpid() or not _process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    async def _create_env(self, env_dir: Path, requirements: list[str]) -> None:
        self.envs_dir.mkdir(parents=True, exist_ok=True)
        scratch = self.envs_dir / f".{env_dir.name}.{os.getpid()}.tmp"
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            await self._run([self.uv or "uv", "venv", "--quiet", "--python", self.python, str(scratch)])
            if requirements:
                await self._run([self.uv or "uv", "pip", "install", "--quiet", "--python",
                                 str(scratch / "bin" / "python"), *requirements])
            # A virtualenv is not relocatable: scripts name their path. Only the interpreter is
            # used (python -m ...), so renaming the folder into place is safe.
            scratch.rename(env_dir)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

    async def _run(self, command: list[str]) -> None:
        # Agents run as their own unprivileged user and must read their virtualenv; the platform's own
        # umask (077) would leave it readable by the platform alone. (A shell sets it: uvloop, which serves
        # the platform, has no umask for subprocesses.)
        process = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", 'umask 022 && exec "$@"', "sh", *command,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={key: value for key, value in os.environ.items() if not key.startswith("RUNAGENTS_")},
        )
        try:
            async with asyncio.timeout(self.timeout_seconds):
                output, _ = await process.communicate()
        except TimeoutError as exc:
            await _kill(process)
            raise BuildError(f"package installation took longer than {self.timeout_seconds:.0f} s") from exc
        except asyncio.CancelledError:
            await _kill(process)  # a cancelled build must not leave an installer running
            raise
        if process.returncode != 0:
            lines = output.decode(errors="replace").strip().splitlines()[-MAX_ERROR_LINES:]
            raise BuildError("package installation failed:\n" + "\n".join(lines))

    def _store_source(self, request: BuildInput) -> Path:
        target = self.sources_dir / request.source_digest.replace(":", "-")
        if not target.exists():
            self.sources_dir.mkdir(parents=True, exist_ok=True)
            scratch = self.sources_dir / f".{target.name}.{os.getpid()}.tmp"
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.copytree(request.source_dir, scratch)
            scratch.rename(target)
        return target


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

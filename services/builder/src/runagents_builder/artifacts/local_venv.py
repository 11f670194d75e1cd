"""Builds an agent as a local virtualenv (the agent's packages, nothing of the platform's) plus its source.

The runtime's server runs with the platform's own interpreter and starts the agent's code with this
virtualenv's (docs/runtime.md): the agent's declared versions are never constrained by the platform's.

What the agent's packages are is the analysis' install plan (the analyzer reads the upload's
declaration: a lock file as locked, pyproject.toml, requirements*.txt; the imports' packages only
when it declares nothing), every line checked again here (requirement_check).
Virtualenvs are cached by the hash of the install plan (the python, the exact requirement lines,
and the content of the upload's projects installed), so redeploying an agent or deploying another
with the same requirements costs nothing. A venv is built in a temporary
folder and renamed into place, so a crash never leaves a half-built one in the cache.
"""

import asyncio
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from runagents_builder.artifacts.base import Artifact, ArtifactBuilder, BuildError, BuildInput, ProgressCallback
from runagents_builder.artifacts.install_plan import Install, install_of, plan_of, with_uv_export

MAX_ERROR_LINES = 15
SETUPTOOLS_WITH_PKG_RESOURCES = "setuptools<82"


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
        install = await self._install(request)
        cache_key = self._cache_key(install)
        env_dir = self.envs_dir / cache_key
        lock = self._locks.setdefault(cache_key, asyncio.Lock())
        async with lock:
            cached = (env_dir / "bin" / "python").exists()
            if not cached:
                await progress("installing", 50)
                await self._create_env(env_dir, install)
        await progress("packaging", 90)
        source_dir = self._store_source(request)
        return Artifact(kind="local-venv", ref=str(env_dir), source_dir=str(source_dir), cached=cached)

    async def _install(self, request: BuildInput) -> Install:
        plan = plan_of(request.install_plan, request.packages)
        if plan.uv_lock:
            with tempfile.TemporaryDirectory() as folder:
                exported = Path(folder) / "requirements.txt"
                await self._run([self.uv or "uv", "export", "--quiet", "--frozen", "--no-hashes", "--no-dev",
                                 "--no-emit-project", "--no-header", "--no-annotate", "--format", "requirements-txt",
                                 "--directory", str(request.source_dir), "--output-file", str(exported)],
                                what="uv.lock could not be exported")
                plan = with_uv_export(plan, exported.read_text())
        return await asyncio.to_thread(install_of, request.source_dir, plan)

    def _cache_key(self, install: Install) -> str:
        identity = json.dumps({"python": self.python, "req": install.requirements,
                               "constraints": install.constraints, "projects": install.project_digests})
        return hashlib.sha256(identity.encode()).hexdigest()[:24]

    def _remove_abandoned_builds(self) -> None:
        """Remove scratch folders of builds whose process is gone (a crash or a kill mid-build)."""
        for folder in [*self.envs_dir.glob(".*.tmp"), *self.sources_dir.glob(".*.tmp")]:
            pid = folder.name.rsplit(".", 2)[-2]
            # At start this process builds nothing yet: a folder with its pid is a dead builder's
            # whose pid was reused (a container restarted).
            if not pid.isdigit() or int(pid) == os.getpid() or not _process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    async def _create_env(self, env_dir: Path, install: Install) -> None:
        self.envs_dir.mkdir(parents=True, exist_ok=True)
        scratch = self.envs_dir / f".{env_dir.name}.{os.getpid()}.tmp"
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            await self._run([self.uv or "uv", "venv", "--quiet", "--python", self.python, str(scratch)])
            python = str(scratch / "bin" / "python")
            await self._install_agent_packages(scratch, python, install)
            # A virtualenv is not relocatable: scripts name their path. Only the interpreter is
            # used (python -m ...), so renaming the folder into place is safe.
            scratch.rename(env_dir)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

    async def _install_agent_packages(self, scratch: Path, python: str, install: Install) -> None:
        """The agent's own packages, as its upload declares them (pins honoured: nothing of the
        platform's is installed in the same resolution); its projects non-editable, from the upload's copy."""
        if not install.requirements and not install.projects:
            return
        command = [self.uv or "uv", "pip", "install", "--quiet", "--python", python]
        if install.constraints:
            constraints = scratch / "runagents-constraints.txt"
            constraints.write_text("\n".join(install.constraints) + "\n")
            command += ["--constraint", str(constraints)]
        packages = [*install.requirements, *install.projects]
        try:
            await self._run([*command, *packages])
        except BuildError as failed:
            if "pkg_resources" not in str(failed):
                raise
            # A source distribution whose setup.py imports pkg_resources without declaring setuptools
            # (ibm-cloud-sdk-core 3.18, and many of its age) built with the newest setuptools, which
            # no longer has it (82+): built again as it was when pinned, with a setuptools that does.
            build_constraints = scratch / "runagents-build-constraints.txt"
            build_constraints.write_text(f"{SETUPTOOLS_WITH_PKG_RESOURCES}\n")
            await self._run([*command, "--build-constraint", str(build_constraints), *packages])

    async def _run(self, command: list[str], what: str = "package installation failed") -> None:
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
            raise BuildError(f"{what}:\n" + "\n".join(lines))

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

"""Each local agent in its own bubblewrap sandbox: its own view of the files, processes and user.

What an agent sees (docs/isolation.md says why): /usr and the few /etc files a program needs, the
Python installation its virtualenv was made from, the virtualenv, the runtime's package and its own
code, all read-only; a private tmpfs for /tmp and HOME; a fresh /proc of its own PID namespace
(no other process, so no other environ); its own IPC and UTS namespaces and terminal session. The
platform's data directory (keys, databases, other agents' code) is not in that view at all. The
network stays shared for now: agents reach the gateway and the egress layer over loopback.

Run as root, bwrap needs no user namespace, and the agent drops to an unprivileged uid with setpriv
inside the sandbox (root-owned 0600 files stay closed to it even if one were bound); run as another
user, bwrap makes a user namespace and the agent keeps that user's uid.
"""

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

USR_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
"""Top-level folders that merged-/usr systems make links into /usr (bound as they are elsewhere)."""
ETC_FILES = (
    "/etc/ssl", "/etc/ca-certificates", "/etc/pki", "/etc/resolv.conf", "/etc/hosts", "/etc/host.conf",
    "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/passwd", "/etc/group", "/etc/localtime", "/etc/mime.types",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
)
"""What of /etc a program needs (name resolution, TLS roots, users, time zone, the loader); nothing else."""
HOME = "/home/agent"
CODE = Path("/agent/code")
"""Where an agent's own code is shown (its working folder): not under the platform's data dir's path,
which does not exist in a sandbox at all."""
VENV = Path("/agent/venv")
"""Where its virtualenv is shown (the runtime runs with ``python -m``, so the venv's own path is not needed)."""
PROBE_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Sandbox:
    """A working bubblewrap and how agents are run in it."""

    bwrap: str
    drop_to: tuple[int, int] | None
    """(uid, gid) the agent switches to inside the sandbox (the platform runs as root), else None."""

    def command(self, argv: list[str], *, hostname: str, read_only: dict[Path, Path], workdir: Path) -> list[str]:
        """The bwrap command line running ``argv`` in ``workdir`` with ``read_only`` folders bound (where they
        are shown: the folder shown). The environment is not on it: bwrap passes its own to the agent, and a
        command line is readable by every local user."""
        # The tmpfs first: a folder bound later may lie under /tmp (bwrap applies its options in order).
        args = [self.bwrap, "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
                "--perms", "1777", "--tmpfs", HOME, "--ro-bind", "/usr", "/usr"]
        for path in USR_LINKS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        args += ["--perms", "0755", "--dir", "/etc"]
        for path in ETC_FILES:
            args += ["--ro-bind-try", path, path]
        folders = sorted(read_only, key=lambda folder: len(folder.parts))
        made: set[Path] = {Path("/"), Path("/tmp"), Path(HOME)}
        for folder in folders:
            if folder.is_relative_to("/usr"):
                continue
            # The folders leading to it, readable by the agent: bwrap would make them as private as the host's.
            for parent in reversed(folder.parents):
                if parent not in made and not any(parent.is_relative_to(bound) for bound in folders):
                    args += ["--perms", "0755", "--dir", str(parent)]
                    made.add(parent)
            args += ["--ro-bind", str(read_only[folder]), str(folder)]
        args += [
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", hostname[:63] or "agent",
            # No --die-with-parent: it would tie the agent to the deployer (bwrap's parent), and agents
            # outlive a deployer crash. The deployer stops a sandbox by its processes instead.
            "--new-session",
            "--chdir", str(workdir),
        ]
        if self.drop_to is None:
            args += ["--unshare-user"]
            return [*args, "--", *argv]
        uid, gid = self.drop_to
        # setuid/setgid only, for setpriv to give them up with every other capability before the agent starts.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        return [*args, "--", "setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--no-new-privs", "--", *argv]


async def find_sandbox(uid: int, gid: int) -> tuple[Sandbox | None, str]:
    """A sandbox that works here, or None and why not (for the agents' status message)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "bubblewrap (bwrap) not found"
    sandbox = Sandbox(bwrap, (uid, gid) if os.geteuid() == 0 else None)
    if sandbox.drop_to is not None and shutil.which("setpriv") is None:
        return None, "setpriv (util-linux) not found"
    probe = sandbox.command(["true"], hostname="probe", read_only={}, workdir=Path("/"))
    try:
        process = await asyncio.create_subprocess_exec(*probe, stdin=asyncio.subprocess.DEVNULL,
                                                       stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            output, _ = await process.communicate()
    except (OSError, TimeoutError) as exc:
        return None, f"bubblewrap failed its probe ({type(exc).__name__}: {exc})"
    if process.returncode != 0:
        lines = output.decode(errors="replace").strip().splitlines()
        return None, f"bubblewrap failed its probe: {lines[-1] if lines else f'exit code {process.returncode}'}"
    return sandbox, ""


def python_home(venv: Path) -> Path | None:
    """The installation a virtualenv's interpreter comes from (its ``home`` is that installation's bin/)."""
    try:
        lines = (venv / "pyvenv.cfg").read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip():
            home = Path(value.strip())
            return home.parent if home.name == "bin" else home
    return None


def overlaps(path: Path, guarded: Path) -> bool:
    """Whether binding ``path`` would show ``guarded`` or something in it."""
    return path == guarded or guarded in path.parents or path in guarded.parents

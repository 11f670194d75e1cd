"""Scratch folders: removed when their job ends, and when their process was killed, at the next sweep;
never while the process that owns them lives."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from runagents_common.scratch import ScratchSpace

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from runagents_common.scratch import ScratchSpace
    with ScratchSpace(Path(sys.argv[1])).folder("job-") as folder:
        (folder / "source.py").write_text("left behind")
        print(folder, flush=True)
        time.sleep(600)
""")


def hold_a_folder(root: Path) -> tuple[subprocess.Popen[str], Path]:
    """Another process with a job's scratch folder under ``root``, as long as it runs."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_a_jobs_folder_is_removed_when_the_job_ends(tmp_path: Path) -> None:
    space = ScratchSpace(tmp_path / "scratch")
    with space.folder("job-") as folder:
        (folder / "file").write_text("x")
        assert folder.is_dir() and folder.name.startswith("job-")

    assert not folder.exists()
    space.close()
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_sweep_removes_what_a_killed_process_left_and_keeps_what_live_ones_hold(tmp_path: Path) -> None:
    root = tmp_path / "scratch"
    killed, left_behind = hold_a_folder(root)
    alive, held = hold_a_folder(root)
    try:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        sweeper = ScratchSpace(root)
        with sweeper.folder("job-") as own:
            removed = sweeper.sweep()

            assert removed == [left_behind.parent]
            assert not left_behind.exists() and not left_behind.parent.exists()
            assert held.exists() and own.exists()
        sweeper.close()
    finally:
        alive.kill()
        alive.wait()


def test_a_folder_whose_lock_file_is_gone_is_removed(tmp_path: Path) -> None:
    """What a sweep interrupted between removing a folder's contents and its lock file leaves."""
    orphan = tmp_path / "scratch" / "1234-abcdef"
    (orphan / "job-x").mkdir(parents=True)

    removed = ScratchSpace(tmp_path / "scratch").sweep()

    assert removed == [orphan]
    assert not orphan.exists()


def test_sweeping_a_root_that_does_not_exist_yet_removes_nothing(tmp_path: Path) -> None:
    assert ScratchSpace(tmp_path / "never-made").sweep() == []

"""Output folders that are complete or absent, never a mix of two runs.

:func:`atomic_output` hands out a fresh folder created beside the target (same parent, so the
final rename is atomic), and only when everything inside was written does it swap that folder
into place: the old folder is renamed to a backup, the new one to the target, and the backup
is removed. A crash, a kill or a full disk leaves the previous complete folder (or none).

Around that:

- a lock file beside the target (``.<name>.lock``, created exclusively, holding pid and host)
  stops a second run writing the same folder; a lock left by a process that no longer runs on
  this host is taken over with a warning;
- the target must be absent, empty, or a folder this package wrote before (it holds the marker
  file ``.ikzf1assay-output``); anything else is refused, never deleted;
- the target may be a symbolic link to a folder: it is resolved once and the folder it points
  to is replaced. Nothing is ever written through a link inside the folder, since the folder
  is built fresh.
- leftovers of a killed run (its temporary folder or backup beside the target) are removed by
  the next run holding the lock; a backup without a target is put back first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ikzf1assay.errors import FileAccessError, ParameterError

__all__ = ["MARKER", "OutputLockedError", "atomic_output", "check_output_folder", "safe_name"]

log = logging.getLogger(__name__)

MARKER = ".ikzf1assay-output"
_MARKER_TEXT = (
    "This folder was written by ikzf1assay. Each run replaces it as a whole:\n"
    "do not keep other files in it.\n"
)
_GUARD_STALE_S = 30.0  # a takeover guard older than this was left by a killed process


class OutputLockedError(FileAccessError):
    """Another run is writing the same output folder."""


def safe_name(text: str, default: str = "run", max_len: int = 100) -> str:
    """A file or folder name made from ``text`` that stays inside its folder.

    Runs of characters other than letters, digits, ``.``, ``-`` and ``_`` become ``_``;
    leading and trailing dots, dashes and underscores go, so the name is never ``.``, ``..``,
    hidden or taken for an option; an empty result is ``default``.
    """
    name = re.sub(r"[^\w.-]+", "_", text).strip("._-")[:max_len].rstrip("._-")
    return name or default


def check_output_folder(target: Path, inputs: Iterable[Path] = ()) -> Path:
    """The folder to replace for ``target`` (a link resolved once), or an error saying why not.

    Parameters
    ----------
    target
        The output folder as given.
    inputs
        Files the run reads; none may lie inside the folder, which is replaced as a whole.

    Raises
    ------
    ParameterError
        ``target`` is a file, a broken link, a non-empty folder without the marker, or holds
        an input or the current folder.
    """
    folder = target
    if target.is_symlink():
        folder = target.resolve()
        if not folder.is_dir():
            raise ParameterError(
                f"is a symbolic link to {folder}, which is not a folder; give a folder for "
                "the outputs",
                source=target,
            )
    folder = folder.absolute()
    if folder.name in ("", ".", ".."):
        folder = folder.resolve()
    if not folder.name:
        raise ParameterError(
            "cannot replace the root folder; give a folder below it", source=target
        )
    real = folder.resolve()
    for path in (*inputs, Path.cwd()):
        inside = path.resolve()
        if inside == real or real in inside.parents:
            what = "the current folder" if path == Path.cwd() else f"the input {path}"
            raise ParameterError(
                f"{what} is inside this output folder, which each run replaces as a whole; "
                "choose another folder for the outputs",
                source=target,
            )
    if folder.exists() and not folder.is_dir():
        raise ParameterError("is a file; give a folder for the outputs (-o)", source=target)
    if folder.is_dir():
        marker = folder / MARKER
        has_marker = marker.is_file() and not marker.is_symlink()
        try:
            empty = next(folder.iterdir(), None) is None
        except OSError as exc:
            raise FileAccessError(
                f"cannot list the folder: {exc.strerror}", source=target
            ) from None
        if not (empty or has_marker):
            raise ParameterError(
                f"not written: the folder holds files that ikzf1assay did not write (no {MARKER} "
                "marker), and a run replaces its output folder as a whole; give a new or empty "
                "folder",
                source=target,
            )
    return folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _read_lock(lock: Path) -> tuple[int, str, str]:
    """``(pid, host, text)`` of a lock file; pid 0 when unreadable."""
    try:
        text = lock.read_text(encoding="utf-8")
    except OSError:
        return 0, "", ""
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    try:
        pid = int(fields.get("pid", "0"))
    except ValueError:
        pid = 0
    return pid, fields.get("host", ""), text


def _create_lock(lock: Path, text: str) -> bool:
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return True


def _take_stale(lock: Path, stale_text: str, text: str) -> bool:
    """Replace a stale lock, guarded so that two runs cannot both take it over."""
    guard = lock.with_name(lock.name + ".takeover")
    with contextlib.suppress(OSError):
        if time.time() - guard.stat().st_mtime > _GUARD_STALE_S:
            guard.unlink()
    if not _create_lock(guard, text):
        return False
    try:
        if _read_lock(lock)[2] != stale_text:
            return False  # someone else took it over meanwhile
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        return _create_lock(lock, text)
    finally:
        guard.unlink()


def _acquire(lock: Path, folder: Path) -> str:
    host = socket.gethostname()
    text = f"pid={os.getpid()}\nhost={host}\nstarted={time.strftime('%Y-%m-%dT%H:%M:%S')}\n"
    pid, lock_host = 0, ""
    try:
        for _ in range(3):  # the lock may vanish between the tries: its run just ended
            if _create_lock(lock, text):
                return text
            pid, lock_host, held = _read_lock(lock)
            if not held:
                continue
            if lock_host != host or pid <= 0 or _pid_alive(pid):
                break
            log.warning("%s: taking over the lock of process %d, which no longer runs", folder, pid)
            if _take_stale(lock, held, text):
                return text
    except OSError as exc:
        raise FileAccessError(f"cannot create the lock file: {exc.strerror}", source=lock) from None
    raise OutputLockedError(
        f"another ikzf1assay run (process {pid} on {lock_host or 'an unknown host'}) is writing "
        f"this output folder; wait for it to end, or remove {lock} if no run is going on",
        source=folder,
    )


def _release(lock: Path, text: str) -> None:
    if _read_lock(lock)[2] == text:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _sweep(folder: Path) -> None:
    """Put back a backup left without its target, remove temporary folders of killed runs."""
    pattern = re.compile(rf"\.{re.escape(folder.name)}\.(new|old)-[0-9a-f]{{8}}")
    leftovers = sorted(
        (p for p in folder.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    backups = [p for p in leftovers if p.name.startswith(f".{folder.name}.old-")]
    if not folder.exists() and backups:
        backups[-1].rename(folder)
        leftovers.remove(backups[-1])
        log.warning("%s: put back the previous outputs, left aside by a killed run", folder)
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)


def _new_folder(folder: Path, kind: str) -> Path:
    while True:
        path = folder.parent / f".{folder.name}.{kind}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _swap(stage: Path, folder: Path) -> None:
    backup = None
    if folder.exists():
        backup = _new_folder(folder, "old")
        backup.rmdir()
        folder.rename(backup)
    try:
        stage.rename(folder)
    except BaseException:
        if backup is not None:
            backup.rename(folder)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


@contextlib.contextmanager
def atomic_output(target: Path, inputs: Iterable[Path] = ()) -> Iterator[Path]:
    """Lock ``target``, yield a fresh empty folder, then swap it into place as ``target``.

    Parameters
    ----------
    target
        The output folder: absent, empty, or written by this package before (it holds the
        marker). A symbolic link to a folder is resolved once.
    inputs
        Files the run reads: refused when inside the target (they would be replaced with it).

    Yields
    ------
    Path
        A new folder beside the target (hidden name), holding only the marker; write every
        output into it. When the block ends with an exception, the folder is removed and the
        previous outputs stay as they were.

    Raises
    ------
    ParameterError
        The target is not a folder this package may replace (see :func:`check_output_folder`).
    OutputLockedError
        Another run holds the lock of this folder.
    FileAccessError
        The folder or the lock cannot be created.
    """
    inputs = tuple(inputs)
    folder = check_output_folder(target, inputs)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileAccessError(
            f"cannot create the folder: {exc.strerror}", source=folder.parent
        ) from None
    lock = folder.parent / f".{folder.name}.lock"
    token = _acquire(lock, folder)
    try:
        _sweep(folder)
        folder = check_output_folder(folder, inputs)  # again, now that no other run can change it
        stage = _new_folder(folder, "new")
        try:
            (stage / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
            yield stage
            _swap(stage, folder)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    finally:
        _release(lock, token)

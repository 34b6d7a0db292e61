"""The external programs behind the engines: finding them, their versions, running them."""

from __future__ import annotations

import shutil
import subprocess

from ikzf1assay.errors import ExternalToolError

__all__ = ["require_tool", "run_tool", "tool_version"]

_DEBIAN = {
    "blastn": "ncbi-blast+",
    "makeblastdb": "ncbi-blast+",
    "blastdbcmd": "ncbi-blast+",
    "bowtie": "bowtie",
    "bowtie-build": "bowtie",
}


def require_tool(name: str) -> str:
    """The path of program ``name``, or an error naming the Debian package that provides it.

    Parameters
    ----------
    name
        A program such as ``blastn`` or ``bowtie-build``.

    Returns
    -------
    str
        Its path on PATH.

    Raises
    ------
    ExternalToolError
        Not on PATH.
    """
    path = shutil.which(name)
    if path is None:
        package = _DEBIAN.get(name, name)
        raise ExternalToolError(
            f"{name} not found on PATH; install the Debian package {package} "
            f"(apt-get install {package}) or put {name} on PATH"
        )
    return path


def tool_version(name: str) -> str:
    """First line of ``name --version`` (``-version`` for BLAST+), or ``not found``.

    Parameters
    ----------
    name
        A program such as ``blastn``.

    Returns
    -------
    str
        For the report's provenance.
    """
    path = shutil.which(name)
    if path is None:
        return "not found"
    flag = "-version" if name in ("blastn", "makeblastdb", "blastdbcmd") else "--version"
    done = subprocess.run([path, flag], capture_output=True, text=True, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def run_tool(argv: list[str], what: str) -> str:
    """Run ``argv`` and return its standard output.

    Parameters
    ----------
    argv
        The program (a path from :func:`require_tool`) and its arguments.
    what
        Named in the error when the program cannot run or exits non-zero.

    Returns
    -------
    str
        What the program wrote to standard output.
    """
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ExternalToolError(f"{what}: cannot run {argv[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ExternalToolError(f"{what} failed (exit {done.returncode}): {' | '.join(tail)}")
    return done.stdout

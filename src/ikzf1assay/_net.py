"""One-line errors for failed HTTP requests (locus download, remote BLAST)."""

from __future__ import annotations

import urllib.error

from ikzf1assay.errors import ExternalToolError

__all__ = ["network_error"]


def network_error(
    exc: OSError, host: str, timeout: float, offline_hint: str, url: str | None = None
) -> ExternalToolError:
    """The error to raise for ``exc`` from urllib: throttled, HTTP error, timeout, unreachable.

    ``offline_hint`` says what to do without network access; ``url`` is named with an HTTP
    error status.
    """
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code in (429, 503):
            wait = exc.headers.get("Retry-After")
            after = f"; the service asks to wait {wait} s" if wait else ""
            return ExternalToolError(
                f"{host} is throttling requests (HTTP {exc.code}){after}; try again later"
            )
        return ExternalToolError(
            f"{host} answered HTTP {exc.code} {exc.reason}{f' for {url}' if url else ''}"
        )
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return ExternalToolError(
            f"{host} did not answer within {timeout:g} s; try again, or pass --timeout"
        )
    return ExternalToolError(f"cannot reach {host} ({reason}); {offline_hint}")

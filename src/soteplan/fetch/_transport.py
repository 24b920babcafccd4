"""How ``soteplan data fetch`` talks to the network, and how it replays recorded answers.

Every request goes through a :class:`Transport`.  :class:`HttpTransport` uses the
standard library (no extra dependency) and turns every network failure into
:class:`~soteplan.errors.ConnectionNeededError`, so a user without a connection gets one
clear sentence.  :class:`RecordedTransport` answers from files recorded earlier (the test
suite never touches the internet), and :class:`RecordingTransport` writes such a recording
while it fetches, so a fetch can be replayed and audited later.

A recording is a directory with ``index.json``::

    {"requests": [
        {"method": "GET", "url": "https://…", "file": "001.json"},
        {"method": "POST", "url": "https://…", "body": {…}, "file": "002.json"}
    ]}
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from soteplan.errors import ConnectionNeededError, DataError, DataProblem, NotFoundError

__all__ = ["HttpTransport", "RecordedTransport", "RecordingTransport", "Transport"]

_USER_AGENT = "soteplan-data-fetch (https://pypi.org/project/soteplan)"


class Transport(Protocol):
    """Something that answers GET and JSON POST requests with the response body."""

    def get(self, url: str) -> bytes:
        """The body of ``GET url``."""
        ...

    def post_json(self, url: str, body: dict[str, Any]) -> bytes:
        """The body of ``POST url`` with ``body`` as JSON."""
        ...


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


class HttpTransport:
    """Real HTTP(S) with :mod:`urllib`; failures become clear soteplan errors.

    Parameters
    ----------
    timeout
        Seconds to wait for each answer.
    """

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout

    def get(self, url: str) -> bytes:
        """The body of ``GET url``."""
        req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        return self._open(req, url)

    def post_json(self, url: str, body: dict[str, Any]) -> bytes:
        """The body of ``POST url`` with ``body`` as JSON."""
        data = json.dumps(body).encode("utf-8")
        req = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={"User-Agent": _USER_AGENT, "Content-Type": "application/json"},
        )
        return self._open(req, url)

    def _open(self, req: urllib.request.Request, url: str) -> bytes:
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data: bytes = resp.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise NotFoundError(
                    f"{_host(url)} has no {urllib.parse.urlsplit(url).path!r} (HTTP 404); "
                    "the table or indicator id may have changed"
                ) from None
            raise ConnectionNeededError(
                f"{_host(url)} answered HTTP {exc.code} ({exc.reason}); try again later"
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ConnectionNeededError(
                f"this needs an internet connection: could not reach {_host(url)} ({reason})"
            ) from None


def _canonical(body: dict[str, Any] | None) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False) if body is not None else ""


class RecordedTransport:
    """Answers from a recording directory (see the module docstring); never the network.

    A request that is not in the recording raises :class:`~soteplan.errors.NotFoundError`
    naming it, and a POST whose body differs from the recorded one is refused: the replay
    checks what would have been sent.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        index = self.directory / "index.json"
        try:
            doc = json.loads(index.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError(f"{self.directory}: not a recording (no index.json)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(
                [DataProblem("index.json", None, None, f"not a readable JSON index: {exc}")]
            ) from None
        entries = doc.get("requests") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise DataError(
                [DataProblem("index.json", None, "requests", "expected a list of requests")]
            )
        self._entries: dict[tuple[str, str], list[dict[str, Any]]] = {}
        problems = []
        for i, e in enumerate(entries, start=1):
            if not isinstance(e, dict) or not {"method", "url", "file"} <= set(e):
                problems.append(
                    DataProblem("index.json", i, None, "each request needs method, url and file")
                )
                continue
            key = (str(e["method"]).upper(), str(e["url"]))
            self._entries.setdefault(key, []).append(e)
        if problems:
            raise DataError(problems)

    def _answer(self, method: str, url: str, body: dict[str, Any] | None) -> bytes:
        candidates = self._entries.get((method, url))
        if not candidates:
            raise NotFoundError(f"the recording {self.directory.name} has no {method} {url}")
        for e in candidates:
            if method == "GET" or _canonical(e.get("body")) == _canonical(body):
                try:
                    return (self.directory / str(e["file"])).read_bytes()
                except OSError as exc:
                    raise DataError(
                        [DataProblem(str(e["file"]), None, None, f"cannot read: {exc}")]
                    ) from None
        raise NotFoundError(
            f"the recording {self.directory.name} has {method} {url} only with another query body"
        )

    def get(self, url: str) -> bytes:
        """The recorded body of ``GET url``."""
        return self._answer("GET", url, None)

    def post_json(self, url: str, body: dict[str, Any]) -> bytes:
        """The recorded body of ``POST url`` with this ``body``."""
        return self._answer("POST", url, body)


class RecordingTransport:
    """Passes requests to ``inner`` and writes every answer into a recording directory."""

    def __init__(self, inner: Transport, directory: str | Path) -> None:
        self.inner = inner
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._requests: list[dict[str, Any]] = []

    def _save(self, method: str, url: str, body: dict[str, Any] | None, data: bytes) -> None:
        name = f"{len(self._requests) + 1:03d}.dat"
        (self.directory / name).write_bytes(data)
        entry: dict[str, Any] = {"method": method, "url": url, "file": name}
        if body is not None:
            entry["body"] = body
        self._requests.append(entry)
        (self.directory / "index.json").write_text(
            json.dumps({"requests": self._requests}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )

    def get(self, url: str) -> bytes:
        """``GET url`` through the inner transport, recorded."""
        data = self.inner.get(url)
        self._save("GET", url, None, data)
        return data

    def post_json(self, url: str, body: dict[str, Any]) -> bytes:
        """``POST url`` through the inner transport, recorded."""
        data = self.inner.post_json(url, body)
        self._save("POST", url, body, data)
        return data

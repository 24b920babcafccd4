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
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

    def download(
        self, url: str, dest: Path, *, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """``GET url`` into the file ``dest``, continuing a partial ``dest``."""
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
        with _errors(url), urllib.request.urlopen(req, timeout=self.timeout) as resp:
            data: bytes = resp.read()
            return data
        raise AssertionError("unreachable")  # pragma: no cover (_errors always raises)

    def download(
        self, url: str, dest: Path, *, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """``GET url`` into ``dest`` in 1 MiB chunks, resuming a partial file.

        When ``dest`` already holds bytes, a ``Range: bytes=N-`` request asks for the rest;
        a server that answers 206 is appended to, one that answers 200 (no ranges) starts
        the file anew.  ``progress(bytes, total)`` follows the file (``total`` 0 when the
        server gives no length).  A body shorter than its ``Content-Length`` raises
        :class:`~soteplan.errors.ConnectionNeededError` and leaves the part for the next try.
        """
        have = dest.stat().st_size if dest.is_file() else 0
        headers = {"User-Agent": _USER_AGENT}
        if have:
            headers["Range"] = f"bytes={have}-"
        req = urllib.request.Request(url, headers=headers)
        with _errors(url, complete_at=have):
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resumed = have > 0 and resp.status == 206
                start = have if resumed else 0
                length = resp.headers.get("Content-Length")
                total = start + int(length) if length and length.isdigit() else 0
                done = start
                with dest.open("ab" if resumed else "wb") as f:
                    while chunk := resp.read(1 << 20):
                        f.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
                if total and done < total:
                    raise ConnectionNeededError(
                        f"the download from {_host(url)} broke off at {done:,} of {total:,} "
                        "bytes; run the fetch again to resume"
                    )
            return


@contextmanager
def _errors(url: str, complete_at: int = 0) -> Iterator[None]:
    """Network failures as soteplan errors (a 416 on a resumed download means complete)."""
    try:
        yield
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and complete_at:
            return  # the partial file already holds every byte: nothing left to send
        if exc.code == 404:
            raise NotFoundError(
                f"{_host(url)} has no {urllib.parse.urlsplit(url).path!r} (HTTP 404); "
                "the table, indicator id or extract name may have changed"
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

    def download(
        self, url: str, dest: Path, *, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """The recorded body of ``GET url`` into ``dest`` (the rest of a partial ``dest``)."""
        data = self._answer("GET", url, None)
        have = dest.stat().st_size if dest.is_file() else 0
        with dest.open("ab" if have else "wb") as f:
            f.write(data[have:])
        if progress is not None:
            progress(len(data), len(data))


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

    def download(
        self, url: str, dest: Path, *, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """``GET url`` into ``dest`` through the inner transport; the file is recorded too."""
        self.inner.download(url, dest, progress=progress)
        name = f"{len(self._requests) + 1:03d}.dat"
        shutil.copyfile(dest, self.directory / name)
        self._requests.append({"method": "GET", "url": url, "file": name})
        (self.directory / "index.json").write_text(
            json.dumps({"requests": self._requests}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )

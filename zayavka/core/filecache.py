"""Django's file cache, made fit to hold the sign-in and rate-limit counters.

Django's own culls at 300 entries by deleting a random third of them, and it checks on
every write by listing the whole directory. A stranger failing sign-ins under a few
hundred made-up names therefore erased the counters that locked a guesser out (measured:
200 requests did it). This one holds many more entries, looks at the directory only
every CULL_EVERY writes, and when full removes the expired entries first and then those
closest to expiring, never picking at random. Filling it takes a flood of hundreds of
thousands of made-up names; a desk exposed to that is scaled out on Redis anyway.
"""

from __future__ import annotations

import math
import pickle
import time
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 64
MAX_ENTRIES = 200_000


class CounterFileCache(FileBasedCache):
    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        options.setdefault("MAX_ENTRIES", MAX_ENTRIES)
        super().__init__(dir, params)
        self._writes = 0

    def _cull(self) -> None:
        self._writes += 1
        if self._writes % CULL_EVERY:
            return
        files = self._list_cache_files()  # type: ignore[attr-defined]  # Django's, not in its stubs
        if len(files) < self._max_entries:
            return
        now = time.time()
        live = []
        for name in files:
            try:
                with open(name, "rb") as f:
                    expires = pickle.load(f)  # noqa: S301 - our own cache files, as Django reads them
            except (FileNotFoundError, EOFError, pickle.UnpicklingError):
                expires = 0
            if expires is not None and expires < now:
                self._delete(name)  # type: ignore[attr-defined]
            else:
                live.append((math.inf if expires is None else expires, name))
        excess = len(live) - self._max_entries + self._max_entries // max(self._cull_frequency, 1)
        if excess <= 0:
            return
        for _expires, name in sorted(live)[:excess]:
            self._delete(name)  # type: ignore[attr-defined]

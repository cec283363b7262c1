"""The file cache keeps the sign-in counters through a flood of other keys: it culls
expired entries, then those closest to expiring, never at random."""

from __future__ import annotations

from pathlib import Path

from django.core.cache.backends.filebased import FileBasedCache

from zayavka.core.filecache import CULL_EVERY, CounterFileCache


def test_a_flood_of_short_lived_keys_does_not_erase_a_long_lived_counter(
    tmp_path: Path,
) -> None:
    cache = CounterFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 100}})
    cache.set("lock", 5, timeout=900)
    for n in range(6 * CULL_EVERY):
        cache.set(f"flood{n}", 1, timeout=60)
    assert cache.get("lock") == 5
    assert len(list(tmp_path.glob("*.djcache"))) <= 100 + CULL_EVERY


def test_expired_entries_go_first(tmp_path: Path) -> None:
    cache = CounterFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    for n in range(10):
        cache.set(f"gone{n}", 1, timeout=-1)  # already expired
    cache.set("kept", 1, timeout=60)
    for n in range(CULL_EVERY):
        cache.set(f"gone-too{n}", 1, timeout=-1)
    assert cache.get("kept") == 1
    # Culled before the 64th write: what is left is "kept", that write and the eleven since.
    assert len(list(tmp_path.glob("*.djcache"))) == 1 + 1 + 11


def test_djangos_own_file_cache_loses_it(tmp_path: Path) -> None:
    """Why the desk does not use Django's file cache as it comes (a third of it culled at
    random when full: the counter survives ten culls in 2 % of the runs, three runs
    in 1e-5)."""
    lost = 0
    for attempt in range(3):
        cache = FileBasedCache(str(tmp_path / str(attempt)), {"OPTIONS": {"MAX_ENTRIES": 100}})
        cache.set("lock", 5, timeout=900)
        for n in range(430):
            cache.set(f"flood{n}", 1, timeout=60)
        lost += cache.get("lock") is None
    assert lost > 0

"""The bounded cache a long-running server keeps photo embeddings in."""
import threading

import pytest

from assistant.lru_cache import LRUCache

pytestmark = pytest.mark.unit


def test_holds_at_most_size_values_and_drops_the_least_recently_used():
    cache = LRUCache(2)
    computed = []

    def value(key):
        return lambda: computed.append(key) or key.upper()

    assert cache.get_or_compute("a", value("a")) == "A"
    assert cache.get_or_compute("b", value("b")) == "B"
    assert cache.get_or_compute("a", value("a")) == "A"  # cached, and now the most recent
    cache.get_or_compute("c", value("c"))                # drops "b", the least recently used
    assert len(cache) == 2 and "a" in cache and "c" in cache and "b" not in cache
    assert computed == ["a", "b", "c"]


def test_many_threads_never_exceed_the_size():
    cache = LRUCache(8)
    threads = [threading.Thread(target=lambda n=n: [cache.get_or_compute((n * 7 + i) % 50, lambda: i)
                                                    for i in range(200)]) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 8


def test_a_cache_holds_at_least_one_value():
    with pytest.raises(ValueError):
        LRUCache(0)

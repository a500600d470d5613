"""The page cache's store: least recently used out first, bounded by the characters it holds."""

from core.cache import PageCache


def test_the_least_recently_used_page_goes_first_when_the_cache_is_full():
    cache = PageCache(max_chars=40)  # each page below: 17 characters (key and text)
    cache.put("a", {"content": "x" * 10})
    cache.put("b", {"content": "y" * 10})
    assert cache.get("a") == {"content": "x" * 10}  # a is now the most recent
    cache.put("c", {"content": "z" * 10})
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    assert cache.chars <= 40


def test_a_page_bigger_than_the_whole_cache_is_not_kept():
    cache = PageCache(max_chars=10)
    cache.put("a", "x" * 11)
    assert cache.get("a") is None and len(cache) == 0 and cache.chars == 0


def test_putting_a_key_again_replaces_it():
    cache = PageCache(max_chars=100)
    cache.put("a", "x" * 10)
    cache.put("a", "y" * 20)
    assert cache.get("a") == "y" * 20 and cache.chars == 20 and len(cache) == 1
    cache.clear()
    assert cache.get("a") is None and cache.chars == 0

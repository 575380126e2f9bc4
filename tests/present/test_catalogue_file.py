"""The catalogue file itself: a key written twice would be silently resolved by the JSON reader
(the last one wins), hiding a translation; a merge of two branches can produce one."""

import collections
import json
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "src" / "scoreaudit" / "present" / "messages.json"


def test_no_key_is_written_twice():
    pairs = json.loads(CATALOGUE.read_text(encoding="utf-8"), object_pairs_hook=lambda p: p)
    twice = [k for k, n in collections.Counter(k for k, _ in pairs).items() if n > 1]
    assert not twice, twice


def test_the_check_sees_a_key_written_twice():
    text = '{"a": {"en": "x", "fr": "y"}, "a": {"en": "z", "fr": "w"}}'
    pairs = json.loads(text, object_pairs_hook=lambda p: p)
    assert [k for k, n in collections.Counter(k for k, _ in pairs).items() if n > 1] == ["a"]

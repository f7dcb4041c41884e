"""The lexicon's words: normalised text and the edit distance near spellings are chosen by."""

import pytest

from catalog.search import (
    MAX_QUERY_CHARS,
    MAX_WORD_CHARS,
    edit_distance,
    normalise,
    query_words,
)

pytestmark = pytest.mark.django_db


def test_normalise_drops_case_accents_and_punctuation():
    assert normalise("  Beyoncé — Don't STOP! ") == "beyonce dont stop"


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("rian", "rain", 2) == 1
    assert edit_distance("neon", "noon", 2) == 1
    assert edit_distance("halo", "jazz", 2) == 3


def test_a_huge_query_is_read_only_up_to_its_bounds():
    huge = "neon " + "x" * 2_000_000

    assert query_words(huge) == ["neon", "x" * MAX_WORD_CHARS]
    assert query_words("neon" + " " * MAX_QUERY_CHARS + "rain") == ["neon"]

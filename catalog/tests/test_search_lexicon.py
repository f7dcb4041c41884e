"""The lexicon's words: normalised text and the edit distance near spellings are chosen by."""

import pytest

from catalog.search import (
    edit_distance,
    normalise,
)

pytestmark = pytest.mark.django_db


def test_normalise_drops_case_accents_and_punctuation():
    assert normalise("  Beyoncé — Don't STOP! ") == "beyonce dont stop"


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("rian", "rain", 2) == 1
    assert edit_distance("neon", "noon", 2) == 1
    assert edit_distance("halo", "jazz", 2) == 3

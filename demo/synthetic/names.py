"""Invented names for synthetic artists and songs, each unique by its name key."""

import numpy as np

from catalog.models import name_key

GENRES = [
    "Pop", "Rock", "Hip Hop", "Electronic", "Indie", "R&B", "Jazz", "Folk", "Metal",
    "Classical", "Country", "Soul", "Reggae", "Blues", "Punk", "Latin", "Ambient", "Funk",
    "Shoegaze", "Synthpop", "Dream Pop", "Techno", "Bossa Nova", "Chanson",
]  # fmt: skip
ADJECTIVES = [
    "Neon", "Golden", "Silver", "Velvet", "Electric", "Quiet", "Broken", "Wild", "Blue",
    "Crimson", "Midnight", "Hollow", "Paper", "Glass", "Lonely", "Burning", "Frozen", "Secret",
    "Distant", "Gentle", "Restless", "Sacred", "Silent", "Endless", "Faded", "Bright", "Dark",
    "Little", "Northern", "Southern", "Summer", "Winter", "Autumn", "Early", "Last", "First",
    "Strange", "Sweet", "Bitter", "Lucky", "Heavy", "Empty", "Open", "Secondhand", "Tender",
    "Dizzy", "Crystal", "Cosmic", "Mellow", "Rusty", "Scarlet", "Amber", "Emerald", "Ivory",
    "Señorita", "Café", "Étoile", "Dorée", "Fräulein", "Mañana",
]  # fmt: skip
NOUNS = [
    "Rain", "Heart", "River", "Harbour", "Light", "Night", "Fire", "Ocean", "Dream", "Road",
    "City", "Garden", "Mirror", "Shadow", "Echo", "Signal", "Horizon", "Satellite", "Window",
    "Flower", "Thunder", "Mountain", "Desert", "Island", "Forest", "Station", "Letter", "Machine",
    "Lantern", "Feather", "Orchid", "Comet", "Tide", "Wave", "Storm", "Star", "Moon", "Sun",
    "Voice", "Ghost", "Angel", "Stranger", "Lover", "Diamond", "Highway", "Bridge", "Tower",
    "Circus", "Carousel", "Paradise", "Memory", "Season", "Morning", "Evening", "Afternoon",
    "Skyline", "Avenue", "Boulevard", "Engine", "Radio", "Telephone", "Postcard", "Daydream",
    "Hurricane", "Volcano", "Glacier", "Meadow", "Canyon", "Valley", "Lagoon", "Corazón",
    "Chanson", "Fiesta", "Sehnsucht", "Saudade",
]  # fmt: skip
VERBS = [
    "Falling", "Running", "Dancing", "Waiting", "Dreaming", "Chasing", "Holding", "Leaving",
    "Calling", "Burning", "Drifting", "Fading", "Shining", "Breaking", "Rising", "Wandering",
]  # fmt: skip
FIRST_NAMES = [
    "Mira", "Jonas", "Lena", "Theo", "Ada", "Felix", "Nora", "Oskar", "Ines", "Hugo", "Clara",
    "Elias", "Zoé", "Mateo", "Léa", "Amara", "Kai", "Yuki", "Sofia", "Björn", "Chloé", "Dario",
    "Esme", "Farid", "Greta", "Hana", "Ivan", "Jade", "Kofi", "Luca", "Maya", "Nils",
]  # fmt: skip
LAST_NAMES = [
    "Sol", "Rivers", "Moreau", "Lindqvist", "Okafor", "Navarro", "Kowalski", "Haddad", "Berg",
    "Castillo", "Dubois", "Eriksen", "Fontaine", "García", "Hoffmann", "Ishikawa", "Jansen",
    "Keller", "Laurent", "Müller", "Novak", "Olsen", "Petrov", "Quinn", "Rossi", "Silva",
]  # fmt: skip
GROUP_WORDS = ["Collective", "Orchestra", "Quartet", "Club", "Society", "Band", "Ensemble"]
# Invented words give the vocabulary a long tail, as real catalogues have (names, slang).
SYLLABLES = [
    "ka", "lo", "mi", "ra", "ven", "tor", "sa", "lu", "ne", "ri", "do", "zan", "qui", "bel",
    "mar", "ost", "ela", "fin", "gar", "hal", "iro", "jun", "kel", "lom", "nor", "pav", "ros",
    "sil", "tam", "ula", "vik", "wen", "yas", "zor", "ber", "cal", "dan", "esk", "fal", "gun",
]  # fmt: skip


def unique_names(rng: np.random.Generator, count: int, make, taken: set[str]) -> list[str]:
    names = []
    for _ in range(count):
        name = make(rng)
        key = name_key(name)
        attempt = 1
        while key in taken:
            attempt += 1
            name = f"{make(rng)}" if attempt < 4 else f"{name} {attempt}"
            key = name_key(name)
        taken.add(key)
        names.append(name)
    return names


def _pick(rng, words):
    return words[rng.integers(len(words))]


def artist_name(rng) -> str:
    kind = rng.integers(6)
    if kind == 4:
        return f"{_invented(rng)} {_invented(rng)}"
    if kind == 5:
        return f"{_pick(rng, FIRST_NAMES)} {_invented(rng)}"
    if kind == 0:
        return f"{_pick(rng, FIRST_NAMES)} {_pick(rng, LAST_NAMES)}"
    if kind == 1:
        return f"The {_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}s"
    if kind == 2:
        return f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)} {_pick(rng, GROUP_WORDS)}"
    return f"{_pick(rng, NOUNS)} {_pick(rng, NOUNS)}"


def _invented(rng) -> str:
    syllables = rng.integers(len(SYLLABLES), size=rng.integers(2, 4))
    return "".join(SYLLABLES[index] for index in syllables).capitalize()


def song_title(rng) -> str:
    kind = rng.integers(7)
    if kind == 5:
        return f"{_invented(rng)} {_pick(rng, NOUNS)}"
    if kind == 6:
        return f"{_pick(rng, ADJECTIVES)} {_invented(rng)}"
    if kind in (0, 1):
        return f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
    if kind == 2:
        return f"{_pick(rng, VERBS)} {_pick(rng, NOUNS)}"
    if kind == 3:
        return f"{_pick(rng, NOUNS)} of the {_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
    return f"{_pick(rng, VERBS)} in the {_pick(rng, NOUNS)}"

"""How apps' artist indexes sort and group names: accents and leading articles ignored."""

from catalog.models import name_key

# Sent to apps as getArtists/getIndexes' ignoredArticles, so they sort as the server does.
IGNORED_ARTICLES = "The El La Los Las Le Les"
_ARTICLES = tuple(f"{article.casefold()} " for article in IGNORED_ARTICLES.split())


def sort_key(name: str) -> str:
    """Return the key a name sorts by: case- and accent-insensitive, without a leading article
    ("The Beatles" sorts as "beatles", "Édith Piaf" as "edith piaf")."""
    key = name_key(name)
    for article in _ARTICLES:
        if key.startswith(article) and len(key) > len(article):
            return key[len(article) :]
    return key


def index_letter(name: str) -> str:
    """Return the index heading a name files under: its sort key's first letter, or "#"."""
    first = sort_key(name)[:1].upper()
    return first if first.isalpha() else "#"

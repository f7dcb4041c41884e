from accounts.tests.fixtures import (  # noqa: F401
    api,
    curator,
    curator_api,
    fast_password_hashing,
    fresh_throttles,
    listener,
    listener_api,
    other,
    other_api,
)
from catalog.tests.fixtures import catalogue  # noqa: F401

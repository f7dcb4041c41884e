from accounts.tests.fixtures import (  # noqa: F401
    api,
    fast_password_hashing,
    fresh_throttles,
    listener,
    listener_api,
    other,
    other_api,
)

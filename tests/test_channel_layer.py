"""The Redis channel layer's connections outlast its own blocking reads."""

import os

import pytest
from channels_redis.core import RedisChannelLayer
from channels_redis.utils import create_pool
from django.conf import settings

from conftest import require

pytestmark = pytest.mark.redis


def test_a_blocking_pop_for_the_next_message_never_outlasts_the_socket_timeout():
    require(bool(os.environ.get("REDIS_URL")), "set REDIS_URL to use the Redis channel layer")
    # A layer of its own, as the settings configure it (no connection is opened).
    layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    pool = create_pool(layer.hosts[0])

    # redis-py's default read timeout (5 s) equals channels_redis' pop (5 s): a pop answered
    # late raised in the consumer. Ours waits well past the pop.
    assert pool.connection_kwargs["socket_timeout"] >= layer.brpop_timeout * 3

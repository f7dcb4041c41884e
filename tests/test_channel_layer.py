"""The Redis channel layer's connections outlast its own blocking reads."""

import os

import pytest
from channels.layers import get_channel_layer

from conftest import require

pytestmark = pytest.mark.redis


@pytest.mark.asyncio
async def test_a_blocking_pop_for_the_next_message_never_outlasts_the_socket_timeout():
    require(bool(os.environ.get("REDIS_URL")), "set REDIS_URL to use the Redis channel layer")
    layer = get_channel_layer()
    connection = layer.connection(0)

    # redis-py's default read timeout (5 s) equals channels_redis' pop (5 s): a pop answered
    # late raised in the consumer. Ours waits well past the pop.
    client = await connection.initialize() if hasattr(connection, "initialize") else connection
    socket_timeout = client.connection_pool.connection_kwargs["socket_timeout"]
    assert socket_timeout >= layer.brpop_timeout * 3
    await layer.flush()

"""Django's Redis cache with one client per connection pool.

Django's client builds a new `redis.Redis` for every cache operation; redis-py 8 rebuilds its table of
command handlers in each, which made a cached public page cost three times a bare view
(redis/redis-py#3624). `redis.Redis` is safe to share between threads, so one per pool is kept.
"""

from django.core.cache.backends import redis as django_redis


class _Client(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client

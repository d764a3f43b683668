"""Clients: raw HTTP over asyncio streams (http) and Redis through redis-py (redis_client)."""

"""The server's own fixes beside Streamlit (ui/serving.py)."""

from __future__ import annotations

import asyncio.base_events
import socket


def test_connections_of_a_socket_made_without_a_protocol_number_still_get_tcp_nodelay(monkeypatch):
    from ui.serving import send_small_writes_at_once

    monkeypatch.setattr(asyncio.base_events, "_set_nodelay", asyncio.base_events._set_nodelay)  # restored after
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # proto 0, as Streamlit binds its listener
        asyncio.base_events._set_nodelay(sock)
        assert not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)  # asyncio's own check skips it
        send_small_writes_at_once()
        asyncio.base_events._set_nodelay(sock)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
        asyncio.base_events._set_nodelay(unix)  # not TCP: left alone, no error

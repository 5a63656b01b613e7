"""The app's own HTTP side beside Streamlit (no Streamlit imports): the light rider page ``/m``
with its offline service worker (:mod:`web.mobile`) and the open API ``/api/v1`` (:mod:`web.api`,
documented by :mod:`web.openapi`). ``ui/serving.py`` adds :func:`web_routes` to the server."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route


def web_routes() -> list[BaseRoute]:
    """The routes to serve beside Streamlit's (they come first, so Streamlit never sees these paths)."""
    from web.api import BASE_PATH, api_app
    from web.mobile import manifest, offline_data, page, service_worker, static_file

    return [
        Route("/m", page, methods=["GET"]),
        Route("/m/static/{name}", static_file, methods=["GET"]),
        Route("/m/offline.json", offline_data, methods=["GET"]),
        Route("/m/sw.js", service_worker, methods=["GET"]),
        Route("/m/manifest.webmanifest", manifest, methods=["GET"]),
        Mount(BASE_PATH, app=api_app()),
    ]

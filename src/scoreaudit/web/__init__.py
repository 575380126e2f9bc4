"""``scoreaudit serve``: a local web page for people who do not program.

The app (:func:`create_app`) is a Starlette application with server-rendered forms; the
server (:func:`serve`) binds 127.0.0.1 only. See ``README.md`` in this folder.
"""

from __future__ import annotations

__all__ = ["create_app", "serve"]


def __getattr__(name: str):  # lazy: the CLI imports this package only for `serve`
    if name == "create_app":
        from scoreaudit.web.app import create_app

        return create_app
    if name == "serve":
        from scoreaudit.web.server import serve

        return serve
    raise AttributeError(name)

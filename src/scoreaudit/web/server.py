"""Run the web app: 127.0.0.1 only, a free port, a private temporary directory removed at exit.

Examples
--------
>>> check_bind_host("127.0.0.1")
'127.0.0.1'
>>> check_bind_host("0.0.0.0")
Traceback (most recent call last):
scoreaudit.errors.ScoreAuditError: Refusing to listen on '0.0.0.0': scoreaudit serve answers this computer only (127.0.0.1, ::1 or localhost), because the data are personal.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
import threading
import webbrowser
from pathlib import Path

from scoreaudit.errors import ScoreAuditError
from scoreaudit.present.catalogue import check_lang, t

__all__ = ["bind_socket", "check_bind_host", "serve"]


def check_bind_host(host: str) -> str:
    """Return ``host`` if it is this computer's loopback address, else raise.

    Raises
    ------
    ScoreAuditError
        For any other interface (``0.0.0.0``, a LAN address, a host name).
    """
    from scoreaudit.web.app import is_loopback_host

    if host == "localhost" or is_loopback_host(host):
        return "127.0.0.1" if host == "localhost" else host
    raise ScoreAuditError.from_key("err_serve_host", host=host)


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket on a loopback address (port 0: a free port chosen by the system)."""
    host = check_bind_host(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except OSError as exc:
        sock.close()
        raise ScoreAuditError.from_key(
            "err_serve_port", host=host, port=port, why=exc.strerror or exc
        ) from None
    sock.listen(64)
    return sock


def serve(
    port: int = 0,
    *,
    open_browser: bool = True,
    max_upload_mb: int = 200,
    lang: str = "fr",
    host: str = "127.0.0.1",
    on_ready=None,
) -> None:
    """Start the local web page and block until Ctrl+C.

    Parameters
    ----------
    port : int
        0 (default) for a free port.
    open_browser : bool
        Open the page in the default browser once the server listens.
    max_upload_mb : int
        Largest upload, in megabytes.
    lang : {"fr", "en"}
        Default language of the pages and reports.
    host : str
        A loopback address only (anything else is refused).
    on_ready : callable, optional
        Called with the page's URL once listening (used by tests).
    """
    import uvicorn

    from scoreaudit.gate import quiet_highs
    from scoreaudit.web.app import create_app

    if max_upload_mb <= 0:
        raise ScoreAuditError.from_key("err_serve_upload_mb")
    sock = bind_socket(host, port)
    quiet_highs()  # here, in the main thread: the jobs' threads cannot silence its banner
    workdir = Path(tempfile.mkdtemp(prefix="scoreaudit-web-"))
    atexit.register(shutil.rmtree, workdir, True)
    app = create_app(workdir, max_upload_mb=max_upload_mb, lang=lang)
    bound_host, bound_port = sock.getsockname()[:2]
    url = f"http://{'[' + bound_host + ']' if ':' in bound_host else bound_host}:{bound_port}/"
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        server_header=False,
        proxy_headers=False,
        access_log=False,
    )
    server = uvicorn.Server(config)
    print(t("serve_started", check_lang(lang), url=url), flush=True)

    def ready() -> None:
        while not server.started:
            if server.should_exit:
                return
            threading.Event().wait(0.05)
        if on_ready is not None:
            on_ready(url)
        if open_browser:
            webbrowser.open(url)

    threading.Thread(target=ready, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        app.state.web.cleanup()
        sock.close()

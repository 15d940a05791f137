"""Which proxy a connection uses: one rule for WebSockets and REST alike.

Users behind a corporate proxy need it for both kinds of traffic, so both follow the system proxy
settings (``https_proxy``/``http_proxy``/``all_proxy`` and ``no_proxy`` on Linux, the registry or
system configuration on Windows and macOS, through :func:`urllib.request.getproxies`). Loopback
never goes through a proxy, whatever the settings: the demo's simulator runs on 127.0.0.1 and a
proxy there received ``GET /v1/accounts`` with the demo Bearer token before this rule.

``ws://`` uses the ``http`` proxy and ``wss://`` the ``https`` one, like a browser. The proxy in
use is shown in the connection metrics without its credentials (:func:`display_proxy`).
"""

from __future__ import annotations

import ipaddress
import urllib.request
from urllib.parse import urlsplit, urlunsplit

_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and the usual names of the local host."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def proxy_for(url: str) -> str | None:
    """The proxy URL to use for *url* (``ws``, ``wss``, ``http`` or ``https``), or None: direct.

    None for loopback hosts, for hosts the system's bypass list (``no_proxy``) names, and when no
    proxy is configured for the scheme.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if host is None or is_loopback(host):
        return None
    scheme = _SCHEME.get(parts.scheme.lower())
    if scheme is None:
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy:
        return None
    if urllib.request.proxy_bypass(parts.netloc if parts.port else host):
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy  # "proxy:3128" in the environment means an HTTP proxy
    return proxy


def display_proxy(proxy: str | None) -> str:
    """The proxy for the status panel: ``"direct"``, or its URL without user and password."""
    if not proxy:
        return "direct"
    parts = urlsplit(proxy)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))

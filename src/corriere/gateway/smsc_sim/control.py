"""Tiny JSON HTTP/1.1 control API of the SMSC simulator (asyncio streams, no framework).

GET  /phones             numbers that received messages (counts, last time)
GET  /phones/<number>    that number's messages, concatenated parts joined (?limit=N)
POST /mo                 {"from", "to", "text"[, "system_id"]} -> {"sent": bool}
GET  /stats              counters
GET  /sessions           connected ESMEs
GET  /config             configuration (passwords left out)
POST /config             partial update of the run-time outcome fields
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from corriere.gateway.smsc_sim.server import SmscSimulator

log = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024
IDLE_TIMEOUT_S = 30.0
DEFAULT_MESSAGE_LIMIT = 200
ENDPOINTS = [
    "GET /phones",
    "GET /phones/<number>?limit=N",
    "POST /mo",
    "GET /stats",
    "GET /sessions",
    "GET /config",
    "POST /config",
]


class HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close


Response = tuple[HTTPStatus, Any]


class ControlServer:
    def __init__(self, sim: SmscSimulator, host: str, port: int) -> None:
        self.sim = sim
        self.host = host
        self.requested_port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connection, self.host, self.requested_port, limit=MAX_HEAD
        )

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2.0)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("control API not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    # --- HTTP plumbing --------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._writers.add(writer)
        try:
            keep_alive = True
            while keep_alive:
                try:
                    keep_alive = await self._one_request(reader, writer)
                except HttpError as exc:
                    self._respond(writer, exc.status, {"error": exc.message}, keep_alive=False)
                    keep_alive = False
                await writer.drain()
        except (ConnectionError, OSError, TimeoutError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Serve one request; False when the connection should close."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT_S)
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise HttpError(HTTPStatus.BAD_REQUEST, "incomplete request") from None
            return False
        except asyncio.LimitOverrunError:
            raise HttpError(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large"
            ) from None
        except TimeoutError:
            return False
        method, target, version, headers = _parse_head(head)
        if "transfer-encoding" in headers:
            raise HttpError(HTTPStatus.NOT_IMPLEMENTED, "chunked bodies are not supported")
        body = b""
        length_header = headers.get("content-length", "0")
        if not length_header.isdigit():
            raise HttpError(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
        length = int(length_header)
        if length > MAX_BODY:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        if length:
            try:
                body = await asyncio.wait_for(reader.readexactly(length), IDLE_TIMEOUT_S)
            except (asyncio.IncompleteReadError, TimeoutError):
                raise HttpError(HTTPStatus.BAD_REQUEST, "truncated body") from None
        keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        try:
            status, payload = await self._route(method, target, body)
        except HttpError as exc:
            status, payload = exc.status, {"error": exc.message}
        except Exception:
            log.exception("control API failure on %s %s", method, target)
            status, payload = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error"}
        self._respond(writer, status, payload, keep_alive)
        return keep_alive

    @staticmethod
    def _respond(
        writer: asyncio.StreamWriter, status: HTTPStatus, payload: Any, keep_alive: bool
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        writer.write(head.encode("ascii") + body)

    # --- routes ---------------------------------------------------------------------------

    async def _route(self, method: str, target: str, body: bytes) -> Response:
        url = urlsplit(target)
        parts = [unquote(p) for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        sim = self.sim
        if parts == ["phones"]:
            _allow(method, "GET")
            return HTTPStatus.OK, {"phones": [p.to_json() for p in sim.phones()]}
        if len(parts) == 2 and parts[0] == "phones":
            _allow(method, "GET")
            limit = _int_param(query, "limit", DEFAULT_MESSAGE_LIMIT)
            messages = sim.messages_for(parts[1])[:limit]
            return HTTPStatus.OK, {"number": parts[1], "messages": [m.to_json() for m in messages]}
        if parts == ["mo"]:
            _allow(method, "POST")
            data = _json_object(body)
            source, dest, text = data.get("from"), data.get("to"), data.get("text")
            system_id = data.get("system_id")
            if not all(isinstance(v, str) and v for v in (source, dest)) or not isinstance(
                text, str
            ):
                raise HttpError(HTTPStatus.BAD_REQUEST, '"from", "to" and "text" must be strings')
            if system_id is not None and not isinstance(system_id, str):
                raise HttpError(HTTPStatus.BAD_REQUEST, '"system_id" must be a string')
            assert isinstance(source, str) and isinstance(dest, str)
            sent = await sim.inject_mo(source, dest, text, system_id=system_id)
            return HTTPStatus.OK, {"sent": sent}
        if parts == ["stats"]:
            _allow(method, "GET")
            return HTTPStatus.OK, sim.stats()
        if parts == ["sessions"]:
            _allow(method, "GET")
            return HTTPStatus.OK, {"sessions": sim.sessions()}
        if parts == ["config"]:
            _allow(method, "GET", "POST")
            if method == "POST":
                try:
                    sim.config.update(_json_object(body))
                except (TypeError, ValueError) as exc:
                    raise HttpError(HTTPStatus.BAD_REQUEST, str(exc)) from None
            return HTTPStatus.OK, sim.config.public_view()
        if not parts:
            _allow(method, "GET")
            return HTTPStatus.OK, {"endpoints": ENDPOINTS}
        raise HttpError(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}")


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
        raise HttpError(HTTPStatus.BAD_REQUEST, "undecodable request") from None
    lines = text.split("\r\n")
    request_line = lines[0].split(" ")
    if len(request_line) != 3 or not request_line[2].startswith("HTTP/1."):
        raise HttpError(HTTPStatus.BAD_REQUEST, "malformed request line")
    method, target, version = request_line
    if not method.isalpha() or not target.startswith("/"):
        raise HttpError(HTTPStatus.BAD_REQUEST, "malformed request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(HTTPStatus.BAD_REQUEST, "malformed header line")
        headers[name.lower()] = value.strip()
    return method, target, version, headers


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"use {' or '.join(allowed)}")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(HTTPStatus.BAD_REQUEST, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise HttpError(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
    return data


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values:
        return default
    if not values[0].isdigit():
        raise HttpError(HTTPStatus.BAD_REQUEST, f"{name} must be a non-negative integer")
    return int(values[0])

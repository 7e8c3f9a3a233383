"""Throughput self-check of the SMSC simulator.

Runs the simulator in its own process (as in the demo) and pushes submit_sm over one
bound transceiver with a window of outstanding submits, acking every receipt. The last
line of output is JSON with submits/s and receipts/s.

    .venv/bin/python bench/smsc_sim_selfcheck.py [--count 20000] [--window 50]
        [--delay-ms 50] [--style both] [--client raw|smpplib]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time
from multiprocessing.connection import Connection
from typing import Any

from corriere.gateway.smpp_pdu import (
    BIND_TRANSCEIVER,
    BIND_TRANSCEIVER_RESP,
    DELIVER_SM,
    DELIVER_SM_RESP,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    UNBIND,
    Bind,
    PduReader,
    ShortMessage,
    encode_pdu,
)


def _run_simulator(conn: Connection, delay_ms: float, style: str) -> None:
    from corriere.gateway.smsc_sim.config import SmscSimConfig
    from corriere.gateway.smsc_sim.server import SmscSimulator

    async def main() -> None:
        config = SmscSimConfig(
            port=0,
            control_port=None,
            receipt_delay_ms=delay_ms,
            receipt_style=style,  # type: ignore[arg-type]
        )
        async with SmscSimulator(config) as sim:
            conn.send(sim.port)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, conn.recv)  # any message = stop
            conn.send(sim.stats())

    asyncio.run(main())


def _raw_client(port: int, count: int, window: int) -> dict[str, float]:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    framer = PduReader()

    def read_pdus() -> list[Any]:
        data = sock.recv(256 * 1024)
        if not data:
            raise ConnectionError("simulator closed the connection")
        return framer.feed(data)

    sock.sendall(encode_pdu(BIND_TRANSCEIVER, 1, Bind("bench", "bench").encode()))
    pdus = read_pdus()
    assert pdus and pdus[0].command_id == BIND_TRANSCEIVER_RESP and pdus[0].status == 0

    template = ShortMessage(
        source_addr="Corriere",
        source_addr_ton=5,
        destination_addr="393331234567",
        dest_addr_ton=1,
        dest_addr_npi=1,
        registered_delivery=1,
        short_message=b"Benchmark message from the simulator self-check",
    )
    body = template.encode()
    sent = resps = receipts = 0
    sequence = 1
    started = time.perf_counter()
    last_resp = last_receipt = started
    while resps < count or receipts < count:
        out: list[bytes] = []
        while sent < count and sent - resps < window:
            sequence += 1
            out.append(encode_pdu(SUBMIT_SM, sequence, body))
            sent += 1
        if out:
            sock.sendall(b"".join(out))
            out = []
        for pdu in read_pdus():
            if pdu.command_id == SUBMIT_SM_RESP:
                assert pdu.status == 0, pdu
                resps += 1
                last_resp = time.perf_counter()
            elif pdu.command_id == DELIVER_SM:
                receipts += 1
                last_receipt = time.perf_counter()
                out.append(encode_pdu(DELIVER_SM_RESP, pdu.sequence, b"\x00"))
        if out:
            sock.sendall(b"".join(out))
    sock.sendall(encode_pdu(UNBIND, sequence + 1))
    sock.close()
    return _rates(count, started, last_resp, last_receipt)


def _smpplib_client(port: int, count: int, window: int) -> dict[str, float]:
    import smpplib.client
    import smpplib.consts
    import smpplib.smpp

    client = smpplib.client.Client("127.0.0.1", port, allow_unknown_opt_params=True)
    client.connect()
    client.bind_transceiver(system_id="bench", password="bench")
    sent = resps = receipts = 0
    started = time.perf_counter()
    last_resp = last_receipt = started
    while resps < count or receipts < count:
        while sent < count and sent - resps < window:
            client.send_message(
                source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
                source_addr="Corriere",
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                destination_addr="393331234567",
                short_message=b"Benchmark message from the simulator self-check",
                registered_delivery=1,
            )
            sent += 1
        pdu = client.read_pdu()
        if pdu.command == "submit_sm_resp":
            resps += 1
            last_resp = time.perf_counter()
        elif pdu.command == "deliver_sm":
            receipts += 1
            last_receipt = time.perf_counter()
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
    client.unbind()
    client.disconnect()
    return _rates(count, started, last_resp, last_receipt)


def _rates(count: int, started: float, last_resp: float, last_receipt: float) -> dict[str, float]:
    return {
        "submits": count,
        "submit_seconds": round(last_resp - started, 3),
        "submits_per_s": round(count / (last_resp - started), 1),
        "receipts_per_s": round(count / (last_receipt - started), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--style", choices=("text", "tlv", "both"), default="both")
    parser.add_argument("--client", choices=("raw", "smpplib"), default="raw")
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_run_simulator, args=(child, args.delay_ms, args.style))
    proc.start()
    try:
        port = parent.recv()
        run = _raw_client if args.client == "raw" else _smpplib_client
        result: dict[str, Any] = run(port, args.count, args.window)
        parent.send("stop")
        sim_stats = parent.recv()
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
    result.update(
        client=args.client,
        window=args.window,
        receipt_delay_ms=args.delay_ms,
        receipt_style=args.style,
        sim_accepted=sim_stats["submits_accepted"],
        sim_receipts_acked=sim_stats["receipts_acked"],
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

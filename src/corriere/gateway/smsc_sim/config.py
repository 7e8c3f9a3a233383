"""Configuration of the SMSC simulator.

Outcome fields (prefix lists, throttle, receipt timing/style) can be changed while the
simulator runs, via `SmscSimConfig.update` (used by the control API's POST /config).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from corriere.gateway.smsc_sim.alphabet import DefaultAlphabet

ReceiptStyle = Literal["text", "tlv", "both"]
MessageIdFormat = Literal["hex", "decimal"]

RECEIPT_STYLES: tuple[ReceiptStyle, ...] = ("text", "tlv", "both")
MESSAGE_ID_FORMATS: tuple[MessageIdFormat, ...] = ("hex", "decimal")
DEFAULT_ALPHABETS: tuple[DefaultAlphabet, ...] = ("gsm7", "ascii")

PREFIX_FIELDS = (
    "reject_prefixes",
    "undeliverable_prefixes",
    "expire_prefixes",
    "receipt_before_resp_prefixes",
)
# What POST /config may change at run time.
RUNTIME_FIELDS = (*PREFIX_FIELDS, "throttle_tps", "receipt_delay_ms", "receipt_style")


def normalize_number(number: str) -> str:
    """Digits form used for prefix matching and phone lookups: no spaces, no leading +."""
    return number.strip().replace(" ", "").lstrip("+")


def _prefixes(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError("expected a list of prefixes, not a string")
    out = []
    for value in values:
        if not isinstance(value, str):
            raise TypeError("prefixes must be strings")
        prefix = normalize_number(value)
        if prefix:
            out.append(prefix)
    return tuple(out)


@dataclass(slots=True)
class SmscSimConfig:
    host: str = "127.0.0.1"
    port: int = 2775  # 0 = ephemeral
    control_port: int | None = 2776  # None = no control API, 0 = ephemeral
    # system_id -> password; empty accepts any credentials.
    credentials: dict[str, str] = field(default_factory=dict)
    # system_id the simulator reports in bind_resp.
    smsc_system_id: str = "corriere-sim"
    message_id_format: MessageIdFormat = "hex"
    # How data_coding 0 is read on submits and written on MO: GSM-7 unpacked or plain ASCII.
    default_alphabet: DefaultAlphabet = "gsm7"
    max_records: int = 100_000
    # --- outcomes, changeable at run time ---
    reject_prefixes: tuple[str, ...] = ()
    undeliverable_prefixes: tuple[str, ...] = ()
    expire_prefixes: tuple[str, ...] = ()
    receipt_before_resp_prefixes: tuple[str, ...] = ()
    throttle_tps: int = 0  # 0 = unlimited
    receipt_delay_ms: float = 50.0
    receipt_style: ReceiptStyle = "both"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        for name in PREFIX_FIELDS:
            setattr(self, name, _prefixes(getattr(self, name)))
        if self.receipt_style not in RECEIPT_STYLES:
            raise ValueError(f"receipt_style must be one of {RECEIPT_STYLES}")
        if self.message_id_format not in MESSAGE_ID_FORMATS:
            raise ValueError(f"message_id_format must be one of {MESSAGE_ID_FORMATS}")
        if self.default_alphabet not in DEFAULT_ALPHABETS:
            raise ValueError(f"default_alphabet must be one of {DEFAULT_ALPHABETS}")
        if isinstance(self.throttle_tps, bool) or not isinstance(self.throttle_tps, int):
            raise TypeError("throttle_tps must be an integer")
        if self.throttle_tps < 0:
            raise ValueError("throttle_tps must be >= 0")
        if isinstance(self.receipt_delay_ms, bool) or not isinstance(
            self.receipt_delay_ms, (int, float)
        ):
            raise TypeError("receipt_delay_ms must be a number")
        if self.receipt_delay_ms < 0:
            raise ValueError("receipt_delay_ms must be >= 0")
        if self.max_records < 1:
            raise ValueError("max_records must be >= 1")

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a partial update of the run-time fields; all-or-nothing."""
        unknown = sorted(set(changes) - set(RUNTIME_FIELDS))
        if unknown:
            raise ValueError(f"not changeable at run time: {', '.join(unknown)}")
        candidate = dataclasses.replace(self, **changes)  # validates in __post_init__
        for name in RUNTIME_FIELDS:
            setattr(self, name, getattr(candidate, name))

    def runtime_view(self) -> dict[str, Any]:
        return {name: _jsonable(getattr(self, name)) for name in RUNTIME_FIELDS}

    def public_view(self) -> dict[str, Any]:
        """Everything, with passwords left out."""
        data = {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        data["credentials"] = sorted(self.credentials)
        return data


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value

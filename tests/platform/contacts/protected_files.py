"""Spreadsheets protected with a password, made without the office suites that save them.

- .xls: the workbook stream encrypted record by record as Excel does (MS-XLS 2.2.10, MS-OFFCRYPTO
  2.3.6 and 2.3.5): a FilePass record after the globals' BOF, then every record body but the few
  left in clear, RC4 rekeyed every 1024 bytes of the stream; either the Office 97/2000 key (MD5)
  or the CryptoAPI one (SHA-1) Excel 2003 and later use by default. msoffcrypto-tool decrypts
  them back (`decrypted_xls`), which is how the tests know they are the real thing.
- .ods: the parts encrypted as LibreOffice does (ODF 1.2 part 3, 3.4): each deflated, then
  AES-256-CBC with a PBKDF2 key from the SHA-256 of the password, described in the manifest.
  No LibreOffice here to open one: `decrypted_ods_part` undoes it by the same specification.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from typing import Any

import xlwt
from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from xlwt import CompoundDoc

# BOF, FilePass, UsrExcl, FileLock, InterfaceHdr, RRDInfo, RRDHead: never encrypted.
_CLEAR = {0x0809, 0x002F, 0x0194, 0x0195, 0x00E1, 0x0138, 0x0196}
_BOUNDSHEET = 0x0085  # its first 4 bytes (the sheet's stream offset) stay in clear too
_CSP = "Microsoft Enhanced Cryptographic Provider v1.0\0".encode("utf-16-le")


def _rc4_key(password: str, salt: bytes, block: int) -> bytes:
    """Office 97/2000 compatible encryption."""
    h0 = hashlib.md5(password.encode("utf-16-le")).digest()[:5]
    h1 = hashlib.md5((h0 + salt) * 16).digest()[:5]
    return hashlib.md5(h1 + struct.pack("<I", block)).digest()[:16]


def _cryptoapi_key(password: str, salt: bytes, block: int) -> bytes:
    """RC4 CryptoAPI, 128-bit."""
    h0 = hashlib.sha1(salt + password.encode("utf-16-le")).digest()
    return hashlib.sha1(h0 + struct.pack("<I", block)).digest()[:16]


def _filepass(method: str, password: str, salt: bytes) -> bytes:
    verifier = os.urandom(16)
    key = _rc4_key if method == "rc4" else _cryptoapi_key
    rc4 = Cipher(ARC4(key(password, salt, 0)), mode=None).encryptor()
    if method == "rc4":
        check = hashlib.md5(verifier).digest()
        return struct.pack("<HHH", 1, 1, 1) + salt + rc4.update(verifier) + rc4.update(check)
    check = hashlib.sha1(verifier).digest()
    header = struct.pack("<IIIIIIII", 0x04, 0, 0x6801, 0x8004, 128, 1, 0, 0) + _CSP
    return (
        struct.pack("<HHH", 1, 4, 2)
        + struct.pack("<II", 0x04, len(header))
        + header
        + struct.pack("<I", 16)
        + salt
        + rc4.update(verifier)
        + struct.pack("<I", 20)
        + rc4.update(check)
    )


def encrypted_xls(
    rows: Sequence[Sequence[Any]], password: str = "segreta", *, method: str = "cryptoapi"
) -> bytes:
    """An Excel 97-2003 workbook of `rows` protected with `password` (method: "rc4" or
    "cryptoapi")."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Rubrica")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    salt = os.urandom(16)
    body = _filepass(method, password, salt)
    filepass = struct.pack("<HH", 0x002F, len(body)) + body
    stream = book.get_biff_data()
    out = bytearray()
    encrypted: list[tuple[int, int]] = []
    position = 0
    while position < len(stream):
        number, size = struct.unpack_from("<HH", stream, position)
        record = stream[position + 4 : position + 4 + size]
        position += 4 + size
        if number == _BOUNDSHEET:  # the sheet's offset moves by the record inserted
            offset = struct.unpack_from("<I", record)[0] + len(filepass)
            record = struct.pack("<I", offset) + record[4:]
        out += struct.pack("<HH", number, size) + record
        if number not in _CLEAR:
            skip = 4 if number == _BOUNDSHEET else 0
            encrypted.append((len(out) - size + skip, len(out)))
        if len(out) == 4 + size:
            out += filepass  # right after the first record, the globals' BOF
    key = _rc4_key if method == "rc4" else _cryptoapi_key
    keystream = bytearray()
    for block in range(len(out) // 1024 + 1):
        keystream += (
            Cipher(ARC4(key(password, salt, block)), mode=None).encryptor().update(bytes(1024))
        )
    for start, end in encrypted:
        out[start:end] = bytes(
            a ^ b for a, b in zip(out[start:end], keystream[start:end], strict=True)
        )
    if len(out) % 4:  # the zeros padding the stream then read as empty records
        filler = (-len(out) - 4) % 4
        out += struct.pack("<HH", 0, filler) + bytes(filler)
    buffer = io.BytesIO()
    CompoundDoc.XlsDoc().save(buffer, bytes(out))
    return buffer.getvalue()


def decrypted_xls(data: bytes, password: str = "segreta") -> bytes:
    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    assert office.is_encrypted()
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_ITERATIONS = 1000  # LibreOffice uses 100 000: the same algorithm, slower for nothing here


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _part_key(password: str, salt: bytes) -> bytes:
    start_key = hashlib.sha256(password.encode("utf-8")).digest()
    return hashlib.pbkdf2_hmac("sha1", start_key, salt, _ITERATIONS, 32)


def encrypted_ods(plain: bytes, password: str = "segreta") -> bytes:
    """The OpenDocument spreadsheet `plain` protected with `password`."""
    source = zipfile.ZipFile(io.BytesIO(plain))
    manifest = source.read("META-INF/manifest.xml").decode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), source.read("mimetype"))
        for info in source.infolist():
            name = info.filename
            if name in ("mimetype", "META-INF/manifest.xml"):
                continue
            data = source.read(name)
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            deflated = packer.compress(data) + packer.flush()
            salt, iv = os.urandom(16), os.urandom(16)
            pad = 16 - len(deflated) % 16
            aes = Cipher(algorithms.AES(_part_key(password, salt)), modes.CBC(iv)).encryptor()
            sealed = aes.update(deflated + bytes([pad]) * pad) + aes.finalize()
            archive.writestr(zipfile.ZipInfo(name), sealed)  # stored: it no longer deflates
            described = (
                f'<manifest:encryption-data manifest:checksum-type="{_NS}#sha256-1k"'
                f' manifest:checksum="{_b64(hashlib.sha256(deflated[:1024]).digest())}">'
                "<manifest:algorithm manifest:algorithm-name="
                '"http://www.w3.org/2001/04/xmlenc#aes256-cbc"'
                f' manifest:initialisation-vector="{_b64(iv)}"/>'
                "<manifest:start-key-generation manifest:start-key-generation-name="
                '"http://www.w3.org/2000/09/xmldsig#sha256" manifest:key-size="32"/>'
                '<manifest:key-derivation manifest:key-derivation-name="PBKDF2"'
                f' manifest:key-size="32" manifest:iteration-count="{_ITERATIONS}"'
                f' manifest:salt="{_b64(salt)}"/></manifest:encryption-data>'
            )
            entry = re.compile(
                r'(<manifest:file-entry[^>]*manifest:full-path="'
                + re.escape(name)
                + r'"[^>]*?)\s*/>'
            )
            closed = f' manifest:size="{len(data)}">{described}</manifest:file-entry>'
            manifest, found = entry.subn(lambda m, end=closed: m.group(1) + end, manifest)
            assert found == 1, name
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def decrypted_ods_part(data: bytes, name: str, password: str = "segreta") -> bytes:
    """A part of an encrypted .ods, decrypted with the manifest's parameters."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = archive.read("META-INF/manifest.xml").decode("utf-8")
    entry = re.search(
        r'manifest:full-path="' + re.escape(name) + r'".*?</manifest:file-entry>', manifest, re.S
    )
    assert entry is not None
    iv = base64.b64decode(re.findall(r'initialisation-vector="([^"]+)"', entry.group(0))[0])
    salt = base64.b64decode(re.findall(r'manifest:salt="([^"]+)"', entry.group(0))[0])
    aes = Cipher(algorithms.AES(_part_key(password, salt)), modes.CBC(iv)).decryptor()
    padded = aes.update(archive.read(name)) + aes.finalize()
    return zlib.decompress(padded[: -padded[-1]], -15)

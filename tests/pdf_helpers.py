"""Reading the text of the PDFs the app makes (fpdf2, uncompressed, embedded TrueType
subsets): each font's ToUnicode map turns its two-byte glyph codes back into characters."""
import re

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
_LITERAL = rb"\((?:\\.|[^\\)])*\)"


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        ch = literal[i:i + 1]
        if ch == b"\\":
            nxt = literal[i + 1:i + 2]
            octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += ch
        i += 1
    return bytes(out)


def _object(data: bytes, number: int) -> bytes:
    match = re.search(rb"(?:^|\n)%d 0 obj\n(.*?)\nendobj" % number, data, re.S)
    return match.group(1) if match else b""


def _unicode_maps(data: bytes) -> dict[bytes, dict[int, str]]:
    maps = {}
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", data):
        font = _object(data, int(number))
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
        table = {}
        if to_unicode:
            cmap = _object(data, int(to_unicode.group(1)))
            for code, uni in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap):
                table[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
        maps[name] = table
    return maps


def pdf_text(data: bytes) -> str:
    """The text of the PDF, one line per text block; non-breaking spaces as spaces."""
    maps = _unicode_maps(data)
    lines = []
    for stream in re.findall(rb"stream\n(.*?)\nendstream", data, re.S):
        if b" Tf" not in stream:
            continue
        table, current = {}, []
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|" + _LITERAL + rb"|\bET\b", stream):
            text = token.group()
            if token.group(1):
                table = maps.get(token.group(1), {})
            elif text == b"ET":
                if current:
                    lines.append("".join(current))
                current = []
            else:
                raw = _unescape(text[1:-1])
                current.append("".join(table.get(int.from_bytes(raw[i:i + 2], "big"), "\ufffd")
                                       for i in range(0, len(raw) - 1, 2)))
        if current:
            lines.append("".join(current))
    return "\n".join(lines).replace("\xa0", " ")

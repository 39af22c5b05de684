"""Plain text of an exported SVG screenshot: stable assertions and a quick look without an SVG viewer."""

from __future__ import annotations

import html
import re
from collections import defaultdict

_TEXT = re.compile(r'<text class="(?![^"]*-title")[^>]*\bx="([\d.]+)"[^>]*\by="([\d.]+)"[^>]*>(.*?)</text>', re.S)


def svg_to_text(svg: str) -> str:
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
    for x, y, body in _TEXT.findall(svg):
        rows[float(y)].append((float(x), html.unescape(re.sub(r"<[^>]+>", "", body))))
    lines = []
    for y in sorted(rows):
        spans = sorted(rows[y])
        line = ""
        for x, s in spans:
            col = round(x / 12.2)  # Textual's SVG export uses a 12.2 px cell width
            if len(line) < col:
                line += " " * (col - len(line))
            line += s
        lines.append(line.replace("\xa0", " ").rstrip())
    return "\n".join(lines)

"""Grapheme clusters and their cell widths, for drawing text into cells.

Owns: splitting text into extended grapheme clusters (UAX #29 via wcwidth.iter_graphemes) and giving each its
width in cells (0, 1 or 2), with caches so repeated characters and clusters cost a dict lookup.

Invariants: a width is always 0, 1 or 2; a cluster never has more than MAX_CLUSTER_CODEPOINTS codepoints (the
rest are dropped, so hostile input costs bounded memory).
"""

from __future__ import annotations

from wcwidth import iter_graphemes, wcwidth, width

MAX_CLUSTER_CODEPOINTS = 32

_char_widths: dict[str, int] = {}
_cluster_widths: dict[str, int] = {}


def char_width(ch: str) -> int:
    """Cells taken by one codepoint on its own: 0 (combining, ZWJ, VS), 1 or 2."""
    w = _char_widths.get(ch)
    if w is None:
        w = wcwidth(ch)
        w = 0 if w < 0 else min(w, 2)
        if len(_char_widths) < 65536:
            _char_widths[ch] = w
    return w


def cluster_width(cluster: str) -> int:
    """Cells taken by a multi-codepoint cluster: emoji ZWJ sequences, flags, skin tones and VS16 take 2."""
    w = _cluster_widths.get(cluster)
    if w is None:
        w = width(cluster, control_codes="ignore")
        w = 0 if w <= 0 else min(w, 2)
        if len(_cluster_widths) < 65536:
            _cluster_widths[cluster] = w
    return w


def clusters(text: str) -> list[str]:
    """Extended grapheme clusters of `text`, each capped at MAX_CLUSTER_CODEPOINTS codepoints."""
    out = list(iter_graphemes(text))
    for i, c in enumerate(out):
        if len(c) > MAX_CLUSTER_CODEPOINTS:
            out[i] = c[:MAX_CLUSTER_CODEPOINTS]
    return out


def extends(previous: str, text: str) -> int:
    """How many leading codepoints of `text` belong to the cluster `previous` (drawn just before it)."""
    if not previous or not text:
        return 0
    first = next(iter_graphemes(previous + text), "")
    return max(0, len(first) - len(previous))

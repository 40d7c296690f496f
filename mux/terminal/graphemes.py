"""Grapheme clusters and their cell widths, for drawing text into cells.

Owns: splitting text into extended grapheme clusters (UAX #29 via wcwidth.iter_graphemes) and giving each its
width in cells (0, 1 or 2), with caches so repeated characters and clusters cost a dict lookup.

Invariants: a width is always 0, 1 or 2; a cluster never has more than MAX_CLUSTER_CODEPOINTS codepoints (the
rest are dropped, so hostile input costs bounded memory).
"""

from __future__ import annotations

from wcwidth import iter_graphemes, wcwidth, width

MAX_CLUSTER_CODEPOINTS = 32

# The memo of `char_width`.
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


def _is_modifier(ch: str) -> bool:
    return 0x1F3FB <= ord(ch) <= 0x1F3FF


def _split_stray_modifiers(cluster: str) -> list[str]:
    """UAX #29 glues an emoji modifier (skin tone) to any base; a terminal shows it on its own unless the base
    is an emoji (wcwidth then measures the pair as one 2-cell glyph, not 3 cells)."""
    if width(cluster, control_codes="ignore") <= 2:
        return [cluster]
    pieces = [cluster[0]]
    for ch in cluster[1:]:
        if _is_modifier(ch):
            pieces.append(ch)
        else:
            pieces[-1] += ch
    return pieces


_clusters_memo: dict[str, tuple[str, ...]] = {}
#: Texts up to this long have their clusters memoised (emoji sequences repeat in agent output; bounded memory).
MEMO_TEXT_MAX = 64


def clusters(text: str) -> list[str]:
    """Extended grapheme clusters of `text`, each capped at MAX_CLUSTER_CODEPOINTS codepoints."""
    if len(text) <= MEMO_TEXT_MAX:
        known = _clusters_memo.get(text)
        if known is None:
            known = tuple(_clusters(text))
            if len(_clusters_memo) >= 8192:
                _clusters_memo.clear()
            _clusters_memo[text] = known
        return list(known)
    return _clusters(text)


def _clusters(text: str) -> list[str]:
    out: list[str] = []
    for c in iter_graphemes(text):
        if len(c) > 1:
            if len(c) > MAX_CLUSTER_CODEPOINTS:
                c = c[:MAX_CLUSTER_CODEPOINTS]
            if any(_is_modifier(ch) for ch in c):
                out.extend(_split_stray_modifiers(c))
                continue
        out.append(c)
    return out


# Width classes for str.translate: one character per input character.
SIMPLE_NARROW = "\x01"
SIMPLE_WIDE = "\x02"
JOINS = "\x00"     # zero width, or may join a neighbour into a multi-codepoint cluster


def _joins(ch: str) -> bool:
    cp = ord(ch)
    if 0x1F1E6 <= cp <= 0x1F1FF or 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return True       # regional indicators pair up; Hangul leading jamo join what follows
    return len(list(iter_graphemes("a" + ch))) == 1 or len(list(iter_graphemes(ch + "a"))) == 1


def width_class(cp: int) -> str:
    """The width class of codepoint `cp` (0..0x10FFFF): JOINS, SIMPLE_NARROW or SIMPLE_WIDE.

    The one definition: WIDTH_CLASSES caches it, and the compiled hot path's table is generated from it at build
    time (mux/terminal/widthtable.py). ValueError for any other number, as the compiled lookup raises."""
    if not 0 <= cp <= 0x10FFFF:
        raise ValueError("codepoint not in range(0x110000)")
    ch = chr(cp)
    if _joins(ch):
        return JOINS
    w = char_width(ch)
    return JOINS if w == 0 else SIMPLE_WIDE if w == 2 else SIMPLE_NARROW


class _WidthClasses(dict):
    """codepoint -> SIMPLE_NARROW, SIMPLE_WIDE or JOINS, filled on first use (bounded)."""

    def __missing__(self, cp: int) -> str:
        value = width_class(cp)
        if len(self) < 200_000:
            self[cp] = value
        return value


WIDTH_CLASSES = _WidthClasses()


def width_classes(text: str) -> str:
    """One class character per character of `text`, computed at C speed after the first sighting."""
    return text.translate(WIDTH_CLASSES)


def extends(previous: str, text: str) -> int:
    """How many leading codepoints of `text` belong to the cluster `previous` (drawn just before it)."""
    if not previous or not text:
        return 0
    # The first cluster ends within MAX_CLUSTER_CODEPOINTS of its start or is cut there, and a boundary never
    # depends on what follows it: a short prefix of `text` decides (and keeps the memo hitting).
    first = clusters(previous + text[:MAX_CLUSTER_CODEPOINTS + 1])[0]
    return max(0, len(first) - len(previous))

"""The pane layout of one window: a tree of splits, like tmux's layout tree, with no UI and no PTYs in it.

Owns: which panes a window has, how its rectangle is divided between them (a tree whose leaves are opaque
hashable pane ids and whose internal nodes split a rectangle side by side or stacked), where each pane and
each 1-cell separator goes for a given window size, which pane is next to which, and the zoom state.

Vocabulary (the split direction is tmux's, the separator orientation is the line's own):
- A ``"horizontal"`` split lays its children out left to right (tmux ``split-window -h``, prefix ``%``); the
  separators between them are *vertical* lines (a column of cells, drawn ``│``).
- A ``"vertical"`` split stacks its children top to bottom (tmux ``split-window``, prefix ``"``); its
  separators are *horizontal* lines (a row of cells, drawn ``─``).

Invariants (``Layout.check`` asserts the structural ones; the tests assert the geometric ones):
- Canonical tree: every split has at least 2 children and a child split never has its parent's direction
  (splitting in the parent's direction adds a sibling; a split left with one child is collapsed into its
  parent, merging children when directions agree). So ``describe()`` identifies the layout's shape.
- Every child has a positive weight (an exact ``Fraction``). Sizes are *relative*: a window resize scales
  panes proportionally; ``split``, ``resize`` and ``drag`` set weights to the cell sizes they produced, so the
  same window size reproduces them exactly.
- ``geometry`` + ``separators`` tile the window: every cell is covered exactly once, by a pane or by a
  separator, and nothing lies outside it. Widths and heights are never zero or negative.
- Distribution inside a split of ``n`` children of extent ``S``: ``S - (n - 1)`` content cells are shared by
  weight; a child whose share would be below its subtree's minimum gets that minimum and the rest is
  shared again; shares are floored and the leftover cells go one each to the largest fractional parts,
  ties to the earlier child. Deterministic, no gaps.
- If the window is at least ``min_size()`` every pane gets at least ``MIN_PANE_SIZE`` x ``MIN_PANE_SIZE``.
  If it is smaller, each split shows the longest prefix of its children that fits (each at its minimum, plus
  separators); the children that do not fit are *hidden*: omitted from ``geometry``, with no separator
  before them, and the last shown child takes the space. A lone child that does not fit gets whatever there
  is and shrinks the same way inside. So the first (top-left) panes survive and the tiling still holds.
- Zoom is view state: while a pane is zoomed, ``geometry`` gives it the whole window and omits the others,
  and ``separators`` is empty. ``split``, ``remove``, ``resize``, ``drag``, ``arrange`` and ``swap`` unzoom (as
  tmux does).

Presets (``arrange``, tmux's ``select-layout``; ``LAYOUTS`` in ``next-layout`` order) rebuild the tree from the
panes in ``panes()`` order, which they keep. Their shapes are tmux's (layout-set.c): even-horizontal and
even-vertical share the extent equally; main-horizontal / main-vertical give the first pane MAIN_PANE_HEIGHT
rows on top / MAIN_PANE_WIDTH columns on the left (shrunk so the others keep MIN_PANE_SIZE) and spread the rest
along the other side; tiled is a grid built like tmux's (add a row, then a column, until the cells hold every
pane), filled row by row, the last row's panes sharing its width. As tmux does, the cells left over when an
extent does not divide evenly go to the last child. The weights are the cell sizes at the size given, so that
size reproduces them exactly and a resize scales them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from math import gcd
from typing import TypeAlias

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
LEFT, RIGHT, UP, DOWN = "left", "right", "up", "down"
MIN_PANE_SIZE = 1
"""Content cells a pane keeps in each dimension while the window is big enough (splits refuse to go below)."""

Pane: TypeAlias = Hashable

_DIRECTIONS = (HORIZONTAL, VERTICAL)
# move direction -> (direction of the split whose separator moves, toward the end of that split?)
_MOVES = {LEFT: (HORIZONTAL, False), RIGHT: (HORIZONTAL, True), UP: (VERTICAL, False), DOWN: (VERTICAL, True)}
_MAX_DENOMINATOR = 1 << 20

EVEN_HORIZONTAL, EVEN_VERTICAL = "even-horizontal", "even-vertical"
MAIN_HORIZONTAL, MAIN_VERTICAL, TILED = "main-horizontal", "main-vertical", "tiled"
LAYOUTS = (EVEN_HORIZONTAL, EVEN_VERTICAL, MAIN_HORIZONTAL, MAIN_VERTICAL, TILED)
"""The presets ``arrange`` knows, in the order tmux's ``next-layout`` cycles them."""
MAIN_PANE_WIDTH = 80
"""Columns of the main pane in main-vertical (tmux's main-pane-width)."""
MAIN_PANE_HEIGHT = 24
"""Rows of the main pane in main-horizontal (tmux's main-pane-height)."""


class LayoutError(Exception):
    """An operation the layout refuses: unknown or duplicate pane, no room to split, stale separator."""


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle of cells: columns x .. x+width-1, rows y .. y+height-1."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        """The first column after the rectangle."""
        return self.x + self.width

    @property
    def bottom(self) -> int:
        """The first row after the rectangle."""
        return self.y + self.height

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.right and self.y <= y < self.bottom


@dataclass(frozen=True, slots=True)
class Separator:
    """One separator line between two adjacent children of a split.

    ``orientation`` is the line's: ``"vertical"`` is a column of ``length`` cells going down from (x, y) and
    separates side-by-side children (it belongs to a ``"horizontal"`` split); ``"horizontal"`` is a row going
    right from (x, y) between stacked children. ``before`` holds the panes of the child left of / above it,
    ``after`` those right of / below it (both in ``panes()`` order): dragging it resizes those two groups.
    ``path`` (child indices from the root to the split) and ``index`` (it sits between that split's children
    ``index`` and ``index + 1``) identify it for ``Layout.drag``; they stay valid until the tree changes.
    """

    x: int
    y: int
    length: int
    orientation: str
    before: tuple
    after: tuple
    path: tuple[int, ...]
    index: int

    @property
    def position(self) -> int:
        """The coordinate a drag moves: x for a vertical line, y for a horizontal one."""
        return self.x if self.orientation == VERTICAL else self.y

    def contains(self, x: int, y: int) -> bool:
        if self.orientation == VERTICAL:
            return x == self.x and self.y <= y < self.y + self.length
        return y == self.y and self.x <= x < self.x + self.length

    def cells(self) -> list[tuple[int, int]]:
        if self.orientation == VERTICAL:
            return [(self.x, self.y + i) for i in range(self.length)]
        return [(self.x + i, self.y) for i in range(self.length)]


class _Node:
    __slots__ = ("parent", "weight")

    def __init__(self, parent: _Split | None, weight: Fraction) -> None:
        self.parent = parent
        self.weight = weight


class _Leaf(_Node):
    __slots__ = ("pane",)

    def __init__(self, pane: Pane, parent: _Split | None = None, weight: Fraction = Fraction(1)) -> None:
        super().__init__(parent, weight)
        self.pane = pane


class _Split(_Node):
    __slots__ = ("direction", "children")

    def __init__(self, direction: str, parent: _Split | None, weight: Fraction) -> None:
        super().__init__(parent, weight)
        self.direction = direction
        self.children: list[_Node] = []


def _leaves(node: _Node) -> Iterator[_Leaf]:
    if isinstance(node, _Leaf):
        yield node
    else:
        for child in node.children:
            yield from _leaves(child)


def _min_size(node: _Node, memo: dict[_Node, tuple[int, int]]) -> tuple[int, int]:
    """The smallest (width, height) at which every pane of the subtree gets MIN_PANE_SIZE in both dimensions."""
    size = memo.get(node)
    if size is None:
        if isinstance(node, _Leaf):
            size = (MIN_PANE_SIZE, MIN_PANE_SIZE)
        else:
            sizes = [_min_size(child, memo) for child in node.children]
            seps = len(sizes) - 1
            if node.direction == HORIZONTAL:
                size = (sum(w for w, _ in sizes) + seps, max(h for _, h in sizes))
            else:
                size = (max(w for w, _ in sizes), sum(h for _, h in sizes) + seps)
        memo[node] = size
    return size


def _extent(rect: Rect, direction: str) -> int:
    return rect.width if direction == HORIZONTAL else rect.height


def _distribute(total: int, weights: list[Fraction], mins: list[int]) -> list[int]:
    """Share `total` cells by weight, each at least its minimum (needs total >= sum(mins)); exact sum."""
    # integer arithmetic on the weights scaled to a common denominator: exact, and much faster than Fractions
    common = 1
    for w in weights:
        common = common * w.denominator // gcd(common, w.denominator)
    scaled = [w.numerator * (common // w.denominator) for w in weights]
    sizes = [0] * len(weights)
    free = list(range(len(weights)))
    remaining = total
    while True:
        weight = sum(scaled[i] for i in free)
        clamped = [i for i in free if remaining * scaled[i] < mins[i] * weight]
        if not clamped:
            break
        for i in clamped:
            sizes[i] = mins[i]
            remaining -= mins[i]
        free = [i for i in free if i not in clamped]
        if not free:  # unreachable while total >= sum(mins); kept so a bad call cannot loop or divide by 0
            return sizes
    rests = {}
    for i in free:
        sizes[i], rests[i] = divmod(remaining * scaled[i], weight)
    leftover = remaining - sum(sizes[i] for i in free)
    for i in sorted(free, key=lambda i: (-rests[i], i))[:leftover]:
        sizes[i] += 1
    return sizes


class _Tiling:
    """Rects of every shown node (leaves and splits) and the separators, for one window size."""

    __slots__ = ("rects", "mins", "_lines", "_separators")

    def __init__(self, root: _Node | None, width: int, height: int) -> None:
        self.rects: dict[_Node, Rect] = {}
        self.mins: dict[_Node, tuple[int, int]] = {}
        self._lines: list[tuple[_Split, int, tuple[int, ...], int, int, int]] = []
        self._separators: list[Separator] | None = None
        if root is not None and width > 0 and height > 0:
            self._place(root, Rect(0, 0, width, height), ())

    @property
    def separators(self) -> list[Separator]:
        """Built on first use: naming the panes on each side costs more than placing them."""
        if self._separators is None:
            self._separators = []
            for split, i, path, x, y, length in self._lines:
                before = tuple(leaf.pane for leaf in _leaves(split.children[i]))
                after = tuple(leaf.pane for leaf in _leaves(split.children[i + 1]))
                orientation = VERTICAL if split.direction == HORIZONTAL else HORIZONTAL
                self._separators.append(Separator(x, y, length, orientation, before, after, path, i))
        return self._separators

    def min_extent(self, node: _Node, direction: str) -> int:
        return _min_size(node, self.mins)[0 if direction == HORIZONTAL else 1]

    def _place(self, node: _Node, rect: Rect, path: tuple[int, ...]) -> None:
        self.rects[node] = rect
        if isinstance(node, _Leaf):
            return
        children = node.children
        horizontal = node.direction == HORIZONTAL
        total = rect.width if horizontal else rect.height
        mins = [self.min_extent(child, node.direction) for child in children]
        shown, needed = 1, mins[0]
        while shown < len(children) and needed + 1 + mins[shown] <= total:
            needed += 1 + mins[shown]
            shown += 1
        if needed > total:  # a lone first child that does not fit: it gets everything and shrinks inside
            sizes = [total]
        else:
            sizes = _distribute(total - (shown - 1), [c.weight for c in children[:shown]], mins[:shown])
        pos = rect.x if horizontal else rect.y
        for i, size in enumerate(sizes):
            child = children[i]
            if horizontal:
                self._place(child, Rect(pos, rect.y, size, rect.height), path + (i,))
            else:
                self._place(child, Rect(rect.x, pos, rect.width, size), path + (i,))
            pos += size
            if i + 1 < len(sizes):
                if horizontal:
                    self._lines.append((node, i, path, pos, rect.y, rect.height))
                else:
                    self._lines.append((node, i, path, rect.x, pos, rect.width))
                pos += 1

    def shown_sizes(self, split: _Split) -> list[int]:
        """Extents along the split of its shown children: a prefix of them (empty if the split is hidden)."""
        return [_extent(self.rects[child], split.direction) for child in split.children if child in self.rects]


def _check_size(width: int, height: int) -> None:
    if width < 0 or height < 0:
        raise ValueError(f"window size must not be negative, got {width}x{height}")


class Layout:
    """The split tree of one window. Panes are opaque hashable ids; see the module docstring for invariants."""

    def __init__(self, first_pane: Pane) -> None:
        leaf = _Leaf(first_pane)
        self._root: _Node | None = leaf
        self._leaves: dict[Pane, _Leaf] = {first_pane: leaf}
        self._zoomed: Pane | None = None
        self._size: tuple[int, int] | None = None
        self._version = 0  # bumped by every change to the tree or its weights; keys the tiling cache
        self._cache: tuple[tuple[int, int, int], _Tiling] | None = None
        self._preset: str | None = None

    # --- queries -------------------------------------------------------------------------------------------

    def panes(self) -> list[Pane]:
        """All panes, depth first: left to right, top to bottom within each split."""
        return [] if self._root is None else [leaf.pane for leaf in _leaves(self._root)]

    def __iter__(self) -> Iterator[Pane]:
        return iter(self.panes())

    def __contains__(self, pane: object) -> bool:
        try:
            return pane in self._leaves
        except TypeError:  # unhashable: certainly not a pane
            return False

    def __len__(self) -> int:
        return len(self._leaves)

    def __repr__(self) -> str:
        return f"Layout({self.describe()})"

    @property
    def zoomed(self) -> Pane | None:
        return self._zoomed

    @property
    def last_size(self) -> tuple[int, int] | None:
        """The last window size (width, height) >= 1x1 given to any method taking one; split checks against it."""
        return self._size

    def min_size(self) -> tuple[int, int]:
        """The smallest window (width, height) in which every pane gets at least 1x1; (0, 0) when empty."""
        return (0, 0) if self._root is None else _min_size(self._root, {})

    def describe(self, weights: bool = False) -> str:
        """Compact text of the tree, e.g. ``h[1,v[2,3]]``; with weights, each child is suffixed ``:weight``."""
        def text(node: _Node, top: bool) -> str:
            if isinstance(node, _Leaf):
                body = str(node.pane)
            else:
                body = node.direction[0] + "[" + ",".join(text(c, False) for c in node.children) + "]"
            return body if top or not weights else f"{body}:{node.weight}"
        return "" if self._root is None else text(self._root, True)

    def geometry(self, width: int, height: int) -> dict[Pane, Rect]:
        """Where each shown pane goes in a width x height window, in ``panes()`` order (hidden ones omitted)."""
        self._note_size(width, height)
        if self._root is None or width == 0 or height == 0:
            return {}
        if self._zoomed is not None:
            return {self._zoomed: Rect(0, 0, width, height)}
        rects = self._tiling(width, height).rects
        return {leaf.pane: rects[leaf] for leaf in _leaves(self._root) if leaf in rects}

    def separators(self, width: int, height: int) -> list[Separator]:
        """The separator lines to draw (none while zoomed), outer splits before inner ones."""
        self._note_size(width, height)
        if self._zoomed is not None:
            return []
        return list(self._tiling(width, height).separators)

    def neighbour(self, pane: Pane, direction: str, width: int, height: int) -> Pane | None:
        """The pane across the separator on that side of `pane`, or None (window edge, or `pane` hidden).

        Among the panes adjacent on that side, the one containing the source's centre line wins (the centre
        row is ``y + (height - 1) // 2``, the centre column likewise); else the one overlapping the source the
        most; ties go to the top-most (left/right) or left-most (up/down). Ignores zoom: it answers for the
        tiled layout, and the UI decides whether moving focus unzooms.
        """
        if direction not in _MOVES:
            raise ValueError(f"direction must be one of {sorted(_MOVES)}, got {direction!r}")
        leaf = self._leaf(pane)
        self._note_size(width, height)
        rects = self._tiling(width, height).rects
        src = rects.get(leaf)
        if src is None:
            return None
        best_key, best = None, None
        for other in _leaves(self._root):
            r = rects.get(other)
            if r is None or other is leaf:
                continue
            if direction in (LEFT, RIGHT):
                touching = r.x == src.right + 1 if direction == RIGHT else r.right + 1 == src.x
                lo, hi, centre, place = max(r.y, src.y), min(r.bottom, src.bottom), src.y + (src.height - 1) // 2, r.y
                contains = r.y <= centre < r.bottom
            else:
                touching = r.y == src.bottom + 1 if direction == DOWN else r.bottom + 1 == src.y
                lo, hi, centre, place = max(r.x, src.x), min(r.right, src.right), src.x + (src.width - 1) // 2, r.x
                contains = r.x <= centre < r.right
            if not touching or hi <= lo:
                continue
            key = (not contains, lo - hi, place)
            if best_key is None or key < best_key:
                best_key, best = key, other.pane
        return best

    def check(self) -> None:
        """Assert the structural invariants (canonical tree, parent links, positive weights, pane index)."""
        if self._root is None:
            assert not self._leaves and self._zoomed is None
            return
        assert self._root.parent is None
        seen: dict[Pane, _Leaf] = {}

        def walk(node: _Node) -> None:
            assert isinstance(node.weight, Fraction) and node.weight > 0, node.weight
            if isinstance(node, _Leaf):
                assert node.pane not in seen, f"duplicate pane {node.pane!r}"
                seen[node.pane] = node
                return
            assert node.direction in _DIRECTIONS
            assert len(node.children) >= 2, "a split with fewer than 2 children"
            for child in node.children:
                assert child.parent is node, "broken parent link"
                assert not (isinstance(child, _Split) and child.direction == node.direction), "uncollapsed split"
                walk(child)

        walk(self._root)
        assert seen.keys() == self._leaves.keys() and all(seen[p] is self._leaves[p] for p in seen)
        assert self._zoomed is None or self._zoomed in self._leaves

    # --- changes -------------------------------------------------------------------------------------------

    def split(self, pane: Pane, direction: str, new_pane: Pane, *, before: bool = False) -> None:
        """Split `pane`: `new_pane` takes half its space and goes after it (right/below) or, with before, first.

        With a known ``last_size`` the halves are exact: of the pane's extent ``s`` along the split, one cell
        becomes the separator, the new pane gets ``(s - 1) // 2`` and the old one keeps the rest (tmux's
        rounding), and LayoutError is raised (nothing changed) if either half would be below MIN_PANE_SIZE,
        or if the pane is hidden at that size. With no size known yet the weight is simply halved.
        Splitting in the direction of the pane's parent split adds a sibling there instead of nesting.
        Unzooms.
        """
        if direction not in _DIRECTIONS:
            raise ValueError(f"direction must be {HORIZONTAL!r} or {VERTICAL!r}, got {direction!r}")
        leaf = self._leaf(pane)
        if new_pane in self:
            raise LayoutError(f"pane {new_pane!r} is already in the layout")
        tiling = None
        if self._size is not None:
            tiling = self._tiling(*self._size)
            rect = tiling.rects.get(leaf)
            extent = 0 if rect is None else _extent(rect, direction)
            if extent < 2 * MIN_PANE_SIZE + 1:
                raise LayoutError(f"no room to split pane {pane!r} {direction}ly: it has {extent} cells that way "
                                  f"at {self._size[0]}x{self._size[1]}, a split needs {2 * MIN_PANE_SIZE + 1}")
            new_size = (extent - 1) // 2
            old_size = extent - 1 - new_size
        self._changed()
        new_leaf = _Leaf(new_pane)
        parent = leaf.parent
        if parent is not None and parent.direction == direction:
            index = parent.children.index(leaf)
            if tiling is not None:  # the pane is shown, so are its earlier siblings: keep them all where they are
                sizes = tiling.shown_sizes(parent)
                sizes[index:index + 1] = [new_size, old_size] if before else [old_size, new_size]
            parent.children.insert(index if before else index + 1, new_leaf)
            new_leaf.parent = parent
            leaf.weight = new_leaf.weight = leaf.weight / 2
            if tiling is not None:
                _set_sizes(parent, sizes)
            else:
                _tidy(parent)
        else:
            node = _Split(direction, parent, leaf.weight)
            self._replace(leaf, node)
            if tiling is not None:
                leaf.weight, new_leaf.weight = Fraction(old_size), Fraction(new_size)
            else:
                leaf.weight = new_leaf.weight = Fraction(1)
            node.children = [new_leaf, leaf] if before else [leaf, new_leaf]
            leaf.parent = new_leaf.parent = node
        self._leaves[new_pane] = new_leaf
        self._zoomed = None

    def arrange(self, preset: str, width: int, height: int) -> None:
        """Rebuild the tree as the preset `preset` (one of LAYOUTS) for a width x height window; pane order is
        kept. Remembered as ``preset`` (for ``next-layout``). Unzooms. ValueError for an unknown preset."""
        if preset not in LAYOUTS:
            raise ValueError(f"unknown layout {preset!r}, expected one of {', '.join(LAYOUTS)}"[:160])
        self._note_size(width, height)
        if self._root is None:
            return
        width, height = max(1, width), max(1, height)
        leaves = [_Leaf(pane) for pane in self.panes()]
        if preset in (EVEN_HORIZONTAL, EVEN_VERTICAL):
            direction = HORIZONTAL if preset == EVEN_HORIZONTAL else VERTICAL
            root = _group(direction, leaves, _extent(Rect(0, 0, width, height), direction))
        elif preset in (MAIN_HORIZONTAL, MAIN_VERTICAL):
            across, along = (VERTICAL, HORIZONTAL) if preset == MAIN_HORIZONTAL else (HORIZONTAL, VERTICAL)
            extent, other = (height, width) if preset == MAIN_HORIZONTAL else (width, height)
            if len(leaves) == 1:
                root = leaves[0]
            else:
                main = _main_extent(MAIN_PANE_HEIGHT if preset == MAIN_HORIZONTAL else MAIN_PANE_WIDTH, extent)
                rest = _group(along, leaves[1:], other)
                root = _group(across, [leaves[0], rest], extent, [main, extent - 1 - main])
        else:
            rows = columns = 1
            while rows * columns < len(leaves):    # tmux's order: a row first, then a column
                rows += 1
                if rows * columns < len(leaves):
                    columns += 1
            lines = [_group(HORIZONTAL, leaves[i:i + columns], width) for i in range(0, len(leaves), columns)]
            root = _group(VERTICAL, lines, height)
        self._changed()
        self._root = root
        root.parent = None
        root.weight = Fraction(1)
        self._leaves = {leaf.pane: leaf for leaf in leaves}
        self._zoomed = None
        self._preset = preset

    @property
    def preset(self) -> str | None:
        """The preset ``arrange`` last applied (kept through later splits and moves, as tmux does), or None."""
        return self._preset

    def swap(self, pane: Pane, other: Pane) -> None:
        """Exchange the places of two panes (each takes the other's cell in the tree). Unzooms."""
        leaf, other_leaf = self._leaf(pane), self._leaf(other)
        if leaf is other_leaf:
            return
        self._changed()
        leaf.pane, other_leaf.pane = other, pane
        self._leaves[pane], self._leaves[other] = other_leaf, leaf
        self._zoomed = None

    def remove(self, pane: Pane) -> Pane | None:
        """Close `pane`; return the pane to focus next, or None when it was the last one. Unzooms.

        Its space goes to the previous sibling if there is one, else to the next (as tmux), and the pane
        returned is the one of that sibling next to the closed pane: its last pane in ``panes()`` order if it
        was before, its first if after. A split left with one child is collapsed into its parent.
        """
        leaf = self._leaf(pane)
        self._changed()
        del self._leaves[pane]
        self._zoomed = None
        parent = leaf.parent
        if parent is None:
            self._root = None
            return None
        index = parent.children.index(leaf)
        del parent.children[index]
        if index > 0:
            sibling = parent.children[index - 1]
            focus = list(_leaves(sibling))[-1].pane
        else:
            sibling = parent.children[0]
            focus = next(_leaves(sibling)).pane
        sibling.weight += leaf.weight
        if len(parent.children) == 1:
            self._collapse(parent)
        else:
            _tidy(parent)
        return focus

    def toggle_zoom(self, pane: Pane) -> Pane | None:
        """Zoom `pane`, or unzoom if it is the zoomed one; returns ``zoomed``. A lone pane is not zoomed (tmux)."""
        self._leaf(pane)
        if self._zoomed == pane:
            self._zoomed = None
        elif len(self._leaves) > 1:
            self._zoomed = pane
        return self._zoomed

    def unzoom(self) -> bool:
        """Leave zoom; True if a pane was zoomed."""
        was, self._zoomed = self._zoomed is not None, None
        return was

    def resize(self, pane: Pane, direction: str, cells: int, width: int, height: int) -> int:
        """Grow `pane` by `cells` toward `direction` (left/right/up/down), like tmux ``resize-pane -L/-R/-U/-D``.

        Moves the nearest separator on that side that belongs to an ancestor split of the matching
        orientation; the children beyond it shrink nearest first, none below its minimum (so the move is
        clamped). Inside the growing child, the cells go to the panes along the moved separator, so `pane`
        itself grows by exactly the returned count when it is shown. No separator on that side (unlike tmux,
        which then moves the opposite one), or that separator not shown at this size: a no-op returning 0.
        A pane hidden by a too-small window still moves its ancestor's separator. Unzooms.
        Returns the number of cells the separator moved.
        """
        if direction not in _MOVES:
            raise ValueError(f"direction must be one of {sorted(_MOVES)}, got {direction!r}")
        if cells < 0:
            raise ValueError(f"cells must not be negative, got {cells}")
        leaf = self._leaf(pane)
        self._note_size(width, height)
        self._zoomed = None
        split_direction, toward_end = _MOVES[direction]
        node: _Node = leaf
        while node.parent is not None:
            parent = node.parent
            index = parent.children.index(node)
            if parent.direction == split_direction and (index + 1 < len(parent.children) if toward_end else index > 0):
                break
            node = parent
        else:
            return 0
        tiling = self._tiling(width, height)
        if toward_end:
            return self._move_separator(parent, index, cells, tiling)
        return -self._move_separator(parent, index - 1, -cells, tiling)

    def drag(self, separator: Separator, to_position: int, width: int, height: int) -> int | None:
        """Move `separator` so its line lies at `to_position` (an x for a vertical line, a y for a horizontal one).

        The child before it grows or shrinks by the move; the children on the other side give or take the
        cells, nearest first, none below its minimum (so the move is clamped). Returns the line's position
        afterwards, or None if it is not shown at this size (then nothing moves). Raises LayoutError if the
        separator no longer exists: `path`/`index` no longer lead to a separator between the same two groups
        of panes. Unzooms.
        """
        split = self._split_at(separator)
        self._note_size(width, height)
        self._zoomed = None
        tiling = self._tiling(width, height)
        before, after = split.children[separator.index], split.children[separator.index + 1]
        if before not in tiling.rects or after not in tiling.rects:
            return None
        rect = tiling.rects[before]
        position = rect.right if split.direction == HORIZONTAL else rect.bottom
        return position + self._move_separator(split, separator.index, to_position - position, tiling)

    # --- internals -----------------------------------------------------------------------------------------

    def _leaf(self, pane: Pane) -> _Leaf:
        leaf = self._leaves.get(pane) if pane in self else None
        if leaf is None:
            raise LayoutError(f"no pane {pane!r} in the layout")
        return leaf

    def _tiling(self, width: int, height: int) -> _Tiling:
        key = (self._version, width, height)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, _Tiling(self._root, width, height))
        return self._cache[1]

    def _changed(self) -> None:
        self._version += 1
        self._cache = None

    def _note_size(self, width: int, height: int) -> None:
        _check_size(width, height)
        if width > 0 and height > 0:
            self._size = (width, height)

    def _replace(self, old: _Node, new: _Node) -> None:
        parent = old.parent
        new.parent = parent
        if parent is None:
            self._root = new
        else:
            parent.children[parent.children.index(old)] = new

    def _collapse(self, split: _Split) -> None:
        (only,) = split.children
        grand = split.parent
        if grand is None:
            self._root = only
            only.parent = None
            only.weight = Fraction(1)
        elif isinstance(only, _Split) and only.direction == grand.direction:
            scale = split.weight / sum(child.weight for child in only.children)
            index = grand.children.index(split)
            for child in only.children:
                child.weight *= scale
                child.parent = grand
            grand.children[index:index + 1] = only.children
            _tidy(grand)
        else:
            only.weight = split.weight
            self._replace(split, only)

    def _split_at(self, separator: Separator) -> _Split:
        node = self._root
        try:
            for i in separator.path:
                node = node.children[i]  # type: ignore[union-attr]
        except (AttributeError, IndexError, TypeError):
            node = None
        if (not isinstance(node, _Split) or not 0 <= separator.index < len(node.children) - 1
                or tuple(leaf.pane for leaf in _leaves(node.children[separator.index])) != separator.before
                or tuple(leaf.pane for leaf in _leaves(node.children[separator.index + 1])) != separator.after):
            raise LayoutError("stale separator: the layout changed since it was read")
        return node

    def _move_separator(self, split: _Split, index: int, delta: int, tiling: _Tiling) -> int:
        """Move the separator after child `index` by up to `delta` cells (clamped); return the applied move."""
        sizes = tiling.shown_sizes(split)
        if delta == 0 or index + 1 >= len(sizes):
            return 0
        direction = split.direction
        mins = [tiling.min_extent(child, direction) for child in split.children[:len(sizes)]]
        if delta > 0:
            grow, givers = index, range(index + 1, len(sizes))
        else:
            grow, givers = index + 1, range(index, -1, -1)
        move = min(abs(delta), sum(sizes[j] - mins[j] for j in givers))
        if move <= 0:
            return 0
        sizes[grow] += move
        owed = move
        for j in givers:
            take = min(owed, sizes[j] - mins[j])
            sizes[j] -= take
            owed -= take
        self._changed()  # `tiling` (a local reference) stays the pre-move one, as _grow_edge needs
        _set_sizes(split, sizes)
        _grow_edge(split.children[grow], move, direction, delta > 0, tiling)
        return move if delta > 0 else -move


def _grow_edge(node: _Node, growth: int, direction: str, at_end: bool, tiling: _Tiling) -> None:
    """`node` grows by `growth` cells on its end (or start) edge along `direction`: give them to the panes on
    that edge, by setting each same-direction split's weights to its sizes with the edge child grown."""
    if isinstance(node, _Leaf):
        return
    if node.direction == direction:
        sizes = tiling.shown_sizes(node)
        edge = len(sizes) - 1 if at_end else 0  # the last shown child takes the space of hidden ones
        sizes[edge] += growth
        _set_sizes(node, sizes)
        _grow_edge(node.children[edge], growth, direction, at_end, tiling)
    else:
        for child in node.children:
            if child in tiling.rects:
                _grow_edge(child, growth, direction, at_end, tiling)


def _set_sizes(split: _Split, sizes: list[int]) -> None:
    """Make the weights of a split's shown children (a prefix) equal to their new cell sizes, so that the same
    window size gives exactly those sizes; hidden children keep their weight relative to the shown ones."""
    shown = split.children[:len(sizes)]
    hidden = split.children[len(sizes):]
    if hidden:
        scale = Fraction(sum(sizes)) / sum(child.weight for child in shown)
        for child in hidden:
            child.weight *= scale
    for child, size in zip(shown, sizes, strict=True):
        child.weight = Fraction(size)
    _tidy(split)


def _tidy(split: _Split) -> None:
    """Keep weights' denominators bounded (repeated halving and merging would grow them without limit)."""
    if all(child.weight.denominator <= _MAX_DENOMINATOR for child in split.children):
        return
    total = sum(child.weight for child in split.children)
    for child in split.children:
        child.weight = max(Fraction(1, _MAX_DENOMINATOR), (child.weight / total).limit_denominator(_MAX_DENOMINATOR))


def _spread(total: int, count: int) -> list[int]:
    """tmux's even share of `total` cells among `count` children with a separator between each: the cells left
    over go to the last child. Never below MIN_PANE_SIZE (a window too small is then cut by the tiling)."""
    each = max(MIN_PANE_SIZE, (total - (count - 1)) // count)
    return [each] * (count - 1) + [max(MIN_PANE_SIZE, total - (count - 1) - each * (count - 1))]


def _main_extent(wanted: int, extent: int) -> int:
    """The main pane's size along `extent` (a separator included in it), shrunk as tmux does so the other
    panes keep MIN_PANE_SIZE."""
    available = extent - 1
    if wanted + MIN_PANE_SIZE >= available:
        return MIN_PANE_SIZE if available <= 2 * MIN_PANE_SIZE else available - MIN_PANE_SIZE
    return wanted


def _group(direction: str, children: list[_Node], extent: int, sizes: list[int] | None = None) -> _Node:
    """`children` side by side (or stacked) over `extent` cells: one child is itself, more make a split whose
    weights are `sizes` (default: the even spread)."""
    if len(children) == 1:
        return children[0]
    if sizes is None:
        sizes = _spread(extent, len(children))
    split = _Split(direction, None, Fraction(1))
    for child, size in zip(children, sizes, strict=True):
        child.parent = split
        child.weight = Fraction(max(MIN_PANE_SIZE, size))
    split.children = list(children)
    return split

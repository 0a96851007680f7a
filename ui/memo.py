"""Work done once, not once per viewer: the chart figures and the tidy frames the pages draw, shared by every
session of the process that asks for the same thing.

Pages call `memo.charts.X(...)` and `memo.views.X(...)` exactly as they would call indicators.charts and
indicators.views. A call is keyed on its function and the *content* of its arguments (frames by their
values, the chart context by its fields), never on who asks: two sessions that would compute the same
figure get the one already built, and a session whose unit scope, period or data differ has different
arguments and so its own entry. Being keyed on content, an entry can never be stale: a new import changes
the frames the loaders return (ui/data.py keys those on the database's data version), hence the keys.
A call whose arguments cannot be fingerprinted (a database connection) simply runs.

Why not st.cache_data: it pickles a copy out on every hit, and a plotly Figure re-validates its whole
layout when unpickled, which is most of what building it costs. Entries here are shared objects: the
pages and the shell never change a figure or frame they get (a figure is built for its screen, phone or
汇报模式, from the chart context, which is part of the key); frames are handed out as shallow copies all the same.

A frame handed out here (by a memoised call or a `loader`) is known by where it came from: its key is that
call's key, not its content, so passing it on to the next call costs no pickling (fingerprinting the
frames was a fifth of a page's server time, measured by py-spy). The key is trusted only while the frame
is unchanged: pandas' copy-on-write copies a block before any write into a frame that shares it (the
entry keeps the original alive, so the handout always shares), and any other change (a new or deleted
column, new labels, a renamed axis, an in-place sort or drop) replaces the frame's manager, blocks or axes;
`_witness` holds those objects and a frame whose witness differs is fingerprinted by content again.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import inspect
import pickle
import threading
import weakref
from collections import OrderedDict
from types import ModuleType

import numpy as np
import pandas as pd
from plotly.basedatatypes import BaseFigure

from indicators import charts as _charts
from indicators import progress as _progress
from indicators import views as _views

MAX_ENTRIES = 512  # figures of about 20-60 kB each: a few tens of MB at most


class Unhashable(Exception):
    """An argument the memo does not fingerprint (a connection, an open file): the call runs uncached."""


def _feed(h, value) -> None:
    """Feed a stable fingerprint of `value` into the hash `h`."""
    if value is None or isinstance(value, (bool, int, float, str, bytes, dt.date, dt.datetime)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, (pd.DataFrame, pd.Series)) and (known := _known(value)) is not None:
        h.update(b"known:" + known + b";")
    elif isinstance(value, (pd.DataFrame, pd.Series)):
        # the pickle holds every value, label and dtype: equal bytes, equal frames (a frame built another
        # way may pickle otherwise: a miss, never a wrong hit). 4x quicker than hash_pandas_object here.
        h.update(pickle.dumps(value, protocol=5))
    elif isinstance(value, np.ndarray):
        h.update(f"a{value.dtype}{value.shape};".encode() + value.tobytes())
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__name__}[{len(value)}];".encode())
        for v in value:
            _feed(h, v)
    elif isinstance(value, (set, frozenset)):
        _feed(h, sorted(value, key=repr))
    elif isinstance(value, dict):
        h.update(f"dict[{len(value)}];".encode())
        for k in sorted(value, key=repr):
            _feed(h, k)
            _feed(h, value[k])
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(f"dc:{type(value).__qualname__};".encode())
        for f in dataclasses.fields(value):
            _feed(h, getattr(value, f.name))
    elif isinstance(value, np.generic):
        _feed(h, value.item())
    else:
        raise Unhashable(type(value).__name__)


def fingerprint(*args, **kwargs) -> str:
    """The content key of a call's arguments (raises Unhashable for what it cannot fingerprint)."""
    h = hashlib.blake2b(digest_size=20)
    _feed(h, args)
    _feed(h, kwargs)
    return h.hexdigest()


# ---------------------------------------------------------------- frames known by where they came from

_KNOWN: dict[int, tuple] = {}  # id(frame) -> (weak reference, witness, key, the entry it shares with)
_KNOWN_LOCK = threading.RLock()  # re-entrant: a collection inside the lock may run `forget` in this thread


def _witness(frame: pd.DataFrame | pd.Series) -> tuple:
    """The objects any change to `frame` replaces (compared by identity), and the axes' names."""
    mgr = frame._mgr
    axes = (frame.index, frame.columns) if isinstance(frame, pd.DataFrame) else (frame.index,)
    names = tuple(tuple(ax.names) for ax in axes) + ((frame.name,) if isinstance(frame, pd.Series) else ())
    return (mgr, *mgr.blocks, *(b.values for b in mgr.blocks), *axes), names


def _known(frame) -> bytes | None:
    """The key `frame` was handed out under, while it is unchanged; else None."""
    entry = _KNOWN.get(id(frame))
    if entry is None or entry[0]() is not frame:
        return None
    objects, names = _witness(frame)
    kept, kept_names = entry[1]
    if len(objects) != len(kept) or names != kept_names or any(a is not b for a, b in zip(objects, kept)):
        return None
    return entry[2]


def _remember(frame, key: bytes, source) -> None:
    fid = id(frame)

    def forget(ref, fid=fid) -> None:
        with _KNOWN_LOCK:
            if (entry := _KNOWN.get(fid)) is not None and entry[0] is ref:
                del _KNOWN[fid]

    with _KNOWN_LOCK:
        _KNOWN[fid] = (weakref.ref(frame, forget), _witness(frame), key, source)


def _handout(value, key: bytes | None = None):
    """What a caller gets: frames as shallow copies (assign/rename on them never reach the entry), each
    known by `key` (the call it came from) until it changes."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        out = value.copy(deep=False)
        if key is not None:
            _remember(out, key, value)
        return out
    return value


def _key_bytes(name: str, fp: str) -> bytes:
    return f"{name}:{fp}".encode()


def loader(max_entries: int):
    """A loader's results shared by every session of the process, keyed on its arguments whose names do not
    start with "_" (a database connection is passed as `_conn`; the path and data version stand for it),
    as st.cache_data keys them. Unlike st.cache_data a hit is not unpickled: frames are handed out as
    shallow copies known by the call (see the module's docstring)."""
    def wrap(fn):
        params = list(inspect.signature(fn).parameters)
        name = f"{fn.__module__}.{fn.__qualname__}"
        cache = _Cache(max_entries)

        @functools.wraps(fn)
        def call(*args, **kwargs):
            keyed = [a for name, a in zip(params, args) if not name.startswith("_")]
            keyed_kw = {k: v for k, v in kwargs.items() if not k.startswith("_")}
            key = fingerprint(*keyed, **keyed_kw)
            return _handout(cache.get(key, lambda: fn(*args, **kwargs)), _key_bytes(name, key))

        call.clear = cache.clear
        return call
    return wrap


class _Cache:
    """At most `max_entries` values by key, the least recently used dropped first; safe across sessions'
    threads. A value is built outside the lock: two sessions may build the same thing once each."""

    def __init__(self, max_entries: int):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.hits = self.misses = 0

    def get(self, key, build):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
        value = build()
        with self._lock:
            self.misses += 1
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def pinned(value):
    """A figure whose to_dict() gives one dict, made once: the figure as the browser is to draw it
    (charts.for_browser). st.plotly_chart asks every run for a deep copy of the figure as a dict, only to
    turn it into JSON (an eighth of a page's server time, py-spy). Safe because a shared figure is never
    changed (see the module's docstring); the dict is only read. Pinning a pinned figure does nothing."""
    if isinstance(value, BaseFigure) and "to_dict" not in vars(value):
        frozen = _charts.for_browser(value)
        object.__setattr__(value, "to_dict", lambda: frozen)
    return value


class Shared:
    """A module's functions, each memoised on the content of its arguments, shared by every session."""

    def __init__(self, module: ModuleType, max_entries: int = MAX_ENTRIES, frames_only: bool = False):
        self._module = module
        self._frames_only = frames_only  # memoise only calls given a frame (the rest are cheap helpers)
        self._cache = _Cache(max_entries)

    @property
    def hits(self) -> int:
        return self._cache.hits

    @property
    def misses(self) -> int:
        return self._cache.misses

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            return value
        wrapped = self._wrap(value)
        setattr(self, name, wrapped)  # looked up once per function
        return wrapped

    def _wrap(self, fn):
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def call(*args, **kwargs):
            if self._frames_only and not any(isinstance(a, (pd.DataFrame, pd.Series)) for a in (*args, *kwargs.values())):
                return fn(*args, **kwargs)  # a helper on a few values (a label, an amount): cheaper to run
            try:
                key = (name, fingerprint(*args, **kwargs))
            except Unhashable:
                return fn(*args, **kwargs)
            return _handout(self._cache.get(key, lambda: pinned(fn(*args, **kwargs))), _key_bytes(*key))
        return call

    def clear(self) -> None:
        self._cache.clear()


charts = Shared(_charts)  # every chart: a plotly figure costs 10-50 ms to build, its arguments far less to key
views = Shared(_views, frames_only=True)
progress = Shared(_progress, frames_only=True)  # scores, status counts: from the progress frame

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
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import pickle
import threading
from collections import OrderedDict
from types import ModuleType

import numpy as np
import pandas as pd

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


class Shared:
    """A module's functions, each memoised on the content of its arguments, shared by every session."""

    def __init__(self, module: ModuleType, max_entries: int = MAX_ENTRIES, frames_only: bool = False):
        self._module = module
        self._frames_only = frames_only  # memoise only calls given a frame (the rest are cheap helpers)
        self._entries: OrderedDict[tuple[str, str], object] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.hits = self.misses = 0

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            return value
        wrapped = self._wrap(value)
        setattr(self, name, wrapped)  # looked up once per function
        return wrapped

    def _wrap(self, fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            if self._frames_only and not any(isinstance(a, (pd.DataFrame, pd.Series)) for a in (*args, *kwargs.values())):
                return fn(*args, **kwargs)  # a helper on a few values (a label, an amount): cheaper to run
            try:
                key = (fn.__qualname__, fingerprint(*args, **kwargs))
            except Unhashable:
                return fn(*args, **kwargs)
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return _handout(self._entries[key])
            value = fn(*args, **kwargs)  # outside the lock: two sessions may build the same thing once each
            with self._lock:
                self.misses += 1
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
            return _handout(value)
        return call

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _handout(value):
    """What a caller gets: frames as shallow copies (assign/rename on them never reach the entry)."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    return value


charts = Shared(_charts)  # every chart: a plotly figure costs 10-50 ms to build, its arguments far less to key
views = Shared(_views, frames_only=True)
progress = Shared(_progress, frames_only=True)  # scores, status counts: from the progress frame

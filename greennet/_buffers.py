"""The socket's two buffers, pure: what was received and not yet read, and what was
written and not yet sent.  No hub, no socket: they are tested on their own.

:class:`ReadBuffer` is asyncio's ``StreamReader`` buffer with its ``limit`` in one place
(``find``), kept as a list of chunks so that a 256 KiB read taken 64 KiB at a time copies
each byte once.  :class:`WriteQueue` holds the writes the kernel has not taken yet, with
their callbacks, and hands them out as one list of buffers for a single ``sendmsg``.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from .errors import LimitOverrunError

__all__ = ['ReadBuffer', 'WriteQueue', 'NO_WRITES', 'MAX_IOV', 'DEFAULT_LIMIT']

#: asyncio's default ``limit``: the longest line a reader accepts
DEFAULT_LIMIT = 64 * 1024

#: Linux's IOV_MAX: the most buffers one ``sendmsg`` takes
MAX_IOV = 1024

Callback = Optional[Callable[..., Any]]


class ReadBuffer:
    """Bytes received and not yet consumed.

    Chunks are ``bytes`` as read, ``memoryview`` remainders of them once a read took part
    of one, or, once a separator search needed them joined, a single ``bytearray`` head.
    ``nbytes`` is the total; hot paths test it rather than the buffer's truth value,
    which would be a Python-level call.
    """

    __slots__ = ('chunks', 'nbytes', '_scanned', '_scan_sep')

    def __init__(self) -> None:
        # a plain list: an empty deque costs a 64-slot block per idle connection.  Public
        # for one reader: the socket's hub-side read appends a fresh chunk to it inline
        # (``chunks.append(data); nbytes += len(data)``), the path of every message.
        self.chunks: List[Any] = []
        self.nbytes = 0
        # where the next search for _scan_sep starts: the bytes before it are known
        # not to start a separator, so a search never covers a byte twice
        self._scanned = 0
        self._scan_sep: Optional[bytes] = None

    def __len__(self) -> int:
        return self.nbytes

    def __bool__(self) -> bool:
        return self.nbytes > 0

    def append(self, data: bytes) -> None:
        """Add ``data`` (non-empty bytes) at the end."""
        self.chunks.append(data)
        self.nbytes += len(data)

    def unshift(self, data: bytes) -> None:
        """Put ``data`` back in front (Node's ``unshift``)."""
        if data:
            self.chunks.insert(0, data)
            self.nbytes += len(data)
            self._scanned = 0

    def popleft(self) -> bytes:
        """The first chunk, whole (a 'data' event's payload)."""
        chunk = self.chunks.pop(0)
        self.nbytes -= len(chunk)
        if self._scanned:        # a 'data' event's path: keep it short
            self._scanned = max(0, self._scanned - len(chunk))
        return chunk if type(chunk) is bytes else bytes(chunk)

    def take(self, n: int) -> bytes:
        """Take the first ``n`` bytes (everything when ``n`` < 0 or more than there is)."""
        chunks = self.chunks
        if n < 0 or n >= self.nbytes:
            if len(chunks) == 1:
                data = chunks[0] if type(chunks[0]) is bytes else bytes(chunks[0])
            else:
                data = b''.join(chunks)
            chunks.clear()
            self.nbytes = 0
            self._scanned = 0
            return data
        if len(chunks[0]) >= n:
            data = self._split_first(n)
        else:
            parts = []
            want = n
            while want:
                size = len(chunks[0])
                if size <= want:
                    parts.append(chunks.pop(0))
                    want -= size
                else:
                    parts.append(self._split_first(want))
                    want = 0
            data = b''.join(parts)
        self.nbytes -= n
        self._scanned = max(0, self._scanned - n)
        return data

    def _split_first(self, n: int) -> bytes:
        """Take ``n`` bytes of the first chunk, which has at least that many."""
        chunks = self.chunks
        first = chunks[0]
        if len(first) == n:
            chunks.pop(0)
            return first if type(first) is bytes else bytes(first)
        if type(first) is bytearray:
            with memoryview(first) as view:
                data = bytes(view[:n])
            del first[:n]          # CPython moves the start of a bytearray: no copy
            return data
        # bytes, or a memoryview of bytes: keep the rest as a view, copy nothing twice
        data = bytes(first[:n])
        chunks[0] = memoryview(first)[n:]
        return data

    def find(self, separator: bytes, limit: float) -> int:
        """The offset just past the first ``separator``, or -1 when it is not buffered.

        As asyncio's ``readuntil``: raises :class:`LimitOverrunError` when the separator
        is found more than ``limit`` bytes in (``consumed`` is where it starts), or when
        it is not found and more than ``limit`` bytes precede where it could still start.
        Nothing is consumed either way.  Successive calls search only the bytes that
        arrived since the last one, so waiting for a line is linear in its length.
        """
        if not self.nbytes:
            return -1
        if self._scan_sep != separator:
            self._scan_sep = separator
            self._scanned = 0
        seplen = len(separator)
        offset = self._scanned
        if self.nbytes - offset < seplen:
            return -1
        found: int = self._joined().find(separator, offset)
        if found >= 0:
            if found > limit:
                raise LimitOverrunError('Separator is found, but chunk is longer than limit', found)
            return found + seplen
        offset = self.nbytes + 1 - seplen
        self._scanned = offset
        if offset > limit:
            raise LimitOverrunError('Separator is not found, and chunk exceed the limit', offset)
        return -1

    def _joined(self) -> 'bytes | bytearray':
        """The buffer as one bytes-like object.  Chunks are joined into a bytearray head
        that later chunks are appended to, so each byte is copied in at most once."""
        chunks = self.chunks
        first = chunks[0]
        if len(chunks) == 1 and type(first) is not memoryview:
            return first    # type: ignore[no-any-return]
        head = first if type(first) is bytearray else bytearray(first)
        for chunk in chunks[1:]:
            head += chunk
        chunks[:] = [head]
        return head


class WriteQueue:
    """Writes the kernel has not taken yet: ``[data, callback]`` entries, oldest first,
    and ``nbytes``, their total."""

    __slots__ = ('entries', 'nbytes')

    def __init__(self) -> None:
        # read freely: ``if queue.entries`` is the hot path's "anything queued?" (an
        # empty write counts), cheaper than a Python-level __bool__
        self.entries: List[List[Any]] = []
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def append(self, data: Any, callback: Callback = None) -> None:
        """Queue ``data`` (bytes-like; may be empty) with its write callback."""
        self.entries.append([data, callback])
        self.nbytes += len(data)

    def buffers(self) -> List[Any]:
        """The queued data, oldest first, at most :data:`MAX_IOV` buffers (one
        ``sendmsg``)."""
        return [entry[0] for entry in self.entries[:MAX_IOV]]

    def advance(self, sent: int) -> List[Callable[..., Any]]:
        """The kernel took ``sent`` bytes: drop them.  Returns the callbacks of the writes
        now wholly sent, in order (an empty write is sent as soon as it is reached)."""
        entries = self.entries
        done: List[Callable[..., Any]] = []
        self.nbytes -= sent
        while entries:
            entry = entries[0]
            size = len(entry[0])
            if size > sent:
                entry[0] = memoryview(entry[0])[sent:]
                break
            sent -= size
            entries.pop(0)
            if entry[1] is not None:
                done.append(entry[1])
        return done

    def clear(self) -> List[Callable[..., Any]]:
        """Drop everything; returns the callbacks of the writes that will never be sent."""
        dropped = [entry[1] for entry in self.entries if entry[1] is not None]
        self.entries.clear()
        self.nbytes = 0
        return dropped


#: The write queue of a socket that has never had to queue anything: most sockets never
#: do (write() sends at once), so they share this one, empty, instead of holding two
#: objects each.  It is only ever read; a socket replaces it before its first append.
NO_WRITES = WriteQueue()

"""IPC paths: Unix domain sockets and Linux abstract sockets, as Node identifies them.

A path is a file system path, or on Linux a name that starts with ``'\\0'`` in the
abstract namespace (nothing on disk).  Node truncates a path longer than ``sun_path``
allows; greennet refuses it with ENAMETOOLONG instead, so nothing ever binds or connects
somewhere other than where it was told.
"""
from __future__ import annotations

import errno as _errno
import os
from typing import Union

from .errors import system_error

__all__ = ['check_path', 'is_abstract', 'SUN_PATH_MAX']

#: ``sizeof(sockaddr_un.sun_path) - 1`` on Linux: the longest path that fits.
SUN_PATH_MAX = 107


def is_abstract(path: str) -> bool:
    """True for a Linux abstract socket name (it starts with a NUL byte)."""
    return path.startswith('\0')


def check_path(path: str, syscall: str) -> Union[str, bytes]:
    """The address to give the OS for ``path``; raises ENAMETOOLONG if it does not fit."""
    encoded = os.fsencode(path)
    limit = SUN_PATH_MAX + (1 if is_abstract(path) else 0)
    if len(encoded) > limit:
        raise system_error(_errno.ENAMETOOLONG, syscall, path)
    return path


def set_mode(path: str, readable_all: bool, writable_all: bool, syscall: str = 'chmod') -> None:
    """Node's ``readableAll``/``writableAll``: open the socket file to every user."""
    if is_abstract(path) or not (readable_all or writable_all):
        return
    mode = os.stat(path).st_mode & 0o777
    if readable_all:
        mode |= 0o444
    if writable_all:
        mode |= 0o222
    try:
        os.chmod(path, mode)
    except OSError as exc:
        raise system_error(exc.errno or _errno.EPERM, syscall, path) from None


def unlink_quietly(path: str) -> None:
    """Remove the socket file bound at ``path`` (which, as a C string, ends at a NUL)."""
    try:
        os.unlink(path.split('\0', 1)[0])
    except (OSError, ValueError):
        pass

"""What one turn accepts, checked at the boundary (Assistant.respond, Assistant.feedback, the page's API).

Callers are untrusted: a program over HTTP may send any JSON, a script any Python object. Each check
either returns the value the core can use or raises InputRejected, whose message says what was wrong
with the input in words a shopper or an API user can act on. Nothing here echoes the raw input back
(it may be huge or carry markup), only its kind and size.
"""
from __future__ import annotations

import os
import unicodedata

from PIL import Image

MAX_SESSION_ID = 256  # characters: short enough to log and index
# Characters that carry no text: C0/C1 controls but tab and newline, and format characters
# (bidirectional overrides can make text read differently from what it says; zero-width ones can
# hide words from filters). A zero-width joiner inside an emoji sequence is kept.
_KEPT_CONTROLS = {"\n", "\t"}
_ZWJ = "\u200d"
# The kinds of object one photo may be: a file path, the bytes of a file, a decoded image.
PHOTO_KINDS = (str, os.PathLike, bytes, bytearray, memoryview, Image.Image)


class InputRejected(ValueError):
    """Input a turn cannot take; the message says what was wrong with it and can be shown as is."""


def kind_of(value) -> str:
    """A short, safe description of a value's type for messages ("a number", "a list of 3 values")."""
    if value is None:
        return "nothing (None)"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return f"an object with {len(value)} fields"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value)} values"
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)} bytes"
    return f"a {type(value).__name__} value"


def check_session_id(session_id) -> str:
    """Any caller's session id: text of 1 to MAX_SESSION_ID printable characters. The page issues its own
    (assistant/session_ids.py); this bounds what a direct caller of the Python API may use."""
    if not isinstance(session_id, str):
        raise InputRejected(f"The session id must be text, not {kind_of(session_id)}.")
    if not 1 <= len(session_id) <= MAX_SESSION_ID:
        raise InputRejected(f"The session id must be 1 to {MAX_SESSION_ID} characters long, not {len(session_id)}.")
    if not session_id.isprintable():
        raise InputRejected("The session id must be printable characters only, without control characters.")
    return session_id


def clean_text(text) -> tuple[str, int]:
    """The message as text, without characters that carry no text; and how many were removed.
    None is an empty message; anything but text is rejected."""
    if text is None:
        return "", 0
    if not isinstance(text, str):
        raise InputRejected(f"The message must be text, not {kind_of(text)}.")
    kept = [ch for i, ch in enumerate(text)
            if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
            or (ch == _ZWJ and 0 < i < len(text) - 1)]
    return "".join(kept), len(text) - len(kept)


def check_images(images) -> list:
    """The photos of a turn as a list (None: none). Each is checked when it is stored
    (assistant/uploads.py says what is wrong with one photo); here only the container."""
    if images is None:
        return []
    if isinstance(images, (str, os.PathLike, bytes, bytearray, Image.Image)):
        raise InputRejected("The photos must be a list (of file paths, file bytes or images), "
                            f"not a single {'image' if isinstance(images, Image.Image) else kind_of(images)}; "
                            "send [photo] for one photo.")
    if not isinstance(images, (list, tuple)):
        raise InputRejected(f"The photos must be a list of file paths, file bytes or images, not {kind_of(images)}.")
    return list(images)


def check_position(position) -> int:
    """A list position for feedback: a whole number from 1 (digits as text are read as one)."""
    if isinstance(position, str) and position.strip().isdigit():
        position = int(position.strip())
    if isinstance(position, float) and position.is_integer():
        position = int(position)
    if isinstance(position, bool) or not isinstance(position, int):
        raise InputRejected(f"The item position must be a whole number such as 1 or 2, not {kind_of(position)}.")
    if not 1 <= position <= 1000:
        raise InputRejected("The item position must be a list position from 1 to 1000.")
    return position


def check_liked(liked) -> bool:
    if isinstance(liked, bool):
        return liked
    if liked in (0, 1) and not isinstance(liked, float):
        return bool(liked)
    if isinstance(liked, str) and liked.strip().lower() in ("true", "false"):
        return liked.strip().lower() == "true"
    raise InputRejected(f"'liked' must be true or false, not {kind_of(liked)}.")


def check_api_message(message, upload_folder) -> tuple:
    """The /chat API's message -> (text, photos) for Assistant.respond. It is {"text": ..., "files":
    [...]} with files uploaded through the API (gradio_client's handle_file); a bare string is the
    text. A file is taken only from `upload_folder`, where the server put the caller's upload: a
    path on the server named by the caller is refused (it would read the server's own files).
    Text and the photos' container are checked by respond() as for any caller."""
    if isinstance(message, str) or message is None:
        return message, []
    if not isinstance(message, dict):
        raise InputRejected('The message must be an object {"text": "...", "files": [...]}, '
                            f"not {kind_of(message)}.")
    unknown = sorted(set(message) - {"text", "files"})
    if unknown:
        raise InputRejected(f'The message may have only "text" and "files", no other fields ({len(unknown)} sent).')
    files = message.get("files")
    if not isinstance(files, list):
        return message.get("text"), files  # respond() says what is wrong with the container
    photos = []
    for entry in files:
        if isinstance(entry, str):
            raise InputRejected("A photo must be uploaded as a file (gradio_client's handle_file); "
                                "a path or name on the server is not accepted.")
        if isinstance(entry, dict):
            path = os.path.realpath(str(entry.get("path", "")))
            if not path.startswith(os.path.realpath(upload_folder) + os.sep):
                raise InputRejected("A photo must be uploaded as a file (gradio_client's handle_file); "
                                    "a path or name on the server is not accepted.")
            entry = path
        photos.append(entry)  # a file path in the upload folder, or a value respond() will refuse
    return message.get("text"), photos

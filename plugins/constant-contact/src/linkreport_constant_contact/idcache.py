"""What each Constant Contact ID turned out to be, remembered between runs to save requests.

An ID given to ``links`` is a campaign or a campaign activity, and the API cannot say which
without a probe. This cache maps IDs to what the API said: an activity to its campaign and
role (activity IDs never change campaign or role), a campaign to "campaign" (its
activities are always read afresh: a resend may be added later). It also keeps which kind
of unknown ID to probe first: activity IDs by default (2 requests on first sight), campaign
IDs once the account's last unknown ID was a campaign. Until an account has a preference, the
first unknown ID of a run is probed alone and the other workers wait for what it was, so
``--jobs 8`` does not send eight probes of the wrong kind. Within a run, the activities of
the last campaigns read are handed to that campaign's clicks (:meth:`just_read`): a sync
reads a campaign's links, then its clicks, with one lookup of the campaign, not two.

The cache only chooses requests; it is never trusted over the API: an activity served
from it is confirmed by its links report (a 404 drops the entry and the ID is probed
again), and a missing, unreadable or malformed file, or any malformed line, is ignored; so
is a file larger than :data:`MAX_BYTES` (replaced) or one that is not a regular file.
It lives in ``LINKREPORT_HOME/cache/constant-contact/<account>.jsonl`` (mode 0600), one
JSON object per line, appended to; it is rewritten in compact form when it grows large.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("linkreport.constant_contact.idcache")

ACTIVITY, CAMPAIGN = "activity", "campaign"
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ROLES = frozenset({"primary_email", "resend"})
#: Entries kept when the file is compacted (a line is about 150 bytes).
KEEP = 20_000
#: Campaigns whose activities a run keeps for their clicks (a sync asks for them at once).
RECENT = 64
#: A larger file was not written by us (compaction keeps it near 3 MB): it is not read.
MAX_BYTES = 64 * 2**20


def cache_path(home: Path, account: str) -> Path:
    """The cache file of one account."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account) or "_"
    return home / "cache" / "constant-contact" / f"{safe}.jsonl"


class IdCache:
    """The IDs of one account: loaded once per run, shared by its threads, appended to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, str, str] | None] = {}  # id -> activity or None
        self._prefer = ACTIVITY
        self._settled = threading.Event()  # the preference is known (from the file or a probe)
        self._prober: int | None = None  # the thread probing the first unknown ID
        self._lines = 0
        self._recent: dict[str, list[tuple[str, str, str]]] = {}  # campaign -> its activities
        self._load()

    # --- reading -------------------------------------------------------------------

    def activity(self, some_id: str) -> tuple[str, str] | None:
        """``(campaign_id, role)`` if ``some_id`` is a known reportable activity."""
        entry = self._entries.get(some_id.lower())
        return None if entry is None else (entry[1], entry[2])

    def just_read(self, campaign_id: str) -> list[tuple[str, str, str]] | None:
        """The ``(campaign, activity, role)`` this run read for a campaign's links, once.

        Taken, not kept: a later read asks the API again (a resend may have been added).
        """
        with self._lock:
            return self._recent.pop(campaign_id.lower(), None)

    def recently_read(self, campaign_id: str) -> list[tuple[str, str, str]] | None:
        """What :meth:`just_read` would give, left for it (delivery counts read it too)."""
        with self._lock:
            return self._recent.get(campaign_id.lower())

    def read(self, campaign_id: str, activities: list[tuple[str, str, str]]) -> None:
        """This run read a campaign's activities (kept for :meth:`just_read`, the last few)."""
        with self._lock:
            self._recent.pop(campaign_id.lower(), None)
            self._recent[campaign_id.lower()] = activities
            if len(self._recent) > RECENT:
                del self._recent[next(iter(self._recent))]

    def knows(self, some_id: str) -> bool:
        """Whether the API already said what ``some_id`` is."""
        return some_id.lower() in self._entries

    def probe_order(self, some_id: str, *, wait: float = 30.0) -> tuple[str, str]:
        """Which kind to ask the API about first for an ID not known as an activity.

        Without a preference yet, the first caller probes and the others wait (up to
        ``wait`` seconds) for :meth:`unknown_was` or :meth:`settle` to say what it found.
        """
        if some_id.lower() not in self._entries and not self._settled.is_set():
            with self._lock:
                first = self._prober is None
                if first:
                    self._prober = threading.get_ident()
            if not first and self._prober != threading.get_ident():
                self._settled.wait(wait)
        if some_id.lower() in self._entries or self._prefer == CAMPAIGN:
            return (CAMPAIGN, ACTIVITY)
        return (ACTIVITY, CAMPAIGN)

    def settle(self) -> None:
        """Called when a probe ends: if it was the first, nobody waits for it any longer."""
        if self._prober in (None, threading.get_ident()):
            self._settled.set()

    # --- learning ------------------------------------------------------------------

    def campaign(self, campaign_id: str, activities: list[tuple[str, str]]) -> None:
        """The API said ``campaign_id`` is a campaign with these ``(activity_id, role)``."""
        lines = [{"id": campaign_id, "kind": CAMPAIGN}]
        lines += [
            {"id": a, "kind": ACTIVITY, "campaign": campaign_id, "role": r} for a, r in activities
        ]
        self._learn(lines)

    def campaigns(self, campaign_ids: list[str]) -> None:
        """Campaign IDs seen in a listing."""
        self._learn([{"id": c, "kind": CAMPAIGN} for c in campaign_ids])

    def activity_of(self, activity_id: str, campaign_id: str, role: str) -> None:
        """The API said ``activity_id`` is an activity of ``campaign_id`` with ``role``."""
        self._learn([{"id": activity_id, "kind": ACTIVITY, "campaign": campaign_id, "role": role}])

    def unknown_was(self, kind: str) -> None:
        """An ID not in the cache turned out to be of ``kind``: probe that kind first next."""
        if kind != self._prefer or not self._settled.is_set():
            self._learn([{"prefer": kind}])
        self._settled.set()

    def forget(self, some_id: str) -> None:
        """The API contradicted the cache about ``some_id``: ask it afresh from now on."""
        self._learn([{"forget": some_id}])

    # --- the file ------------------------------------------------------------------

    def _apply(self, line: Any) -> bool:
        """Apply one decoded line if it is well formed; say whether it was."""
        if not isinstance(line, dict):
            return False
        if set(line) == {"prefer"} and line["prefer"] in (ACTIVITY, CAMPAIGN):
            self._prefer = line["prefer"]
            self._settled.set()
            return True
        if set(line) == {"forget"} and isinstance(line["forget"], str):
            self._entries.pop(line["forget"].lower(), None)
            return True
        some_id = line.get("id")
        if not isinstance(some_id, str) or not UUID.match(some_id):
            return False
        if line.get("kind") == CAMPAIGN and len(line) == 2:
            self._entries[some_id.lower()] = None
            return True
        campaign, role = line.get("campaign"), line.get("role")
        if (
            line.get("kind") == ACTIVITY
            and len(line) == 4
            and isinstance(campaign, str)
            and UUID.match(campaign)
            and role in ROLES
        ):
            self._entries[some_id.lower()] = (ACTIVITY, campaign, role)
            return True
        return False

    def _load(self) -> None:
        try:  # (never waits: a named pipe in its place is not read)
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return  # no cache yet, or unreadable: every ID is probed
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return  # a directory, a pipe, a device: not ours
            if info.st_size > MAX_BYTES:  # not written by us: read nothing, start afresh
                self._compact()
                return
            with open(fd, encoding="utf-8", errors="replace", closefd=False) as handle:
                for text in handle:
                    self._lines += 1
                    with contextlib.suppress(ValueError, RecursionError):
                        self._apply(json.loads(text))
        except OSError:
            return
        finally:
            os.close(fd)
        if self._lines > 2 * KEEP:
            self._compact()

    def _learn(self, lines: list[dict[str, str]]) -> None:
        with self._lock:
            fresh = [line for line in lines if self._changes(line)]
            for line in fresh:
                self._apply(line)
            if fresh:
                self._append("".join(json.dumps(line) + "\n" for line in fresh))

    def _changes(self, line: dict[str, str]) -> bool:
        if "prefer" in line:
            return line["prefer"] != self._prefer or not self._settled.is_set()
        if "forget" in line:
            return line["forget"].lower() in self._entries
        known = self._entries.get(line["id"].lower(), ())
        if line["kind"] == CAMPAIGN:
            return known is not None  # None marks a known campaign, () an unknown ID
        return known != (ACTIVITY, line["campaign"], line["role"])

    def _append(self, text: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK  # (never a pipe's wait)
            fd = os.open(self.path, flags, 0o600)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
            self._lines += text.count("\n")
        except OSError as exc:  # a read-only home costs requests, nothing else
            log.debug("cannot write the ID cache %s: %s", self.path, exc)

    def _compact(self) -> None:
        kept = list(self._entries.items())[-KEEP:]
        lines = [{"prefer": self._prefer}]
        for some_id, entry in kept:
            if entry is None:
                lines.append({"id": some_id, "kind": CAMPAIGN})
            else:
                lines.append(
                    {"id": some_id, "kind": ACTIVITY, "campaign": entry[1], "role": entry[2]}
                )
        import tempfile  # not at start-up

        try:
            fd, temp = tempfile.mkstemp(dir=self.path.parent, suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(json.dumps(line) + "\n" for line in lines)
            os.replace(temp, self.path)
            self._entries = dict(kept)
            self._lines = len(lines)
        except OSError as exc:
            log.debug("cannot compact the ID cache %s: %s", self.path, exc)

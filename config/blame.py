"""Who is blamed when two files claim one thing: one rule, applied by one reporter (`blamed`).

In order, the file blamed is:
1. not the one whose claim a protected environment already has (a protected environment's file is
   never the one told to give something up, when the other file is not protected);
2. the one that is new or changed relative to the branch's merge base with its base branch
   (git: `TAP_BASE_REF`, else `origin/main`, else `main`), when exactly one of them is;
3. when git cannot tell (no repository, no base branch): the file modified last;
4. otherwise the later in name order: deterministic. Whenever git could not tell, the message says so.

The reporters across environments (config/loader.py), across services (config/claims.py, the
namespace and repository checks) and across a load balancer's group (workloads/ingress_groups.py)
all ask this module, so the same edit is blamed the same way wherever it collides.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from config.user_files import REPO_ROOT

BASE_REFS = ("origin/main", "main")
GIT_TIMEOUT_SECONDS = 2
FALLBACK_NOTE = " (git could not tell which claim is new: blamed by name order)"
MTIME_NOTE = " (git could not tell which claim is new: blamed the file modified last)"


@dataclass(frozen=True)
class Claimant:
    """One side of a conflict: the file (relative to the repository) and whether a protected environment holds the claim."""

    file: str
    protected: bool = False


@functools.cache
def changed_files() -> frozenset[str] | None:
    """Files added or changed since the merge base (committed, staged, in the working tree or untracked), or None
    when git cannot tell. Bounded: each git call has a timeout."""
    refs = [os.environ["TAP_BASE_REF"]] if os.environ.get("TAP_BASE_REF") else list(BASE_REFS)
    # A ref is never an option: TAP_BASE_REF=--something would reach git's command line as one.
    refs = [ref for ref in refs if not ref.startswith("-")]

    def git(*arguments: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", "-C", str(REPO_ROOT), *arguments], capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout if result.returncode == 0 else None

    if git("rev-parse", "--show-toplevel") is None:
        return None
    base = next((found.strip() for ref in refs if (found := git("merge-base", "HEAD", ref))), None)
    if base is None:
        return None
    changed = git("diff", "--name-only", base)
    untracked = git("ls-files", "--others", "--exclude-standard")
    if changed is None or untracked is None:
        return None
    return frozenset(line for line in (changed + untracked).splitlines() if line)


def service_file(service: str) -> str:
    """The file a service's claims come from (services/<name>/service.yaml), relative to the repository."""
    return f"services/{service}/service.yaml"


def blamed_service(first: str, second: str) -> tuple[str, str, str]:
    """(blamed, kept, note) between two services' service.yaml files."""
    loser, winner, note = blamed(Claimant(service_file(first)), Claimant(service_file(second)))
    return loser.file.split("/")[1], winner.file.split("/")[1], note


def blamed(first: Claimant, second: Claimant) -> tuple[Claimant, Claimant, str]:
    """(blamed, kept, note): which file is told to change, the other, and a note when the choice fell back to name order."""
    if first.protected != second.protected:
        return (second, first, "") if first.protected else (first, second, "")
    changed = changed_files()
    if changed is not None:
        first_new, second_new = first.file in changed, second.file in changed
        if first_new != second_new:
            return (first, second, "") if first_new else (second, first, "")
    if changed is None:
        first_time, second_time = _modified(first.file), _modified(second.file)
        if first_time != second_time:
            return (first, second, MTIME_NOTE) if first_time > second_time else (second, first, MTIME_NOTE)
    later, earlier = (first, second) if first.file > second.file else (second, first)
    return later, earlier, FALLBACK_NOTE if changed is None else ""


def _modified(file: str) -> int:
    """When the file itself last changed: a symlink's own time (lstat), so a file made a link to another user file
    is the new claim, not the file it names."""
    try:
        return os.lstat(REPO_ROOT / file).st_mtime_ns
    except OSError:
        return 0


def established(claimants: Sequence[Claimant]) -> Claimant:
    """The claimant no other would be preferred over: the reference a group's members are compared with."""
    kept = claimants[0]
    for other in claimants[1:]:
        _, kept, _ = blamed(kept, other)
    return kept

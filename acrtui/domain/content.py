"""What a registry holds, as its data plane shows it (ARM cannot list repositories). Pure.

Read by ``acrtui.azure.dataplane``; used by the preflight (every tag to import exists) and the migration's
discovery and digest check. A registry whose data plane could not be read carries the reason and the way forward
instead of content: unknown, never empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RegistryContent:
    registry_id: str
    login_server: str
    repositories: tuple[str, ...] = ()  # the whole catalog, sorted
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # repository → {tag: digest}, for those read
    unreadable: str | None = None  # why the data plane could not be read (then nothing above is known)
    way_forward: str | None = None

    @property
    def readable(self) -> bool:
        return self.unreadable is None

    def digest(self, image: str) -> str | None:
        """The digest of ``repo:tag`` when it exists and was read."""
        repo, tag = split_image(image)
        return self.tags.get(repo, {}).get(tag)

    def images(self) -> list[str]:
        """Every ``repo:tag`` read, sorted (the migration offers these by default)."""
        return sorted(f"{r}:{t}" for r, tags in self.tags.items() for t in tags)

    def missing(self, image: str) -> str | None:
        """Why ``repo:tag`` is not in this registry, naming what exists; None when it is (or unknown)."""
        if not self.readable:
            return None
        repo, tag = split_image(image)
        if repo not in self.repositories:
            have = ", ".join(self.repositories[:10]) + (" …" if len(self.repositories) > 10 else "")
            return f"repository {repo} does not exist in {name_of(self.registry_id)}" + (
                f" (it has {have})" if have else " (it has no repositories)")
        tags = sorted(self.tags.get(repo, {}))
        if tag in tags:
            return None
        have = ", ".join(tags[:10]) + (" …" if len(tags) > 10 else "")
        return f"{repo}:{tag} does not exist in {name_of(self.registry_id)}" + (
            f" ({repo} has {have})" if have else f" ({repo} has no tags)")


@dataclass(frozen=True)
class DigestCheck:
    """One imported tag compared between source and target (None: not there, or not readable)."""

    image: str
    source_digest: str | None
    target_digest: str | None

    @property
    def ok(self) -> bool:
        return self.source_digest is not None and self.source_digest == self.target_digest


def split_image(image: str) -> tuple[str, str]:
    """``repo[:tag]`` → (repo, tag); the tag defaults to latest, as ACR's import does."""
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = image.rsplit(":", 1)
        return repo, tag
    return image, "latest"


def name_of(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1]

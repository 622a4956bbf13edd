"""The manifest: what the index holds, per article (fingerprint, title, date, chunks).

A sync rewrites it whenever it publishes (``publish.py``), so it lists the articles
whose chunks are all in the index; a sync killed half-way leaves the last one written.
"""

from __future__ import annotations

import json
from pathlib import Path

from qa.indexing.errors import IndexUnavailable, reason
from qa.settings import Settings


def manifest_path(settings: Settings) -> Path:
    return settings.data_dir / "manifests" / f"{settings.collection_name}.json"


def read_manifest(settings: Settings) -> dict[str, dict]:
    """What the index holds, per article id (as the last sync published it)."""
    path = manifest_path(settings)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexUnavailable(
            f"the manifest {path} cannot be read ({reason(exc)}); run qa ingest to rewrite it"
        ) from exc
    if not isinstance(manifest, dict) or not all(isinstance(v, dict) for v in manifest.values()):
        raise IndexUnavailable(
            f"the manifest {path} does not hold articles; run qa ingest to rewrite it"
        )
    return manifest


def write_manifest(settings: Settings, manifest: dict[str, dict]) -> None:
    """Replace the manifest, atomically: a killed sync leaves the previous one."""
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)

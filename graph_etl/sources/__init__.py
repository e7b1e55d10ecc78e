"""Agency extracts: manifests that describe them, and the readers that validate them."""

from graph_etl.sources.manifest import Manifest, ManifestError, load_manifests
from graph_etl.sources.reader import ReadResult, SourceFailedError, read_source

__all__ = [
    "Manifest",
    "ManifestError",
    "ReadResult",
    "SourceFailedError",
    "load_manifests",
    "read_source",
]

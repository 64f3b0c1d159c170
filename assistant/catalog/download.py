"""Getting the source data: the local mirror when present, else the pinned public archive."""
from __future__ import annotations

import logging
import tarfile
import urllib.request
from pathlib import Path

from tqdm import tqdm

from assistant.settings import Settings

log = logging.getLogger(__name__)

LUMA_COMMIT = "53807565ba9f23c9409268c02bb995cf39ef553d"
LUMA_DIRNAME = "magento2-sample-data"
SHOPPER_PHOTOS_DIRNAME = "clothing-dataset-small"


def _is_luma_tree(path: Path) -> bool:
    return (path / "app/code/Magento/ConfigurableSampleData/fixtures/products.csv").is_file()


def luma_root(settings: Settings, download: bool = True) -> Path:
    """Directory of the Luma sample-data tree: mirror first, then a cached or fresh download."""
    for candidate in (settings.data_mirror / LUMA_DIRNAME, settings.data_dir / LUMA_DIRNAME):
        if _is_luma_tree(candidate):
            return candidate
    if not download:
        raise FileNotFoundError(
            f"Luma sample data not found in {settings.data_mirror} or {settings.data_dir}"
        )
    return _download_luma(settings)


def _download_luma(settings: Settings) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    archive = settings.data_dir / f"magento2-sample-data-{LUMA_COMMIT}.tar.gz"
    if not archive.exists():
        log.info("downloading %s", settings.luma_archive_url)
        partial = archive.with_suffix(".part")
        with urllib.request.urlopen(settings.luma_archive_url, timeout=60) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc="Luma archive") as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
        partial.rename(archive)
    target = settings.data_dir / LUMA_DIRNAME
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        prefix = members[0].name.split("/")[0]
        for member in tqdm(members, desc="unpacking"):
            name = member.name[len(prefix) + 1:]
            if not name or member.issym() or member.islnk() or ".." in Path(name).parts:
                continue
            member.name = name
            tar.extract(member, target, filter="data")
    if not _is_luma_tree(target):
        raise RuntimeError(f"archive {archive} did not contain the Luma fixtures")
    return target


def shopper_photos_root(settings: Settings) -> Path | None:
    """The clothing-dataset-small tree (shopper-style photos), if the mirror has it."""
    path = settings.data_mirror / SHOPPER_PHOTOS_DIRNAME
    return path if (path / "train").is_dir() else None

"""Getting the source data (assistant/catalog/download.py): the mirror first, else the pinned archive
(here served from a file URL)."""
import tarfile

import pytest

from assistant.catalog.download import LUMA_COMMIT, luma_root, shopper_photos_root
from assistant.settings import Settings

pytestmark = pytest.mark.unit


def test_mirror_is_used_when_present(tmp_settings):
    assert luma_root(tmp_settings, download=False) == tmp_settings.data_mirror / "magento2-sample-data"


def test_archive_is_downloaded_and_unpacked_when_no_mirror(tmp_settings, tmp_path):
    source = luma_root(tmp_settings, download=False)
    archive = tmp_path / "archive.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:  # the same layout as the GitHub archive
        prefix = f"magento2-sample-data-{LUMA_COMMIT}"
        tar.add(source / "app/code/Magento/ConfigurableSampleData/fixtures/products.csv",
                f"{prefix}/app/code/Magento/ConfigurableSampleData/fixtures/products.csv")
        tar.add(source / "README.md", f"{prefix}/README.md")
    local = Settings(data_dir=tmp_path / "data", data_mirror=tmp_path / "no-mirror",
                     luma_archive_url=archive.as_uri())
    root = luma_root(local)
    assert root == local.data_dir / "magento2-sample-data"
    assert (root / "app/code/Magento/ConfigurableSampleData/fixtures/products.csv").is_file()
    assert luma_root(local) == root  # second call: no download


def test_without_mirror_or_download_the_error_names_both_places(tmp_path):
    nowhere = Settings(data_dir=tmp_path / "data", data_mirror=tmp_path / "no-mirror")
    with pytest.raises(FileNotFoundError, match="no-mirror"):
        luma_root(nowhere, download=False)
    assert shopper_photos_root(nowhere) is None

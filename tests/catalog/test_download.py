"""Getting the source data: the mirror first, else the pinned archive (here served from a file URL)."""
import tarfile

from assistant.catalog.download import LUMA_COMMIT, luma_root
from assistant.settings import Settings


def test_mirror_is_used_when_present(settings):
    assert luma_root(settings, download=False) == settings.data_mirror / "magento2-sample-data"


def test_archive_is_downloaded_and_unpacked_when_no_mirror(settings, tmp_path):
    source = luma_root(settings, download=False)
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

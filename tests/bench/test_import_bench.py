"""`make bench-import` works end to end at a small size: no time is asserted, only that it imports every
row and reports its figures."""

import pytest

from bench import import_keypoints
from customers.models import Customer
from keypoints.models import KeyPoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_import_benchmark_imports_every_row_and_reports(monkeypatch, tmp_path, settings, capsys):
    monkeypatch.setattr(import_keypoints, "setup_django", lambda: None)
    monkeypatch.setattr(import_keypoints, "BASE_DIR", tmp_path)
    inline_rows, media_root = settings.IMPORT_INLINE_ROWS, settings.MEDIA_ROOT
    report = tmp_path / "figures.json"
    monkeypatch.setattr("sys.argv", ["import_keypoints.py", "--rows", "300", "--json", str(report)])
    figures = import_keypoints.main()
    assert figures["keypoints_imported"] == KeyPoint.objects.count() == 300
    assert figures["rejected"] == 0
    assert Customer.objects.count() == 300  # the first 300 of the workbook's 1,000 customers
    for name in ("upload_s", "check_s", "import_s", "peak_mb"):
        assert figures[name] >= 0
    assert report.is_file()
    assert "Imported 300 of 300 key points" in capsys.readouterr().out
    # The run leaves the process as it found it: later imports start their steps as ever.
    assert (inline_rows, media_root) == (settings.IMPORT_INLINE_ROWS, settings.MEDIA_ROOT)

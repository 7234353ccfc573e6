"""Tests of ``tools/page_sizes.py``: what a page weighs."""

from __future__ import annotations

from tools.page_sizes import PageSize, page_size, report


def test_a_page_counts_its_html_its_images_once_and_its_embedded_data(tmp_path):
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.png").write_bytes(b"x" * 1000)
    (tmp_path / "chapters").mkdir()
    uri = "data:image/png;base64," + "A" * 500
    html = (f'<img src="../_images/a.png" alt="one"><img src="../_images/a.png" alt="again">'
            f'<img src="{uri}" alt="embedded"><img src="https://example.org/b.png" alt="far">'
            f'<script>var frames = ["{uri}"];</script>')
    (tmp_path / "chapters" / "page.html").write_text(html)
    size = page_size("chapters/page.html", tmp_path)
    assert size == PageSize("chapters/page.html", len(html), 2 * len(uri), 1000)
    assert size.total == len(html) + 1000


def test_report_is_a_table_in_kilobytes():
    table = report([PageSize("intro.html", 21_000, 0, 0), PageSize("ch.html", 148_000, 90_000,
                                                                     130_000)])
    assert table.splitlines() == [
        "page            html  embedded    images     total",
        "intro.html      21kB       0kB       0kB      21kB",
        "ch.html        148kB      90kB     130kB     278kB",
    ]

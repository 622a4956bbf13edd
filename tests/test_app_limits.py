"""The app's limits. Real app on loopback."""

import httpx
import pytest
from test_web import start_app


@pytest.mark.browser
def test_an_upload_over_the_limit_is_refused_and_leaves_nothing_behind(tmp_path):
    cache = tmp_path / "gradio-cache"
    for url, _ in start_app(tmp_path, QA_MAX_UPLOAD_MB="1", GRADIO_TEMP_DIR=str(cache)):
        big = b"x" * (3 * 1024 * 1024)
        got = httpx.post(
            f"{url}gradio_api/upload", files={"files": ("big.txt", big, "text/plain")}, timeout=60
        )
        assert got.status_code == 413
        small = httpx.post(
            f"{url}gradio_api/upload",
            files={"files": ("small.txt", b"Small\n\nA small story.\n", "text/plain")},
            timeout=60,
        )
        assert small.status_code == 200  # under the limit, Gradio still takes it
        kept = [p for p in cache.rglob("*") if p.is_file() and p.stat().st_size > 1024 * 1024]
        assert kept == []

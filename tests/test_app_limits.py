"""The app's limits: login throttle, upload size, offline page. Real app on loopback."""

import httpx
import pytest
from test_web import start_app

from qa.app.access.throttle import LoginThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_locks_out_after_failures_doubles_and_forgets_on_success():
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, lockout_seconds=30, clock=clock)
    for _ in range(2):
        throttle.failed("10.0.0.1")
        assert throttle.wait_seconds("10.0.0.1") == 0
    throttle.failed("10.0.0.1")
    assert throttle.wait_seconds("10.0.0.1") == 30
    assert throttle.wait_seconds("10.0.0.2") == 0  # per client
    clock.now += 31
    assert throttle.wait_seconds("10.0.0.1") == 0
    throttle.failed("10.0.0.1")  # still failing: twice as long
    assert throttle.wait_seconds("10.0.0.1") == 60
    clock.now += 61
    throttle.succeeded("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.wait_seconds("10.0.0.1") == 0  # a success starts the count again


def _login(url: str, password: str, source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.post(f"{url}login", data={"username": "reader", "password": password})


@pytest.mark.browser
def test_wrong_passwords_lock_out_that_client_only(tmp_path):
    env = {"QA_AUTH": "reader:s3cret", "QA_LOGIN_MAX_FAILURES": "3"}
    for url, _ in start_app(tmp_path, **env):
        for _ in range(3):
            assert _login(url, "wrong").status_code == 400
        refused = _login(url, "s3cret")  # even the right password, while locked out
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert "try again" in refused.json()["detail"]
        assert _login(url, "s3cret", source="127.0.0.2").status_code == 200  # another client


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


@pytest.mark.browser
def test_the_login_throttle_covers_every_way_to_present_a_password(tmp_path):
    """Issue 20 item 3: wrong keys on /v1 (Bearer or Basic) count like wrong logins,
    and a locked-out address cannot try on /v1 either (the real `openai` client)."""
    import openai

    env = {"QA_AUTH": "reader:s3cret", "QA_LOGIN_MAX_FAILURES": "3"}
    for url, _ in start_app(tmp_path, **env):

        def client(key, base=f"{url}v1"):
            return openai.OpenAI(base_url=base, api_key=key, max_retries=0)

        assert [m.id for m in client("reader:s3cret").models.list()] == ["qa-news"]
        for _ in range(3):
            with pytest.raises(openai.AuthenticationError):
                client("reader:guess").models.list()
        for key in ("reader:guess", "reader:s3cret"):  # even the right key, while locked out
            with pytest.raises(openai.RateLimitError) as caught:
                client(key).models.list()
            assert "try again" in caught.value.message
            assert int(caught.value.response.headers["retry-after"]) > 0
        with pytest.raises(openai.RateLimitError):
            client("reader:s3cret").chat.completions.create(
                model="qa-news", messages=[{"role": "user", "content": "Who?"}]
            )
        basic = httpx.get(f"{url}v1/models", auth=("reader", "s3cret"), timeout=30)
        assert basic.status_code == 429
        assert _login(url, "s3cret").status_code == 429  # one count for all the ways in

        # Another address: wrong logins on the page lock /v1 for it too.
        for _ in range(3):
            assert _login(url, "wrong", source="127.0.0.2").status_code == 400
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=transport, timeout=30) as other:
            right = {"Authorization": "Bearer reader:s3cret"}
            assert other.get(f"{url}v1/models", headers=right).status_code == 429
        # A header on a route that does not check it does not reset the count.
        transport = httpx.HTTPTransport(local_address="127.0.0.3")
        with httpx.Client(transport=transport, timeout=30) as third:
            wrong = {"Authorization": "Bearer reader:guess"}
            for _ in range(2):
                assert third.get(f"{url}v1/models", headers=wrong).status_code == 401
            assert third.get(url, headers=right).status_code < 400
            assert third.get(f"{url}v1/models", headers=wrong).status_code == 401
            assert third.get(f"{url}v1/models", headers=right).status_code == 429


@pytest.mark.browser
def test_the_route_schema_is_not_served_without_a_login(tmp_path):
    """Issue 20 item 8: with QA_AUTH, /openapi.json (and the docs pages) are not served."""
    for url, _ in start_app(tmp_path, wait_synced=False, QA_AUTH="reader:s3cret"):
        for path in ("openapi.json", "docs", "redoc"):
            got = httpx.get(f"{url}{path}", timeout=30)
            assert got.status_code in (401, 403, 404), (path, got.status_code)
            assert "/v1/chat/completions" not in got.text
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200  # the login page itself still comes

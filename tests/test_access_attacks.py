"""The login holds (issue 36, 3-6), on the real app with two users (``QA_AUTH``) and a
second origin served on loopback: the throttle counts the peer's own address (not one
a client names in X-Forwarded-For), another site's page can neither sign a visitor in
nor post for them, and it cannot frame the app."""

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import free_port
from test_chat_web import browser as browser  # the fixture
from test_web import _wait, start_app

USERS = "alice:pw1,bob:pw2"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The real app, alice and bob: (url, corpus)."""
    yield from start_app(tmp_path_factory.mktemp("app"), QA_AUTH=USERS)


@pytest.fixture
def other_site(tmp_path):
    """Another origin on loopback: (its url, the folder it serves)."""
    folder = tmp_path / "site"
    folder.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()


@pytest.mark.slow
def test_the_login_throttle_ignores_x_forwarded_for(tmp_path):
    import httpx

    env = {"QA_AUTH": USERS, "QA_LOGIN_LOCKOUT_SECONDS": "2"}
    for url, _ in start_app(tmp_path, **env):
        with httpx.Client(timeout=60) as client:
            codes = [
                client.post(
                    f"{url}login",
                    data={"username": "alice", "password": f"guess{i}"},
                    headers={"X-Forwarded-For": f"10.0.0.{i}"},
                ).status_code
                for i in range(12)
            ]
            assert 429 in codes, codes  # a new X-Forwarded-For is not a new client
            wait = float(
                client.post(f"{url}login", data={"username": "a", "password": "b"}).headers.get(
                    "retry-after", 0
                )
            )
            assert wait > 0
            time.sleep(wait + 0.5)
            codes = [
                client.get(
                    f"{url}v1/models",
                    headers={
                        "Authorization": f"Bearer alice:key{i}",
                        "X-Forwarded-For": f"10.1.{i}.1",
                    },
                ).status_code
                for i in range(30)
            ]
            assert 429 in codes, codes


@pytest.mark.slow
def test_another_sites_form_cannot_sign_a_visitor_in(app, other_site):
    """What a browser sends when another site's page posts a form to /login (login CSRF):
    refused with one line, no session cookie; the app's own page still signs in."""
    import httpx

    url, _ = app
    site, _ = other_site
    form = {"username": "bob", "password": "pw2"}
    for headers in (
        {"Origin": site, "Sec-Fetch-Site": "same-site"},  # another port of the same host
        {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": site},  # a browser without Sec-Fetch-*
        {"Origin": "null"},  # a sandboxed frame
    ):
        got = httpx.post(f"{url}login", data=form, headers=headers, timeout=60)
        assert got.status_code == 403, (headers, got.status_code, got.text)
        assert "another site" in got.json()["detail"] and not got.cookies, headers
    own = url.rstrip("/")
    for headers in ({"Origin": own, "Sec-Fetch-Site": "same-origin"}, {"Origin": own}, {}):
        got = httpx.post(f"{url}login", data=form, headers=headers, timeout=60)
        assert got.status_code == 200 and got.cookies, (headers, got.status_code)


@pytest.mark.slow
def test_another_sites_page_cannot_post_with_a_visitors_cookie(app, other_site):
    import httpx

    url, _ = app
    site, _ = other_site
    with httpx.Client(timeout=60) as bob:
        assert bob.post(f"{url}login", data={"username": "bob", "password": "pw2"}).is_success
        got = bob.post(
            f"{url}gradio_api/queue/join",
            json={"data": [], "fn_index": 0, "session_hash": "x"},
            headers={"Origin": site, "Sec-Fetch-Site": "same-site"},
        )
        assert got.status_code == 403 and "another site" in got.json()["detail"]


@pytest.mark.slow
def test_no_other_site_may_frame_the_app(app):
    import httpx

    url, _ = app
    for path in ("", "login", "gradio_api/info", "v1/models"):
        headers = httpx.get(f"{url}{path}", timeout=60).headers
        assert headers.get("x-frame-options") == "SAMEORIGIN", path
        assert "frame-ancestors 'self'" in headers.get("content-security-policy", ""), path


@pytest.mark.browser
def test_in_a_browser_another_sites_form_and_frame_get_nothing(app, other_site, browser):
    """The attack pages themselves, served from another origin, in headless Chromium."""
    url, _ = app
    site, folder = other_site
    (folder / "login.html").write_text(
        f'<form id="f" method="post" action="{url}login">'
        '<input name="username" value="bob"><input name="password" value="pw2"></form>'
        '<script>document.getElementById("f").submit()</script>'
    )
    (folder / "frame.html").write_text(f'<iframe id="app" src="{url}" width=800 height=600>')
    browser.delete_all_cookies()
    browser.get(f"{site}/login.html")
    _wait(browser, lambda d: "another site" in d.page_source or "Login" in d.page_source, 60)
    browser.get(url)  # the visitor opens the app: not signed in as bob
    _wait(browser, lambda d: d.find_elements("css selector", "input[type=password]"), 180)
    assert not [c for c in browser.get_cookies() if c["name"].startswith("access-token")]

    browser.get(f"{site}/frame.html")
    browser.switch_to.frame("app")

    def settled(d):  # Chromium's error page (refused), or the app's login form (framed)
        framed = d.find_elements("css selector", "input[type=password]")
        return (
            "framed"
            if framed
            else d.execute_script("return document.URL").startswith("chrome-error")
        )

    assert _wait(browser, settled, 180) is True
    browser.switch_to.default_content()

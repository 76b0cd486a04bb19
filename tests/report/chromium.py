"""A minimal headless-Chromium driver over the DevTools protocol on a pipe (`--remote-debugging-pipe`).

Chromium reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4, so no
websocket library or free port is needed. Used by the report tests to load a page the way a reader's
browser does and collect console errors, failed requests and script results.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-pipe"]


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


class Browser:
    def __init__(self, binary: str, timeout: float = 60.0):
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # The child must see our pipe ends as fds 3 (its input) and 4 (its output). Move them above 4 first
        # so the dup2 calls cannot overwrite each other; os.pipe fds are close-on-exec, dup2 copies are not,
        # so the child inherits exactly fds 3 and 4 (hence close_fds=False, which would close them again).
        child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)

        def remap():
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self._proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
                                      close_fds=False, preexec_fn=remap,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(child_r)
        os.close(child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send a command and wait for its reply, keeping the events that arrive meanwhile."""
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, session: str) -> dict:
        deadline = time.monotonic() + self.timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            message = self._read(deadline)
            self.events.append(message)
            if message.get("method") == method and message.get("sessionId") == session:
                return message

    def close(self) -> None:
        try:
            self._send("Browser.close")
            self._proc.wait(timeout=10)
        except Exception:
            self._proc.kill()
            self._proc.wait()
        finally:
            os.close(self._to_chrome)
            os.close(self._from_chrome)
            shutil.rmtree(self._profile, ignore_errors=True)


# Images that failed, and images not yet decoded, after the load event: lazy images are forced to load first.
BROKEN_IMAGES = """
(async () => {
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.getAttribute('src'));
})()
"""


def _open(browser: Browser, path: Path) -> str:
    """A new tab with `path` loaded and its images decoded; returns the DevTools session."""
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.call(f"{domain}.enable", session=session)
    browser.call("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=session)
    browser.wait_for("Page.loadEventFired", session)
    return session


def _evaluate(browser: Browser, session: str, script: str, wait: bool = False):
    return browser.call("Runtime.evaluate", {"expression": script, "awaitPromise": wait, "returnByValue": True},
                        session=session)["result"].get("value")


def inspect_page(binary: str, path: Path, script: str) -> dict:
    """Load a local page; return console errors, failed loads, broken images and the value of `script`."""
    browser = Browser(binary)
    try:
        session = _open(browser, path)
        broken = _evaluate(browser, session, BROKEN_IMAGES, wait=True)
        value = _evaluate(browser, session, script)
        events = [e for e in browser.events if e.get("sessionId") == session]
    finally:
        browser.close()
    errors = [e["params"]["entry"]["text"] for e in events
              if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
    errors += [" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"]) for e in events
               if e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert")]
    errors += [e["params"]["exceptionDetails"].get("text", "exception") for e in events
               if e.get("method") == "Runtime.exceptionThrown"]
    failed = [e["params"].get("errorText", "") for e in events if e.get("method") == "Network.loadingFailed"]
    return {"errors": errors, "failed_requests": failed, "broken_images": broken, "value": value}


def at_widths(binary: str, path: Path, widths, script: str, screenshots: Path | None = None,
              max_height: int = 30000) -> dict[int, object]:
    """Load a page once and, at each window width (CSS px), evaluate `script` and optionally save a full-page
    PNG `<screenshots>/<page>-<width>.png` (cut at max_height). One browser for every width."""
    browser = Browser(binary)
    found = {}
    try:
        session = _open(browser, path)
        _evaluate(browser, session, BROKEN_IMAGES, wait=True)   # lazy images laid out before measuring
        for width in widths:
            browser.call("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
            found[width] = _evaluate(browser, session, script)
            if screenshots is not None:
                # A window as tall as the page, so the shot paints what a reader sees, scroll bars included.
                height = min(int(_evaluate(browser, session, "document.documentElement.scrollHeight")), max_height)
                browser.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                                    "deviceScaleFactor": 1, "mobile": False},
                             session=session)
                shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
                Path(screenshots).mkdir(parents=True, exist_ok=True)
                (Path(screenshots) / f"{Path(path).stem}-{width}.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.close()
    return found


WIDTHS = (1400, 1000)   # a laptop and a narrow window, CSS px
# Every leaderboard and overview table: does it end inside the window, and where it is wider than its frame, does
# the frame scroll with a drawn scroll bar (not a hidden overlay) and the model column stay in view when scrolled
# to the far right? Then the check's own control: the widest frame, where wider than the window, made
# non-scrolling must show up as page overflow.
FIT = """JSON.stringify((() => {
  const page = () => document.documentElement.scrollWidth, view = document.documentElement.clientWidth;
  const tables = Array.from(document.querySelectorAll('table.leaderboard, table.overview')).map(t => {
    const frame = t.parentElement, box = frame.getBoundingClientRect();
    const wide = frame.scrollWidth > frame.clientWidth + 1;
    frame.scrollLeft = frame.scrollWidth;
    const name = t.querySelector('tbody td.name').getBoundingClientRect();
    const fixed = Math.abs(name.left - box.left) <= 2 && name.right <= box.right;
    frame.scrollLeft = 0;
    const style = getComputedStyle(frame);
    const bar = frame.offsetHeight - frame.clientHeight - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
    return {table: t.className + ' ' + t.dataset.dataset, inside: box.right <= view, wide, fixed,
            scrolls: ['auto', 'scroll'].includes(style.overflowX) && bar > 0};
  });
  const before = page();
  const widest = Array.from(document.querySelectorAll('.frame')).sort((a, b) => b.scrollWidth - a.scrollWidth)[0];
  let control = null;   // nothing to show when every table fits
  if (widest.scrollWidth > widest.clientWidth + 1) {
    widest.style.overflowX = 'visible';
    control = page() > view;
    widest.style.overflowX = '';
  }
  return {page: before, view, tables, control};
})())"""


def assert_fits(found: dict) -> None:
    """At each width: no sideways page scroll, every table inside the window, a wide one scrolls in its frame."""
    for width, value in found.items():
        fit = json.loads(value)
        assert fit["page"] <= fit["view"], f"the page scrolls sideways at {width} px"
        assert fit["control"] is not False, f"the check cannot see an overflowing table at {width} px"
        for table in fit["tables"]:
            assert table["inside"], f"{table['table']} ends outside the window at {width} px"
            assert not table["wide"] or (table["scrolls"] and table["fixed"]), \
                f"{table['table']} is wider than its frame at {width} px without a scroll bar and a fixed model column"
    assert any(t["wide"] for t in json.loads(found[min(found)])["tables"])   # the scrolling path was exercised

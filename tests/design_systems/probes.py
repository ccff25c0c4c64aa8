"""What the design-system tests read from a page: the host's boxes, where focus is (through
shadow roots), the widget's colours and font, and keyboard walks."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

# Settled: web fonts loaded, the GC Design System's components hydrated, transitions (such as
# a modal fading in) over, two frames drawn.
SETTLE = """async () => {
  await document.fonts.ready;
  const waiting = () => [...document.querySelectorAll('*')].some(
    e => e.localName.startsWith('gcds-') && !e.classList.contains('hydrated'));
  for (let i = 0; i < 200 && waiting(); i++) await new Promise(r => setTimeout(r, 25));
  const ending = document.getAnimations()
    .filter(a => a.effect?.getTiming().iterations !== Infinity);
  await Promise.race([Promise.all(ending.map(a => a.finished.catch(() => null))),
                      new Promise(r => setTimeout(r, 2000))]);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""

# The host's own elements (numbered data-box by hosts.render), in page coordinates, each
# marked 1 when it holds the inline widget's container.
BOXES = """() => {
  const out = {width: document.documentElement.scrollWidth};
  const c = document.getElementById('feedback-survey');
  const box = e => { const r = e.getBoundingClientRect();
    return [r.x + scrollX, r.y + scrollY, r.width, r.height].map(v => Math.round(v * 10) / 10)
      .concat(e.contains(c) ? 1 : 0); };
  for (const e of document.querySelectorAll('[data-box]')) out[e.dataset.box] = box(e);
  out.container = box(c);
  return out;
}"""

# The focused element, through every open shadow root; inWidget when a plain <div> host (the
# widget's) is on the way, as the design systems' own shadow hosts are their custom elements.
DEEP_ACTIVE = """() => {
  let a = document.activeElement, inWidget = false;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) {
    inWidget = inWidget || a.localName === 'div';
    a = a.shadowRoot.activeElement;
  }
  if (!a) return null;
  const r = a.getBoundingClientRect(), root = a.getRootNode();
  // A design system's button shows its host's text through a slot.
  const text = (a.textContent || '').trim()
    || (root.host && !inWidget ? root.host.textContent.trim() : '');
  return {tag: a.tagName, type: a.type || null, text,
          inDialog: !!a.closest('dialog'), inWidget, rect: [r.x, r.y, r.width, r.height]};
}"""

# The widget's look around one of its controls: the first opaque background up its shadow
# tree, the colour of its text, the control's colour scheme and the font of the question.
LOOK = """e => {
  let b = e;
  while (b && getComputedStyle(b).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/))
    b = b.parentElement;
  const q = e.closest('fieldset')?.querySelector('legend') || e;
  return {bg: b ? getComputedStyle(b).backgroundColor : null, fg: getComputedStyle(q).color,
          scheme: getComputedStyle(e).colorScheme, font: getComputedStyle(q).fontFamily};
}"""

# Whether the tab is drawn, and if so whether its widget is the topmost thing at its centre.
TAB_ON_TOP = """e => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  if (!r.width || !r.height || s.visibility === 'hidden' || s.display === 'none') return 'hidden';
  const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return top === e.getRootNode().host ? 'top' : 'under';
}"""


# Every Content-Security-Policy report of the page, kept for the tests (an init script, which
# the page's policy does not govern).
CSP_LISTENER = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile}));"""


def luminance(css: str) -> float:
    """Relative luminance (WCAG) of an rgb()/rgba() colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def first_family(css: str) -> str:
    return css.split(",")[0].strip().strip("\"'").lower()


def overlap(a: list[float], b: dict[str, float] | None) -> bool:
    """Whether rectangle a [x, y, w, h] and Playwright box b intersect."""
    if not b:
        return False
    return not (
        a[0] + a[2] <= b["x"]
        or b["x"] + b["width"] <= a[0]
        or a[1] + a[3] <= b["y"]
        or b["y"] + b["height"] <= a[1]
    )


def tab_until(
    page: Any, want: Callable[[dict[str, Any]], bool], limit: int = 80, key: str = "Tab"
) -> dict[str, Any]:
    """Press Tab (or `key`) until the focused element is the one wanted; fail after `limit`."""
    for _ in range(limit):
        page.keyboard.press(key)
        active = page.evaluate(DEEP_ACTIVE)
        if active and want(active):
            return dict(active)
    raise AssertionError("Tab never reached the control")


def wait_for(check: Callable[[], Any], timeout: float = 10) -> Any:
    """Poll the database until `check` is truthy (answers travel by real HTTP)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)

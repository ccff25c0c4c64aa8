/* Feedback survey widget: the readable source of the served embed.js, which is this file
 * through terser -c -m (tests/answers/test_widget_size.py checks they match; rebuild the served
 * file with `npm ci --prefix tools/widget && npm run --prefix tools/widget build`). Snippet:
 * <script async src="https://HOST/embed.js" data-survey="ID" data-channel="web"></script>
 * Attributes: data-lang, data-touchpoint, data-target, data-mode (inline|button), data-trigger,
 * data-theme (light|dark), data-font (own). Theme: --fb-accent, --fb-bg, --fb-fg, --fb-font,
 * --fb-size, --fb-radius, --fb-control. See docs/embedding.md. */
(() => {
  const D = document, OB = "fb-outbox", RANGE = { rating5: [1, 5], ces7: [1, 7], nps: [0, 10] };
  // Colours: the page's colour scheme (its color-scheme meta tag or CSS, or data-theme on the
  // script or the page's root) reaches the widget through its host, and light-dark() picks the
  // dark ones only where the page supports dark, never from the visitor's system setting alone.
  // Type: the page's font family and size, inherited through the host (data-font="own" opts
  // out). Radios and checkboxes are --fb-control big (40px on GOV.UK-like pages). The tab sits
  // under the page's own overlays (z-index 999), and is hidden while a page's modal is open.
  const CSS = `:host{all:initial!important;display:block!important;color-scheme:inherit!important;font:inherit!important;--c:var(--fb-control,1.5em);--a:var(--fb-accent,light-dark(#1d4e89,#9cf));--g:var(--fb-bg,light-dark(#fff,#222));--f:var(--fb-fg,light-dark(#222,#fff));--e:light-dark(#b3261e,#f99);--r:var(--fb-radius,.25em)}:host(.light){color-scheme:light!important}:host(.dark){color-scheme:dark!important}:host(.own){font:medium system-ui!important}*{box-sizing:border-box;margin:0;padding:0;border:0;font:inherit;color:inherit;background:0}.w,.tab{line-height:1.5;font-family:var(--fb-font,var(--p));font-size:var(--fb-size)}.w{color:var(--f);background:var(--g);max-width:40em;padding:1.5em;border:1px solid #8888;border-radius:var(--r);overflow-wrap:break-word}.hd,.o,.ends{display:flex;flex-wrap:wrap;gap:.25em 1.5em;justify-content:space-between}h2{flex:1;font-size:1.375em;line-height:1.3}h2,h3,legend,label,.er,.b,.ok{font-weight:700}legend,.q>label,.h,.er,.pg{display:block;margin-bottom:.5em}.rq,.sv,.c,.pg{font-weight:400}.q,.sum,.hd,.sv:not(:empty){margin-bottom:1.5em}.bad{border-left:4px solid var(--e);padding-left:1em}fieldset{min-width:0}.h,.ends,.pg{opacity:.8}.er,.sum .lk{color:var(--e)}.o{flex-direction:column}.r{flex-direction:row;justify-content:start}.n{gap:.25em}.c{display:flex;align-items:center;gap:.6em;width:fit-content;padding:.25em 0}.n .c{flex-direction:column-reverse;min-width:2.25em}input{width:var(--c);height:var(--c);flex:none;accent-color:var(--a)}.sc{width:fit-content}.ends{font-size:.875em;margin-top:.25em}textarea{width:100%;min-height:6em;padding:.5em;border:1px solid #777;border-radius:var(--r)}.sum{border:3px solid var(--e);padding:1em}ul{list-style:none}.lk{color:var(--a);text-decoration:underline;text-align:start}.b{color:var(--g);background:var(--a);border:2px solid var(--a);border-radius:var(--r);padding:.5em 1.5em;min-height:2.75em}.b:disabled{opacity:.6}.ok p{padding:.5em 1em;border-left:4px solid var(--a)}:focus-visible{outline:3px solid var(--a);outline-offset:2px}.tab{position:fixed;z-index:999;bottom:0;right:1em;border-radius:var(--r) var(--r) 0 0}.l{right:auto;left:1em}.k{writing-mode:vertical-rl;right:0;bottom:40%;padding:1em 0}dialog{margin:auto;width:40em;max-width:calc(100% - 1em)}::backdrop{background:#000a}`;
  let sheet;

  const h = (tag, a, ...kids) => {
    const e = D.createElement(tag);
    for (const k in a) if (a[k]) e.setAttribute(k, a[k]);
    e.append(...kids.flat().filter(Boolean));
    return e;
  };
  const div = (cls, ...kids) => h("div", { class: cls }, ...kids), P = (a, ...kids) => h("p", a, ...kids);
  const button = (cls, text, onclick, a) =>
    Object.assign(h("button", { type: "button", class: cls, ...a }, text), { onclick });

  // The outbox: answers not stored yet, by Idempotency-Key, kept in localStorage until the
  // server has them (nothing else is kept), so a retry or the next page load sends them once.
  const ob = (k, v) => {
    let b = {};
    try {
      b = JSON.parse(localStorage[OB] || "{}");
      if (k) {
        v ? (b[k] = v) : delete b[k];
        Object.keys(b)[0] ? (localStorage[OB] = JSON.stringify(b)) : localStorage.removeItem(OB);
      }
    } catch {}
    return b;
  };
  // Send an outbox entry: POST until the response exists, then PATCH it with the amend token.
  // Network errors, 5xx and 429 retry with backoff; `w` (the widget that sent it) is told once that
  // the first try failed. Only that widget asks for a preview: a later page stores what is left.
  const go = async (k, n = 0, w) => {
    const e = ob()[k], b = JSON.parse(e?.b || 0);
    if (!e) return { r: { ok: 1 } }; // an earlier send took this very body: nothing left to do
    w || delete b.preview;
    let r, j = {};
    try {
      r = await fetch(e.u + (e.id ? "/" + e.id : ""), { keepalive: 1, method: e.id ? "PATCH" : "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": k },
        body: JSON.stringify({ ...b, amend_token: e.t }) });
      j = await r.json();
    } catch {}
    if (!r || r.status > 499 || r.status == 429) { // down, or busy: try again later
      n || w?.();
      await new Promise(f => setTimeout(f, Math.min(2 ** n, 30) * 1e3));
      return go(k, n + 1, w);
    }
    // A replayed POST (200) is this very body stored by an earlier try (the server refuses a key
    // sent again with another body), so there is nothing to amend; it carries no amend token.
    const f = ob()[k];
    if (f) {
      r.ok && Object.assign(f, { id: j.id, t: j.amend_token });
      ob(k, f.b == e.b ? 0 : f);
    }
    return { r, j };
  };

  const init = async s => {
    const ds = s.dataset, api = new URL(s.src).origin + "/api/v1/surveys/" + encodeURIComponent(ds.survey);
    let lang = /^fr/i.test(ds.lang || D.documentElement.lang) ? "fr" : "en";
    // The channel, touchpoint and language: the reach count reads the first two, a refusal builds
    // its link to the hosted survey from all three. Only these: the page's other data-
    // attributes are its own, and this address lands in server and proxy logs.
    const qp = new URLSearchParams({ lang, channel: ds.channel || "", touchpoint: ds.touchpoint || "" }),
      res = await fetch(api + "?" + qp);
    if (D.readyState == "loading") await new Promise(r => D.addEventListener("DOMContentLoaded", r));
    // Inline: in data-target, else after the script tag, else at the end of the body.
    const put = x => {
      let at;
      try { at = ds.target && D.querySelector(ds.target); } catch {}
      at ? at.append(x) : s.closest("body") ? s.after(x) : D.body.append(x);
    };
    if (!res.ok) {
      // Closed, or server trouble: draw nothing. Not allowed on this site: the refusal carries a
      // plain link to the hosted survey, so the person can still answer (a trigger links there
      // already), and the command that allows the site, for the publisher's console.
      const e = (await res.json()).error;
      if (e.link) console.warn(e.message), ds.trigger || put(h("a", { href: e.link.href }, e.link.text));
      return;
    }
    // The interface's words come with it, in each of its languages, from the catalogue the hosted
    // page reads (its words for a missing answer, its buttons): the file carries none of its own.
    const sv = await res.json(), qs = sv.questions, q0 = qs[0], T = sv.texts, langs = sv.languages;
    // Short surveys go one question at a time: the first answer is stored at once, each next
    // step amends the same response.
    const step = !qs[5] && !/multi|text/.test(q0.kind) && !q0.show_if;
    // 128 random bits (randomUUID would need a secure context, not every host page is https).
    const ans = {}, key = crypto.getRandomValues(new Uint32Array(4)).join("-"); // answers outlive redraws
    let errs = {}, note, done, saved, down, form, ws, btn, vis, cur = 0, st = {}, chain = Promise.resolve(), box, dlg,
      op, tab;
    if (!langs.includes(lang)) lang = langs[0];
    const t = x => x?.[lang] || "";
    // show_if: shown when the named (earlier) question is shown and answered with one of `values`
    const shown = q => {
      const c = q.show_if, p = c && qs.find(x => x.id == c.question);
      return !c || (!!p && shown(p) && [].concat(ans[p.id]).some(v => c.values.includes(v)));
    };
    // The next step: the first question after the current one that is shown.
    const later = () => step && qs.findIndex((q, i) => i > cur && shown(q)) + 1;
    const upd = () => {
      ws.forEach((w, i) => (w.hidden = !shown(qs[i]) || (step && i != cur)));
      btn.textContent = T[lang][later() ? "next" : "send"];
    };
    const value = q => ans[q.id]?.trim?.() ?? ans[q.id], has = q => (value(q) ?? "") + "";
    const say = (sel, m, e = box.querySelector(sel)) => e && ((e.hidden = 0), e.replaceChildren(m));
    // An answered question's error goes at once, and the summary with the last one.
    const fix = (q, i, w = ws[i]) => {
      if (errs[q.id] && has(q)) {
        delete errs[q.id];
        w.className = "q";
        w.querySelector(".er").remove();
        w.querySelector("[aria-invalid]").removeAttribute("aria-invalid");
        box.querySelector("#s" + i).remove();
        Object.keys(errs)[0] || (box.querySelector(".sum").hidden = 1);
      }
    };

    const question = (q, i, L) => {
      const k = q.kind, n = "q" + i, err = errs[q.id], hid = t(q.hint) && "h" + i, eid = err && "e" + i;
      const R = RANGE[k], multi = k == "multi", text = k == "text", max = q.max_length || 2000;
      const aria = { "aria-required": q.required && !multi && "true", "aria-invalid": err && "true",
        "aria-describedby": [hid, eid, text && "c" + i].filter(Boolean).join(" ") };
      // From the second step on, the question starts with its place ("2 of 3") and takes focus.
      const now = step && cur && i == cur && { class: "st", tabindex: -1 };
      const title = [now && h("span", { class: "pg" }, vis.indexOf(q) + 1 + L.of + vis.length), t(q.text),
        q.required && h("span", { class: "rq" }, " " + L.required)];
      const top = [hid && P({ class: "h", id: hid }, t(q.hint)), err && P({ class: "er", id: eid }, err)];
      const cls = "q" + (err ? " bad" : "");
      if (text) {
        const ta = h("textarea", { id: n, name: n, maxlength: max, ...aria });
        const cnt = P({ class: "h", id: "c" + i, "aria-hidden": "true" });
        ta.value = ans[q.id] || "";
        // The count is read with the field's description (aria-describedby), not on each key.
        (ta.oninput = e => (cnt.textContent = (ans[q.id] = ta.value).length + " / " + max, e && fix(q, i)))();
        return div(cls, h("label", { for: n, ...now }, title), top, ta, cnt);
      }
      const src = (R || k == "yes_no" ? q.scale : q.options) || [];
      const lab = v => t(src.find(p => p.id == "" + v)?.label);
      const pts = R ? Array.from({ length: R[1] - R[0] + 1 }, (_, j) => R[0] + j)
        : k == "yes_no" ? [true, false] : src.map(o => o.id);
      const row = k == "nps", did = v => row && lab(v) && `d${i}-${v}`;
      const list = div(row ? "o r n" : k == "yes_no" ? "o r" : "o", pts.map(v => {
        const inp = h("input", { type: multi ? "checkbox" : "radio", name: n, value: "" + v, "aria-describedby": did(v) });
        inp.checked = [].concat(ans[q.id]).includes(v);
        inp.onchange = () => {
          ans[q.id] = multi ? pts.filter(p => (p === v ? inp.checked : ans[q.id]?.includes(p))) : v;
          upd();
          fix(q, i);
          if (step && q == q0) save().then(x => x.r?.ok && ((saved = 1), say(".sv", T[lang].saved)));
        };
        return h("label", { class: "c" }, inp, h("span", 0, row ? "" + v : R ? v + " " + lab(v) : lab(v)));
      }));
      const ends = row && div("ends", pts.filter(did).map(v => P({ id: did(v) }, lab(v))));
      return div(cls, h("fieldset", { role: !multi && "radiogroup", ...aria }, h("legend", now, title), top,
        ends ? div("sc", list, ends) : list));
    };

    const draw = focus => {
      const L = T[lang], other = langs.find(l => l != lang), bad = qs.filter(q => errs[q.id]);
      const sum = h("div", { class: "sum", role: "alert", tabindex: -1, hidden: !bad[0] && !note },
        bad[0] && [h("h3", 0, L.problem), h("ul", 0, bad.map(q => h("li", { id: "s" + qs.indexOf(q) }, button("lk", errs[q.id], () => {
          box.querySelector(`[name=q${qs.indexOf(q)}]`).focus();
        }))))],
        note && P(0, note));
      vis = qs.filter(q => shown(q));
      ws = qs.map((q, i) => question(q, i, L));
      form = h("form", { novalidate: 1 }, sum, ws, P({ class: "sv", role: "status" }, !cur && saved && L.saved),
        (btn = h("button", { class: "b" })));
      form.onsubmit = e => { e.preventDefault(); fin(); };
      upd();
      host.lang = lang;
      if (tab) tab.textContent = L.tab;
      box.replaceChildren(h("div", { class: "w", lang, dir: "ltr" },
        div("hd", h("h2", { id: "t" }, h("span", { class: "pg" }, t(sv.service?.name)), t(sv.title)), other &&
          button("lk tg", T[other].language, () => { lang = other; errs = {}; note = 0; draw(".tg"); }, { lang: other }),
          dlg && button("lk", L.close, () => dlg.close())),
        done ? h("div", { class: "ok", role: "status", tabindex: -1 }, P(0, L.thanks)) : form));
      if (focus) box.querySelector(focus).focus();
    };

    // The network is down: say so once the person has asked to send.
    const wait = () => (down = 1) && btn.disabled && say(".sum", P(0, T[lang].waiting));
    // Queue the answers shown so far; `fin` marks the last save (required answers checked).
    // `preview`: a text the server would scrub comes back scrubbed, unstored, for the person to check.
    const save = fin => {
      const answers = {};
      for (const q of qs) if (shown(q) && has(q)) answers[q.id] = value(q);
      ob(key, { ...ob()[key], ...st, u: api + "/responses", b: JSON.stringify({ channel: ds.channel || "web", language: lang,
        touchpoint: ds.touchpoint || undefined, answers, partial: !fin, preview: true }) });
      return (chain = chain.then(() => go(key, 0, wait))
        .then(x => (x.j?.id && ((st = { id: x.j.id, t: x.j.amend_token }), (down = 0)), x)));
    };

    // Send (or Next): check the required answers in view, store, then thank or go on.
    const fin = async () => {
      if (btn.disabled) return;
      const L = T[lang], last = !later();
      errs = {}; note = 0;
      for (const q of qs) if (shown(q) && (!step || q == qs[cur]) && q.required && !has(q))
        errs[q.id] = L.missing[q.kind] + t(q.text);
      if (Object.keys(errs)[0]) return draw(".sum");
      btn.disabled = 1;
      down && wait();
      const { r, j = {} } = await save(last);
      if (r?.ok) last ? (done = 1) : (cur = later() - 1);
      else {
        // 422 personal_information: the scrubbed texts go back in their boxes to be sent again.
        const e = j.error || {}, f = (r?.status == 422 && e.fields) || {}, p = e.code == "personal_information";
        qs.forEach(q => f[q.id] && ((p ? ans : errs)[q.id] = f[q.id]));
        Object.keys(errs)[0] || (note = e.message || L.failed);
      }
      draw(done ? ".ok" : r?.ok ? ".st" : ".sum");
    };

    const host = h("div", { class: [ds.theme || D.documentElement.dataset.theme, ds.font].join(" ").trim() }),
      root = host.attachShadow({ mode: "open" });
    box = root;
    if (ds.mode == "button" || ds.trigger) {
      // A modal dialog: the page is inert behind it, Escape closes it, focus goes back to the opener.
      root.append((box = dlg = h("dialog", { "aria-labelledby": "t" })));
      dlg.onclose = () => op?.focus();
      dlg.onkeydown = e => { // keep Tab inside: from the last control to the first, and back
        const f = dlg.querySelectorAll("button,input,textarea"), a = f[0], z = f[f.length - 1];
        if (e.key == "Tab" && root.activeElement == (e.shiftKey ? a : z)) e.preventDefault(), (e.shiftKey ? z : a).focus();
      };
      // First focus on the question in view (not the language switch, read in the other language).
      const open = o => { op = o; dlg.showModal(); dlg.querySelector(".q:not([hidden]) :is(input,textarea)")?.focus(); };
      if (ds.trigger) D.addEventListener("click", e => {
        let o;
        try { o = e.target.closest(ds.trigger); } catch {}
        if (o) e.preventDefault(), open(o);
      });
      else {
        root.append((tab = button("b tab", "", () => open(tab))));
        // The tab yields to the page: hidden while a modal dialog of the page is open (never over
        // its backdrop, nor moved over its navigation), and never over what the person focused or
        // tapped: the other bottom corner, else a handle on the right edge (always, on a phone),
        // else hidden until they move on. Modals move focus in as they open and back as they close
        // (a <dialog> shown modally; Bootstrap, USWDS and most others set aria-modal while open).
        // `t`: what took focus, or the link or button clicked or tapped (some browsers focus
        // neither); a click elsewhere, or on the tab once its dialog is open, brings it home.
        const fit = t => {
          if (t != host && !(tab.hidden = [...D.querySelectorAll(":modal,[aria-modal=true]")]
            .some(m => m.getClientRects()[0]))) {
            const a = t?.getBoundingClientRect();
            tab.hidden = (innerWidth > 480 ? ["", " l", " k"] : [" k"]).every(c => {
              tab.className = "b tab" + c;
              const b = tab.getBoundingClientRect();
              return a && a.right > b.left && a.left < b.right && a.bottom > b.top && a.top < b.bottom;
            });
          }
        };
        addEventListener("focusin", e => fit(e.target), 1);
        addEventListener("click", e => fit(e.target.closest("a,button")), 1);
        fit();
      }
    }
    dlg ? D.body.append(host) : put(host);
    // The page's font family where it sets type by class (GOV.UK's .govuk-body), not on the way
    // to the widget, which then inherits the browser's default serif: that of the first paragraph
    // of its main content. Set through the CSSOM, which a strict CSP allows; --fb-font still wins.
    const ff = e => getComputedStyle(e).fontFamily, pg = D.querySelector("main p");
    ds.font || !pg || /^("?Times|serif)/.test(ff(host)) && (host.style.cssText = "--p:" + ff(pg));
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    draw();
    // Reach: one person offered the survey per page view, once the widget is seen (the tab, an
    // opened dialog, or the inline form). No cookie, no identifier; the server bounds counts.
    new IntersectionObserver((e, o) => e[0].isIntersecting && o.disconnect(navigator.sendBeacon(api + "/seen", qp))).observe(tab || dlg || host);
  };

  // The file may run once per tag or once for all tags.
  const run = s => {
    if (s.dataset.fbReady) return;
    s.dataset.fbReady = 1;
    init(s).catch(() => {});
  };
  for (const k in ob()) go(k); // answers a person left unsent on an earlier page
  // Iframe mode: our hosted page tells its height; size the frame that sent it (only that one).
  addEventListener("message", e => {
    for (const f of D.querySelectorAll("iframe")) if (f.contentWindow == e.source) f.style.height = +e.data?.fbh + "px";
  });
  D.querySelectorAll("script[data-survey][src*='embed.js']").forEach(run);
})();

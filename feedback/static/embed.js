/* Feedback survey widget. <script async src="https://HOST/embed.js" data-survey="ID"
 * data-channel="web"></script>; also data-lang, data-touchpoint, data-target, data-mode.
 * Theme: --fb-accent, --fb-bg, --fb-fg, --fb-font, --fb-size, --fb-radius. */
(() => {
  const D = document, RANGE = { rating5: [1, 5], ces7: [1, 7], nps: [0, 10] };
  const T = {
    en: { name: "English", req: "(required)", send: "Send", ask: "Answer this question: ", prob: "There is a problem",
      retry: "Try again", fail: "Sorry, your feedback could not be sent.", thanks: "Thank you. Your feedback was sent." },
    fr: { name: "Français", req: "(obligatoire)", send: "Envoyer", ask: "Répondez à cette question : ",
      prob: "Il y a un problème", retry: "Réessayer", fail: "Désolé, vos commentaires n'ont pas pu être envoyés.",
      thanks: "Merci. Vos commentaires ont été envoyés." },
  };
  const CSS = `:host{all:initial!important;display:block!important;--a:var(--fb-accent,#1d4e89);--g:var(--fb-bg,#fff);
--f:var(--fb-fg,#222);--e:#b3261e;--r:var(--fb-radius,.25em)}
@media(prefers-color-scheme:dark){:host{--a:var(--fb-accent,#9cc2ff);--g:var(--fb-bg,#1c1e21);--f:var(--fb-fg,#eee);--e:#ffaba3}}
*{box-sizing:border-box;margin:0;font:inherit;color:inherit}
.w{color:var(--f);background:var(--g);color-scheme:light dark;max-width:40em;padding:1.5em;border:1px solid #8888;
border-radius:var(--r);overflow-wrap:break-word;font:var(--fb-size,1em)/1.5 var(--fb-font,system-ui,sans-serif)}
.hd,.o,.ends{display:flex;flex-wrap:wrap;gap:.25em 1.5em;justify-content:space-between}
h2{font-size:1.375em;line-height:1.3}
h2,h3,legend,.q>label,.er,.b,.ok{font-weight:700}
legend,.q>label,.h,.er{display:block;padding:0;margin-bottom:.5em}
.rq{font-weight:400}
.q,.sum,.hd{margin-bottom:1.5em}
.bad{border-left:4px solid var(--e);padding-left:1em}
fieldset{border:0;padding:0;min-width:0}
.h,.ends{opacity:.8}
.er,.sum .lk{color:var(--e)}
.o{flex-direction:column}
.r{flex-direction:row;justify-content:start}
.n{gap:.25em}
.c{display:flex;align-items:center;gap:.6em;width:fit-content;padding:.25em 0;cursor:pointer;transition:color .2s}
.c:hover{color:var(--a)}
.n .c{flex-direction:column-reverse;min-width:2.25em}
input{width:1.5em;height:1.5em;flex:none;accent-color:var(--a)}
.sc{width:fit-content}
.ends{font-size:.875em;margin-top:.25em}
textarea{width:100%;min-height:6em;padding:.5em;border:1px solid #777;border-radius:var(--r)}
.sum{border:3px solid var(--e);padding:1em}
ul{list-style:none;padding:0}
.sum .b{margin-top:.75em}
.lk{color:var(--a);background:0;border:0;padding:.25em 0;text-decoration:underline;text-align:start;cursor:pointer}
.b{color:var(--g);background:var(--a);border:2px solid var(--a);border-radius:var(--r);padding:.5em 1.5em;min-height:2.75em;cursor:pointer}
.b:disabled{opacity:.6}
.ok{padding:.5em 1em;border-left:4px solid var(--a)}
:focus-visible{outline:3px solid var(--a);outline-offset:2px}
.sr{position:absolute;clip-path:inset(50%)}
@media(prefers-reduced-motion:reduce){*{transition:none!important}}`;
  let sheet;

  const h = (tag, a = {}, ...kids) => {
    const e = D.createElement(tag);
    for (const k in a) if (a[k]) e.setAttribute(k, a[k]);
    e.append(...kids.flat().filter(Boolean));
    return e;
  };
  const button = (cls, text, onclick, a) =>
    Object.assign(h("button", { type: "button", class: cls, ...a }, text), { onclick });
  const uuid = () => crypto.randomUUID?.() ?? "10000000-1000-4000-8000-100000000000".replace(/[018]/g,
    c => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));

  const init = async s => {
    const ds = s.dataset, opt = { mode: "cors", credentials: "omit" };
    const api = new URL(s.src).origin + "/api/v1/surveys/" + encodeURIComponent(ds.survey);
    const res = await fetch(api, opt);
    if (!res.ok) return; // closed, or server trouble: draw nothing
    const sv = await res.json(), qs = sv.questions, langs = sv.languages.filter(l => T[l]);
    const ans = {}; // outlives redraws
    let lang = /^fr/i.test(ds.lang || D.documentElement.lang) ? "fr" : "en", errs = {}, note, key, done, form, ws, tm;
    if (!langs.includes(lang)) lang = langs[0];
    if (D.readyState == "loading") await new Promise(r => D.addEventListener("DOMContentLoaded", r));
    const t = x => x?.[lang] || "";
    // show_if: shown when the named question is shown and answered with one of `values`
    const shown = (q, d = 9) => {
      const c = q.show_if, p = c && qs.find(x => x.id == c.question);
      return !c || (!!p && d && shown(p, d - 1) && [].concat(ans[p.id]).some(v => c.values.includes(v)));
    };
    const upd = () => ws.forEach((w, i) => (w.hidden = !shown(qs[i])));

    const question = (q, i, L) => {
      const k = q.kind, n = "q" + i, err = errs[q.id], hid = t(q.hint) && "h" + i, eid = err && "e" + i;
      const R = RANGE[k], multi = k == "multi", text = k == "text", max = q.max_length || 2000;
      const aria = { "aria-required": q.required && !multi && "true", "aria-invalid": err && "true",
        "aria-describedby": [hid, eid, text && "c" + i].filter(Boolean).join(" ") };
      const title = [t(q.text), q.required && h("span", { class: "rq" }, " " + L.req)];
      const top = [hid && h("p", { class: "h", id: hid }, t(q.hint)), err && h("p", { class: "er", id: eid }, err)];
      if (text) {
        const ta = h("textarea", { id: n, name: n, maxlength: max, ...aria });
        const cnt = h("p", { class: "h", id: "c" + i, "aria-hidden": "true" });
        const live = h("p", { class: "sr", "aria-live": "polite" });
        ta.value = ans[q.id] || "";
        (ta.oninput = e => {
          ans[q.id] = ta.value;
          cnt.textContent = ta.value.length + " / " + max;
          clearTimeout(tm); // announce once typing pauses
          if (e) tm = setTimeout(() => (live.textContent = cnt.textContent), 900);
        })();
        return h("div", { class: "q" + (err ? " bad" : "") }, h("label", { for: n }, title), top, ta, cnt, live);
      }
      const src = (R || k == "yes_no" ? q.scale : q.options) || [];
      const lab = v => t(src.find(p => p.id == "" + v)?.label);
      const pts = R ? Array.from({ length: R[1] - R[0] + 1 }, (_, j) => R[0] + j)
        : k == "yes_no" ? [true, false] : src.map(o => o.id);
      const row = k == "nps", did = v => row && lab(v) && `d${i}-${v}`;
      const list = h("div", { class: row ? "o r n" : k == "yes_no" ? "o r" : "o" }, pts.map(v => {
        const inp = h("input", { type: multi ? "checkbox" : "radio", name: n, value: "" + v, "aria-describedby": did(v) });
        inp.checked = [].concat(ans[q.id]).includes(v);
        inp.onchange = () => {
          ans[q.id] = multi ? pts.filter(p => (p === v ? inp.checked : ans[q.id]?.includes(p))) : v;
          upd();
        };
        return h("label", { class: "c" }, inp, h("span", {}, row ? "" + v : R ? v + " " + lab(v) : lab(v)));
      }));
      const ends = row && h("div", { class: "ends" }, pts.filter(did).map(v => h("p", { id: did(v) }, lab(v))));
      return h("div", { class: "q" + (err ? " bad" : "") },
        h("fieldset", { role: !multi && "radiogroup", ...aria }, h("legend", {}, title), top, ends ? h("div", { class: "sc" }, list, ends) : list));
    };

    const draw = focus => {
      const L = T[lang], other = langs.find(l => l != lang), bad = qs.filter(q => errs[q.id]);
      const sum = h("div", { class: "sum", role: "alert", tabindex: -1, hidden: !bad[0] && !note },
        bad[0] && [h("h3", {}, L.prob), h("ul", {}, bad.map(q => h("li", {}, button("lk", errs[q.id], () => {
          const n = `[name=q${qs.indexOf(q)}]`;
          (root.querySelector(n + ":checked") || root.querySelector(n)).focus();
        }))))],
        note && [h("p", {}, note), button("b", L.retry, send)]);
      ws = qs.map((q, i) => question(q, i, L));
      form = h("form", { novalidate: 1 }, sum, ws, h("button", { class: "b" }, L.send));
      form.onsubmit = e => { e.preventDefault(); send(); };
      upd();
      host.lang = lang;
      root.replaceChildren(h("div", { class: "w", lang },
        h("div", { class: "hd" }, h("h2", {}, t(sv.title)), other &&
          button("lk tg", T[other].name, () => { lang = other; errs = {}; note = null; draw(".tg"); }, { lang: other })),
        done ? h("p", { class: "ok", role: "status", tabindex: -1 }, L.thanks) : form));
      if (focus) root.querySelector(focus).focus();
    };

    const send = async () => {
      if (form.ariaBusy) return;
      const L = T[lang], answers = {};
      errs = {}; note = null;
      for (const q of qs.filter(q => shown(q))) {
        const v = ans[q.id]?.trim?.() ?? ans[q.id];
        if (v == null || v.length === 0) q.required && (errs[q.id] = L.ask + t(q.text));
        else answers[q.id] = v;
      }
      if (Object.keys(errs)[0]) return draw(".sum");
      key ||= uuid(); // same key on retry: stored once
      form.lastChild.disabled = true;
      form.ariaBusy = "true";
      let r, j = {};
      try {
        r = await fetch(api + "/responses", { ...opt, method: "POST", keepalive: true,
          headers: { "Content-Type": "application/json", "Idempotency-Key": key },
          body: JSON.stringify({ channel: ds.channel || "web", language: lang, touchpoint: ds.touchpoint || undefined, answers }) });
        j = await r.json();
      } catch {}
      if (r?.ok) done = true;
      else if (r?.status == 422) {
        key = null; // nothing stored
        const f = j.error?.fields || {};
        qs.forEach(q => f[q.id] && (errs[q.id] = f[q.id]));
        if (!Object.keys(errs)[0]) note = j.error?.message || L.fail;
      } else note = L.fail;
      draw(done ? ".ok" : ".sum");
    };

    const host = h("div"), root = host.attachShadow({ mode: "open" });
    let at;
    try { at = ds.target && D.querySelector(ds.target); } catch {}
    at ? at.append(host) : s.closest("body") ? s.after(host) : D.body.append(host);
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    draw();
  };

  // The file may run once per tag or once for all tags.
  const run = s => {
    if (s.dataset.fbReady) return;
    s.dataset.fbReady = 1;
    init(s).catch(() => {});
  };
  if (D.currentScript?.dataset.survey) run(D.currentScript);
  D.querySelectorAll("script[data-survey][src*='embed.js']").forEach(run);
})();

// The learner handout, answerable without a server (see coursekit.html.interactive).
// Progressive enhancement: without this script the page is complete as printed. With it each
// checkpoint takes an answer and is graded by the rules of coursekit.grading, reflections take
// text, progress stays in localStorage (one store for all modules of a course version on one
// origin), and the learner downloads a record in the schema of coursekit.records.
// UI text comes from the data block (coursekit.messages). Learner text is only ever set as
// textContent or as a field's value, never as HTML.
// Inlined minified (coursekit.html.interactive.minify drops comments and line breaks):
// every statement ends with a semicolon.
(() => {
"use strict";
const D = JSON.parse(document.getElementById("ck-data").textContent);
const KEY = "coursekit:" + D.course.id + ":" + D.course.version;
const Q = [], R = [], main = document.querySelector("main") || document.body;
let S, stored = true;

// --- helpers ---------------------------------------------------------------------------
const has = (o, k) => !!o && typeof o == "object" && Object.prototype.hasOwnProperty.call(o, k);
const get = (o, k) => has(o, k) ? o[k] : undefined;
// An own property, even one named __proto__: learner names and item texts are keys.
const put = (o, k, v) => (Object.defineProperty(o, k, {value: v, enumerable: true, writable: true, configurable: true}), v);
const cmp = (a, b) => a < b ? -1 : a > b ? 1 : 0;
const t = (key, fields) => D.msg[key].replace(/\{(\w+)\}/g, (_, name) => fields[name]);
const el = (tag, cls, text, click) => {
const e = document.createElement(tag);
e.className = cls || "";
if (text != null) e.textContent = text;
if (click) {
e.type = "button";
e.onclick = click;
}
return e;
};
const all = (root, selector) => [...root.querySelectorAll(selector)];
const plain = text => text.replace(/\*\*/g, "");
const well = text => text.toWellFormed ? text.toWellFormed() : text;
// As coursekit.answers.now writes a time: ISO 8601, UTC, microseconds.
const now = () => new Date().toISOString().replace("Z", "000+00:00");
const clock = stamp => new Date(stamp).toLocaleString(D.lang, {timeZone: D.tz, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit"});

// --- grading: coursekit.text.fold and coursekit.grading, rule for rule -------------------
// White space as Python's str.isspace has it.
const SPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g;
// NFKC; no quotation or book-title marks, no white space, no end punctuation; casefold
// (upper then lower case folds as str.casefold does, but for a final sigma, a capital sharp s
// and a dotless i, which casefold leaves as it is).
const fold = text => text.normalize("NFKC").replace(/["'\u201c\u201d\u2018\u2019\u3008-\u300f\u301d\u301e\uff02\uff07]/g, "").replace(SPACE, "").replace(/^[\u3002.\uff0c,\uff1b;\uff01!]+|[\u3002.\uff0c,\uff1b;\uff01!]+$/g, "").split("\u0131").map(part => part.toUpperCase().toLowerCase()).join("\u0131").replace(/\u03c2/g, "\u03c3").replace(/\u00df/g, "ss");
const answered = (q, a) => a == null ? false : q.t == "truefalse" ? typeof a == "boolean" : q.t == "match" ? typeof a == "object" && !Array.isArray(a) && q.m.every(i => get(a, i) != null) : typeof a == "string" ? a.replace(SPACE, "") != "" : typeof a == "object" ? Object.keys(a).length > 0 : !!a;
const grade = (q, a) => {
if (!answered(q, a)) return false;
const k = q.k, list = Array.isArray(a);
return q.t == "multiple" ? list && a.every(x => k.includes(x)) && k.every(x => a.includes(x)) : q.t == "fill" ? typeof a == "string" && k.some(v => fold(v) == fold(a)) : q.t == "order" ? list && a.length == k.length && a.every((x, i) => x === k[i]) : q.t == "match" ? q.m.every((i, j) => a[i] === k[j]) : a === k;
};
// The feedback entries a wrong answer chose (coursekit.grading.wrong_choices), by position.
const wrong = (q, a) => q.f.flatMap((o, i) => (q.t == "single" ? o === a && a !== q.k : q.t == "multiple" ? Array.isArray(a) && a.includes(o) && !q.k.includes(o) : typeof a == "string" && !grade(q, a) && fold(o) == fold(a)) ? [i] : []);

// --- the store: {who, people: {name: {module: {read, a: [[id, answer, right, at]], r: {id: [text, at]}}}}}
const load = () => {
let s;
try {
s = JSON.parse(localStorage.getItem(KEY));
} catch (e) {
stored = false;
}
if (stored || !S) S = has(s, "people") && typeof s.people == "object" && s.people ? s : {who: "", people: {}};
};
// Read, change, write: another tab's module page may have written since.
const save = edit => {
load();
edit();
try {
localStorage.setItem(KEY, JSON.stringify(S));
} catch (e) {
stored = false;
}
};
const slot = (o, k) => {
const v = get(o, k);
return v && typeof v == "object" && !Array.isArray(v) ? v : put(o, k, {});
};
const mod = id => {
const m = slot(slot(S.people, S.who), id);
if (!Array.isArray(m.a)) m.a = [];
m.r = slot(m, "r");
return m;
};
const here = () => S.who ? mod(D.module) : {a: [], r: {}};
const tries = q => here().a.filter(x => Array.isArray(x) && x[0] === q.id);

// --- checkpoints ------------------------------------------------------------------------
// An option or item as the course writes it: the printed text, with **emphasis** restored.
const raw = li => {
const c = li.cloneNode(true);
all(c, ".ck-letter,.ck-blank").forEach(e => e.remove());
all(c, "strong").forEach(e => e.textContent = "**" + e.textContent + "**");
return c.textContent.replace(/^\s+/, "");
};
const choices = (q, lis) => {
const boxes = lis.map(li => {
const box = el("input"), label = el("label");
box.type = q.t == "multiple" ? "checkbox" : "radio";
box.name = q.id;
label.append(box, ...li.childNodes);
li.append(label);
return box;
});
const on = i => boxes[i].checked;
q.get = () => q.t == "truefalse" ? on(0) ? true : on(1) ? false : null : q.t == "multiple" ? q.p.filter(on).map(i => q.o[i]) : q.o[boxes.findIndex(b => b.checked)] ?? null;
q.set = a => boxes.forEach((b, i) => b.checked = q.t == "truefalse" ? a === !i : q.t == "multiple" ? Array.isArray(a) && a.includes(q.o[i]) : a === q.o[i]);
};
const fill = q => {
const box = q.ui.appendChild(el("input"));
box.placeholder = t("fill_placeholder");
box.setAttribute("aria-label", box.placeholder);
q.get = () => box.value;
q.set = a => box.value = typeof a == "string" ? a : "";
};
// Up and down buttons on each item: a tap or a key moves it, and the focus stays on it.
const sorting = (q, lis) => {
const list = lis[0].parentNode;
q.m = lis.map(raw);
lis.forEach((li, i) => {
const text = el("span"), moves = el("span", "ck-moves");
text.append(...li.childNodes);
li.append(text, moves);
li.item = q.m[i];
[["up", -1], ["down", 1]].forEach(([way, step]) => {
const b = moves.appendChild(el("button", "", t(way), () => {
const other = step < 0 ? li.previousElementSibling : li.nextElementSibling;
if (other) list.insertBefore(li, step < 0 ? other : other.nextSibling);
b.focus();
}));
b.setAttribute("aria-label", t(way + "_tip", {item: plain(q.m[i])}));
});
});
q.get = () => [...list.children].map(li => li.item);
q.set = a => (Array.isArray(a) ? a : []).forEach(x => lis.forEach(li => li.item === x && list.append(li)));
};
// A select in place of each item's blank. An answer's keys are sorted, as the store keeps them.
const matching = (q, items) => {
q.m = items.map(li => raw(li).replace(/\s*\u2192\s*$/, ""));
const picks = items.map((li, j) => {
const pick = el("select"), blank = li.querySelector(".ck-blank");
pick.append(el("option", "", t("match_none")), ...q.o.map((o, i) => el("option", "", String.fromCharCode(65 + i) + ". " + plain(o))));
pick.setAttribute("aria-label", plain(q.m[j]));
if (blank) blank.replaceWith(pick);
else li.append(pick);
return pick;
});
q.get = () => {
const a = {};
q.m.map((item, j) => [item, picks[j].selectedIndex]).sort((x, y) => cmp(x[0], y[0])).forEach(([item, i]) => put(a, item, i ? q.o[i - 1] : null));
return a;
};
q.set = a => picks.forEach((pick, j) => pick.selectedIndex = has(a, q.m[j]) ? q.o.indexOf(a[q.m[j]]) + 1 : 0);
};
const say = (q, kind, lines) => {
q.say.className = "ck-said " + kind;
q.say.replaceChildren(...lines.map((line, i) => el("p", "", (i ? "" : {"ck-right": "\u2714 ", "ck-wrong": "\u2718 "}[kind] || "") + line)));
};
// Right or wrong in words, the author's feedback on a wrong choice, and the self-check
// opened after a right answer or the question's number of attempts.
const verdict = (q, a) => {
const right = grade(q, a), n = tries(q).length;
const why = right ? [] : wrong(q, a).filter(i => q.why[i]).map(i => t("your_answer", {line: q.why[i].textContent}));
say(q, right ? "ck-right" : "ck-wrong", [t(right ? "correct" : "incorrect"), ...why, t("attempts", {n})]);
if (q.check && (right || n >= q.r)) q.check.open = true;
};
// An answer also marks the module read: the learner has reached its questions.
const submit = q => {
if (!S.who) return need(q.say);
const a = q.get();
if (!answered(q, a)) return say(q, "ck-note", [t("incomplete")]);
save(() => {
const m = mod(D.module), at = now();
m.read = m.read || at;
m.a.push([q.id, a, grade(q, a), at]);
});
verdict(q, a);
};
const checkpoint = d => {
const sec = document.getElementById("ck-q-" + d.id);
const lis = sec ? all(sec, ({order: "ol.ck-order", match: "ol.ck-match-options", truefalse: ".ck-truefalse"}[d.t] || "ol.ck-options") + ">li") : [];
// a checkpoint not printed as expected stays as printed
if (!sec || d.t != "fill" && !lis.length) return;
const q = {id: d.id, t: d.t, r: d.r || D.r, p: d.p, o: lis.map(raw), ui: el("div", "ck-ui"), check: sec.querySelector("details.ck-selfcheck"), why: all(sec, ".ck-why-list>li")};
const hint = {order: "order_hint", match: "match_hint"}[d.t];
if (hint) lis[0].parentNode.before(el("p", "ck-tip", t(hint)));
if (d.t == "order") sorting(q, lis);
else if (d.t == "match") matching(q, all(sec, ".ck-match-items>li"));
else if (d.t == "fill") fill(q);
else choices(q, lis);
const at = i => typeof i == "number" ? q.o[i] : i;
q.k = d.t == "order" ? d.k.map(i => q.m[i]) : d.t == "fill" || !Array.isArray(d.k) ? at(d.k) : d.k.map(at);
q.f = (d.f || []).map(at);
q.ui.append(el("button", "ck-go", t("submit"), () => submit(q)));
q.say = q.ui.appendChild(el("div", "ck-said"));
q.say.setAttribute("role", "status");
sec.insertBefore(q.ui, q.check);
sec.classList.add("ck-active");
Q.push(q);
};

// --- reflections and the learner -----------------------------------------------------------
const reflection = id => {
const sec = document.getElementById("ck-r-" + id);
if (!sec) return;
const ui = el("div", "ck-ui"), box = ui.appendChild(el("textarea")), said = ui.appendChild(el("p", "ck-note"));
box.rows = 6;
box.maxLength = 200000;
box.placeholder = t("placeholder");
box.setAttribute("aria-label", t("answer"));
const keep = () => {
if (!S.who) return need(said);
const at = now();
save(() => put(mod(D.module).r, id, [well(box.value), at]));
said.textContent = t("saved_at", {time: clock(at)});
};
box.oninput = keep;
sec.insertBefore(ui, sec.querySelector(".ck-ruled"));
sec.classList.add("ck-active");
R.push({box, keep, show: () => {
const kept = get(here().r, id);
if (Array.isArray(kept) && typeof kept[0] == "string") {
box.value = kept[0];
said.textContent = t("saved_at", {time: clock(kept[1])});
}
}});
};
const bar = el("div", "ck-ui ck-learner"), foot = el("div", "ck-ui"), done = el("p", "ck-note");
const need = where => {
where.textContent = t("needed");
ask(true);
};
const note = () => el("p", "ck-note", t(stored ? "saved_here" : "no_storage"));
// The name, asked once; another name is another learner, with progress of their own.
const ask = focus => {
if (S.who && !focus) return bar.replaceChildren(el("p", "ck-who", t("learner", {name: S.who})), el("button", "", t("change"), () => ask(true)), el("button", "", t("download"), download), note());
const form = el("form"), label = el("label", "", t("name")), name = el("input"), error = el("p", "ck-note");
label.htmlFor = name.id = "ck-name";
name.maxLength = 200;
name.autocomplete = "name";
name.placeholder = t("name_placeholder");
form.onsubmit = e => {
e.preventDefault();
const chosen = well(name.value.trim()), before = S.who;
if (!chosen) return error.textContent = t("empty");
save(() => S.who = chosen);
if (before && before != chosen) return location.reload();
ask(false);
R.forEach(r => r.box.value && r.keep());
};
form.append(label, name, el("button", "ck-go", t("start")), error);
bar.replaceChildren(form, note());
if (focus) name.focus();
};

// --- the learner record: coursekit.records' fields, in its order ---------------------------
const record = () => {
const stamps = [], when = stamp => (stamps.push(stamp), stamp);
const ids = [...D.modules, ...Object.keys(slot(S.people, S.who)).filter(id => !D.modules.includes(id)).sort(cmp)];
const modules = ids.map(id => {
const m = mod(id), kept = Object.keys(m.r).sort(cmp).filter(k => Array.isArray(m.r[k]));
const tried = m.a.filter(Array.isArray).sort((x, y) => cmp(x[3], y[3]));
return {module: id, read_at: typeof m.read == "string" ? when(m.read) : null, attempts: tried.map(x => ({checkpoint: x[0], answer: x[1], correct: x[2] === true, at: when(x[3])})), reflections: kept.map(k => ({reflection: k, text: m.r[k][0], updated_at: when(m.r[k][1])}))};
});
return {schema: D.schema[0], schema_version: D.schema[1], course: D.course, learner: S.who, last_activity: stamps.sort(cmp).pop() || null, modules};
};
// The checksum: sha256 of the record without it, serialised as pydantic's model_dump_json
// does (no spaces, fields in the model's order, UTF-8 as it is). crypto.subtle is there in
// secure contexts: https, localhost and files.
const sealed = () => {
load();
const body = record();
return crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(body))).then(b => ({...body, checksum: "sha256:" + [...new Uint8Array(b)].map(v => (v + 256).toString(16).slice(1)).join("")}));
};
// The file as `coursekit record export` writes it: JSON indented by one space. What happened
// is said beside the button pressed.
const download = e => {
e.target.after(done);
if (!S.who) return need(done);
if (!self.crypto || !crypto.subtle) return done.textContent = t("no_seal");
sealed().then(body => {
const file = t("file", {learner: S.who.replace(/[\\/:*?"<>|\x00-\x1f\x7f]/g, "_").slice(0, 60)});
const link = el("a"), url = URL.createObjectURL(new Blob([JSON.stringify(body, null, 1) + "\n"], {type: "application/json"}));
link.href = url;
link.download = file;
document.body.append(link);
link.click();
link.remove();
setTimeout(() => URL.revokeObjectURL(url), 60000);
done.textContent = t("downloaded", {time: clock(now()), file});
});
};

// --- start -----------------------------------------------------------------------------
load();
D.q.forEach(checkpoint);
D.rf.forEach(reflection);
main.prepend(bar);
foot.append(el("button", "ck-go", t("download"), download), done);
const anchor = document.querySelector(".ck-record");
if (anchor) anchor.after(foot);
else main.append(foot);
ask(false);
Q.forEach(q => {
const last = tries(q).pop();
if (last) {
q.set(last[1]);
verdict(q, last[1]);
}
});
R.forEach(r => r.show());
self.coursekitHandout = {fold, grade, answered, wrong, record, sealed, questions: Q};
})();

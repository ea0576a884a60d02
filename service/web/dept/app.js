// The department inbox: the cases this department's key was whistled in on, live, and its answers.
// Plain browser JavaScript, no framework: the key is kept in this phone's localStorage.
"use strict";
const API = "/api/v1/department";
const STATUS = { received: "待受理", acknowledged: "已接收", filed: "已立案", dispatched: "已派遣", en_route: "在途",
  on_scene: "已到场", resolved: "待核查", returned: "已退回重办", closed: "已结案", cancelled: "已取消",
  duplicate: "重复", rejected: "不予立案" };
let key = new URLSearchParams(location.search).get("key") || localStorage.getItem("gc_dept_key") || "";
let department = "";
let source = null;

function $(sel, root = document) { return root.querySelector(sel); }
function say(text, ok = false) { const m = $("#message"); m.textContent = text; m.className = ok ? "ok" : ""; }
function localTime(iso) {
  return iso ? new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) : "";
}

async function call(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + key }, options.headers || {});
  const r = await fetch(API + path, Object.assign({}, options, { headers }));
  const body = r.headers.get("content-type") === "application/json" ? await r.json() : null;
  if (!r.ok) {
    const e = (body && body.error) || { message: r.statusText };
    const problems = (e.problems || []).map(p => p.field + ": " + p.reason).join("; ");
    throw Object.assign(new Error(problems || e.message), { status: r.status });
  }
  return body;
}

function render(items) {
  // A card whose case has not changed is kept as it is: a half-written feedback survives other cases' news.
  const main = $("#cases");
  const kept = new Map([...main.querySelectorAll("article.case")].map(n => [n.dataset.id + "@" + n.dataset.version, n]));
  if (!items.length) { main.innerHTML = '<p class="empty">暂无案件 No cases</p>'; return; }
  main.replaceChildren(...items.map(c => kept.get(c.id + "@" + c.version) || card(c)));
}

function card(c) {
  const node = $("#case-template").content.firstElementChild.cloneNode(true);
  const mine = (c.departments || {})[department] || {};
  node.dataset.id = c.id;
  node.dataset.version = c.version;
  $(".cat", node).textContent = "#" + c.id + " " + (c.category_name || c.category);
  const st = $(".status", node);
  st.textContent = mine.sent_back_at ? "已退回中心" : (STATUS[c.status] || c.status);
  st.classList.add(c.status);
  $(".desc", node).textContent = c.description;
  $(".meta", node).textContent = [c.address, "吹哨 " + localTime(mine.whistled_at),
    mine.acknowledged_at ? "已接收 " + localTime(mine.acknowledged_at) : "未接收"].filter(Boolean).join(" · ");
  const handling = (c.sla || []).find(k => k.kind === "handling" && !k.stopped_at);
  if (handling) {
    const due = $(".due", node);
    due.textContent = "处置时限 " + localTime(handling.deadline);
    if (handling.state === "breached") due.classList.add("breached");
  }
  const open = !mine.sent_back_at && !["closed", "cancelled", "duplicate", "rejected"].includes(c.status);
  const accept = $(".accept", node);
  accept.hidden = !open || !!mine.acknowledged_at;
  accept.onclick = () => act(c, "/accept", { method: "POST", json: { version: c.version } }, "已接收 Accepted");
  $(".feedback", node).hidden = !open || !mine.acknowledged_at || !!mine.feedback_at;
  $(".more", node).hidden = !open;
  $(".back", node).hidden = !open || !!mine.feedback_at;
  $(".feedback-form", node).onsubmit = ev => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    form.append("version", c.version);
    if (!form.getAll("photos").some(f => f.size)) form.delete("photos");
    act(c, "/feedback", { method: "POST", body: form }, "反馈已提交 Feedback sent");
  };
  $(".more-form", node).onsubmit = ev => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    act(c, "/more_time", { method: "POST", json: { version: c.version, minutes: Number(f.get("minutes")),
      reason: f.get("reason") } }, "已申请延期 More time asked");
  };
  $(".back-form", node).onsubmit = ev => {
    ev.preventDefault();
    act(c, "/send_back", { method: "POST", json: { version: c.version, reason: new FormData(ev.target).get("reason") } },
      "已退回 Sent back");
  };
  loadPhotos(c.id, $(".photos", node));
  return node;
}

async function loadPhotos(id, box) {
  try {
    const detail = await call("/cases/" + id);
    for (const p of detail.photos) {
      const r = await fetch(p.thumbnail_url, { headers: { Authorization: "Bearer " + key } });
      if (!r.ok) continue;
      const img = document.createElement("img");
      img.src = URL.createObjectURL(await r.blob());
      img.alt = p.action;
      box.append(img);
    }
  } catch (e) { /* the list still works without the photos */ }
}

async function act(c, path, { method, json, body }, done) {
  try {
    const options = { method };
    if (json) { options.body = JSON.stringify(json); options.headers = { "Content-Type": "application/json" }; }
    else options.body = body;
    await call("/cases/" + c.id + path, options);
    await refresh();
    say(done, true);
  } catch (e) {
    say((e.status === 409 ? "案件已变化，请刷新 " : "") + e.message);
    if (e.status === 409) await refresh();
  }
}

let asked = 0;  // answers to older refreshes that arrive late are dropped: they would show a stale case

async function refresh() {
  const mine = ++asked;
  const data = await call("/cases?open=false");
  if (mine !== asked) return;
  department = data.department;
  $("#dept").textContent = department;
  render(data.items);
}

function follow() {
  if (source) source.close();
  source = new EventSource(API + "/stream?api_key=" + encodeURIComponent(key));
  source.onopen = () => $("#live").className = "live on";
  source.onerror = () => $("#live").className = "live off";
  let pending = null;
  const changed = () => { clearTimeout(pending); pending = setTimeout(refresh, 150); };
  source.addEventListener("incident.updated", changed);
  source.addEventListener("incident.created", changed);
}

async function start() {
  if (new URLSearchParams(location.search).has("key")) history.replaceState(null, "", location.pathname);
  if (!key) { $("#login").hidden = false; return; }
  try {
    await refresh();
    localStorage.setItem("gc_dept_key", key);
    $("#login").hidden = true;
    follow();
  } catch (e) {
    say(e.message);
    if (e.status === 401 || e.status === 403) { localStorage.removeItem("gc_dept_key"); $("#login").hidden = false; }
  }
}

$("#login-form").onsubmit = ev => { ev.preventDefault(); key = $("#key").value.trim(); start(); };
start();

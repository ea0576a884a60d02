// The field worker's page: its unit's cases, live; en route / arrived / resolved with a photo and a note.
// A step taken without a network waits in a queue kept in localStorage and is sent when the network is
// back, in order, each with its own Idempotency-Key: the service acts on a key once, so a step sent
// twice (an answer lost on the way) is not done twice. The phone's position goes to /api/v1/field/position.
"use strict";
const API = "/api/v1/field";
const QUEUE = "gc_field_queue";
const CASES = "gc_field_cases";
const STATUS = { dispatched: "已派遣", en_route: "在途", on_scene: "已到场", resolved: "待核查", returned: "已退回重办",
  acknowledged: "已接收", filed: "已立案", received: "待受理" };
let key = new URLSearchParams(location.search).get("key") || localStorage.getItem("gc_field_key") || "";
let unit = null;
let flushing = false;

function $(sel, root = document) { return root.querySelector(sel); }
function say(text, ok = false) { const m = $("#message"); m.textContent = text; m.className = ok ? "ok" : ""; }
function newKey() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
}
function queue() { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); }
function saveQueue(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); showQueue(); }
function showQueue() {
  const q = queue(), box = $("#queue");
  box.hidden = !q.length;
  box.textContent = "离线待发送 " + q.length + " 项 (queued, sent when online)";
}

async function getJSON(path) {
  const r = await fetch(API + path, { headers: { Authorization: "Bearer " + key } });
  const body = await r.json();
  if (!r.ok) throw Object.assign(new Error((body.error && body.error.message) || r.statusText), { status: r.status });
  return body;
}

function render(items) {
  const main = $("#cases");
  const kept = new Map([...main.querySelectorAll("article.case")].map(n => [n.dataset.id + "@" + n.dataset.version, n]));
  if (!items.length) { main.innerHTML = '<p class="empty">暂无任务 No assigned cases</p>'; return; }
  main.replaceChildren(...items.map(c => kept.get(c.id + "@" + c.version) || card(c)));
  markQueued();
}

function card(c) {
  const node = $("#case-template").content.firstElementChild.cloneNode(true);
  node.dataset.id = c.id;
  node.dataset.version = c.version;
  node.dataset.status = c.status;
  $(".cat", node).textContent = "#" + c.id + " " + (c.category_name || c.category);
  const st = $(".status", node);
  st.textContent = STATUS[c.status] || c.status;
  $(".desc", node).textContent = c.description;
  $(".meta", node).textContent = [c.address, c.micro_grid].filter(Boolean).join(" · ");
  $(".en_route", node).hidden = c.status !== "dispatched";
  $(".arrive", node).hidden = !["dispatched", "en_route"].includes(c.status);
  $(".resolve", node).hidden = !["dispatched", "en_route", "on_scene", "returned", "filed", "acknowledged"].includes(c.status);
  $(".en_route", node).onclick = () => step(c.id, "en_route", "出发");
  $(".arrive", node).onclick = () => step(c.id, "arrive", "到达");
  $(".resolve-form", node).onsubmit = async ev => {
    ev.preventDefault();
    const form = ev.target;
    const file = form.photo.files[0];
    const photo = file ? await shrink(file) : null;
    step(c.id, "resolve", "处置完成", { note: form.note.value, photo });
  };
  return node;
}

function markQueued() {
  for (const item of queue()) {
    const node = document.querySelector(`article[data-id="${item.case}"] .status`);
    if (node) { node.textContent = "待发送 " + item.label; node.classList.add("queued"); }
  }
}

// A phone photo, made smaller (longest side 1600 px, JPEG) so the queue can keep it while offline.
function shrink(file) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const scale = Math.min(1, 1600 / Math.max(img.width, img.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(img.src);
      resolve(canvas.toDataURL("image/jpeg", 0.85));
    };
    img.onerror = reject;
    img.src = URL.createObjectURL(file);
  });
}

function step(caseId, action, label, extra = {}) {
  const q = queue();
  q.push({ id: newKey(), case: caseId, action, label, at: new Date().toISOString(), ...extra });
  saveQueue(q);
  markQueued();
  flush();
}

async function send(item) {
  const headers = { Authorization: "Bearer " + key, "Idempotency-Key": item.id };
  let body;
  if (item.action === "resolve") {
    body = new FormData();
    body.append("note", item.note);
    if (item.photo) body.append("photos", await (await fetch(item.photo)).blob(), "photo.jpg");
  }
  return fetch(`${API}/cases/${item.case}/${item.action}`, { method: "POST", headers, body });
}

// Send the queue in order; stop at the first step that cannot reach the service (it stays queued).
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (let q = queue(); q.length; q = queue()) {
      const item = q[0];
      let r;
      try { r = await send(item); } catch (e) { setNet(false); return; }  // no network: keep it
      setNet(true);
      if (r.status >= 500 || r.status === 401 || r.status === 403) return;  // kept until the service (or key) is back
      saveQueue(queue().filter(x => x.id !== item.id));
      if (r.ok) say(item.label + " 已发送 sent", true);
      else if (r.status === 404) say(item.label + ": 任务已不属于本单位 no longer this unit's case");
      else if (r.status !== 404) { const b = await r.json().catch(() => ({})); say(item.label + ": " + ((b.error && b.error.message) || r.status)); }
    }
    await refresh();
  } finally { flushing = false; }
}

function setNet(online) { $("#net").className = "net" + (online ? " online" : ""); }

let asked = 0;  // answers to older refreshes that arrive late are dropped: they would show a stale case

async function refresh() {
  const mine = ++asked;
  let data;
  try {
    data = await getJSON("/cases");
    if (mine !== asked) return;
    localStorage.setItem(CASES, JSON.stringify(data));
  } catch (e) {  // no network: the last known list, with the steps still waiting marked on it
    data = JSON.parse(localStorage.getItem(CASES) || "null");
    if (e.status || !data) throw e;
    setNet(false);
    say("离线：显示上次的任务 Offline: last known cases");
  }
  unit = data.unit;
  $("#unit").textContent = unit ? unit.callsign + " " + unit.name : "";
  render(data.items);
}

function follow() {
  const source = new EventSource(API + "/stream?api_key=" + encodeURIComponent(key));
  let pending = null;
  const changed = () => { clearTimeout(pending); pending = setTimeout(() => refresh().catch(() => {}), 150); };
  source.addEventListener("incident.updated", changed);
  source.addEventListener("incident.created", changed);
  source.onopen = () => { setNet(true); flush(); };
}

// The phone's position, under this page's key (a browser holds no OsmAnd device token), at most every 15 s.
function track() {
  if (!navigator.geolocation || !unit || !unit.device_id) return;
  let last = 0;
  navigator.geolocation.watchPosition(p => {
    if (Date.now() - last < 15000) return;
    last = Date.now();
    const body = JSON.stringify({ time: new Date(p.timestamp).toISOString(), lat: p.coords.latitude,
      lon: p.coords.longitude, accuracy: p.coords.accuracy });
    fetch(API + "/position", { method: "POST", body,
      headers: { Authorization: "Bearer " + key, "Content-Type": "application/json" } }).catch(() => {});
  }, () => {}, { enableHighAccuracy: true, maximumAge: 10000 });
}

async function start() {
  if (new URLSearchParams(location.search).has("key")) history.replaceState(null, "", location.pathname);
  showQueue();
  if (!key) { $("#login").hidden = false; return; }
  try {
    await refresh();
    localStorage.setItem("gc_field_key", key);
    $("#login").hidden = true;
    setNet(true);
    follow();
    track();
    flush();
  } catch (e) {
    say(e.message);
    if (e.status === 401 || e.status === 403) { localStorage.removeItem("gc_field_key"); $("#login").hidden = false; }
  }
}

window.addEventListener("online", flush);
setInterval(flush, 5000);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
$("#login-form").onsubmit = ev => { ev.preventDefault(); key = $("#key").value.trim(); start(); };
start();

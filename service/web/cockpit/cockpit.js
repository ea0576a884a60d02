// The cockpit: one summary (GET /api/v1/cockpit/summary) drawn as charts and a map, refreshed when the
// event stream says something changed; unit positions move straight from the stream.
(function () {
  "use strict";
  var API = "/api/v1/cockpit/";
  var COLORS = ["#2fd3ff", "#2ee6a6", "#ffb020", "#ff4d5e", "#a66bff", "#5b8cff", "#ff7ac6", "#c8e34b", "#41b3a3"];
  var DENSITY_STEPS = [0, 1, 3, 6, 10, 20];
  var DENSITY_COLORS = ["#0a2446", "#0f5aa6", "#1fa3c9", "#f2c94c", "#ff8a3d", "#ff3b4e"];
  var STATUS_ZH = { received: "待受理", acknowledged: "已受理", dispatched: "已派遣", en_route: "在途", on_scene: "到场处置",
                    resolved: "已处置", closed: "已结案", cancelled: "已撤销", duplicate: "重复合并" };
  var CLOCK_ZH = { acknowledge: "受理(1分钟)", on_scene: "到场(10分钟)", law_enforcement: "执法联动(30分钟)",
                   mediation: "调解回访(24小时)" };
  var UNIT_ZH = { patrol: "巡防", grid_worker: "网格员", law_enforcement: "执法", mediation: "调解", department: "部门" };
  // Sized for 1920x1080; a 3840x2160 wall draws everything K times larger (CSS scales by vw already).
  var K = Math.max(1, window.innerWidth / 1920);
  function px(n) { return Math.round(n * K * 10) / 10; }
  var state = { names: null, summary: null, charts: {}, map: null, mapReady: false, units: {}, summaries: 0,
                refreshTimer: null, inFlight: false, again: false };
  window.__cockpit = state;

  function $(id) { return document.getElementById(id); }
  function pct(x) { return x === null || x === undefined ? "–" : (x * 100).toFixed(1) + "%"; }
  function name(kind, code) { return (state.names && state.names[kind] && state.names[kind][code]) || code || "未定位"; }
  function entries(obj, limit) {
    var out = Object.keys(obj || {}).map(function (k) { return [k, obj[k]]; });
    out.sort(function (a, b) { return b[1] - a[1]; });
    return limit ? out.slice(0, limit) : out;
  }
  function chart(id) {
    if (!state.charts[id]) state.charts[id] = echarts.init($(id), "dark", { renderer: "canvas" });
    return state.charts[id];
  }
  var AXIS = { axisLine: { lineStyle: { color: "#1f6fb2" } }, axisLabel: { color: "#9cc3e6", fontSize: px(12) },
               splitLine: { lineStyle: { color: "rgba(31,111,178,0.25)" } } };
  function base(extra) {
    var o = { backgroundColor: "transparent", color: COLORS, textStyle: { fontFamily: "WenQuanYi Micro Hei, sans-serif" },
              grid: { left: px(8), right: px(16), top: px(10), bottom: px(6), containLabel: true }, animationDuration: 300 };
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  function drawCharts(s) {
    var t = s.today, w = s.week;
    chart("chart-channel").setOption(base({
      tooltip: { trigger: "item" }, legend: { itemWidth: px(25), itemHeight: px(14), orient: "vertical", right: 4, top: "middle", textStyle: { color: "#cfe4f7", fontSize: px(12) } },
      series: [{ type: "pie", radius: ["42%", "72%"], center: ["36%", "52%"], label: { show: false },
                 itemStyle: { borderColor: "#030b1a", borderWidth: px(2) },
                 data: entries(t.by_channel).map(function (e) { return { name: name("channels", e[0]), value: e[1] }; }) }]
    }), true);
    var cats = entries(t.by_category, 10).reverse();
    chart("chart-category").setOption(base({
      xAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      yAxis: Object.assign({ type: "category", data: cats.map(function (e) { return name("categories", e[0]); }) }, AXIS),
      series: [{ type: "bar", data: cats.map(function (e) { return e[1]; }), barWidth: "58%",
                 itemStyle: { color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [{ offset: 0, color: "#0f5aa6" }, { offset: 1, color: "#2fd3ff" }]) },
                 label: { show: true, position: "right", color: "#fff", fontSize: px(12) } }]
    }), true);
    var statuses = entries(w.by_status);
    chart("chart-status").setOption(base({
      xAxis: Object.assign({ type: "category", data: statuses.map(function (e) { return STATUS_ZH[e[0]] || e[0]; }) }, AXIS),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      series: [{ type: "bar", data: statuses.map(function (e, i) { return { value: e[1], itemStyle: { color: COLORS[i % COLORS.length] } }; }),
                 label: { show: true, position: "top", color: "#fff", fontSize: px(12) }, barWidth: "55%" }]
    }), true);
    var hours = []; for (var h = 0; h < 24; h++) hours.push(h + "时");
    var days = w.buckets.filter(function (n) { return n > 0; }).length || 1;
    var perHour = w.total / days / 24;
    chart("chart-hourly").setOption(base({
      tooltip: { trigger: "axis" }, legend: { itemWidth: px(25), itemHeight: px(14), right: 10, top: 0, textStyle: { color: "#cfe4f7", fontSize: px(12) } },
      grid: { left: px(8), right: px(16), top: px(26), bottom: px(4), containLabel: true },
      xAxis: Object.assign({ type: "category", data: hours, boundaryGap: false }, AXIS),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      series: [{ name: "今日", type: "line", smooth: true, symbolSize: px(5),
                 data: t.buckets.map(function (n, h) { return h <= hourNow(s) ? n : null; }),
                 areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: "rgba(47,211,255,0.55)" }, { offset: 1, color: "rgba(47,211,255,0.02)" }]) } },
               { name: "本周小时均值", type: "line", data: hours.map(function () { return +perHour.toFixed(1); }),
                 symbol: "none", lineStyle: { type: "dashed", color: "#ffb020" } }]
    }), true);
    var kinds = ["acknowledge", "on_scene", "law_enforcement", "mediation"];
    chart("chart-sla").setOption(base({
      tooltip: { trigger: "axis" }, legend: { itemWidth: px(25), itemHeight: px(14), right: 4, top: 0, textStyle: { color: "#cfe4f7", fontSize: px(12) } },
      grid: { left: px(8), right: px(16), top: px(26), bottom: px(4), containLabel: true },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      yAxis: Object.assign({ type: "category", data: kinds.map(function (k) {
        var r = w.sla[k].met_rate; return CLOCK_ZH[k] + "  " + pct(r); }) }, AXIS),
      series: [["met", "按时", "#2ee6a6"], ["met_late", "超时完成", "#ffb020"], ["breached", "已超时", "#ff4d5e"], ["running", "计时中", "#2f7fd3"]]
        .map(function (m) { return { name: m[1], type: "bar", stack: "sla", itemStyle: { color: m[2] },
                                      data: kinds.map(function (k) { return w.sla[k][m[0]]; }) }; })
    }), true);
    var comms = entries(w.by_community, 10).reverse();
    chart("chart-community").setOption(base({
      tooltip: { trigger: "axis" }, legend: { itemWidth: px(25), itemHeight: px(14), right: 4, top: 0, textStyle: { color: "#cfe4f7", fontSize: px(12) } },
      grid: { left: px(8), right: px(16), top: px(26), bottom: px(4), containLabel: true },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      yAxis: Object.assign({ type: "category", data: comms.map(function (e) { return name("communities", e[0]); }) }, AXIS,
                           { axisLabel: { color: "#9cc3e6", fontSize: px(12), interval: 0 } }),
      series: [{ name: "本周", type: "bar", data: comms.map(function (e) { return e[1]; }), itemStyle: { color: "#1f6fb2" }, barGap: "-100%" },
               { name: "今日", type: "bar", data: comms.map(function (e) { return t.by_community[e[0]] || 0; }), itemStyle: { color: "#2fd3ff" }, barWidth: "40%" }]
    }), true);
  }

  function hourNow(s) {  // the street's hour of the day at the summary's time: later hours have not happened
    var start = new Date(s.today.start).getTime(), at = new Date(s.generated_at).getTime();
    return Math.floor((at - start) / 3600000);
  }

  function drawKpis(s) {
    var t = s.today, w = s.week, open = 0;
    Object.keys(w.by_status).forEach(function (k) { if (["received", "acknowledged", "dispatched", "en_route", "on_scene"].indexOf(k) >= 0) open += w.by_status[k]; });
    $("kpi-today").textContent = t.total;
    $("kpi-week").textContent = w.total;
    $("kpi-handled").textContent = pct(w.handled_rate);
    $("kpi-handled-n").textContent = w.handled + " / " + w.total + " 件";
    $("kpi-open").textContent = open + " / " + s.carried_over_open;
    $("kpi-carried").textContent = "本周在办 / 往期未结";
    $("kpi-onscene").textContent = pct(w.sla.on_scene.met_rate);
    $("kpi-duty").textContent = s.units.on_duty;
    $("kpi-available").textContent = "可调度 " + s.units.available + " · " + Object.keys(s.units.by_type).map(function (k) {
      return (UNIT_ZH[k] || k) + s.units.by_type[k].available + "/" + s.units.by_type[k].on_duty; }).join(" ");
    $("kpi-surges").textContent = s.surges.length;
    $("today-label").textContent = t.label + " · " + w.label;
  }

  function drawLists(s) {
    var ul = $("surges"); ul.innerHTML = "";
    (s.surges.length ? s.surges.slice(0, 6) : [null]).forEach(function (x) {
      var li = document.createElement("li");
      if (!x) { li.className = "none"; li.textContent = "各类别、各社区均在常态水平"; }
      else {
        var label = x.dimension === "category" ? name("categories", x.key) : name("communities", x.key);
        li.innerHTML = "<span></span><b></b>";
        li.firstChild.textContent = (x.dimension === "category" ? "类别 " : "社区 ") + label;
        li.lastChild.textContent = x.count + " 件/时 (常态 " + x.usual + ")";
      }
      ul.appendChild(li);
    });
    ul = $("repeats"); ul.innerHTML = "";
    (s.repeat_places.length ? s.repeat_places.slice(0, 6) : [null]).forEach(function (p) {
      var li = document.createElement("li");
      if (!p) { li.className = "none"; li.textContent = "本周暂无重复投诉"; }
      else {
        li.innerHTML = "<span></span><b></b>";
        li.firstChild.textContent = name("micro_grids", p.micro_grid) + " · " + name("categories", p.category);
        li.lastChild.textContent = p.cases + " 件";
      }
      ul.appendChild(li);
    });
    var body = document.querySelector("#departments tbody"); body.innerHTML = "";
    (s.departments.length ? s.departments.slice(0, 6) : [null]).forEach(function (d) {
      var tr = document.createElement("tr");
      if (!d) { tr.innerHTML = "<td colspan=4>本周暂无吹哨</td>"; }
      else {
        [d.department, d.whistled, d.acknowledged, d.median_minutes === null ? "–" : d.median_minutes + " 分"].forEach(function (v, i) {
          var td = document.createElement("td"); td.textContent = v; if (i) td.className = "num"; tr.appendChild(td); });
      }
      body.appendChild(tr);
    });
  }

  // --- the map: the street's own polygons from the OGC API, no tiles from anywhere ---------------------
  function densityColor() {
    var expr = ["step", ["coalesce", ["get", "n"], 0], DENSITY_COLORS[0]];
    for (var i = 1; i < DENSITY_STEPS.length; i++) expr.push(DENSITY_STEPS[i], DENSITY_COLORS[i]);
    return expr;
  }
  function legend() {
    var html = "";
    for (var i = 0; i < DENSITY_STEPS.length; i++) {
      html += "<i style='background:" + DENSITY_COLORS[i] + "'></i>" + (i + 1 < DENSITY_STEPS.length ? DENSITY_STEPS[i] + "–" + (DENSITY_STEPS[i + 1] - 1) : "≥" + DENSITY_STEPS[i]);
    }
    $("legend").innerHTML = html + " 件 <i style='background:#ff3b4e;border-radius:50%;width:0.7rem'></i>在办案件 <i style='background:#2ee6a6;border-radius:50%;width:0.7rem'></i>在岗力量";
  }
  function bboxOf(features) {
    var b = [180, 90, -180, -90];
    features.forEach(function (f) {
      (function walk(c) { if (typeof c[0] === "number") { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); } else c.forEach(walk); })(f.geometry.coordinates);
    });
    return b;
  }
  function initMap() {
    return Promise.all([GCAuth.fetchJSON("/ogcapi/collections/micro_grids/items?limit=10000"),
                        GCAuth.fetchJSON("/ogcapi/collections/communities/items?limit=10000")]).then(function (layers) {
      var micro = layers[0], communities = layers[1];
      state.micro = micro;
      var map = new maplibregl.Map({
        container: "map", attributionControl: false, bounds: bboxOf(communities.features.length ? communities.features : micro.features),
        fitBoundsOptions: { padding: px(18) }, preserveDrawingBuffer: true,
        style: { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#041227" } }] }
      });
      state.map = map;
      map.on("load", function () {
        map.addSource("micro", { type: "geojson", data: micro });
        map.addSource("communities", { type: "geojson", data: communities });
        map.addSource("cases", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
        map.addSource("units", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
        map.addLayer({ id: "micro-fill", type: "fill", source: "micro", paint: { "fill-color": densityColor(), "fill-opacity": 0.78 } });
        map.addLayer({ id: "micro-line", type: "line", source: "micro", paint: { "line-color": "#0d3a6e", "line-width": px(0.5) } });
        map.addLayer({ id: "community-line", type: "line", source: "communities", paint: { "line-color": "#2fd3ff", "line-width": px(1.8), "line-blur": px(0.6) } });
        map.addLayer({ id: "cases-halo", type: "circle", source: "cases", paint: { "circle-radius": px(6), "circle-color": "#ff3b4e", "circle-opacity": 0.25 } });
        map.addLayer({ id: "cases", type: "circle", source: "cases", paint: { "circle-radius": ["match", ["get", "priority"], 1, px(4), 2, px(3.2), px(2.4)],
          "circle-color": ["match", ["get", "priority"], 1, "#ff3b4e", 2, "#ff8a3d", "#ffd166"], "circle-stroke-color": "#200", "circle-stroke-width": px(0.4) } });
        map.addLayer({ id: "units", type: "circle", source: "units", paint: { "circle-radius": px(3.6),
          "circle-color": ["match", ["get", "status"], "available", "#2ee6a6", "#5b8cff"], "circle-stroke-color": "#eafff7", "circle-stroke-width": px(1) } });
        communities.features.forEach(function (f) {
          var b = bboxOf([f]), el = document.createElement("div");
          el.className = "community-label"; el.textContent = f.properties.name;
          new maplibregl.Marker({ element: el }).setLngLat([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]).addTo(map);
        });
        map.on("idle", function () {
          if (!state.summary) return;
          document.body.dataset.map = "drawn";
          if (!state.paintedMs) state.paintedMs = performance.now();  // since navigation: first full paint
        });
        state.mapReady = true;
        if (state.summary) drawMap(state.summary);
      });
    });
  }
  function unitFeature(u) {
    return { type: "Feature", id: u.id, properties: { status: u.status, callsign: u.callsign }, geometry: { type: "Point", coordinates: [u.lon, u.lat] } };
  }
  function drawUnits() {
    if (!state.mapReady) return;
    state.map.getSource("units").setData({ type: "FeatureCollection", features: Object.keys(state.units).map(function (k) { return unitFeature(state.units[k]); }) });
  }
  function drawMap(s) {
    if (!state.mapReady) return;
    var counts = s.today.density;
    state.micro.features.forEach(function (f) { f.properties.n = counts[f.properties.code] || 0; });
    state.map.getSource("micro").setData(state.micro);
    state.map.getSource("cases").setData({ type: "FeatureCollection", features: s.cases.map(function (c) {
      return { type: "Feature", id: c.id, properties: { priority: c.priority, category: c.category }, geometry: { type: "Point", coordinates: [c.lon, c.lat] } }; }) });
    drawUnits();
    state.map.triggerRepaint();
  }

  // --- summary and stream -------------------------------------------------------------------------
  function loadSummary() {
    if (state.inFlight) { state.again = true; return Promise.resolve(); }
    state.inFlight = true;
    var began = performance.now();
    return GCAuth.fetchJSON(API + "summary").then(function (s) {
      state.summary = s; state.summaries += 1;
      s.unit_positions.forEach(function (u) { state.units[u.id] = u; });
      drawKpis(s); drawCharts(s); drawLists(s); drawMap(s);
      document.body.dataset.state = "ready";
      document.body.dataset.summaries = String(state.summaries);
      state.lastRefreshMs = performance.now() - began;  // fetch + draw: the cost of one live update
    }).finally(function () {
      state.inFlight = false;
      if (state.again) { state.again = false; scheduleRefresh(); }
    });
  }
  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(function () { state.refreshTimer = null; loadSummary(); }, 400);
  }
  function follow() {
    var source = new EventSource(GCAuth.streamURL("/api/v1/stream"));
    source.onopen = function () { $("live").className = "live on"; $("live").textContent = "● 实时"; };
    source.onerror = function () { $("live").className = "live off"; $("live").textContent = "● 重连中"; };
    ["incident.created", "incident.updated", "sla.warning", "sla.breached", "unit.updated", "boundaries.changed"].forEach(function (kind) {
      source.addEventListener(kind, scheduleRefresh);
    });
    source.addEventListener("unit.moved", function (e) {
      var p = JSON.parse(e.data).payload, u = state.units[p.id];
      if (u) { u.lon = p.lon; u.lat = p.lat; drawUnits(); }
    });
    state.source = source;
  }
  state.refresh = loadSummary;
  function tick() {
    $("clock").textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
  }
  function start() {
    $("login").hidden = true;
    GCAuth.fetchJSON(API + "names").then(function (names) {
      state.names = names;
      legend();
      return Promise.all([initMap(), loadSummary()]);
    }).then(follow).catch(function (err) {
      if (err.status) { GCAuth.forget(); askKey("密钥无效或权限不足：" + err.message); }
      else { document.body.dataset.state = "error"; console.error(err); }
    });
  }
  function askKey(message) {
    $("login").hidden = false; $("login-error").textContent = message || "";
    document.body.dataset.state = "login";
  }
  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault(); GCAuth.set($("login-key").value.trim()); start();
  });
  window.addEventListener("resize", function () { Object.keys(state.charts).forEach(function (k) { state.charts[k].resize(); }); });
  setInterval(tick, 1000); tick();
  if (GCAuth.key()) start(); else askKey();
})();

// The resident's report page: opened by scanning a micro-grid's QR code; posts through Open311 with no key.
(function () {
  "use strict";
  var code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
  var query = new URLSearchParams(location.search);
  var page = { card: null, limits: null, lon: null, lat: null, crs: "WGS84", photos: [], nearby: [] };
  window.__report = page;
  function $(id) { return document.getElementById(id); }
  function getJSON(url) {
    return fetch(url).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error((b.error && b.error.message) || ("HTTP " + r.status)); return b; }); });
  }
  var STATUS = { received: "已受理，等待派遣", acknowledged: "已受理", dispatched: "已派人处理", en_route: "处置人员在途",
                 on_scene: "处置人员已到场", resolved: "已处置完毕", closed: "已办结", cancelled: "已撤销", duplicate: "已与同一问题合并办理" };

  function deviceId() {  // one per phone, so the per-device limit can count it; nothing personal in it
    var id = localStorage.getItem("gridcommand.device");
    if (!id) { id = "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)); localStorage.setItem("gridcommand.device", id); }
    return id;
  }
  function newTicket() { return crypto.randomUUID ? crypto.randomUUID() : (Date.now() + "-" + String(Math.random()).slice(2)); }

  function showFollow(ticket) {
    $("follow").hidden = false;
    getJSON("/api/v1/report/follow?ticket=" + encodeURIComponent(ticket)).then(function (s) {
      $("follow-body").innerHTML = "<dl><dt>案件编号</dt><dd></dd><dt>问题类别</dt><dd></dd><dt>当前状态</dt><dd></dd><dt>上报时间</dt><dd></dd><dt>最近更新</dt><dd></dd></dl>";
      var dd = $("follow-body").querySelectorAll("dd");
      [s.id, s.category_name || s.category, STATUS[s.status] || s.status, new Date(s.reported_at).toLocaleString("zh-CN"),
       new Date(s.updated_at).toLocaleString("zh-CN")].forEach(function (v, i) { dd[i].textContent = v; });
      document.body.dataset.state = "following";
    }).catch(function (e) { $("follow-body").textContent = "查询失败：" + e.message; });
  }

  function setPosition(lon, lat, crs, label) {
    page.lon = lon; page.lat = lat; page.crs = crs;
    $("position").textContent = label + "（" + lon.toFixed(5) + ", " + lat.toFixed(5) + "）";
    checkNearby();
  }
  function checkNearby() {
    var cat = $("category").value;
    if (!cat || page.lon === null) return;
    var url = "/api/v1/report/" + encodeURIComponent(code) + "/nearby?category=" + encodeURIComponent(cat) +
              "&lon=" + page.lon + "&lat=" + page.lat + "&crs=" + page.crs;
    getJSON(url).then(function (r) {
      page.nearby = r.nearby;
      var list = $("nearby-list"); list.innerHTML = "";
      r.nearby.forEach(function (n) {
        var li = document.createElement("li");
        li.textContent = n.category_name + " · 约 " + n.distance_m + " 米 · " + (STATUS[n.status] || n.status || "处理中");
        list.appendChild(li);
      });
      $("nearby").hidden = !r.nearby.length;
      $("submit").textContent = r.nearby.length ? "补充到已有上报" : "提交上报";
      document.body.dataset.nearby = String(r.nearby.length);
    });
  }

  function shrink(file, maxBytes) {  // a phone photo over the limit is re-encoded smaller, in the browser
    if (file.size <= maxBytes) return Promise.resolve(file);
    return createImageBitmap(file).then(function (img) {
      var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
      var c = document.createElement("canvas"); c.width = Math.round(img.width * scale); c.height = Math.round(img.height * scale);
      c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
      return new Promise(function (done) { c.toBlob(function (b) { done(new File([b], "photo.jpg", { type: "image/jpeg" })); }, "image/jpeg", 0.85); });
    });
  }

  function submit(e) {
    e.preventDefault();
    $("error").textContent = "";
    var ticket = newTicket(), form = new FormData();
    form.append("attribute[qr]", code);
    form.append("service_code", $("category").value);
    form.append("description", $("description").value.trim());
    form.append("lat", String(page.lat)); form.append("long", String(page.lon)); form.append("attribute[crs]", page.crs);
    form.append("device_id", deviceId());
    form.append("attribute[client_request_id]", ticket);
    if ($("consent").checked && ($("name").value.trim() || $("phone").value.trim())) {
      form.append("attribute[consent]", "yes");
      if ($("name").value.trim()) form.append("first_name", $("name").value.trim());
      if ($("phone").value.trim()) form.append("phone", $("phone").value.trim());
    }
    $("submit").disabled = true;
    Promise.all(page.photos.map(function (f) { return shrink(f, page.limits.photo_bytes); })).then(function (files) {
      files.forEach(function (f) { form.append("media", f, f.name); });
      return fetch("/open311/v2/requests.json", { method: "POST", body: form, headers: { "Idempotency-Key": ticket } });
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(Array.isArray(body) ? body[0].description : (body.error && body.error.message) || ("HTTP " + r.status));
        $("report").hidden = true; $("done").hidden = false;
        $("done-text").textContent = body[0].service_notice + "（案件编号 " + body[0].service_request_id + "）";
        $("follow-link").href = "/report/" + encodeURIComponent(code) + "?ticket=" + encodeURIComponent(ticket);
        document.body.dataset.state = "sent";
        document.body.dataset.request = body[0].service_request_id;
      });
    }).catch(function (err) { $("error").textContent = "提交失败：" + err.message; $("submit").disabled = false; });
  }

  if (query.get("ticket")) { showFollow(query.get("ticket")); }
  getJSON("/api/v1/report/" + encodeURIComponent(code)).then(function (ctx) {
    var m = ctx.micro_grid; page.card = m; page.limits = ctx.limits;
    $("place").textContent = [m.community, m.grid, m.name].filter(Boolean).join(" · ") + (m.grid_worker ? " · 网格员 " + m.grid_worker : "");
    if (query.get("ticket")) return;
    var select = $("category");
    ctx.categories.forEach(function (c) { var o = document.createElement("option"); o.value = c.code; o.textContent = c.name; select.appendChild(o); });
    select.addEventListener("change", checkNearby);
    $("report").hidden = false;
    var qlon = parseFloat(query.get("lon")), qlat = parseFloat(query.get("lat"));
    if (isFinite(qlon) && isFinite(qlat)) setPosition(qlon, qlat, (query.get("crs") || "GCJ02").toUpperCase(), "小程序定位");
    else setPosition(m.lon, m.lat, "WGS84", "默认：本网格中心");
    document.body.dataset.state = "ready";
  }).catch(function (e) { $("place").textContent = "二维码无效：" + e.message; document.body.dataset.state = "error"; });

  $("locate").addEventListener("click", function () {  // the W3C Geolocation API gives WGS84
    navigator.geolocation.getCurrentPosition(function (p) { setPosition(p.coords.longitude, p.coords.latitude, "WGS84", "手机定位"); },
      function (err) { $("position").textContent = "定位失败（" + err.message + "），使用网格中心"; }, { enableHighAccuracy: true, timeout: 10000 });
  });
  $("consent").addEventListener("change", function () { $("contact").hidden = !$("consent").checked; });
  $("photos").addEventListener("change", function () {
    page.photos = Array.prototype.slice.call($("photos").files, 0, page.limits.photos);
    $("previews").innerHTML = "";
    page.photos.forEach(function (f) { var img = document.createElement("img"); img.src = URL.createObjectURL(f); $("previews").appendChild(img); });
    if ($("photos").files.length > page.limits.photos) $("error").textContent = "最多上传 " + page.limits.photos + " 张照片，已保留前 " + page.limits.photos + " 张";
  });
  $("report").addEventListener("submit", submit);
})();

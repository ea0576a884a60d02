// The access key of a page: given once (typed in, or as #key=... when a wall screen is set up), kept in
// sessionStorage for this tab only, sent as the Authorization header (and api_key= for the event stream,
// which EventSource cannot give headers).
(function () {
  "use strict";
  var STORE = "gridcommand.key";

  function fromFragment() {
    var m = /(?:^|[#&])key=([^&]+)/.exec(window.location.hash || "");
    if (!m) return null;
    var key = decodeURIComponent(m[1]);
    sessionStorage.setItem(STORE, key);
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return key;
  }

  window.GCAuth = {
    key: function () { return fromFragment() || sessionStorage.getItem(STORE); },
    set: function (key) { sessionStorage.setItem(STORE, key); },
    forget: function () { sessionStorage.removeItem(STORE); },
    fetchJSON: function (url) {
      var key = window.GCAuth.key();
      return fetch(url, { headers: key ? { Authorization: "Bearer " + key } : {} }).then(function (r) {
        if (r.status === 401 || r.status === 403) {
          var err = new Error("key refused (" + r.status + ")"); err.status = r.status; throw err;
        }
        if (!r.ok) throw new Error(url + ": HTTP " + r.status);
        return r.json();
      });
    },
    streamURL: function (path) {
      return path + (path.indexOf("?") < 0 ? "?" : "&") + "api_key=" + encodeURIComponent(window.GCAuth.key() || "");
    }
  };
})();

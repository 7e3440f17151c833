// shoutu's page scripts: charts are islands (a div whose data comes from a JSON endpoint),
// workflow steps post JSON with the session's CSRF token. No personal data passes here.
(function () {
  "use strict";
  var LABELS = {
    zh: { in_control: "管控内", community: "社会面", imported: "境外输入", cases: "病例" },
    en: { in_control: "In control", community: "Community", imported: "Imported", cases: "Cases" }
  };
  var COLOURS = { in_control: "#4e79a7", community: "#e15759", imported: "#f28e2b" };
  var pending = 0;

  function done() {
    pending -= 1;
    if (pending === 0) { document.body.dataset.chartsReady = "yes"; }
  }

  function fail(el, why) {
    el.textContent = why;
    el.classList.add("error");
    document.body.dataset.chartsFailed = "yes";
  }

  function curve(el, data, words) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    var days = data.curve.map(function (d) { return d.date; });
    var series = ["in_control", "community", "imported"].map(function (key) {
      return {
        name: words[key], type: "bar", stack: "cases", itemStyle: { color: COLOURS[key] },
        data: data.curve.map(function (d) { return d[key]; })
      };
    });
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 30 },
      xAxis: { type: "category", data: days }, yAxis: { type: "value", minInterval: 1 },
      series: series
    });
  }

  function map(el, data, words, lang) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    echarts.registerMap("districts", data);
    var values = data.features.map(function (f) {
      var p = f.properties;
      return { name: f.id, value: p.local + p.imported, label: lang === "zh" ? p.name_zh : p.name_en };
    });
    var top = Math.max.apply(null, [1].concat(values.map(function (v) { return v.value; })));
    var levels = (data.labels && data.labels.levels) || {};
    var areas = (data.areas || []).map(function (a) {  // the public list's areas, as points
      var named = levels[a.level] ? levels[a.level][lang === "zh" ? "zh" : "en"] : a.level;
      return { name: a.region_code, value: [a.lon, a.lat], level: a.level, label: named };
    });
    var colours = { high: "#7f0000", medium: "#e6550d", low: "#fdae6b" };
    chart.setOption({
      animation: false,
      tooltip: {
        formatter: function (p) {  // region names come from an import file: text, not HTML
          if (p.seriesType === "scatter") {
            return echarts.format.encodeHTML(String(p.data.name) + " · " + String(p.data.label));
          }
          return echarts.format.encodeHTML(String(p.data ? p.data.label : p.name)) + ": " + (p.value || 0);
        }
      },
      geo: { map: "districts", nameProperty: "region_code", label: { show: false } },
      visualMap: { min: 0, max: top, left: 0, bottom: 0, seriesIndex: 0, inRange: { color: ["#f2f0f7", "#cb181d"] }, calculable: false },
      series: [
        { type: "map", geoIndex: 0, data: values },
        {
          type: "scatter", coordinateSystem: "geo", data: areas, symbolSize: 9, z: 3,
          itemStyle: { color: function (p) { return colours[p.data.level] || "#555"; }, borderColor: "#fff" }
        }
      ]
    });
  }

  function series(el, data, words) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    var marks = data.threshold === null ? [] : [{ yAxis: data.threshold, name: "threshold" }];
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" },
      grid: { left: 40, right: 40, top: 20, bottom: 30 },
      xAxis: { type: "category", data: data.dates }, yAxis: { type: "value" },
      series: [{
        name: words.cases, type: "line", data: data.counts, itemStyle: { color: COLOURS.in_control },
        markLine: { symbol: "none", lineStyle: { color: COLOURS.community, type: "dashed" }, data: marks },
        markArea: { itemStyle: { color: "rgba(225,87,89,0.12)" },
                    data: [[{ xAxis: data.date_start }, { xAxis: data.date_end }]] }
      }]
    });
  }

  function graph(el, data) {
    var elements = data.nodes.map(function (n) {
      return { data: { id: String(n.case_id), label: "#" + n.case_id + " " + n.report_date,
                       root: n.case_id === data.case_id ? "yes" : "no" } };
    }).concat(data.edges.map(function (e) {
      return { data: { id: e.source + "-" + e.target, source: String(e.source),
                       target: String(e.target), label: e.setting } };
    }));
    var view = cytoscape({
      container: el, elements: elements, userZoomingEnabled: false, maxZoom: 1.5,
      layout: { name: "breadthfirst", directed: true, padding: 10 },
      style: [
        { selector: "node", style: { label: "data(label)", "background-color": "#4e79a7", "font-size": 10 } },
        { selector: "node[root = 'yes']", style: { "background-color": "#e15759" } },
        { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle",
                                     label: "data(label)", "font-size": 8, width: 1.5 } }
      ]
    });
    el.dataset.nodes = String(view.nodes().length);
    el.dataset.edges = String(view.edges().length);
  }

  function island(el) {
    var words = LABELS[el.dataset.lang] || LABELS.zh;
    pending += 1;
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status + " " + r.statusText); } return r.json(); })
      .then(function (data) {
        if (el.dataset.chart === "curve") { curve(el, data, words); }
        else if (el.dataset.chart === "map") { map(el, data, words, el.dataset.lang); }
        else if (el.dataset.chart === "graph") { graph(el, data); }
        else if (el.dataset.chart === "series") { series(el, data, words); }
        el.dataset.drawn = "yes";
        done();
      })
      .catch(function (e) { fail(el, String(e)); done(); });
  }

  function step(button) {
    var token = csrf();
    button.disabled = true;
    fetch(button.dataset.stepUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token || "" },
      body: button.dataset.body || JSON.stringify({ status: button.dataset.step })
    }).then(function (r) {
      if (r.ok) { location.reload(); return null; }
      return r.json().then(function (p) { document.getElementById("step-error").textContent = p.detail; button.disabled = false; });
    });
  }

  function csrf() {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
  }

  function cell(row, text, tag) {
    var el = document.createElement(tag || "td");
    el.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(el);
  }

  function report(target, status, body) {
    var words = JSON.parse(target.dataset.words);
    target.textContent = "";
    var head = document.createElement("p");
    target.appendChild(head);
    if (status === 200) {
      head.textContent = body.check_only ? words.ok : words.stored;
      head.className = "ok";
      var table = document.createElement("table");
      [[words.rows, body.result.rows], [words.new, body.result.new], [words.already, body.result.already_stored]]
        .forEach(function (pair) { var r = table.insertRow(); cell(r, pair[0], "th"); cell(r, pair[1]); });
      target.appendChild(table);
      return;
    }
    head.textContent = body.detail;
    head.className = "error";
    if (!body.problems) { return; }
    var problems = document.createElement("table");
    problems.id = "problems";
    var header = problems.insertRow();
    [words.row, words.field, words.reason].forEach(function (w) { cell(header, w, "th"); });
    body.problems.forEach(function (p) {
      var r = problems.insertRow();
      cell(r, p.row); cell(r, p.field); cell(r, p.reason);
    });
    target.appendChild(problems);
  }

  function upload(form, mode) {
    var data = new FormData(form);
    data.append("check_only", mode === "check" ? "true" : "false");
    var target = document.getElementById("report");
    target.textContent = "…";
    fetch(form.dataset.upload, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf() }, body: data
    }).then(function (r) {
      return r.json().then(function (body) { report(target, r.status, body); });
    }).catch(function (e) { target.textContent = String(e); });
  }

  // health checks: a form that cannot be sent (offline, server down) waits in localStorage
  // and is sent again when the phone is back online; the same report twice changes nothing
  var QUEUE = "shoutu-checks";

  function queued() { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); }
  function keep(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); }

  function say(text) {
    var note = document.getElementById("queue");
    if (note) { note.textContent = text; }
  }

  function send(item) {
    return fetch(item.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(item.body)
    });
  }

  function shown(item, text, ok) {
    var form = document.querySelector("form[data-person='" + item.body.person_id + "']");
    if (!form) { return; }
    var out = form.querySelector("output");
    out.textContent = text;
    out.className = "result " + (ok ? "ok" : "error");
  }

  // kept, not sent now: the network or the server failed, or the login ended (401/403) —
  // the form waits for the next try; a refusal of the report itself (4xx) is shown instead
  function retry(status) { return status >= 500 || status === 401 || status === 403; }

  function me() { return document.getElementById("queue").dataset.user; }

  function flush() {
    var everyone = queued();
    // only the worker who filled a form sends it: another's wait for their own login
    var items = everyone.filter(function (i) { return i.user === me(); });
    var others = everyone.filter(function (i) { return i.user !== me(); });
    if (items.length === 0) { return Promise.resolve(); }
    var words = JSON.parse(document.getElementById("queue").dataset.words);
    say(words.sending + " (" + items.length + ")");
    var left = [];
    return items.reduce(function (chain, item) {
      return chain.then(function () {
        return send(item).then(function (r) {
          if (retry(r.status)) { left.push(item); return null; }
          return r.json().then(function (b) { shown(item, r.ok ? words.sent : b.detail, r.ok); });
        }).catch(function () { left.push(item); });
      });
    }, Promise.resolve()).then(function () {
      keep(others.concat(left));
      say(left.length ? words.queued + " (" + left.length + ")" : words.sent);
    });
  }

  function check(form) {
    var words = JSON.parse(document.getElementById("queue").dataset.words);
    var symptoms = Array.prototype.map.call(
      form.querySelectorAll("input[name=symptoms]:checked"), function (c) { return c.value; });
    var item = {
      user: me(),
      url: form.dataset.check,
      body: {
        person_id: Number(form.dataset.person),
        temperature: Number(form.querySelector("input[name=temperature]").value),
        symptoms: symptoms, time: new Date().toISOString(), channel: "visit"
      }
    };
    send(item).then(function (r) {
      if (retry(r.status)) { throw new Error(String(r.status)); }
      return r.json().then(function (b) { shown(item, r.ok ? words.sent : b.detail, r.ok); });
    }).catch(function () {
      var items = queued();
      items.push(item);
      keep(items);
      shown(item, words.queued, true);
      say(words.queued + " (" + items.length + ")");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-check]").forEach(function (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); check(form); });
    });
    if (document.getElementById("queue")) {
      window.addEventListener("online", flush);
      flush();
    }
    document.querySelectorAll("form[data-upload] [data-submit]").forEach(function (b) {
      b.addEventListener("click", function () { upload(b.form, b.dataset.submit); });
    });
    var islands = document.querySelectorAll("[data-chart]");
    if (islands.length === 0) { document.body.dataset.chartsReady = "yes"; }
    islands.forEach(island);
    document.querySelectorAll("[data-step-url]").forEach(function (b) {
      b.addEventListener("click", function () { step(b); });
    });
  });
})();

/*
 * charts.js – small accessible SVG charts for the sms_ydelse operations page (plain JavaScript, no library).
 *
 *   SmsCharts.columns(container, spec)  vertical bars per category, one bar per series (calls and SMS per day/hour)
 *   SmsCharts.bars(container, spec)     horizontal bars, one per row, with the value written next to it
 *
 * Every chart is a <figure>: an <svg role="img"> named by its <title> and described by a <desc> summary,
 * a text legend, and the same numbers as a table under "Vis tallene som tabel" (the table alternative).
 * The skeleton is built once per container; a refresh only replaces the drawing and the table, so an
 * open table and keyboard focus on its toggle survive the page's auto-refresh. Charts are drawn at the
 * container's real pixel width (text never shrinks) and redrawn when the window is resized.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var el = KK.el;
  var counter = 0;
  var drawn = [];

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** A "nice" axis maximum and step (1, 2 or 5 times a power of ten) for at most `ticks` steps. */
  function niceScale(max, ticks) {
    if (!(max > 0)) return { max: 1, step: 1 };
    var rough = max / ticks;
    var power = Math.pow(10, Math.floor(Math.log(rough) / Math.LN10));
    var step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (s) { return s >= rough; })[0];
    step = Math.max(step, 1);
    return { max: Math.ceil(max / step) * step, step: step };
  }

  /** The figure skeleton (built once per container): caption, drawing, legend, table toggle. */
  function skeleton(container, spec) {
    if (container.__chart) return container.__chart;
    var id = "chart-" + (spec.id || ++counter);
    var drawing = el("div", { class: "chart__drawing" });
    var legend = el("ul", { class: "chart__legend", "aria-hidden": "true" });
    var table = el("div", { class: "chart__table", "data-chart-table": "" });
    var details = el("details", { class: "details chart__details" },
      el("summary", { class: "details__summary" }, spec.tableToggle || "Vis tallene som tabel",
        el("span", { class: "visually-hidden" }, ": " + (spec.name || spec.title))),
      table);
    var figure = el("figure", { class: "chart", id: id }, drawing, legend, details);
    KK.clear(container).appendChild(figure);
    container.__chart = { id: id, figure: figure, drawing: drawing, legend: legend, table: table, details: details };
    return container.__chart;
  }

  function renderLegend(legend, series) {
    KK.clear(legend);
    series.forEach(function (s) {
      legend.appendChild(el("li", { class: "chart__legend-item" },
        el("span", { class: "chart__swatch chart__swatch--" + s.key }), s.label));
    });
  }

  function remember(container, kind, spec) {
    var found = drawn.filter(function (d) { return d.container === container; })[0];
    if (found) { found.kind = kind; found.spec = spec; } else drawn.push({ container: container, kind: kind, spec: spec });
  }

  function width(node) {
    return Math.max(260, Math.floor(node.getBoundingClientRect().width || node.clientWidth || 600));
  }

  /**
   * Vertical bars. spec: {id, name (for the table toggle), title, description, categories: [{key, label, short, tiny}],
   * series: [{key, label}],
   * value(category, seriesKey) → number, highlight: category key, highlightLabel, tableCaption, firstColumn}.
   */
  function columns(container, spec) {
    var chart = skeleton(container, spec);
    remember(container, "columns", spec);
    var w = width(chart.drawing);
    var h = spec.height || 260;
    var m = { top: 28, right: 8, bottom: 40, left: 48 };
    var plotW = w - m.left - m.right;
    var plotH = h - m.top - m.bottom;
    var cats = spec.categories;
    var max = 0;
    cats.forEach(function (c) { spec.series.forEach(function (s) { max = Math.max(max, spec.value(c, s.key) || 0); }); });
    var scale = niceScale(max, 5);
    var y = function (v) { return m.top + plotH - (v / scale.max) * plotH; };
    var band = plotW / Math.max(cats.length, 1);
    var inner = band * 0.8;
    var barW = Math.max(1, inner / spec.series.length - 1);

    var titleId = chart.id + "-title";
    var descId = chart.id + "-desc";
    var root = svg("svg", {
      class: "chart__svg", width: w, height: h, viewBox: "0 0 " + w + " " + h,
      role: "img", "aria-labelledby": titleId + " " + descId, focusable: "false",
    }, svg("title", { id: titleId }, spec.title), svg("desc", { id: descId }, spec.description || ""));

    for (var t = 0; t <= scale.max + 1e-9; t += scale.step) {
      root.appendChild(svg("line", { class: "chart__grid", x1: m.left, x2: w - m.right, y1: y(t), y2: y(t) }));
      root.appendChild(svg("text", { class: "chart__tick", x: m.left - 6, y: y(t) + 4, "text-anchor": "end" }, KK.format.number(t)));
    }
    // Category labels: the short form, or the tiny one when the bars are narrow; then thinned out so they
    // never overlap (about 7 px per character plus a gap). The highlighted category always keeps its label.
    var text = function (c, tiny) { return String((tiny && c.tiny) || c.short || c.label); };
    var longestOf = function (tiny) { return cats.reduce(function (n, c) { return Math.max(n, text(c, tiny).length); }, 1); };
    var tiny = longestOf(false) * 7 + 8 > band;
    var every = Math.max(1, Math.ceil((longestOf(tiny) * 7 + 8) / band));
    var peakIndex = -1;
    cats.forEach(function (c, i) { if (spec.highlight !== undefined && spec.highlight !== null && c.key === spec.highlight) peakIndex = i; });

    cats.forEach(function (c, i) {
      var x0 = m.left + i * band + (band - inner) / 2;
      var isPeak = spec.highlight !== undefined && spec.highlight !== null && c.key === spec.highlight;
      if (isPeak) {
        root.appendChild(svg("rect", { class: "chart__peak", x: m.left + i * band, y: m.top, width: band, height: plotH }));
      }
      spec.series.forEach(function (s, j) {
        var v = spec.value(c, s.key) || 0;
        var top = y(v);
        root.appendChild(svg("rect", {
          class: "chart__bar chart__bar--" + s.key, x: x0 + j * (barW + 1), y: top, width: barW,
          height: Math.max(0, m.top + plotH - top),
        }));
      });
      if (isPeak && spec.highlightLabel) {
        var anchor = i < cats.length / 2 ? "start" : "end";
        var lx = anchor === "start" ? m.left + i * band : m.left + (i + 1) * band;
        root.appendChild(svg("text", { class: "chart__note", x: lx, y: m.top - 10, "text-anchor": anchor }, spec.highlightLabel));
      }
      var nearPeak = peakIndex !== -1 && !isPeak && Math.abs(i - peakIndex) < every;
      if (isPeak || (i % every === 0 && !nearPeak)) {
        var cx = m.left + i * band + band / 2;
        var half = (text(c, tiny).length * 7) / 2;
        var edge = cx - half < 2 ? "start" : cx + half > w - 2 ? "end" : "middle";
        root.appendChild(svg("text", {
          class: "chart__label" + (isPeak ? " chart__label--peak" : ""), y: h - m.bottom + 18, "text-anchor": edge,
          x: edge === "start" ? Math.max(2, m.left + i * band) : edge === "end" ? Math.min(w - 2, m.left + (i + 1) * band) : cx,
        }, text(c, tiny)));
      }
    });
    root.appendChild(svg("line", { class: "chart__axis", x1: m.left, x2: w - m.right, y1: m.top + plotH, y2: m.top + plotH }));
    if (spec.axisLabel) {
      root.appendChild(svg("text", { class: "chart__tick", x: w - m.right, y: h - 4, "text-anchor": "end" }, spec.axisLabel));
    }
    KK.clear(chart.drawing).appendChild(root);
    renderLegend(chart.legend, spec.series);

    KK.table(chart.table, {
      caption: spec.tableCaption || spec.title,
      rowHeader: true,
      rows: cats,
      rowAttrs: function (c) { return c.key === spec.highlight ? { "data-peak": "" } : null; },
      columns: [{
        label: spec.firstColumn || "",
        value: function (c) {
          return c.key === spec.highlight && spec.highlightLabel
            ? el("span", null, c.label, " ", el("span", { class: "tag" }, spec.highlightLabel)) : c.label;
        },
      }].concat(spec.series.map(function (s) {
        return { label: s.label, class: "cell--number", value: function (c) { return KK.format.number(spec.value(c, s.key) || 0); } };
      })),
    });
  }

  /**
   * Horizontal bars, one per row. spec: {id, title, description, rows: [{key, label, tableLabel, value, cls}],
   * valueLabel, tableCaption, firstColumn, extraColumns: [{label, value(row)}]}.
   */
  function bars(container, spec) {
    var chart = skeleton(container, spec);
    remember(container, "bars", spec);
    var w = width(chart.drawing);
    var rowH = 34;
    var longest = spec.rows.reduce(function (n, r) { return Math.max(n, String(r.label).length); }, 1);
    var labelW = Math.min(Math.max(60, longest * 7.5 + 14), Math.floor(w * 0.45));
    var valueW = 64;
    var m = { top: 6, bottom: 6 };
    var h = m.top + m.bottom + spec.rows.length * rowH;
    var plotW = Math.max(40, w - labelW - valueW - 8);
    var max = spec.rows.reduce(function (n, r) { return Math.max(n, r.value || 0); }, 0) || 1;
    var titleId = chart.id + "-title";
    var descId = chart.id + "-desc";
    var root = svg("svg", {
      class: "chart__svg", width: w, height: h, viewBox: "0 0 " + w + " " + h,
      role: "img", "aria-labelledby": titleId + " " + descId, focusable: "false",
    }, svg("title", { id: titleId }, spec.title), svg("desc", { id: descId }, spec.description || ""));
    spec.rows.forEach(function (r, i) {
      var top = m.top + i * rowH;
      var len = ((r.value || 0) / max) * plotW;
      root.appendChild(svg("text", { class: "chart__label", x: labelW - 8, y: top + rowH / 2 + 5, "text-anchor": "end" }, r.label));
      root.appendChild(svg("rect", { class: "chart__track", x: labelW, y: top + 6, width: plotW, height: rowH - 12 }));
      root.appendChild(svg("rect", { class: "chart__bar chart__bar--" + (r.cls || "calls"), x: labelW, y: top + 6, width: Math.max(len, r.value ? 2 : 0), height: rowH - 12 }));
      root.appendChild(svg("text", { class: "chart__value", x: labelW + len + 6, y: top + rowH / 2 + 5 }, KK.format.number(r.value || 0)));
    });
    KK.clear(chart.drawing).appendChild(root);
    KK.clear(chart.legend);
    KK.table(chart.table, {
      caption: spec.tableCaption || spec.title,
      rowHeader: true,
      rows: spec.rows,
      columns: [
        { label: spec.firstColumn || "", value: function (r) { return r.tableLabel || r.label; } },
        { label: spec.valueLabel || "Antal", class: "cell--number", value: function (r) { return KK.format.number(r.value || 0); } },
      ].concat(spec.extraColumns || []),
    });
  }

  var resizeTimer = null;
  var lastWidth = window.innerWidth;
  window.addEventListener("resize", function () {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      drawn.forEach(function (d) {
        if (document.body.contains(d.container)) (d.kind === "columns" ? columns : bars)(d.container, d.spec);
      });
    }, 150);
  });

  window.SmsCharts = { columns: columns, bars: bars, niceScale: niceScale };
})();

/*
 * charts.js – small accessible SVG charts drawn in the browser (window.KChart), no library, no build step.
 *
 *   KChart.bars(container, spec)   horizontal bars: stacked segments, diverging (negative) values,
 *                                  95 % interval whiskers and dashed reference lines
 *   KChart.line(container, spec)   a line per series over categories (months), reference line, alert markers
 *
 * Every chart is <svg role="img"> named by its <title> and described by its <desc>; the pages put a data table
 * beside each chart as the accessible alternative. Charts are drawn at the container's real width (text stays
 * legible on a phone) and redrawn when the width changes. Colours and dash patterns come from kontrol.css.
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var counter = 0;
  var drawn = [];

  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, String(attrs[k]));
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function frame(container, spec, width, height) {
    var id = "kchart-" + (++counter);
    var svg = svgEl("svg", {
      role: "img", "aria-labelledby": id + "-title " + id + "-desc",
      viewBox: "0 0 " + width + " " + height, width: width, height: height, focusable: "false",
    });
    svg.appendChild(svgEl("title", { id: id + "-title" }, spec.title));
    svg.appendChild(svgEl("desc", { id: id + "-desc" }, spec.desc || ""));
    KK.clear(container);
    container.classList.add("chart");
    container.appendChild(svg);
    return svg;
  }

  function widthOf(container) {
    return Math.max(280, Math.floor(container.clientWidth || container.getBoundingClientRect().width || 600));
  }

  /** Split a label into lines of about `chars` characters (at most `max` lines, the last one shortened). */
  function wrap(text, chars, max) {
    var words = String(text).split(/\s+/);
    var lines = [""];
    words.forEach(function (w) {
      var last = lines[lines.length - 1];
      if (last && (last + " " + w).length > chars) lines.push(w);
      else lines[lines.length - 1] = last ? last + " " + w : w;
    });
    if (lines.length > max) {
      lines = lines.slice(0, max);
      lines[max - 1] = lines[max - 1].slice(0, Math.max(chars - 1, 1)) + "…";
    }
    return lines;
  }

  function niceTicks(min, max, count) {
    var span = max - min || 1;
    var step = Math.pow(10, Math.floor(Math.log10(span / count)));
    [1, 2, 2.5, 5, 10].some(function (m) {
      if (span / (step * m) <= count) { step = step * m; return true; }
      return false;
    });
    var ticks = [];
    for (var v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(+v.toFixed(10));
    return ticks;
  }

  function remember(container, spec, fn) {
    drawn = drawn.filter(function (d) { return d.container !== container && document.contains(d.container); });
    drawn.push({ container: container, spec: spec, fn: fn, width: widthOf(container) });
  }

  /* ---------------------------------------------------------------- horizontal bars */

  function bars(container, spec) {
    var width = widthOf(container);
    var wide = width >= 560;
    var rows = spec.rows || [];
    var format = spec.format || String;
    var values = [];
    rows.forEach(function (r) {
      var total = (r.segments || []).reduce(function (s, seg) { return s + (seg.value || 0); }, 0);
      values.push(total, r.low, r.high);
      (r.segments || []).forEach(function (seg) { values.push(seg.value); });
    });
    (spec.refs || []).forEach(function (ref) { values.push(ref.value); });
    values = values.filter(function (v) { return v !== null && v !== undefined && !isNaN(v); });
    var min = spec.min !== undefined ? spec.min : Math.min(0, Math.min.apply(null, values.concat([0])));
    var max = spec.max !== undefined ? spec.max : Math.max.apply(null, values.concat([0]));
    if (max <= min) max = min + 1;
    var ticks = niceTicks(min, max, wide ? 6 : 4);
    min = Math.min(min, ticks[0]);
    max = Math.max(max, ticks[ticks.length - 1]);

    var labelWidth = wide ? Math.min(Math.round(width * 0.36), 280) : 0;
    var valueWidth = spec.valueWidth || (wide ? 130 : 110);
    var left = labelWidth + (wide ? 12 : 4);
    var right = width - valueWidth;
    var top = 8;
    var barHeight = 20;
    var labelLines = rows.map(function (r) { return wrap(r.label, wide ? Math.floor(labelWidth / 7) : Math.floor(width / 7.5), 2); });
    var rowHeights = rows.map(function (r, i) {
      return wide ? Math.max(barHeight + 16, labelLines[i].length * 16 + 10) : labelLines[i].length * 16 + barHeight + 16;
    });
    var plotHeight = rowHeights.reduce(function (a, b) { return a + b; }, 0);
    var axisY = top + plotHeight + 4;
    var height = axisY + 26 + ((spec.refs || []).length ? 4 : 0);
    var x = function (v) { return left + (v - min) / (max - min) * (right - left); };
    var svg = frame(container, spec, width, height);

    ticks.forEach(function (t) {
      svg.appendChild(svgEl("line", { class: "chart__grid", x1: x(t), x2: x(t), y1: top, y2: axisY }));
      svg.appendChild(svgEl("text", { x: x(t), y: axisY + 18, "text-anchor": "middle", class: "chart__muted" }, format(t)));
    });
    svg.appendChild(svgEl("line", { class: "chart__axis", x1: x(Math.max(min, Math.min(0, max))), x2: x(Math.max(min, Math.min(0, max))), y1: top, y2: axisY }));

    var y = top;
    rows.forEach(function (r, i) {
      var h = rowHeights[i];
      var lines = labelLines[i];
      var barY = wide ? y + (h - barHeight) / 2 : y + lines.length * 16 + 4;
      var label = svgEl("text", { x: wide ? labelWidth : 4, y: wide ? y + h / 2 - (lines.length - 1) * 8 + 4 : y + 13,
        "text-anchor": wide ? "end" : "start" });
      lines.forEach(function (line, n) {
        label.appendChild(svgEl("tspan", { x: wide ? labelWidth : 4, dy: n === 0 ? 0 : 16 }, line));
      });
      svg.appendChild(label);
      var start = 0;
      (r.segments || []).forEach(function (seg) {
        var v = seg.value || 0;
        var from = v >= 0 ? start : start + v;
        var to = v >= 0 ? start + v : start;
        svg.appendChild(svgEl("rect", {
          class: "chart__bar--" + (seg.cls || "a"), x: x(from), y: barY, height: barHeight,
          width: Math.max(x(to) - x(from), v === 0 ? 0 : 1),
        }));
        start = v >= 0 ? to : from;
      });
      var end = start;
      if (r.low !== null && r.low !== undefined && r.high !== null && r.high !== undefined) {
        var mid = barY + barHeight / 2;
        svg.appendChild(svgEl("line", { class: "chart__whisker", x1: x(r.low), x2: x(r.high), y1: mid, y2: mid }));
        svg.appendChild(svgEl("line", { class: "chart__whisker", x1: x(r.low), x2: x(r.low), y1: mid - 7, y2: mid + 7 }));
        svg.appendChild(svgEl("line", { class: "chart__whisker", x1: x(r.high), x2: x(r.high), y1: mid - 7, y2: mid + 7 }));
        if (r.point !== undefined && r.point !== null) {
          svg.appendChild(svgEl("circle", { class: "chart__point", cx: x(r.point), cy: mid, r: 5 }));
        }
        end = Math.max(end, r.high);
      }
      if (r.text) {
        var tx = Math.min(x(Math.max(end, Math.max(min, 0))) + 6, right + 6);
        svg.appendChild(svgEl("text", { x: tx, y: barY + barHeight / 2 + 4 }, r.text));
      }
      y += h;
    });

    (spec.refs || []).forEach(function (ref) {
      var cls = ref.muted ? " chart__ref--muted" : "";
      svg.appendChild(svgEl("line", { class: "chart__ref" + cls, x1: x(ref.value), x2: x(ref.value), y1: top - 4, y2: axisY }));
    });
    remember(container, spec, bars);
    return svg;
  }

  /* ---------------------------------------------------------------- lines over categories */

  function line(container, spec) {
    var width = widthOf(container);
    var wide = width >= 560;
    var labels = spec.labels || [];
    var format = spec.yFormat || String;
    var yMin = spec.yMin !== undefined ? spec.yMin : 0;
    var yMax = spec.yMax !== undefined ? spec.yMax : 1;
    var ticks = niceTicks(yMin, yMax, wide ? 5 : 4);
    var left = wide ? 56 : 44;
    var right = width - (wide ? 24 : 12);
    var top = 16;
    var plotHeight = wide ? 260 : 200;
    var bottom = top + plotHeight;
    var height = bottom + 40;
    var n = Math.max(labels.length, 1);
    var step = (right - left) / n;
    var x = function (i) { return left + step * (i + 0.5); };
    var y = function (v) { return bottom - (v - yMin) / (yMax - yMin) * plotHeight; };
    var svg = frame(container, spec, width, height);

    ticks.forEach(function (t) {
      svg.appendChild(svgEl("line", { class: "chart__grid", x1: left, x2: right, y1: y(t), y2: y(t) }));
      svg.appendChild(svgEl("text", { x: left - 8, y: y(t) + 4, "text-anchor": "end", class: "chart__muted" }, format(t)));
    });
    svg.appendChild(svgEl("line", { class: "chart__axis", x1: left, x2: right, y1: bottom, y2: bottom }));
    var every = Math.max(1, Math.ceil(labels.length / Math.floor((right - left) / (wide ? 56 : 44))));
    labels.forEach(function (label, i) {
      if (i % every !== 0 && i !== labels.length - 1) return;
      svg.appendChild(svgEl("text", { x: x(i), y: bottom + 20, "text-anchor": "middle", class: "chart__muted" },
        spec.labelFormat ? spec.labelFormat(label) : label));
    });

    (spec.refs || []).forEach(function (ref) {
      svg.appendChild(svgEl("line", { class: "chart__ref", x1: left, x2: right, y1: y(ref.value), y2: y(ref.value) }));
      svg.appendChild(svgEl("text", { class: "chart__ref-label", x: right, y: y(ref.value) - 6, "text-anchor": "end" }, ref.label));
    });

    (spec.series || []).forEach(function (series) {
      var cls = series.cls || "a";
      var path = "";
      series.values.forEach(function (v, i) {
        if (v === null || v === undefined) { path += " "; return; }
        path += (path === "" || /\s$/.test(path) ? "M" : "L") + x(i).toFixed(1) + "," + y(v).toFixed(1);
      });
      path.split(" ").filter(Boolean).forEach(function (d) {
        svg.appendChild(svgEl("path", { class: "chart__line--" + cls, d: d }));
      });
      series.values.forEach(function (v, i) {
        if (v === null || v === undefined) return;
        var alert = series.alerts && series.alerts.indexOf(i) !== -1;
        if (alert) svg.appendChild(svgEl("circle", { class: "chart__alert", cx: x(i), cy: y(v), r: 10 }));
        if (cls === "b") svg.appendChild(svgEl("rect", { class: "chart__dot--b", x: x(i) - 5, y: y(v) - 5, width: 10, height: 10 }));
        else svg.appendChild(svgEl("circle", { class: "chart__dot--a", cx: x(i), cy: y(v), r: 5 }));
      });
    });
    remember(container, spec, line);
    return svg;
  }

  /* ---------------------------------------------------------------- legend */

  /** A legend list: items = [[swatchModifier, text], ...]. */
  function legend(items) {
    return KK.el("ul", { class: "legend", "aria-hidden": "true" }, items.map(function (item) {
      return KK.el("li", { class: "legend__item" },
        KK.el("span", { class: "legend__swatch" + (item[0] ? " legend__swatch--" + item[0] : "") }), item[1]);
    }));
  }

  var timer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      drawn.slice().forEach(function (d) {
        if (!document.contains(d.container)) return;
        if (widthOf(d.container) !== d.width) d.fn(d.container, d.spec);
      });
    }, 150);
  });

  window.KChart = { bars: bars, line: line, legend: legend };
})();

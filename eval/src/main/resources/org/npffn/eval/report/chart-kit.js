// The chart kit of report.html: number formatting, axes fitted to their data, chart boxes, whiskers, and
// what the browser test reads back (ink on every canvas, #chart-digest). report.js draws the report with it.
// After every chart has rendered, body[data-charts-drawn] holds how many canvases have ink on them and
// body[data-charts-expected] how many charts were made; #chart-digest holds what each chart was set up with
// (axis ranges and names, legend type, colour scales, series colours), read back from ECharts.
const ChartKit = (function () {
  'use strict';
  // diverged and failed runs, as in report.css; no arm has this colour (ArmColours)
  const NOT_OK = '#c00000';
  const CROSS = 'path://M2,0 L5,3 L8,0 L10,2 L7,5 L10,8 L8,10 L5,7 L2,10 L0,8 L3,5 L0,2 Z';
  const charts = [];
  const finite = v => typeof v === 'number' && isFinite(v);

  // Fixed decimals without a signed zero ("-0.000" reads as a direction) and "-" for what is missing.
  function fmt(v, decimals) {
    if (!finite(v)) {
      return '-';
    }
    const s = v.toFixed(decimals);
    return /^-0(\.0+)?$/.test(s) ? s.substring(1) : s;
  }

  // Decimals that print every multiple of step exactly (0.25 -> 2, 5 -> 0).
  function decimalsOf(step) {
    let d = 0;
    while (d < 8 && Math.abs(Math.round(step * Math.pow(10, d)) - step * Math.pow(10, d)) > 1e-6) {
      d++;
    }
    return d;
  }

  /**
   * An axis holding every value with padding, so no whisker or point touches the edge: [min, max, step] with
   * min and max on multiples of a round step (1, 2, 2.5 or 5 times a power of ten), about five ticks.
   */
  function paddedRange(values, floor) {
    const v = values.filter(finite);
    if (v.length === 0) {
      return [0, 1, 0.25];
    }
    let lo = Math.min(...v);
    let hi = Math.max(...v);
    const pad = hi > lo ? 0.08 * (hi - lo) : Math.max(Math.abs(hi) * 0.01, 1e-3);
    lo -= pad;
    hi += pad;
    const raw = (hi - lo) / 5;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].find(m => m * magnitude >= raw) * magnitude;
    const min = Math.floor(lo / step) * step;
    // a metric that cannot go below floor (MaxVio >= 0) does not get an axis below it
    return [floor !== undefined && Math.min(...v) >= floor ? Math.max(min, floor) : min, Math.ceil(hi / step) * step,
      step];
  }

  // A value axis over a paddedRange, labelled with the decimals its step needs.
  function valueAxis(range, name, extra) {
    const d = decimalsOf(range[2]);
    return Object.assign({type: 'value', name: name, min: range[0], max: range[1], interval: range[2],
      axisLabel: {formatter: v => fmt(v, d)}}, extra);
  }

  // A note in place of a chart; notOk: it names runs that diverged or failed, so it is red like them.
  function none(container, text, notOk) {
    const p = document.createElement('p');
    p.className = notOk ? 'none not-ok' : 'none';
    p.textContent = text;
    container.appendChild(p);
  }

  // Height of a plain legend that wraps over several rows in a chart this wide.
  function legendHeight(names, width) {
    let rows = 1;
    let x = 0;
    names.forEach(n => {
      const w = 34 + 7 * n.length;
      if (x + w > width) {
        rows++;
        x = 0;
      }
      x += w;
    });
    return 24 * rows;
  }

  function legendOf(names) {
    return {type: 'plain', top: 0, left: 'center', data: names};
  }

  /**
   * One chart in its own box. meta: what the chart leaves out (notDrawn: runs that are not ok), how many
   * runs it marks with a red cross (notOkMarked), and anything else the digest should carry.
   */
  function chart(container, title, option, height, meta) {
    meta = meta || {};
    const box = document.createElement('div');
    box.className = 'chart-box';
    const h = document.createElement('h3');
    h.textContent = title;
    if (meta.notDrawn && meta.notDrawn.length > 0) {
      const s = document.createElement('span');
      s.className = 'not-ok';
      s.textContent = ' · not drawn, not ok: ' + meta.notDrawn.join(', ');
      h.appendChild(s);
    }
    const div = document.createElement('div');
    div.className = 'chart';
    div.style.height = (height || 320) + 'px';
    box.appendChild(h);
    box.appendChild(div);
    container.appendChild(box);
    const c = echarts.init(div, null, {renderer: 'canvas'});
    option.animation = false;
    option.tooltip = option.tooltip || {trigger: 'axis'};
    if (option.legend) {
      option.grid = Object.assign({}, option.grid, {top: 16 + legendHeight(option.legend.data, div.clientWidth || 560)});
    }
    c.setOption(option);
    charts.push({chart: c, title: title, meta: meta});
    return c;
  }

  // Whiskers from value[lowDim] to value[highDim] at category value[0]; vertical unless horizontal.
  function whiskers(name, points, horizontal) {
    return {
      type: 'custom', name: name, data: points, z: 5,
      renderItem: function (params, api) {
        if (!finite(api.value(1)) || !finite(api.value(2))) {
          return null;
        }
        const at = v => horizontal ? api.coord([v, api.value(0)]) : api.coord([api.value(0), v]);
        const lo = at(api.value(1));
        const hi = at(api.value(2));
        const w = (horizontal ? api.size([0, 1])[1] : api.size([1, 0])[0]) * 0.12;
        const style = {stroke: '#222', lineWidth: 1.5};
        const cap = p => horizontal ? {x1: p[0], y1: p[1] - w, x2: p[0], y2: p[1] + w}
          : {x1: p[0] - w, y1: p[1], x2: p[0] + w, y2: p[1]};
        return {type: 'group', children: [
          {type: 'line', shape: {x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1]}, style: style},
          {type: 'line', shape: cap(lo), style: style},
          {type: 'line', shape: cap(hi), style: style}]};
      }
    };
  }

  // What each chart was set up with, read back from ECharts, for the browser test.
  function digest(arms) {
    return charts.map(entry => {
      const o = entry.chart.getOption();
      const axis = a => a && a[0] ? {type: a[0].type, name: a[0].name, min: a[0].min, max: a[0].max} : null;
      const colours = [];
      (o.series || []).forEach(s => {
        const c = (s.itemStyle && s.itemStyle.color) || (s.lineStyle && s.lineStyle.color) || s.color;
        if (arms.includes(s.name) && typeof c === 'string') {
          colours.push([s.name, c]);
        }
        (s.data || []).forEach(p => {
          if (p && p.name && arms.includes(p.name) && p.itemStyle && typeof p.itemStyle.color === 'string'
            && s.name !== 'diverged or failed') {
            colours.push([p.name, p.itemStyle.color]);
          }
        });
      });
      return Object.assign({title: entry.title, legendTypes: (o.legend || []).map(l => l.type),
        seriesTypes: (o.series || []).map(s => s.type), x: axis(o.xAxis), y: axis(o.yAxis), colours: colours,
        visualMap: o.visualMap && o.visualMap[0] ? {min: o.visualMap[0].min, max: o.visualMap[0].max,
          text: o.visualMap[0].text} : null}, entry.meta);
    });
  }

  // How many charts have ink on their canvas, and the digest, for the browser test.
  let finished = 0;
  function count(arms) {
    let drawn = 0;
    charts.forEach(entry => {
      const canvas = entry.chart.getDom().querySelector('canvas');
      if (!canvas || canvas.width === 0 || canvas.height === 0) {
        return;
      }
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 3; i < pixels.length; i += 4) {
        if (pixels[i] !== 0) {
          ink++;
        }
      }
      if (ink > 0.01 * canvas.width * canvas.height) {
        drawn++;
      }
    });
    let out = document.getElementById('chart-digest');
    if (!out) {
      out = document.createElement('script');
      out.type = 'application/json';
      out.id = 'chart-digest';
      document.body.appendChild(out);
    }
    out.textContent = JSON.stringify(digest(arms));
    document.body.dataset.chartsExpected = String(charts.length);
    document.body.dataset.chartsDrawn = String(drawn);
  }

  /** Call once every chart is made; arms: the arm labels, to read their colours back from the charts. */
  function finish(arms) {
    // a chart sized before its neighbours in a row were added is as wide as the whole row: fit them now
    charts.forEach(entry => entry.chart.resize());
    charts.forEach(entry => entry.chart.on('finished', () => {
      finished++;
      if (finished === charts.length) {
        count(arms);
      }
    }));
    window.addEventListener('resize', () => charts.forEach(entry => entry.chart.resize()));
    setTimeout(() => count(arms), 2000);
  }

  return {NOT_OK, CROSS, finite, fmt, paddedRange, valueAxis, none, legendOf, chart, whiskers, finish};
})();

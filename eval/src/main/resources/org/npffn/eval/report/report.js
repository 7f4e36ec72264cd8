// Draws the charts of report.html from the results.json inlined in the page (schema: docs/report.md).
// After every chart has rendered, body[data-charts-drawn] holds how many canvases have ink on them and
// body[data-charts-expected] how many charts were made: the browser test compares the two.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('results').textContent);
  const charts = [];
  const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
    '#9c755f', '#bab0ac'];

  function section(id) {
    return document.getElementById(id);
  }

  function none(container, text) {
    const p = document.createElement('p');
    p.className = 'none';
    p.textContent = text;
    container.appendChild(p);
  }

  function chart(container, title, option, height) {
    const box = document.createElement('div');
    box.className = 'chart-box';
    const h = document.createElement('h3');
    h.textContent = title;
    const div = document.createElement('div');
    div.className = 'chart';
    div.style.height = (height || 320) + 'px';
    box.appendChild(h);
    box.appendChild(div);
    container.appendChild(box);
    const c = echarts.init(div, null, {renderer: 'canvas'});
    option.animation = false;
    option.color = palette;
    option.tooltip = option.tooltip || {trigger: 'axis'};
    c.setOption(option);
    charts.push(c);
    return c;
  }

  const okRuns = data.runs.filter(r => r.status === 'ok');
  const arms = data.summary.map(a => a.arm);
  const runLabel = r => r.arm + ' / seed ' + r.seed;
  const firstRun = arm => okRuns.find(r => r.arm === arm) || data.runs.find(r => r.arm === arm);

  // Perplexity with 95% intervals (error bars where there are >= 3 seeds)
  function perplexityBars(container, key, title) {
    const rows = data.summary.filter(a => a[key].mean !== null);
    if (rows.length === 0) {
      none(container, 'no successful runs');
      return;
    }
    const errorBars = {
      type: 'custom', name: '95% interval', data: rows.map((a, i) => [i, a[key].low, a[key].high]),
      renderItem: function (params, api) {
        if (api.value(1) === null || isNaN(api.value(1))) {
          return null;
        }
        const lo = api.coord([api.value(0), api.value(1)]);
        const hi = api.coord([api.value(0), api.value(2)]);
        const w = api.size([1, 0])[0] * 0.15;
        const style = {stroke: '#222', lineWidth: 1.5};
        return {type: 'group', children: [
          {type: 'line', shape: {x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1]}, style: style},
          {type: 'line', shape: {x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1]}, style: style},
          {type: 'line', shape: {x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1]}, style: style}]};
      }, z: 10
    };
    const min = Math.min(...rows.map(a => a[key].low !== null ? a[key].low : a[key].mean));
    chart(container, title, {
      grid: {left: 60, right: 20, top: 30, bottom: 40},
      xAxis: {type: 'category', data: rows.map(a => a.arm)},
      yAxis: {type: 'value', name: 'perplexity', min: Math.floor(min * 0.95 * 10) / 10},
      series: [{type: 'bar', name: 'mean', data: rows.map(a => a[key].mean),
        itemStyle: {color: params => palette[params.dataIndex % palette.length]},
        label: {show: true, position: 'insideTop', formatter: p => p.value.toFixed(3)}}, errorBars]
    });
  }

  function lines(container, title, series, xName, yName) {
    if (series.length === 0 || series.every(s => s.data.length === 0)) {
      none(container, 'nothing recorded');
      return;
    }
    chart(container, title, {
      grid: {left: 60, right: 20, top: 40, bottom: 40},
      legend: {type: 'scroll', top: 0},
      xAxis: {type: 'value', name: xName, nameLocation: 'middle', nameGap: 25},
      yAxis: {type: 'value', name: yName, scale: true},
      series: series.map(s => Object.assign({type: 'line', showSymbol: false}, s))
    });
  }

  function meanOver(runs, pick) {
    const arrays = runs.map(pick).filter(a => a && a.length > 0);
    if (arrays.length === 0) {
      return [];
    }
    return arrays[0].map((_, i) => {
      const v = arrays.map(a => a[i]).filter(x => x !== null);
      return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
    });
  }

  function heatmap(container, title, xLabels, yLabels, cells, max, height) {
    chart(container, title, {
      tooltip: {position: 'top'},
      grid: {left: 70, right: 80, top: 10, bottom: 40},
      xAxis: {type: 'category', data: xLabels},
      yAxis: {type: 'category', data: yLabels},
      visualMap: {min: 0, max: max, calculable: true, orient: 'vertical', right: 0, top: 'middle',
        inRange: {color: ['#f7fbff', '#6baed6', '#08306b']}},
      series: [{type: 'heatmap', data: cells}]
    }, height);
  }

  // ---- perplexity
  perplexityBars(section('chart-test-ppl'), 'test_perplexity', 'Test perplexity (mean over seeds, 95% interval)');
  perplexityBars(section('chart-val-ppl'), 'validation_perplexity', 'Validation perplexity');

  // ---- curves
  lines(section('chart-curves'), 'Training loss (cross-entropy per byte, nats)',
    data.runs.map(r => ({name: runLabel(r), data: r.training_curve.map(p => [p.step, p.loss])})), 'step', 'nats');
  lines(section('chart-curves'), 'Validation loss (4 batches, nats)',
    data.runs.map(r => ({name: runLabel(r), data: r.validation_curve.map(p => [p.step, p.nats])})), 'step',
    'nats');
  lines(section('chart-position'), 'Test loss at each position of a window (mean over seeds)',
    arms.map(arm => ({name: arm, data: meanOver(okRuns.filter(r => r.arm === arm), r => r.loss_by_position)
      .map((v, t) => [t, v])})), 'position t', 'nats');

  // ---- NP top-k
  const topK = [];
  okRuns.filter(r => r.top_k.length > 0).forEach(r => {
    [true, false].forEach(renorm => {
      const pts = r.top_k.filter(p => p.renormalised === renorm || p.k === Math.max(...r.top_k.map(q => q.k)))
        .map(p => [p.k, p.test_perplexity]);
      topK.push({name: runLabel(r) + (renorm ? ' (renormalised)' : ' (not renormalised)'), data: pts,
        showSymbol: true});
    });
  });
  if (topK.length === 0) {
    none(section('chart-topk'), 'no NP arm in this run');
  } else {
    lines(section('chart-topk'), 'NP test perplexity keeping only the top-k groups', topK, 'k', 'perplexity');
  }

  // ---- balance over training, per arm with routing or gating layers (first successful seed)
  const balance = section('chart-balance');
  const languages = section('chart-languages');
  let anyRouted = false;
  let anyLanguage = false;
  arms.forEach(arm => {
    const r = firstRun(arm);
    const routed = r.layers.filter(l => l.kind !== 'dense');
    if (routed.length === 0) {
      return;
    }
    anyRouted = true;
    lines(balance, arm + ' / seed ' + r.seed + ': MaxVio of each logged training batch',
      routed.map(l => ({name: l.layer, data: l.training.map(p => [p.step, p.max_vio])})), 'step', 'MaxVio');
    routed.forEach(l => {
      if (l.training.length === 0) {
        return;
      }
      const cells = [];
      let max = 0;
      l.training.forEach((p, i) => p.load_fraction.forEach((f, u) => {
        cells.push([i, u, f]);
        max = Math.max(max, f === null ? 0 : f);
      }));
      heatmap(balance, arm + ' / seed ' + r.seed + ' ' + l.layer + ': load fraction of each ' +
        (l.kind === 'moe' ? 'expert' : 'group') + ' over training', l.training.map(p => String(p.step)),
        l.training[0].load_fraction.map((_, u) => (l.kind === 'moe' ? 'E' : 'G') + u), cells, max,
        Math.max(200, 22 * l.units + 60));
    });
    routed.forEach(l => {
      const langs = Object.keys(l.language_usage);
      if (langs.length === 0) {
        return;
      }
      anyLanguage = true;
      const cells = [];
      let max = 0;
      langs.forEach((lang, y) => l.language_usage[lang].forEach((f, u) => {
        cells.push([u, y, f]);
        max = Math.max(max, f === null ? 0 : f);
      }));
      const mi = l.language_mutual_information_bits;
      heatmap(languages, arm + ' / seed ' + r.seed + ' ' + l.layer + ': share of each language per ' +
        (l.kind === 'moe' ? 'expert' : 'group') + (mi === null ? '' : ' (I = ' + mi.toFixed(3) + ' bits)'),
        Array.from({length: l.units}, (_, u) => (l.kind === 'moe' ? 'E' : 'G') + u), langs, cells, max,
        Math.max(200, 22 * langs.length + 60));
    });
  });
  if (!anyRouted) {
    none(balance, 'no MoE or NP arm in this run');
  }
  if (!anyLanguage) {
    none(languages, 'no language statistics in this run');
  }

  // ---- expert similarity per layer
  const sim = [];
  arms.forEach(arm => {
    const runs = okRuns.filter(r => r.arm === arm);
    if (runs.length === 0 || runs[0].layers.every(l => l.similarity === null)) {
      return;
    }
    sim.push({name: arm, type: 'bar', data: runs[0].layers.map((l, b) => {
      const v = runs.map(r => r.layers[b].similarity).filter(x => x !== null);
      return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
    })});
  });
  if (sim.length === 0) {
    none(section('chart-similarity'), 'no expert similarity in this run');
  } else {
    const layers = okRuns.find(r => r.layers.length > 0).layers.map(l => l.layer);
    chart(section('chart-similarity'), 'Mean pairwise cosine similarity of the units\' outputs, per layer', {
      grid: {left: 60, right: 20, top: 40, bottom: 40}, legend: {top: 0},
      xAxis: {type: 'category', data: layers}, yAxis: {type: 'value', name: 'cosine', min: -1, max: 1},
      series: sim
    });
  }

  // ---- tell the test how many charts have ink
  let finished = 0;
  function count() {
    let drawn = 0;
    charts.forEach(c => {
      const canvas = c.getDom().querySelector('canvas');
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
    document.body.dataset.chartsExpected = String(charts.length);
    document.body.dataset.chartsDrawn = String(drawn);
  }
  charts.forEach(c => c.on('finished', () => {
    finished++;
    if (finished === charts.length) {
      count();
    }
  }));
  window.addEventListener('resize', () => charts.forEach(c => c.resize()));
  setTimeout(count, 2000);
})();

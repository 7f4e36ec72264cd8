// Draws the charts of report.html from the results.json inlined in the page (schema: docs/report.md), with
// ChartKit (chart-kit.js). Every arm has one colour (the map in #arm-colours, the same the tables use); red is
// kept for runs that diverged or failed, which every chart either marks with a red cross or names under its
// title.
(function () {
  'use strict';
  const {NOT_OK, CROSS, finite, fmt, paddedRange, valueAxis, none, legendOf, chart, whiskers} = ChartKit;
  const data = JSON.parse(document.getElementById('results').textContent);
  const armColours = JSON.parse(document.getElementById('arm-colours').textContent);
  // byte-level model: V = 256, and the divergence rule's bound is ln(V) + 1
  const DIVERGENCE_BOUND = Math.log(256) + 1;

  const colour = arm => armColours[arm] || '#888';

  function section(id) {
    return document.getElementById(id);
  }

  const okRuns = data.runs.filter(r => r.status === 'ok');
  const notOkRuns = data.runs.filter(r => r.status !== 'ok');
  const arms = data.summary.map(a => a.arm);
  const isMoe = arm => arm.startsWith('moe') || data.runs.some(r => r.arm === arm && r.layers.some(l => l.kind === 'moe'));
  const notOkLabel = r => r.arm + ' / seed ' + r.seed + ' (' + (r.status === 'diverged' && r.diverged_at !== null
    ? 'diverged at step ' + r.diverged_at : r.status) + ')';
  const unitName = kind => kind === 'moe' ? 'expert' : 'group';

  // ---- the answer: paired differences in percent, a dot per comparison with its 95% interval
  function answerChart() {
    const answer = data.answer || [];
    if (!answer.some(p => finite(p.difference_percent.mean))) {
      none(section('chart-answer'), 'no paired seed in any comparison: nothing to draw');
      return;
    }
    const pct = answer.map(p => p.difference_percent);
    const range = paddedRange([0].concat(...pct.map(i => [i.mean, i.low, i.high])));
    const labels = answer.map(p => p.arm + ' vs ' + p.reference + ' (' + p.seeds.length + ' seeds)');
    chart(section('chart-answer'), 'Paired difference in test bits per byte, % of the reference (left of 0: the '
      + 'first arm is better)', {
      grid: {left: 230, right: 40, top: 20, bottom: 50},
      xAxis: valueAxis(range, '% difference', {nameLocation: 'middle', nameGap: 28}),
      yAxis: {type: 'category', data: labels, inverse: true, axisLine: {onZero: false}},
      tooltip: {trigger: 'item', formatter: p => answer[p.dataIndex] ? answer[p.dataIndex].sentence : ''},
      series: [
        {type: 'scatter', name: 'mean', symbolSize: 14,
          data: answer.map((p, i) => ({name: p.arm, value: [p.difference_percent.mean, i],
            itemStyle: {color: colour(p.arm)}})),
          label: {show: true, position: 'top', formatter: p => fmt(p.value[0], 2) + '%'},
          markLine: {silent: true, symbol: 'none', lineStyle: {color: '#888', type: 'dashed'}, data: [{xAxis: 0}]}},
        whiskers('95% interval', answer.map((p, i) => [i, p.difference_percent.low, p.difference_percent.high]), true)
      ]
    }, 60 + 60 * answer.length, {kind: 'answer', whiskerLow: Math.min(...pct.map(i => i.low).filter(finite)),
      whiskerHigh: Math.max(...pct.map(i => i.high).filter(finite))});
  }

  // ---- a metric per arm as a dot plot: mean dot, 95% whiskers, rings for single seeds, red crosses for
  // runs that are not ok (at the top edge, where their missing value would be)
  function dotPlot(container, key, pick, title, unit, d) {
    const rows = data.summary;
    const seedValues = rows.map(a => okRuns.filter(r => r.arm === a.arm).map(pick).filter(finite));
    const all = [].concat(...rows.map((a, i) => [a[key].mean, a[key].low, a[key].high].concat(seedValues[i])));
    const range = paddedRange(all);
    const crosses = [];
    rows.forEach((a, i) => notOkRuns.filter(r => r.arm === a.arm).forEach((r, j) => crosses.push({
      name: a.arm, value: [i, range[1]], symbolOffset: [14 * j - 7 * (a.failed - 1), 10], run: notOkLabel(r)})));
    const whiskerEnds = rows.map(a => [a[key].low, a[key].high]).flat().filter(finite);
    chart(container, title, {
      grid: {left: 70, right: 20, top: 30, bottom: 60},
      tooltip: {trigger: 'item', formatter: p => p.data && p.data.run ? p.data.run
        : (p.seriesName + ': ' + fmt(Array.isArray(p.value) ? p.value[1] : p.value, d))},
      xAxis: {type: 'category', data: rows.map(a => a.arm), axisLine: {onZero: false}, axisLabel: {interval: 0,
        formatter: (arm, i) => rows[i].failed > 0 ? arm + '\n{bad|✕ ' + rows[i].failed + ' not ok}' : arm,
        rich: {bad: {color: NOT_OK, fontWeight: 'bold'}}}},
      yAxis: valueAxis(range, unit),
      series: [
        {type: 'scatter', name: 'mean', symbolSize: 14, z: 10,
          data: rows.map((a, i) => ({name: a.arm, value: [i, a[key].mean], itemStyle: {color: colour(a.arm)}}))
            .filter(p => finite(p.value[1])),
          label: {show: true, position: 'right', formatter: p => fmt(p.value[1], d)}},
        whiskers('95% interval', rows.map((a, i) => [i, a[key].low, a[key].high]), false),
        {type: 'scatter', name: 'single seeds', symbol: 'emptyCircle', symbolSize: 8, symbolOffset: [-16, 0],
          data: [].concat(...seedValues.map((vs, i) => vs.map(v => ({name: rows[i].arm, value: [i, v],
            itemStyle: {color: colour(rows[i].arm)}}))))},
        {type: 'scatter', name: 'diverged or failed', symbol: CROSS, symbolSize: 12, itemStyle: {color: NOT_OK},
          data: crosses}
      ]
    }, 320, {kind: 'dots', whiskerLow: whiskerEnds.length ? Math.min(...whiskerEnds) : null,
      whiskerHigh: whiskerEnds.length ? Math.max(...whiskerEnds) : null, notOkMarked: crosses.length});
  }

  // ---- curves per run, one colour per arm; runs that are not ok end in a red cross at their last step
  function curves(container, title, pick, yName) {
    const series = data.runs.map(r => ({type: 'line', name: r.arm, showSymbol: false, color: colour(r.arm),
      lineStyle: {color: colour(r.arm), width: r.status === 'ok' ? 1.5 : 1, type: r.status === 'ok' ? 'solid' : 'dashed'},
      data: pick(r).filter(p => finite(p[1]))}));
    if (series.every(s => s.data.length === 0) && notOkRuns.length === 0) {
      none(container, 'nothing recorded');
      return;
    }
    // a diverged run's loss can reach 1e17: the axis stops at the divergence bound
    const values = [].concat(...series.map(s => s.data.map(p => p[1]))).filter(v => v <= DIVERGENCE_BOUND);
    const range = paddedRange(values);
    const last = r => r.diverged_at !== null ? r.diverged_at : Math.max(1, r.steps_done);
    const crosses = notOkRuns.map(r => ({name: r.arm, value: [last(r), range[1]], symbolOffset: [0, 8],
      run: notOkLabel(r)}));
    series.push({type: 'scatter', name: 'diverged or failed', symbol: CROSS, symbolSize: 12,
      itemStyle: {color: NOT_OK}, data: crosses, z: 10,
      tooltip: {trigger: 'item', formatter: p => p.data.run}});
    const steps = data.config.training.steps;
    chart(container, title, {
      grid: {left: 60, right: 20, bottom: 40},
      legend: legendOf(arms.concat(crosses.length > 0 ? ['diverged or failed'] : [])),
      xAxis: {type: 'value', name: 'step', nameLocation: 'middle', nameGap: 25, min: 0, max: steps},
      yAxis: valueAxis(range, yName),
      series: series
    }, 340, {kind: 'curves', notOkMarked: crosses.length});
  }

  function meanOver(runs, pick) {
    const arrays = runs.map(pick).filter(a => a && a.length > 0);
    if (arrays.length === 0) {
      return [];
    }
    return arrays[0].map((_, i) => {
      const v = arrays.map(a => a[i]).filter(finite);
      return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
    });
  }

  function positionChart() {
    const T = data.config.training.length;
    const series = arms.filter(arm => okRuns.some(r => r.arm === arm)).map(arm => ({type: 'line', name: arm,
      showSymbol: false, color: colour(arm), lineStyle: {color: colour(arm)},
      data: meanOver(okRuns.filter(r => r.arm === arm), r => r.loss_by_position).map((v, t) => [t, v])}));
    if (series.length === 0) {
      none(section('chart-position'), 'no ok run: nothing to draw (not ok: ' + notOkRuns.map(notOkLabel).join(', ')
        + ')', true);
      return;
    }
    const range = paddedRange([].concat(...series.map(s => s.data.map(p => p[1]))));
    chart(section('chart-position'), 'Test loss at each position t of a window of T = ' + T
      + ' bytes (mean over ok seeds)', {
      grid: {left: 60, right: 30, bottom: 40},
      legend: legendOf(series.map(s => s.name)),
      xAxis: {type: 'value', name: 'position t', nameLocation: 'middle', nameGap: 25, min: 0, max: T},
      yAxis: valueAxis(range, 'nats'),
      series: series
    }, 320, {kind: 'position', T: T, notDrawn: notOkRuns.map(notOkLabel)});
  }

  function topKChart() {
    const npRuns = data.runs.filter(r => r.top_k.length > 0 || (r.status !== 'ok' && r.arm.startsWith('np')));
    const drawn = npRuns.filter(r => r.status === 'ok');
    if (drawn.length === 0) {
      none(section('chart-topk'), npRuns.length === 0 ? 'no NP arm in this run'
        : 'no ok NP run (not ok: ' + npRuns.map(notOkLabel).join(', ') + ')', npRuns.length > 0);
      return;
    }
    const series = [];
    drawn.forEach(r => [true, false].forEach(renorm => {
      const full = Math.max(...r.top_k.map(q => q.k));
      series.push({type: 'line', name: r.arm + (renorm ? ' (renormalised)' : ' (not renormalised)'),
        color: colour(r.arm), lineStyle: {color: colour(r.arm), type: renorm ? 'solid' : 'dashed'},
        showSymbol: true, symbol: renorm ? 'circle' : 'emptyCircle',
        data: r.top_k.filter(p => p.renormalised === renorm || p.k === full).map(p => [p.k, p.test_perplexity])
          .sort((a, b) => a[0] - b[0])});
    }));
    const range = paddedRange([].concat(...series.map(s => s.data.map(p => p[1]))));
    const maxK = Math.max(...drawn.map(r => Math.max(...r.top_k.map(q => q.k))));
    chart(section('chart-topk'), 'NP test perplexity keeping only the top-k groups (each ok seed)', {
      grid: {left: 60, right: 30, bottom: 40},
      legend: legendOf([...new Set(series.map(s => s.name))]),
      xAxis: {type: 'value', name: 'k', nameLocation: 'middle', nameGap: 25, min: 1, max: maxK},
      yAxis: valueAxis(range, 'perplexity'),
      series: series
    }, 320, {kind: 'topk', notDrawn: npRuns.filter(r => r.status !== 'ok').map(notOkLabel)});
  }

  // ---- balance over training: MoE MaxVio (hard load) and NP soft usage in separate charts
  const LINE_TYPES = ['solid', 'dashed', 'dotted'];
  function trainingBalance(container, kind, title, yName) {
    const armsOfKind = arms.filter(arm => kind === 'moe' ? isMoe(arm)
      : data.runs.some(r => r.arm === arm && r.layers.some(l => l.kind === 'np')));
    const series = [];
    armsOfKind.forEach(arm => {
      const r = okRuns.find(x => x.arm === arm);
      if (!r) {
        return;
      }
      r.layers.filter(l => l.kind === kind).forEach((l, b) => series.push({type: 'line', name: arm,
        showSymbol: false, color: colour(arm), lineStyle: {color: colour(arm), type: LINE_TYPES[b % 3]},
        layer: l.layer, data: l.training.map(p => [p.step, p.max_vio]).filter(p => finite(p[1]))}));
    });
    if (series.length === 0) {
      return false;
    }
    const range = paddedRange([0].concat(...series.map(s => s.data.map(p => p[1]))), 0);
    chart(container, title, {
      grid: {left: 60, right: 20, bottom: 40},
      legend: legendOf([...new Set(series.map(s => s.name))]),
      xAxis: {type: 'value', name: 'training step', nameLocation: 'middle', nameGap: 25, min: 0,
        max: data.config.training.steps},
      yAxis: valueAxis(range, yName),
      series: series
    }, 320, {kind: 'balance-' + kind, notDrawn: notOkRuns.filter(r => armsOfKind.includes(r.arm)).map(notOkLabel)});
    return true;
  }

  // ---- ReLU-routed MoE arms (moe-relu): realised sparsity of each logged training batch, beside the loss curves
  function reluSparsityCurves(container) {
    const series = [];
    okRuns.forEach(r => r.layers.forEach((l, b) => {
      const points = l.training.filter(p => finite(p.relu_sparsity)).map(p => [p.step, p.relu_sparsity]);
      if (points.length > 0) {
        series.push({type: 'line', name: r.arm, showSymbol: false, color: colour(r.arm),
          lineStyle: {color: colour(r.arm), type: LINE_TYPES[b % 3]}, layer: l.layer, data: points});
      }
    }));
    if (series.length === 0) {
      return;
    }
    const target = 1 - data.config.ffn.top_k / data.config.ffn.experts;
    const steps = data.config.training.steps;
    series.push({type: 'line', name: 'target 1 − k/E', showSymbol: false, color: '#888888',
      lineStyle: {color: '#888888', type: 'dashed'}, data: [[0, target], [steps, target]]});
    chart(container, 'ReLU routing: fraction of zero gates in each logged training batch (every ok seed; one line '
      + 'style per layer)', {
      grid: {left: 60, right: 20, bottom: 40},
      legend: legendOf([...new Set(series.map(s => s.name))]),
      xAxis: {type: 'value', name: 'step', nameLocation: 'middle', nameGap: 25, min: 0, max: steps},
      yAxis: valueAxis([0, 1, 0.25], 'sparsity'),
      series: series
    }, 340, {kind: 'relu-sparsity'});
  }

  // ---- heatmaps: gathered first, so each metric gets one colour scale over every arm
  const heatmaps = [];
  function heatmap(container, metric, title, xLabels, yLabels, xName, yName, cells, height) {
    // every heatmap shows shares over U units (experts or groups): each unit at 1/U is perfect balance
    const uniform = 1 / (xName === 'expert' || xName === 'group' ? xLabels.length : yLabels.length);
    heatmaps.push({container, metric, title, xLabels, yLabels, xName, yName, cells, height, uniform});
  }

  function drawHeatmaps() {
    const scale = {};
    heatmaps.forEach(m => m.cells.forEach(c => {
      if (finite(c[2])) {
        scale[m.metric] = Math.max(scale[m.metric] || 0, c[2]);
      }
    }));
    heatmaps.forEach(m => {
      const max = scale[m.metric] > 0 ? scale[m.metric] : 1;
      const d = 3;
      chart(m.container, m.title + ' (uniform: ' + fmt(m.uniform, d) + ') · colour scale 0 to ' + fmt(max, d)
        + ', shared by every ' + METRICS[m.metric]
        + ' heatmap', {
        tooltip: {position: 'top', formatter: p => m.yLabels[p.value[1]] + ', ' + m.xLabels[p.value[0]] + ': '
          + fmt(p.value[2], 3)},
        grid: {left: 80, right: 90, top: 30, bottom: 50},
        xAxis: {type: 'category', data: m.xLabels, name: m.xName, nameLocation: 'middle', nameGap: 30},
        yAxis: {type: 'category', data: m.yLabels, name: m.yName, nameLocation: 'end'},
        visualMap: {type: 'continuous', min: 0, max: max, precision: d, calculable: false, orient: 'vertical',
          right: 0, top: 'middle', text: [fmt(max, d), fmt(0, d)], itemHeight: 120,
          inRange: {color: ['#f7fbff', '#6baed6', '#08306b']}},
        series: [{type: 'heatmap', data: m.cells}]
      }, m.height, {kind: 'heatmap', metric: m.metric, scaleMax: max, scaleText: [fmt(max, d), fmt(0, d)]});
    });
  }

  const METRICS = {'moe-load': 'MoE load-fraction', 'np-soft': 'NP soft-usage',
    'moe-language': 'MoE language-share', 'np-language': 'NP language-share'};

  // test set: one heatmap per arm, layer × unit, mean over ok seeds
  function testBalanceHeatmaps() {
    let any = false;
    arms.forEach(arm => {
      const runs = okRuns.filter(r => r.arm === arm);
      const layers = runs.length > 0 ? runs[0].layers.filter(l => l.kind !== 'dense' && l.test) : [];
      if (layers.length === 0) {
        return;
      }
      any = true;
      const kind = layers[0].kind;
      const cells = [];
      layers.forEach((l, y) => {
        const vectors = runs.map(r => r.layers.find(x => x.layer === l.layer)).filter(x => x && x.test)
          .map(x => kind === 'moe' ? x.test.load_fraction : x.test.mean_gate);
        meanOver(vectors, v => v).forEach((f, u) => cells.push([u, y, f]));
      });
      heatmap(section('chart-balance-test'), kind === 'moe' ? 'moe-load' : 'np-soft', arm + ', test set: '
        + (kind === 'moe' ? 'load fraction of each expert' : 'soft usage ᾱ of each group (not a load)')
        + ' (mean over ' + runs.length + ' ok seeds)', Array.from({length: Math.max(...layers.map(l => l.units))}, (_, u) =>
        (kind === 'moe' ? 'E' : 'G') + u), layers.map(l => l.layer), unitName(kind), 'layer', cells,
        Math.max(160, 30 * layers.length + 90));
    });
    return any;
  }

  // ---- draw
  answerChart();
  dotPlot(section('chart-test-bpb'), 'test_bits_per_byte', r => r.test && r.test.bits_per_byte,
    'Test bits per byte (lower is better)', 'bits/byte', 4);
  dotPlot(section('chart-test-ppl'), 'test_perplexity', r => r.test && r.test.perplexity, 'Test perplexity',
    'perplexity', 3);
  dotPlot(section('chart-val-ppl'), 'validation_perplexity', r => r.validation && r.validation.perplexity,
    'Validation perplexity', 'perplexity', 3);

  curves(section('chart-curves'), 'Training loss (cross-entropy per byte, nats; every seed)',
    r => r.training_curve.map(p => [p.step, p.loss]), 'nats');
  curves(section('chart-curves'), 'Validation loss (4 batches, nats; every seed)',
    r => r.validation_curve.map(p => [p.step, p.nats]), 'nats');
  reluSparsityCurves(section('chart-curves'));
  positionChart();
  topKChart();

  const balance = section('chart-balance');
  const anyTest = testBalanceHeatmaps();
  const anyMoe = trainingBalance(balance, 'moe', 'MoE: MaxVio of each logged training batch (first ok seed; '
    + 'one line style per layer)', 'MaxVio');
  const anyNp = trainingBalance(balance, 'np', 'NP: soft usage, max ᾱ/mean ᾱ − 1 of each logged training batch '
    + '(first ok seed; not a load)', 'soft-usage excess');
  const languages = section('chart-languages');
  let anyLanguage = false;
  arms.forEach(arm => {
    const r = okRuns.find(x => x.arm === arm);
    if (!r) {
      return;
    }
    r.layers.filter(l => l.kind !== 'dense').forEach(l => {
      const unit = unitName(l.kind);
      const prefix = l.kind === 'moe' ? 'E' : 'G';
      const metric = l.kind === 'moe' ? 'moe-load' : 'np-soft';
      if (l.training.length > 0) {
        const cells = [];
        l.training.forEach((p, i) => p.load_fraction.forEach((f, u) => cells.push([i, u, f])));
        heatmap(balance, metric, arm + ' / seed ' + r.seed + ', ' + l.layer + ': '
          + (l.kind === 'moe' ? 'load fraction of each expert' : 'soft usage of each group (share of α)')
          + ' over training', l.training.map(p => String(p.step)),
          l.training[0].load_fraction.map((_, u) => prefix + u), 'training step', unit, cells,
          Math.max(220, 22 * l.units + 90));
      }
      const langs = Object.keys(l.language_usage);
      if (langs.length > 0) {
        anyLanguage = true;
        const cells = [];
        langs.forEach((lang, y) => l.language_usage[lang].forEach((f, u) => cells.push([u, y, f])));
        const mi = l.language_mutual_information_bits;
        heatmap(languages, l.kind === 'moe' ? 'moe-language' : 'np-language', arm + ' / seed ' + r.seed + ', '
          + l.layer + ': share of each language per ' + unit + (finite(mi) ? ' (I = ' + fmt(mi, 3) + ' bits)' : ''),
          Array.from({length: l.units}, (_, u) => prefix + u), langs, unit, 'language', cells,
          Math.max(220, 22 * langs.length + 90));
      }
    });
  });
  drawHeatmaps();
  if (!anyTest && !anyMoe && !anyNp) {
    none(balance, 'no MoE or NP arm with an ok run');
  }
  if (!anyLanguage) {
    none(languages, 'no language statistics in this run');
  }

  // ---- expert similarity per layer (bars from zero on a fixed −1..1 axis)
  const sim = [];
  arms.forEach(arm => {
    const runs = okRuns.filter(r => r.arm === arm);
    if (runs.length === 0 || runs[0].layers.every(l => l.similarity === null)) {
      return;
    }
    sim.push({name: arm, type: 'bar', color: colour(arm), itemStyle: {color: colour(arm)},
      data: runs[0].layers.map((l, b) => {
        const v = runs.map(r => r.layers[b].similarity).filter(finite);
        return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
      })});
  });
  if (sim.length === 0) {
    none(section('chart-similarity'), 'no expert similarity in this run');
  } else {
    const layers = okRuns.find(r => r.layers.length > 0).layers.map(l => l.layer);
    chart(section('chart-similarity'), 'Mean pairwise cosine similarity of the units\' outputs, per layer (mean '
      + 'over ok seeds)', {
      grid: {left: 60, right: 20, bottom: 40}, legend: legendOf(sim.map(s => s.name)),
      xAxis: {type: 'category', data: layers, name: 'layer', nameLocation: 'middle', nameGap: 25},
      yAxis: {type: 'value', name: 'cosine', min: -1, max: 1},
      series: sim
    }, 320, {kind: 'similarity', notDrawn: notOkRuns.filter(r => sim.some(s => s.name === r.arm)).map(notOkLabel)});
  }

  ChartKit.finish(arms);
})();

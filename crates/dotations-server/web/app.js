// The page of `dotations serve`: find a commune, show its dotations, try a what-if.
// Plain modern JavaScript, no build step; it talks only to this server's JSON API.
'use strict';

const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
const numbers = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 4 });
const percents = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });

const $ = (id) => document.getElementById(id);

const state = {
  year: null,
  commune: null, // the page of the commune shown
  law: [], // parameters that a what-if may change
  searchTimer: null,
  searchSeq: 0,
  whatifController: null,
};

// Builds an element: el('td', {className: 'num'}, 'text', child…).
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('aria-') || key === 'role' || key === 'scope') node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = typeof body.error === 'string' ? body.error : `erreur ${response.status}`;
    throw new Error(message);
  }
  return body;
}

function setStatus(id, message, isError = false) {
  const node = $(id);
  node.textContent = message;
  node.classList.toggle('error', isError);
}

function money(value) {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : euros.format(value);
}

function signedMoney(difference) {
  if (difference === null || Number.isNaN(difference)) return el('span', {}, '—');
  const rounded = Math.round(difference);
  const text = rounded === 0 ? euros.format(0) : (rounded > 0 ? '+' : '') + euros.format(rounded);
  return el('span', { className: rounded > 0 ? 'gain' : rounded < 0 ? 'loss' : '' }, text);
}

function evolution(amount, previous) {
  if (previous === null || previous === undefined) return el('span', {}, '—');
  const difference = amount - previous;
  const span = signedMoney(difference);
  if (previous > 0 && Math.round(difference) !== 0) span.append(` (${percents.format(difference / previous)})`);
  return span;
}

function criterionText(criterion) {
  const value = criterion.value;
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (typeof value === 'number') {
    return criterion.type === 'money' ? euros.format(value) : numbers.format(value);
  }
  return String(value);
}

function referenceLinks(references) {
  const links = references.filter((r) => r.url || r.title);
  if (links.length === 0) return null;
  return el('ul', {}, links.map((r) => el('li', {},
    r.url ? el('a', { href: r.url, rel: 'noopener', target: '_blank' }, r.title || r.url) : r.title)));
}

// The explanation of a value (the JSON of `dotations explain`, docs/explain.md): the formula
// that applied, the parameters with their legal texts, the national values, the decisions taken
// for this commune, and each variable read, explained in turn.
const SOURCES = { input: 'donnée', default: 'valeur par défaut', otherwise: 'valeur de repli (otherwise)' };

function choiceText(choice) {
  switch (choice.kind) {
    case 'if': return `si ${choice.condition} : ${choice.holds ? 'oui' : 'non'}, donc ${choice.taken}`;
    case 'min': return `minimum : l’argument ${choice.argument} (${choice.applied}) s’applique → ${choice.text}`;
    case 'max': return `maximum : l’argument ${choice.argument} (${choice.applied}) s’applique → ${choice.text}`;
    case 'clamp': return `borne : ${choice.texts[0]} entre ${choice.texts[1]} et ${choice.texts[2]} → ${choice.text}`
      + (choice.bound === 'floor' ? ' (plancher)' : choice.bound === 'ceiling' ? ' (plafond)' : '');
    case 'ratio_else': return `${choice.expression} : diviseur nul, valeur ${choice.text}`;
    case 'short_circuit': return `${choice.expression} : ${choice.left} vaut ${choice.left_value ? 'oui' : 'non'}, cela suffit`;
    default: return choice.expression || choice.kind;
  }
}

function aggregateText(aggregate) {
  const parts = [`${aggregate.expression} = ${aggregate.text}`];
  if (aggregate.kind === 'rank') parts.push(`rang ${aggregate.rank} sur ${numbers.format(aggregate.ranked)}`);
  if (aggregate.kind === 'distribute') {
    parts.push(`valeur du point ${numbers.format(aggregate.point)}, enveloppe ${money(aggregate.budget)}`);
    if (aggregate.bound === 'floor') parts.push('montant relevé à son plancher');
    if (aggregate.bound === 'ceiling') parts.push('montant limité à son plafond');
  }
  if ((aggregate.kind === 'sum' || aggregate.kind === 'ratio_of_sums') && aggregate.communes !== undefined) {
    parts.push(`sur ${numbers.format(aggregate.communes)} communes`);
  }
  return parts.join(' · ');
}

function explainedNode(node, open = false) {
  const shown = typeof node.value === 'boolean' ? (node.value ? 'oui' : 'non') : node.text;
  const title = `${node.label || node.variable} = ${shown}`
    + (node.entity === 'etat' ? ' (national)' : '');
  const body = [el('p', {}, el('code', {}, node.variable), node.year ? ` (${node.year})` : '')];
  if (node.repeated) {
    body.push(el('p', {}, 'Déjà détaillé plus haut.'));
  } else {
    if (node.source !== 'formula') {
      body.push(el('p', {}, SOURCES[node.source] || node.source, node.input ? ` (colonne ${node.input.column})` : '',
        node.why ? ` : ${node.why}` : ''));
    }
    if (node.formula) {
      body.push(el('pre', {}, node.formula.text),
        el('p', { className: 'help' }, `${node.formula.file}, ligne ${node.formula.line}`
          + (node.formula.from ? `, depuis le ${node.formula.from}` : '')));
    }
    if (node.parameters.length > 0) {
      body.push(el('p', {}, 'Paramètres de la loi :'), el('ul', {}, node.parameters.map((p) => el('li', {},
        `${p.label || p.path} = ${p.text} (au ${p.date})`,
        p.references.length > 0 ? referenceLinks(p.references.map((r) => ({ title: r.title, url: r.href }))) : null))));
    }
    if (node.aggregates.length > 0) {
      body.push(el('p', {}, 'Valeurs nationales :'), el('ul', {}, node.aggregates.map((a) => el('li', {}, aggregateText(a)))));
    }
    if (node.choices.length > 0) {
      body.push(el('p', {}, 'Pour cette commune :'), el('ul', {}, node.choices.map((c) => el('li', {}, choiceText(c)))));
    }
    if (node.children.length > 0) {
      body.push(el('ul', { className: 'tree' }, node.children.map((child) => el('li', {}, explainedNode(child)))));
    }
    if (node.more > 0) body.push(el('p', { className: 'help' }, `… et ${node.more} autres variables non détaillées.`));
    if (node.mismatch) body.push(el('p', { className: 'error' }, 'Écart de recalcul : à signaler.'));
  }
  return el('details', { open }, el('summary', {}, title), body);
}

// An explanation as the server gives it: the tree above, or a text.
function renderExplanation(explanation) {
  if (explanation === null || explanation === undefined) return null;
  if (typeof explanation === 'string') return el('pre', {}, explanation);
  if (typeof explanation === 'object' && explanation.variable && Array.isArray(explanation.children)) {
    return explainedNode(explanation, true);
  }
  return el('pre', {}, JSON.stringify(explanation, null, 2));
}

// ---- search ----------------------------------------------------------------------------------

async function search(query) {
  const sequence = ++state.searchSeq;
  const list = $('search-results');
  if (query.trim().length === 0) {
    list.replaceChildren();
    setStatus('search-status', '');
    return;
  }
  try {
    const found = await api(`/communes?search=${encodeURIComponent(query)}&year=${state.year}`);
    if (sequence !== state.searchSeq) return; // a later search has started
    list.replaceChildren(...found.map((commune) => el('li', {},
      el('button', { type: 'button', dataset: { code: commune.code }, onclick: () => openCommune(commune.code) },
        commune.name || commune.code,
        el('span', { className: 'code' }, `${commune.code}${commune.departement ? ' · département ' + commune.departement : ''}`)))));
    setStatus('search-status', found.length === 0 ? 'Aucune commune trouvée.'
      : found.length === 1 ? '1 commune trouvée.' : `${found.length} communes trouvées.`);
  } catch (error) {
    setStatus('search-status', `La recherche a échoué : ${error.message}`, true);
  }
}

// ---- a commune -------------------------------------------------------------------------------

async function openCommune(code, focus = true) {
  setStatus('search-status', 'Chargement de la commune…');
  try {
    const page = await api(`/communes/${encodeURIComponent(code)}?year=${state.year}`);
    state.commune = page;
    renderCommune(page);
    setStatus('search-status', '');
    if (location.hash !== `#${code}`) history.replaceState(null, '', `#${code}`);
    if (focus) $('commune-title').focus();
  } catch (error) {
    setStatus('search-status', `Impossible d’afficher la commune : ${error.message}`, true);
  }
}

function renderCommune(page) {
  $('commune').hidden = false;
  $('whatif').hidden = false;
  $('commune-title').textContent = `${page.name || 'Commune'} (${page.code})`;
  const data = page.data.startsWith('embedded data') ? `France synthétique intégrée (${page.year})` : page.data;
  $('commune-subtitle').textContent = `${page.departement ? 'Département ' + page.departement + ' · ' : ''}données : ${data}`;
  $('commune-year').textContent = page.year;
  $('amount-header').textContent = `Montant ${page.year}`;
  $('previous-header').textContent = `Montant ${page.year - 1}`;

  const rows = page.dotations.map((d) => el('tr', { dataset: { variable: d.variable } },
    el('th', { scope: 'row' }, d.label),
    el('td', { className: d.eligible ? 'yes' : '' }, d.eligible ? 'oui' : 'non'),
    el('td', { className: 'num amount' }, money(d.amount)),
    el('td', { className: 'num previous' }, money(d.previous_amount)),
    el('td', { className: 'num' }, evolution(d.amount, d.previous_amount))));
  $('dotations-table').tBodies[0].replaceChildren(...rows);

  const explanations = page.dotations.map((d) => {
    const body = [];
    const explanation = renderExplanation(d.explanation);
    if (explanation) body.push(explanation);
    else body.push(el('p', {}, d.eligible ? `Montant ${page.year} : ${money(d.amount)}.` : `La commune n’est pas éligible en ${page.year}.`));
    const links = referenceLinks(d.references || []);
    if (links) body.push(el('p', {}, 'Textes de référence :'), links);
    return el('details', {}, el('summary', {}, `Pourquoi ce montant ? ${d.label}`), body);
  });
  $('explanations').replaceChildren(...explanations);

  $('criteria-table').tBodies[0].replaceChildren(...page.criteria.map((c) => el('tr', {},
    el('th', { scope: 'row' }, c.label || c.variable),
    el('td', { className: 'num' }, criterionText(c)))));

  const editable = page.criteria.filter((c) => c.editable && (typeof c.value === 'number'));
  $('criterion-select').replaceChildren(el('option', { value: '' }, '— aucun —'),
    ...editable.map((c) => el('option', { value: c.variable }, c.label || c.variable)));
  $('criterion-value').value = '';
  $('whatif-results').hidden = true;
  setStatus('whatif-status', '');
}

// ---- what-if ---------------------------------------------------------------------------------

function currentCriterion(variable) {
  return state.commune && state.commune.criteria.find((c) => c.variable === variable);
}

async function runWhatif(event) {
  event.preventDefault();
  if (!state.commune) return;
  const change = { criteria: {}, parameters: {} };
  const criterion = $('criterion-select').value;
  const criterionValue = $('criterion-value').value;
  if (criterion && criterionValue !== '') {
    const number = Number(criterionValue);
    if (!Number.isFinite(number)) {
      setStatus('whatif-status', 'La nouvelle valeur du critère doit être un nombre.', true);
      $('criterion-value').focus();
      return;
    }
    change.criteria[criterion] = number;
  }
  const parameter = $('parameter-select').value;
  const parameterValue = $('parameter-value').value;
  if (parameter && parameterValue !== '') {
    const number = Number(parameterValue);
    if (!Number.isFinite(number)) {
      setStatus('whatif-status', 'La nouvelle valeur du paramètre doit être un nombre.', true);
      $('parameter-value').focus();
      return;
    }
    change.parameters[parameter] = number;
  }
  if (Object.keys(change.criteria).length === 0 && Object.keys(change.parameters).length === 0) {
    setStatus('whatif-status', 'Choisissez un critère ou un paramètre et donnez-lui une nouvelle valeur.', true);
    return;
  }
  if (state.whatifController) state.whatifController.abort();
  const controller = new AbortController();
  state.whatifController = controller;
  const button = $('whatif-button');
  button.disabled = true;
  $('whatif').setAttribute('aria-busy', 'true');
  setStatus('whatif-status', 'Calcul en cours pour toutes les communes…');
  try {
    const result = await api(`/communes/${encodeURIComponent(state.commune.code)}/simulation?year=${state.year}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(change),
      signal: controller.signal,
    });
    renderWhatif(result);
    setStatus('whatif-status', 'Nouveaux montants calculés.');
  } catch (error) {
    if (error.name === 'AbortError') return;
    setStatus('whatif-status', `Le calcul a échoué : ${error.message}`, true);
  } finally {
    if (state.whatifController === controller) {
      state.whatifController = null;
      button.disabled = false;
      $('whatif').removeAttribute('aria-busy');
    }
  }
}

function renderWhatif(result) {
  $('whatif-results').hidden = false;
  $('whatif-commune').tBodies[0].replaceChildren(...result.dotations.map((d) => el('tr', { dataset: { variable: d.variable } },
    el('th', { scope: 'row' }, d.label),
    el('td', { className: 'num' }, money(d.baseline_amount)),
    el('td', { className: 'num new-amount' }, money(d.amount)),
    el('td', { className: 'num' }, signedMoney(d.amount - d.baseline_amount)),
    el('td', {}, d.baseline_eligible === d.eligible ? (d.eligible ? 'oui' : 'non')
      : (d.eligible ? 'devient éligible' : 'n’est plus éligible')))));
  $('whatif-national').tBodies[0].replaceChildren(...result.national.map((n) => el('tr', { dataset: { variable: n.variable } },
    el('th', { scope: 'row' }, n.label),
    el('td', { className: 'num' }, money(n.baseline_total)),
    el('td', { className: 'num' }, money(n.total)),
    el('td', { className: 'num' }, signedMoney(n.total - n.baseline_total)),
    el('td', { className: 'num' }, n.baseline_eligible === n.eligible
      ? numbers.format(n.eligible) : `${numbers.format(n.baseline_eligible)} → ${numbers.format(n.eligible)}`),
    el('td', { className: 'num' }, numbers.format(n.changed)))));
}

function resetWhatif() {
  if (state.whatifController) state.whatifController.abort();
  $('criterion-select').value = '';
  $('criterion-value').value = '';
  $('parameter-select').value = '';
  $('parameter-value').value = '';
  $('whatif-results').hidden = true;
  setStatus('whatif-status', 'Valeurs réelles rétablies.');
}

// ---- start -----------------------------------------------------------------------------------

async function loadLaw(year) {
  const law = await api(`/law${year ? '?year=' + year : ''}`);
  state.law = law.parameters;
  $('parameter-select').replaceChildren(el('option', { value: '' }, '— aucun —'),
    ...law.parameters.map((p) => el('option', { value: p.path }, p.description ? `${p.description} (${p.path})` : p.path)));
  return law;
}

async function start() {
  try {
    const law = await loadLaw(null);
    state.year = law.year;
    $('year-select').replaceChildren(...law.years.map((y) => el('option', { value: y, selected: y === law.year }, y)));
  } catch (error) {
    setStatus('search-status', `Le serveur ne répond pas : ${error.message}`, true);
    return;
  }
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(state.searchTimer);
    search($('search-input').value);
  });
  $('search-input').addEventListener('input', () => {
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(() => search($('search-input').value), 250);
  });
  $('year-select').addEventListener('change', async () => {
    state.year = Number($('year-select').value);
    await loadLaw(state.year).catch(() => {});
    if ($('search-input').value) search($('search-input').value);
    if (state.commune) openCommune(state.commune.code, false);
  });
  $('criterion-select').addEventListener('change', () => {
    const criterion = currentCriterion($('criterion-select').value);
    $('criterion-value').value = criterion && typeof criterion.value === 'number' ? criterion.value : '';
  });
  $('parameter-select').addEventListener('change', () => {
    const parameter = state.law.find((p) => p.path === $('parameter-select').value);
    $('parameter-value').value = parameter ? parameter.value : '';
  });
  $('whatif-form').addEventListener('submit', runWhatif);
  $('whatif-reset').addEventListener('click', resetWhatif);
  document.body.dataset.ready = 'true';
  const code = decodeURIComponent(location.hash.slice(1));
  if (code) openCommune(code, false);
}

start();

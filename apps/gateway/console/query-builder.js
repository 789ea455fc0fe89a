import { useEffect, useRef, useState } from 'preact/hooks';
import { api, copyLabel, copyText, html } from './api.js';

/** What the generated query does when nothing is changed: API.md's defaults. */
const DEFAULTS = { from: '', to: '', sort: 'created', order: 'desc', mine: false, limit: '', display: '', format: 'json', delimiter: ',', bom: false };

/** The builder's body: only what differs from the defaults, so the URL says no more than it must. */
function builderBody(entities, p) {
  const body = { entities: entities.join(',') };
  if (p.from) body.from = p.from;
  if (p.to) body.to = p.to;
  if (p.sort !== DEFAULTS.sort) body.sort = p.sort;
  if (p.order !== DEFAULTS.order) body.order = p.order;
  if (p.mine) body.mine = 'true';
  if (p.limit !== '') body.limit = p.limit;
  if (p.display.trim()) body.display = p.display.replace(/\s+/g, '');
  if (p.format !== DEFAULTS.format) body.format = p.format;
  // CSV's own options, kept while another format is shown but not part of its URL.
  if (p.format === 'csv' && p.delimiter !== DEFAULTS.delimiter) body.delimiter = p.delimiter;
  if (p.format === 'csv' && p.bom) body.bom = 'true';
  return body;
}

export function QueryBuilderPage({ session, caller, balance }) {
  const isAdmin = Object.values(caller.roles ?? {}).includes('admin');
  const [catalogue, setCatalogue] = useState(null);
  const [loadError, setLoadError] = useState('');
  const [attempt, setAttempt] = useState(0);
  const [selected, setSelected] = useState([]);
  const [params, setParams] = useState(DEFAULTS);
  const [built, setBuilt] = useState(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [copied, setCopied] = useState(undefined);
  const asked = useRef(0);

  useEffect(() => {
    if (!isAdmin) return;
    setLoadError('');
    api(session, 'GET', '/api/v1/entities').then((r) => setCatalogue(r.entities), (e) => setLoadError(e.details));
  }, [session.token, isAdmin, attempt]);

  // The URL follows every change at once; an answer to an older change is dropped.
  useEffect(() => {
    setCopied(undefined);
    if (selected.length === 0) {
      ++asked.current; // an answer still on its way belongs to the query that was cleared
      setBuilt(null);
      setError('');
      return;
    }
    // The query refuses a period that ends before it starts: no URL for it, and say why.
    if (params.from && params.to && params.from > params.to) {
      ++asked.current;
      setBuilt(null);
      setError('The period ends before it starts: choose a "To" date on or after the "From" date.');
      return;
    }
    const ask = ++asked.current;
    const timer = setTimeout(() => {
      api(session, 'POST', '/api/v1/query-builder', builderBody(selected, params)).then(
        (result) => ask === asked.current && (setBuilt(result), setError('')),
        (e) => ask === asked.current && (setBuilt(null), setError(e.details)),
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [selected, params, session.token]);

  // A query the pool can no longer pay for (another client spent the credits meanwhile) is cleared.
  const remaining = balance?.remaining;
  useEffect(() => {
    if (remaining === undefined || selected.length <= remaining) return;
    setNotice(`This query needed ${selected.length} credits and ${remaining} remain: its entities and filters were cleared.`);
    setSelected([]);
    setParams(DEFAULTS);
  }, [remaining, selected.length]);

  if (!isAdmin) {
    return html`<section><h1>Query builder</h1><p class="notice">The query builder is for administrators of at least one module.</p></section>`;
  }
  if (loadError) {
    return html`<section>
      <h1>Query builder</h1>
      <p class="error" role="alert">The entity types cannot be listed: ${loadError}</p>
      <button type="button" onClick=${() => setAttempt((n) => n + 1)}>Try again</button>
    </section>`;
  }
  if (!catalogue) return html`<p class="loading">Loading…</p>`;

  const toggle = (name) => {
    setNotice('');
    setSelected((current) => (current.includes(name) ? current.filter((n) => n !== name) : catalogue.map((e) => e.name).filter((n) => n === name || current.includes(n))));
  };
  const set = (name, value) => setParams((p) => ({ ...p, [name]: value }));
  const input = (name) => (event) => set(name, event.currentTarget.value);
  const canAfford = (name) => selected.includes(name) || remaining === undefined || selected.length < remaining;
  // A disabled box says nothing by itself (a title shows only on hover): say why, in the page.
  const limited = catalogue.some((e) => !canAfford(e.name));

  return html`
    <h1>Query builder</h1>
    <div class="builder">
      <section class="panel">
        <h2>Query content</h2>
        <p class="hint">1 entity = 1 credit; filters do not change the cost.</p>
        ${catalogue.length === 0 && html`<p>This instance has no entity types yet.</p>`}
        ${limited &&
        html`<p class="notice" id="credits-limit">
          ${remaining === 1 ? '1 credit remains' : `${remaining} credits remain`} today: no more entities can be added until the pool resets.
        </p>`}
        <ul class="entities">
          ${catalogue.map(
            (e) => html`
              <li>
                <label title=${canAfford(e.name) ? '' : 'Not enough credits left'}>
                  <input
                    type="checkbox"
                    checked=${selected.includes(e.name)}
                    disabled=${!canAfford(e.name)}
                    aria-describedby=${canAfford(e.name) ? undefined : 'credits-limit'}
                    onChange=${() => toggle(e.name)}
                  />
                  ${e.name} <span class="count">${e.recordCount.toLocaleString('en')} records</span>
                </label>
              </li>`,
          )}
        </ul>
      </section>
      <section class="panel">
        <h2>Parameters</h2>
        <fieldset>
          <legend>Period (days the records were created)</legend>
          <label>From <input type="date" value=${params.from} max=${params.to || undefined} onInput=${input('from')} /></label>
          <label>To <input type="date" value=${params.to} min=${params.from || undefined} onInput=${input('to')} /></label>
        </fieldset>
        <label>Sort by
          <select value=${params.sort} onChange=${input('sort')}>
            <option value="created">Creation date</option>
            <option value="updated">Last update date</option>
            <option value="alpha">Alphabetical (title)</option>
          </select>
        </label>
        <label>Order
          <select value=${params.order} onChange=${input('order')}>
            <option value="desc">Descending</option>
            <option value="asc">Ascending</option>
          </select>
        </label>
        <label class="inline">
          <input type="checkbox" checked=${params.mine} onChange=${(e) => set('mine', e.currentTarget.checked)} />
          Only items where I hold a responsibility (with my personal key)
        </label>
        <label>Maximum items per entity <input type="number" min="1" step="1" placeholder="all" value=${params.limit} onInput=${input('limit')} /></label>
        <label>Fields <input placeholder="all fields, or e.g. id,title,status" value=${params.display} onInput=${input('display')} /></label>
        <label>Format
          <select value=${params.format} onChange=${input('format')}>
            <option value="json">JSON</option>
            <option value="csv">CSV</option>
            <option value="xml">XML</option>
          </select>
        </label>
        ${params.format === 'csv' &&
        html`<label>Delimiter
            <select value=${params.delimiter} onChange=${input('delimiter')}>
              <option value=",">Comma</option>
              <option value=";">Semicolon (Excel in many European locales)</option>
              <option value="\t">Tab</option>
              <option value="|">Vertical bar</option>
            </select>
          </label>
          <label class="inline">
            <input type="checkbox" checked=${params.bom} onChange=${(e) => set('bom', e.currentTarget.checked)} />
            For Excel: mark the file as UTF-8, so that accents show right
          </label>`}
      </section>
    </div>
    <section class="panel result">
      <h2>Query</h2>
      ${notice && html`<p class="notice" role="status">${notice}</p>`}
      <p>Credits required for the query: <strong data-testid="query-cost">${selected.length}</strong></p>
      ${selected.length === 0 && html`<p class="hint">Select at least one entity.</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${built &&
      html`
        <label>URL <textarea readonly rows="3" data-testid="query-url" value=${built.url}></textarea></label>
        <button type="button" onClick=${() => copyText(built.url).then(setCopied)}>${copyLabel(copied)}</button>
        <p class="hint">Replace YOUR_KEY_VALUE with an API key${params.mine ? ': your personal key' : ''}.</p>
        ${!built.affordable && html`<p class="error">The pool has ${built.remaining} credits left: not enough for this query today.</p>`}
      `}
    </section>`;
}

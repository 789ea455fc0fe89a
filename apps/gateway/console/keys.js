import { useEffect, useRef, useState } from 'preact/hooks';
import { api, copyLabel, copyText, html } from './api.js';

const SCOPES = ['query', 'ingest', 'flows', 'admin'];
const DEFAULT_SCOPES = { personal: SCOPES, organization: SCOPES, data: ['query'] };

const isAdmin = (user) => user.status === 'active' && Object.values(user.roles).includes('admin');

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

/** The key just issued: shown this once, never again. */
function IssuedKey({ issued, onDone }) {
  const [copied, setCopied] = useState(undefined);
  const field = useRef(null);
  // The key appears above the form that asked for it: take the focus there, so the keyboard can copy it at once.
  useEffect(() => {
    setCopied(undefined);
    field.current?.focus();
    field.current?.select();
  }, [issued.key]);
  return html`
    <section class="panel issued" role="status">
      <h2>Key created</h2>
      <p><strong>Copy it now: this is the only time it is shown.</strong> A lost key cannot be recovered; delete it and create another.</p>
      <label>Key <input readonly ref=${field} data-testid="issued-key" value=${issued.key} /></label>
      <button type="button" onClick=${() => copyText(issued.key).then(setCopied)}>${copyLabel(copied)}</button>
      <button type="button" class="secondary" onClick=${onDone}>Done</button>
    </section>`;
}

function CreateKey({ session, caller, users, entities, entitiesError, onRetryEntities, onIssued }) {
  const admins = users.filter(isAdmin);
  const [kind, setKind] = useState('personal');
  const [ownerId, setOwnerId] = useState(caller.userId ?? '');
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState(DEFAULT_SCOPES.personal);
  const [chosen, setChosen] = useState([]);
  const [expiresAt, setExpiresAt] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const chooseKind = (value) => {
    setKind(value);
    setScopes(DEFAULT_SCOPES[value]);
  };
  const flip = (list, value) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    const body = { kind, description, scopes };
    if (kind === 'personal' && ownerId) body.ownerId = ownerId;
    if (kind === 'data') body.entities = chosen;
    if (expiresAt) body.expiresAt = new Date(expiresAt).toISOString();
    try {
      onIssued(await api(session, 'POST', '/api/v1/keys', body));
      setDescription('');
      setChosen([]);
      setExpiresAt('');
    } catch (e) {
      setError(e.code === 'key_exists' ? 'This user already has an active personal key. Delete it first to issue a new one.' : e.details);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <form class="panel create-key" onSubmit=${submit}>
      <h2>Create a key</h2>
      <label>Kind
        <select value=${kind} onChange=${(e) => chooseKind(e.currentTarget.value)}>
          <option value="personal">Personal (acts as its owner)</option>
          <option value="organization">Organization (acts as the instance)</option>
          <option value="data">Data (reads only the entities chosen)</option>
        </select>
      </label>
      ${kind === 'personal' &&
      html`<label>Owner
        <select value=${ownerId} onChange=${(e) => setOwnerId(e.currentTarget.value)}>
          ${admins.map((u) => html`<option value=${u.id}>${u.name} (${u.email})</option>`)}
        </select>
        <span class="hint">Only administrators of at least one module can own a key, one active key each.</span>
      </label>`}
      <label>Description <input required maxlength="500" value=${description} onInput=${(e) => setDescription(e.currentTarget.value)} /></label>
      <fieldset>
        <legend>Scopes</legend>
        ${SCOPES.map(
          (s) => html`<label class="inline"><input type="checkbox" checked=${scopes.includes(s)} onChange=${() => setScopes(flip(scopes, s))} /> ${s}</label>`,
        )}
      </fieldset>
      ${kind === 'data' &&
      html`<fieldset>
        <legend>Entities it may read</legend>
        ${entitiesError &&
        html`<p class="error" role="alert">The entity list cannot be read: ${entitiesError}</p>
          <button type="button" class="secondary" onClick=${onRetryEntities}>Try again</button>`}
        ${entities.map(
          (name) => html`<label class="inline"><input type="checkbox" checked=${chosen.includes(name)} onChange=${() => setChosen(flip(chosen, name))} /> ${name}</label>`,
        )}
      </fieldset>`}
      <label>Expires (optional) <input type="datetime-local" value=${expiresAt} onInput=${(e) => setExpiresAt(e.currentTarget.value)} /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy}>Create key</button>
    </form>`;
}

export function KeysPage({ session, caller }) {
  const allowed = caller.roles?.users === 'admin';
  const [keys, setKeys] = useState(null);
  const [users, setUsers] = useState([]);
  const [entities, setEntities] = useState([]);
  const [entitiesError, setEntitiesError] = useState('');
  const [picked, setPicked] = useState([]);
  const [issued, setIssued] = useState(null);
  const [error, setError] = useState('');

  // The entity list only serves data keys (another service answers it): without it, keys are still listed, issued and deleted.
  const loadEntities = () =>
    api(session, 'GET', '/api/v1/entities').then(
      (e) => (setEntities(e.entities.map((x) => x.name)), setEntitiesError('')),
      (e) => setEntitiesError(e.details),
    );
  const load = () => {
    void loadEntities();
    return Promise.all([api(session, 'GET', '/api/v1/keys'), api(session, 'GET', '/api/v1/users')]).then(
      ([k, u]) => {
        setKeys(k.keys);
        setUsers(u.users);
        setPicked((p) => p.filter((id) => k.keys.some((key) => key.id === id && key.status !== 'revoked')));
      },
      (e) => setError(e.details),
    );
  };
  const retry = () => (setError(''), load());

  useEffect(() => {
    if (allowed) void load();
  }, [session.token, allowed]);

  if (!allowed) {
    return html`<section><h1>API keys</h1><p class="notice">Key administration needs the admin role of the Users module.</p></section>`;
  }
  if (!keys && !error) return html`<p class="loading">Loading…</p>`;
  if (!keys) {
    return html`<section>
      <h1>API keys</h1>
      <p class="error" role="alert">The keys cannot be listed: ${error}</p>
      <button type="button" onClick=${retry}>Try again</button>
    </section>`;
  }

  const owner = (key) => {
    if (!key.ownerId) return 'the instance';
    const user = users.find((u) => u.id === key.ownerId);
    return user ? user.email : key.ownerId;
  };
  const deleteKeys = async () => {
    if (!confirm(`Delete ${picked.length} key${picked.length > 1 ? 's' : ''}? Their holders lose access at once.`)) return;
    setError('');
    try {
      await api(session, 'DELETE', '/api/v1/keys', { ids: picked });
      setPicked([]);
    } catch (e) {
      setError(e.details);
    }
    await load();
  };

  return html`
    <h1>API keys</h1>
    ${issued && html`<${IssuedKey} issued=${issued} onDone=${() => setIssued(null)} />`}
    <section class="panel">
      <div class="toolbar">
        <h2>Keys of ${caller.instanceId}, most recently used first</h2>
        <button type="button" class="danger" disabled=${picked.length === 0} onClick=${deleteKeys}>Delete${picked.length ? ` (${picked.length})` : ''}</button>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="table-scroll" role="region" aria-label="Key list" tabindex="0">
        <table class="keys">
          <thead>
            <tr><th></th><th>Key</th><th>Kind</th><th>Owner</th><th>Description</th><th>Scopes</th><th>Status</th><th>Last used</th><th>Created</th></tr>
          </thead>
          <tbody>
            ${keys.map(
              (key) => html`
                <tr data-key-id=${key.id} class=${key.status}>
                  <td>
                    ${key.status !== 'revoked' &&
                    html`<input type="checkbox" aria-label=${`Select ${key.prefix}`} checked=${picked.includes(key.id)}
                      onChange=${() => setPicked((p) => (p.includes(key.id) ? p.filter((id) => id !== key.id) : [...p, key.id]))} />`}
                  </td>
                  <td><code>${key.prefix}</code></td>
                  <td>${key.kind}${key.entities ? html`<br /><span class="hint">${key.entities.join(', ')}</span>` : ''}</td>
                  <td>${owner(key)}</td>
                  <td>${key.description}</td>
                  <td>${key.scopes.join(', ')}</td>
                  <td>${key.status}${key.deactivationReason ? html`<br /><span class="hint">${key.deactivationReason.replace(/_/g, ' ')}</span>` : ''}</td>
                  <td>${when(key.lastUsedAt)}</td>
                  <td>${when(key.createdAt)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${keys.length === 0 && html`<p>No keys yet.</p>`}
    </section>
    <${CreateKey} session=${session} caller=${caller} users=${users} entities=${entities} entitiesError=${entitiesError}
      onRetryEntities=${loadEntities} onIssued=${(k) => (setIssued(k), load())} />`;
}

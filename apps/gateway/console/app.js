import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, clearSession, html, loadSession, saveSession, whenSessionEnds } from './api.js';
import { QueryBuilderPage } from './query-builder.js';
import { KeysPage } from './keys.js';

const PAGES = [
  { id: 'query-builder', title: 'Query builder' },
  { id: 'keys', title: 'API keys' },
];

function currentPage() {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.some((p) => p.id === id) ? id : PAGES[0].id;
}

function Login({ onSignedIn, notice }) {
  const [form, setForm] = useState({ instance: '', email: '', password: '' });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const field = (name) => (event) => setForm({ ...form, [name]: event.currentTarget.value });

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const { token, expiresAt } = await api(null, 'POST', '/api/v1/auth/login', form);
      onSignedIn({ token, expiresAt, instance: form.instance, email: form.email });
    } catch (e) {
      setError(e.status === 401 ? 'Wrong instance, email or password.' : e.details);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <main class="login">
      <h1>Tollgate console</h1>
      ${notice && html`<p class="notice" role="status">${notice}</p>`}
      <form onSubmit=${submit}>
        <label>Instance <input name="instance" required autocomplete="organization" value=${form.instance} onInput=${field('instance')} /></label>
        <label>Email <input name="email" type="email" required autocomplete="username" value=${form.email} onInput=${field('email')} /></label>
        <label>Password <input name="password" type="password" required autocomplete="current-password" value=${form.password} onInput=${field('password')} /></label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" disabled=${busy}>Sign in</button>
      </form>
    </main>`;
}

/** How long to wait before opening the balance stream again after it failed n times in a row. */
const retryDelay = (failures) => Math.min(15_000, 1000 * 2 ** failures);

/**
 * The instance's pool, kept current: read once, then pushed by the live balance stream on every
 * change, whoever spent the credits. EventSource cannot send headers, so the session goes in the URL.
 * The stream ends when the session is refused, and EventSource gives up for good on an answer that
 * is not a stream (401, 503): each failure asks the API why, so an ended session signs out
 * (api() reports the 401), and anything else is said and retried until the stream is back.
 */
function useBalance(session) {
  const [balance, setBalance] = useState(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    let open = true;
    let stream;
    let timer;
    let failures = 0;
    const failed = (e) => open && e.status !== 401 && setProblem(`Remaining credits cannot be read: ${e.details}`);
    // A balance that could be read is no longer a problem, whichever way it came.
    const read = () =>
      api(session, 'GET', '/api/v1/credits').then((b) => {
        if (!open) return;
        setProblem('');
        setBalance(b);
      }, failed);
    const connect = () => {
      stream = new EventSource(`/api/v1/credits/stream?access_token=${encodeURIComponent(session.token)}`);
      stream.addEventListener('balance', (event) => {
        failures = 0;
        setProblem('');
        setBalance(JSON.parse(event.data));
      });
      stream.addEventListener('error', () => {
        const closed = stream.readyState === EventSource.CLOSED;
        read();
        if (!closed || !open) return;
        if (failures > 0) setProblem((p) => p || 'The live credit balance is interrupted; reconnecting…');
        timer = setTimeout(connect, retryDelay(failures++));
      });
    };
    read();
    connect();
    return () => {
      open = false;
      clearTimeout(timer);
      stream.close();
    };
  }, [session.token]);
  return { balance, problem };
}

function Shell({ session, caller, onSignOut }) {
  const [page, setPage] = useState(currentPage);
  const { balance, problem } = useBalance(session);
  useEffect(() => {
    const follow = () => setPage(currentPage());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);

  return html`
    <header>
      <strong>Tollgate</strong>
      <nav>
        ${PAGES.map((p) => html`<a href=${`#/${p.id}`} aria-current=${p.id === page ? 'page' : undefined}>${p.title}</a>`)}
      </nav>
      <span class="credits" title=${balance ? `Resets at ${new Date(balance.resetsAt).toLocaleString()} (${balance.timezone})` : ''}>
        Remaining credits: <output data-testid="remaining-credits">${balance ? balance.remaining.toLocaleString('en') : '…'}</output>
        ${balance && html` / ${balance.dailyAllowance.toLocaleString('en')}`}
      </span>
      ${problem && html`<span class="error" role="alert" data-testid="credits-problem">${problem}</span>`}
      <span class="who">${session.email} · ${session.instance}</span>
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main>
      ${page === 'keys' ? html`<${KeysPage} session=${session} caller=${caller} />` : html`<${QueryBuilderPage} session=${session} caller=${caller} balance=${balance} />`}
    </main>`;
}

function App() {
  const [session, setSession] = useState(loadSession);
  const [caller, setCaller] = useState(null);
  const [notice, setNotice] = useState('');
  const [callerError, setCallerError] = useState('');
  const [attempt, setAttempt] = useState(0);

  const signOut = useCallback((message = '') => {
    clearSession();
    setSession(null);
    setCaller(null);
    setCallerError('');
    setNotice(message);
  }, []);

  // Signing out ends the session on the platform too, so a copied token stops working; when the
  // platform cannot be reached, the page still forgets it and the session expires on its own.
  const signOutByUser = useCallback(() => {
    if (session) api(session, 'POST', '/api/v1/auth/logout').catch(() => undefined);
    signOut();
  }, [session, signOut]);

  useEffect(() => whenSessionEnds(() => signOut('Your session has ended. Sign in again.')), [signOut]);

  useEffect(() => {
    if (!session) return;
    setCallerError('');
    // A 401 signs out (api() reports it); any other failure is said, with a way to try again.
    api(session, 'GET', '/api/v1/auth/me').then(setCaller, (e) => e.status !== 401 && setCallerError(e.details));
  }, [session, attempt]);

  if (!session) {
    return html`<${Login} notice=${notice} onSignedIn=${(s) => (saveSession(s), setNotice(''), setSession(s))} />`;
  }
  if (callerError) {
    return html`
      <main>
        <p class="error" role="alert">The console could not load: ${callerError}</p>
        <button type="button" onClick=${() => setAttempt((n) => n + 1)}>Try again</button>
        <button type="button" class="secondary" onClick=${signOutByUser}>Sign out</button>
      </main>`;
  }
  if (!caller) return html`<p class="loading">Loading…</p>`;
  return html`<${Shell} session=${session} caller=${caller} onSignOut=${signOutByUser} />`;
}

render(html`<${App} />`, document.getElementById('app'));

// The console's only way to the platform: the public API, with the session of POST /api/v1/auth/login.
import { h } from 'preact';
import htm from 'htm';

/** Preact templates without a build step. */
export const html = htm.bind(h);

const SESSION = 'tollgate.console.session';

/** The signed-in session ({ token, instance, email, expiresAt }) for this browser tab, or null. */
export function loadSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION) ?? 'null');
    return session && Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  sessionStorage.setItem(SESSION, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION);
}

/** An answer in the platform's error shape: { status: 'error', code, message, errors? }. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
    this.errors = body?.errors ?? [];
  }

  /** The message with the fields it names, as a person would read it. */
  get details() {
    return this.errors.length ? this.errors.map((e) => `${e.field}: ${e.message}`).join('; ') : this.message;
  }
}

let onSessionEnded = () => {};

/** Called when the platform refuses the session (expired, or its user lost access). */
export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

export async function api(session, method, path, body) {
  const headers = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    // fetch only throws when no answer came at all: say so in the same shape as any other failure.
    throw new ApiError(0, { message: 'The platform cannot be reached. Check the connection and try again.' });
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // Not the platform's answer (a proxy's HTML error page, say): its markup would mean nothing here.
    data = { message: `The platform answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}. Try again in a moment.` };
  }
  if (!response.ok) {
    if (response.status === 401 && session) onSessionEnded();
    throw new ApiError(response.status, data);
  }
  return data;
}

/**
 * Copies text, with the older route for pages the Clipboard API refuses (plain http, no focus).
 * Answers whether it was copied: a page must not say "Copied" of a key shown only once when the
 * browser refused both routes.
 */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const focused = document.activeElement;
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    area.remove();
    focused?.focus?.();
    return copied;
  }
}

/** The Copy button's label for the outcome of the last copy: undefined (none yet), true or false. */
export const copyLabel = (copied) => (copied === true ? 'Copied' : copied === false ? 'Not copied: copy it by hand' : 'Copy');

// The greenops road-inspection console: plain ES module, no framework, no CDN. Data comes from /api/v1/road/…
// with the user's API key (or OIDC token) as a bearer credential, kept in sessionStorage for this tab only.
// With an OIDC issuer configured (GET /api/v1/console/config), the console logs in there itself: authorization
// code with PKCE (S256, RFC 7636) as a public client, and uses the access token it gets as the bearer credential.

const T = {
  da: {
    skip: 'Spring til indhold',
    title: 'Vejinspektion',
    lang: 'English',
    login: 'Log ind',
    key: 'API-nøgle eller OIDC-token',
    signin: 'Log ind',
    queue: 'Kø',
    orders: 'Arbejdsordrer',
    status: 'Status',
    st_new: 'ny',
    st_confirmed: 'bekræftet',
    st_work_ordered: 'arbejdsordre',
    st_rejected: 'afvist',
    st_repaired: 'repareret',
    st_closed: 'lukket',
    st_merged: 'sammenlagt',
    all: 'alle',
    damage: 'Skadetype',
    age: 'Set første gang inden for (dage)',
    area: 'Område (vest,syd,øst,nord)',
    corr: 'Kun bekræftede af flere kørsler',
    apply: 'Filtrér',
    keys: 'Taster: j/k næste/forrige · c bekræft · r afvis (1–5 årsag) · w arbejdsordre · Enter detaljer',
    queue_caption: 'Skader efter prioritet',
    severity: 'Alvor',
    priority: 'Prioritet',
    sightings: 'Set',
    last: 'Sidst set',
    map: 'Kort over skader (valgt skade fremhævet)',
    reject_why: 'Afvis: vælg årsag',
    new_order: 'Ny arbejdsordre',
    assignee: 'Ansvarlig',
    due: 'Frist',
    notes: 'Noter',
    create: 'Opret',
    sightings_h: 'Observationer',
    history: 'Historik og revision',
    defects: 'Skader',
    change: 'Skift status',
    false_positive: 'Fejlregistrering',
    duplicate: 'Dublet',
    not_our_road: 'Ikke kommunens vej',
    below_threshold: 'Under tærskel',
    already_repaired: 'Allerede repareret',
    confirmed: 'Bekræftet',
    rejected: 'Afvist',
    ordered: 'Arbejdsordre oprettet',
    count: (n, t) => `${n} af ${t} skader`,
    who: (k) => `Logget ind som ${k}`,
    bad_key: 'Nøglen blev ikke godkendt',
    bad_token: 'Kommunens login blev ikke godkendt af greenops',
    or: 'eller',
    oidc_login: 'Log ind med din kommune (OIDC)',
    oidc_failed: 'Login hos kommunen mislykkedes',
    oidc_state: 'svaret hører ikke til et login fra denne fane',
    logout: 'Log ud',
    expired: 'Du er logget ud (legitimationen er udløbet eller ikke længere gyldig)',
    first: 'Først set',
    conf: 'Samlet sikkerhed',
    aadt: 'ÅDT',
    frame: 'billede',
    in_progress: 'i gang',
    done: 'udført',
    cancelled: 'annulleret',
    open: 'åben',
    missed: 'Passager uden fund',
  },
  en: {
    skip: 'Skip to content',
    title: 'Road inspection',
    lang: 'Dansk',
    login: 'Sign in',
    key: 'API key or OIDC token',
    signin: 'Sign in',
    queue: 'Queue',
    orders: 'Work orders',
    status: 'Status',
    st_new: 'new',
    st_confirmed: 'confirmed',
    st_work_ordered: 'work ordered',
    st_rejected: 'rejected',
    st_repaired: 'repaired',
    st_closed: 'closed',
    st_merged: 'merged',
    all: 'all',
    damage: 'Damage',
    age: 'First seen within (days)',
    area: 'Area (west,south,east,north)',
    corr: 'Only corroborated by several drives',
    apply: 'Filter',
    keys: 'Keys: j/k next/previous · c confirm · r reject (1–5 reason) · w work order · Enter details',
    queue_caption: 'Defects by priority',
    severity: 'Severity',
    priority: 'Priority',
    sightings: 'Seen',
    last: 'Last seen',
    map: 'Map of defects (selected defect highlighted)',
    reject_why: 'Reject: choose a reason',
    new_order: 'New work order',
    assignee: 'Assignee',
    due: 'Due date',
    notes: 'Notes',
    create: 'Create',
    sightings_h: 'Sightings',
    history: 'History and audit',
    defects: 'Defects',
    change: 'Change status',
    false_positive: 'False positive',
    duplicate: 'Duplicate',
    not_our_road: 'Not our road',
    below_threshold: 'Below threshold',
    already_repaired: 'Already repaired',
    confirmed: 'Confirmed',
    rejected: 'Rejected',
    ordered: 'Work order created',
    count: (n, t) => `${n} of ${t} defects`,
    who: (k) => `Signed in as ${k}`,
    bad_key: 'The key was not accepted',
    bad_token: 'The municipality login was not accepted by greenops',
    or: 'or',
    oidc_login: 'Log in with your municipality (OIDC)',
    oidc_failed: 'Login at the municipality failed',
    oidc_state: 'the answer does not belong to a login from this tab',
    logout: 'Log out',
    expired: 'You were logged out (the credential expired or is no longer valid)',
    first: 'First seen',
    conf: 'Fused confidence',
    aadt: 'AADT',
    frame: 'frame',
    in_progress: 'in progress',
    done: 'done',
    cancelled: 'cancelled',
    open: 'open',
    missed: 'Passes without a sighting',
  },
};
const DAMAGE = {
  D00: ['Længderevne', 'Longitudinal crack'],
  D01: ['Længdefuge', 'Longitudinal joint'],
  D10: ['Tværrevne', 'Transverse crack'],
  D11: ['Tværfuge', 'Transverse joint'],
  D20: ['Krakelering', 'Alligator cracking'],
  D40: ['Slaghul', 'Pothole'],
  D43: ['Slidt fodgængerfelt', 'Faded crosswalk'],
  D44: ['Slidt kantlinje', 'Faded white line'],
  D50: ['Dæksel', 'Manhole cover'],
  marking_faded: ['Slidt afmærkning', 'Faded marking'],
  sign_damaged: ['Beskadiget skilt', 'Damaged sign'],
};
const REASONS = ['false_positive', 'duplicate', 'not_our_road', 'below_threshold', 'already_repaired'];

let lang = localStorage.getItem('greenops.lang') === 'en' ? 'en' : 'da';
let key = sessionStorage.getItem('greenops.key') ?? '';
let defects = [];
/** Every defect matching the filters, as the map's lean arrays: [id, lat, lon, severity, …] (format=map). */
let mapPoints = [];
let selected = 0;
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k] ?? k;
const damageName = (d) => (DAMAGE[d] ? DAMAGE[d][lang === 'da' ? 0 : 1] : d);
const fmt = (iso) =>
  new Date(iso).toLocaleString(lang === 'da' ? 'da-DK' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function translate() {
  document.documentElement.lang = lang;
  document.title = `greenops – ${t('title')}`;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
}

async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: {
      authorization: `Bearer ${key}`,
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
  });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  // A credential that stops working (an expired token, a revoked key) logs the tab out.
  if (res.status === 401 && !$('app').hidden) signOut(t('expired'));
  if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? res.statusText), { status: res.status });
  return { body, etag: res.headers.get('etag') };
}

function say(text) {
  $('status-msg').textContent = text;
}

async function signIn(candidate, kind = 'key') {
  key = candidate;
  try {
    const { body } = await api('/api/v1/whoami');
    sessionStorage.setItem('greenops.key', key);
    $('login').hidden = true;
    $('app').hidden = false;
    $('who').textContent = t('who')(`${body.name ?? body.id} (${body.roles.join(', ')})`);
    await loadQueue();
    $('queue-table').querySelector('tbody tr')?.focus();
  } catch {
    key = '';
    sessionStorage.removeItem('greenops.key');
    $('login-error').textContent = t(kind === 'oidc' ? 'bad_token' : 'bad_key');
  }
}

function signOut(message = '') {
  key = '';
  sessionStorage.removeItem('greenops.key');
  $('app').hidden = true;
  $('login').hidden = false;
  $('key').value = '';
  $('login-error').textContent = message;
  $('key').focus();
}

// --- OIDC: authorization code + PKCE in the browser (a public client: no secret) ---

/** { issuer, clientId, scopes } from the API, or null when the console takes API keys only. */
let oidc = null;
const OIDC_PENDING = 'greenops.oidc.pending';
const redirectUri = () => `${location.origin}/console/`;
const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomToken = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** OpenID Connect Discovery 1.0 §4: the document must name the configured issuer exactly. */
async function discover() {
  const url = `${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { credentials: 'omit' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const doc = await res.json();
  if (doc.issuer !== oidc.issuer) throw new Error(`${url} names issuer ${doc.issuer}`);
  return doc;
}

async function oidcLogin() {
  const doc = await discover();
  const verifier = randomToken();
  const state = randomToken();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(OIDC_PENDING, JSON.stringify({ state, verifier }));
  const url = new URL(doc.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: oidc.scopes,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ui_locales: lang,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  location.assign(url.href);
}

/** Back from the issuer with ?code&state (or ?error): the access token, or undefined when this is no return. */
async function oidcReturn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('state') || !(params.has('code') || params.has('error'))) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(OIDC_PENDING) ?? 'null');
  sessionStorage.removeItem(OIDC_PENDING);
  // The code is single-use: off the address bar and out of the history.
  history.replaceState(null, '', location.pathname);
  if (!oidc || !pending || pending.state !== params.get('state')) throw new Error(t('oidc_state'));
  if (params.has('error'))
    throw new Error([params.get('error'), params.get('error_description')].filter(Boolean).join(': '));
  // RFC 9207: an issuer that names itself must be ours (mix-up attacks).
  if (params.has('iss') && params.get('iss') !== oidc.issuer) throw new Error(`iss ${params.get('iss')}`);
  const doc = await discover();
  const res = await fetch(doc.token_endpoint, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectUri(),
      client_id: oidc.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || typeof body.access_token !== 'string')
    throw new Error(body.error_description ?? body.error ?? `HTTP ${res.status}`);
  return body.access_token;
}

async function loadQueue() {
  // Marks the page busy while the queue reloads (screen readers get the count; tests wait on it).
  document.body.dataset.loading = '1';
  try {
    await fetchQueue();
  } finally {
    delete document.body.dataset.loading;
  }
}

async function fetchQueue() {
  const q = new URLSearchParams({ limit: '500' });
  if ($('f-status').value) q.set('status', $('f-status').value);
  if ($('f-damage').value) q.set('damage', $('f-damage').value);
  if ($('f-age').value) q.set('maxAgeDays', $('f-age').value);
  if ($('f-area').value.trim()) q.set('bbox', $('f-area').value.trim());
  if ($('f-corr').checked) q.set('corroborated', 'true');
  // The map shows every defect matching the filters, not only the queue's first 500: its lean format in parallel.
  const mapQ = new URLSearchParams(q);
  mapQ.set('limit', '20000');
  mapQ.set('format', 'map');
  const [{ body }, { body: map }] = await Promise.all([
    api(`/api/v1/road/defects?${q}`),
    api(`/api/v1/road/defects?${mapQ}`),
  ]);
  mapPoints = map.defects;
  defects = body.defects;
  selected = Math.min(selected, Math.max(0, defects.length - 1));
  renderQueue();
  $('count').textContent = t('count')(defects.length, body.total);
}

function renderQueue() {
  const tbody = $('queue-table').querySelector('tbody');
  tbody.replaceChildren(
    ...defects.map((d, i) => {
      const row = el(
        'tr',
        { tabindex: i === selected ? '0' : '-1', 'aria-selected': String(i === selected), 'data-id': d.id },
        el('td', {}, damageName(d.damage)),
        el('td', {}, t(`st_${d.status}`)),
        el('td', {}, String(d.severity)),
        el('td', {}, String(d.priority)),
        el('td', {}, String(d.sightings)),
        el('td', {}, fmt(d.lastSeen)),
      );
      row.addEventListener('click', () => select(i, true));
      return row;
    }),
  );
  renderMap();
}

function select(i, focus) {
  if (defects.length === 0) return;
  selected = Math.max(0, Math.min(defects.length - 1, i));
  const rows = $('queue-table').querySelectorAll('tbody tr');
  rows.forEach((r, k) => {
    r.setAttribute('aria-selected', String(k === selected));
    r.tabIndex = k === selected ? 0 : -1;
  });
  if (focus) rows[selected]?.focus();
  renderMap();
}

/** An SVG map in Web Mercator: tiles from the configured server behind (if they load), defects as dots. */
function renderMap() {
  const svg = $('map');
  svg.replaceChildren();
  const chosen = defects[selected];
  // [id, lat, lon, severity]: the map's lean rows, else the queue itself.
  const points = mapPoints.length > 0 ? mapPoints : defects.map((d) => [d.id, d.lat, d.lon, d.severity]);
  if (points.length === 0) return;
  const merc = (lat, lon) => {
    const s = Math.sin((lat * Math.PI) / 180);
    return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
  };
  const pts = points.map((d) => merc(d[1], d[2]));
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of pts) {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const span = Math.max(x1 - x0, y1 - y0, 1e-5) * 1.15;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const px = (p) => [((p[0] - cx) / span + 0.5) * 400, ((p[1] - cy) / span + 0.5) * 400];
  const tileUrl = document.body.dataset.tileUrl;
  if (tileUrl) {
    const z = Math.max(0, Math.min(18, Math.floor(Math.log2(1 / span) + 1)));
    const n = 2 ** z;
    for (let tx = Math.floor((cx - span / 2) * n); tx <= Math.floor((cx + span / 2) * n); tx++)
      for (let ty = Math.floor((cy - span / 2) * n); ty <= Math.floor((cy + span / 2) * n); ty++) {
        const [ix, iy] = px([tx / n, ty / n]);
        const img = document.createElementNS('http://www.w3.org/2000/svg', 'image');
        img.setAttribute('href', tileUrl.replace('{z}', z).replace('{x}', tx).replace('{y}', ty));
        img.setAttribute('x', ix);
        img.setAttribute('y', iy);
        img.setAttribute('width', 400 / span / n);
        img.setAttribute('height', 400 / span / n);
        img.addEventListener('error', () => img.remove());
        svg.append(img);
      }
  }
  const dots = document.createDocumentFragment();
  const small = points.length > 2000;
  const dot = (p, fill, r) => {
    const [x, y] = px(p);
    const c = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
    c.setAttribute('cx', x.toFixed(1));
    c.setAttribute('cy', y.toFixed(1));
    c.setAttribute('r', r);
    c.setAttribute('fill', fill);
    if (!small || r > 4) c.setAttribute('stroke', '#fff');
    return c;
  };
  let chosenAt;
  points.forEach((d, i) => {
    if (chosen && d[0] === chosen.id) chosenAt = pts[i];
    else
      dots.append(
        dot(pts[i], ['#1d4f2f', '#1d4f2f', '#7a5c00', '#a33b00', '#a00000'][d[3] - 1], small ? 2 : 4),
      );
  });
  // The selected defect last, so it is drawn on top.
  if (chosen) dots.append(dot(chosenAt ?? merc(chosen.lat, chosen.lon), '#b35900', 8));
  svg.append(dots);
}

async function decide(decision, reason) {
  const d = defects[selected];
  if (!d) return;
  const { body: fresh, etag } = await api(`/api/v1/road/defects/${d.id}`);
  await api(`/api/v1/road/defects/${d.id}/decision`, {
    method: 'POST',
    headers: { 'if-match': etag ?? `"${fresh.version}"` },
    body: JSON.stringify(reason ? { decision, reason } : { decision }),
  });
  say(`${t(decision === 'confirm' ? 'confirmed' : 'rejected')}: ${damageName(d.damage)} ${d.id}`);
  await loadQueue();
  select(selected, true);
}

function openReject() {
  $('reasons').replaceChildren(
    ...REASONS.map((r, i) => {
      const b = el('button', { type: 'button', 'data-reason': r }, `${i + 1}. ${t(r)}`);
      b.addEventListener('click', () => closeReject(r));
      return el('li', {}, b);
    }),
  );
  $('reject').hidden = false;
  $('reasons').querySelector('button').focus();
}

function closeReject(reason) {
  $('reject').hidden = true;
  if (reason) void decide('reject', reason);
  else select(selected, true);
}

async function showDetail() {
  const d = defects[selected];
  if (!d) return;
  const { body } = await api(`/api/v1/road/defects/${d.id}`);
  $('detail').hidden = false;
  $('detail-h').textContent = `${damageName(body.damage)} – ${body.id}`;
  const facts = [
    [t('status'), t(`st_${body.status}`)],
    [t('severity'), body.severity],
    [t('priority'), body.priority],
    [t('conf'), body.confidence],
    [t('aadt'), `${body.exposure.aadt} (${body.exposure.source})`],
    [t('first'), fmt(body.firstSeen)],
    [t('last'), fmt(body.lastSeen)],
    [t('missed'), body.missedPasses],
  ];
  $('detail-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]));
  $('detail-sightings').replaceChildren(
    ...body.sightings.slice(0, 20).map((s) => {
      const li = el('li', {}, `${fmt(s.ts)} · ${s.camera} · ${s.confidence} `);
      // A reference to an anonymised frame, as a link: never an inline image of people.
      if (s.imageRef) li.append(el('a', { href: s.imageRef, rel: 'noreferrer' }, t('frame')));
      return li;
    }),
  );
  $('detail-history').replaceChildren(
    ...body.history.map((h) =>
      el(
        'li',
        {},
        `${fmt(h.at)} · ${h.action} · ${h.from ?? ''} → ${h.to ?? ''} · ${h.by}${h.reason ? ` · ${t(h.reason)}` : ''}`,
      ),
    ),
    ...body.audit.map((a) => el('li', { class: 'audit' }, `${fmt(a.at)} · audit ${a.action} · ${a.by}`)),
  );
}

function openOrder() {
  if (!defects[selected]) return;
  $('order').hidden = false;
  $('o-assignee').focus();
}

async function createOrder(ev) {
  ev.preventDefault();
  const d = defects[selected];
  await api('/api/v1/road/work-orders', {
    method: 'POST',
    body: JSON.stringify({
      defectIds: [d.id],
      assignee: $('o-assignee').value,
      ...($('o-due').value ? { dueDate: $('o-due').value } : {}),
      ...($('o-notes').value ? { notes: $('o-notes').value } : {}),
    }),
  });
  $('order').hidden = true;
  say(`${t('ordered')}: ${d.id}`);
  await loadQueue();
  select(selected, true);
}

async function loadOrders() {
  const { body } = await api('/api/v1/road/work-orders');
  $('orders-table')
    .querySelector('tbody')
    .replaceChildren(
      ...body.workOrders.map((o) => {
        const sel = el(
          'select',
          { 'aria-label': `${t('change')} ${o.id}` },
          ...['open', 'in_progress', 'done', 'cancelled'].map((s) => {
            const opt = el('option', { value: s }, t(s));
            if (s === o.status) opt.selected = true;
            return opt;
          }),
        );
        sel.addEventListener('change', async () => {
          await api(`/api/v1/road/work-orders/${o.id}`, {
            method: 'PATCH',
            headers: { 'if-match': `"${o.version}"` },
            body: JSON.stringify({ status: sel.value }),
          });
          say(`${o.id}: ${t(sel.value)}`);
          await loadOrders();
        });
        return el(
          'tr',
          {},
          el('td', {}, o.id),
          el('td', {}, o.assignee),
          el('td', {}, o.dueDate ?? ''),
          el('td', {}, t(o.status)),
          el('td', {}, o.defectIds.join(', ')),
          el('td', {}, sel),
        );
      }),
    );
}

function showTab(name) {
  for (const n of ['queue', 'orders']) {
    $(n).hidden = n !== name;
    $(`tab-${n}`).setAttribute('aria-selected', String(n === name));
  }
  if (name === 'orders') void loadOrders();
}

document.addEventListener('keydown', (ev) => {
  if ($('app').hidden || $('queue').hidden) return;
  const typing =
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(ev.target.tagName) ||
    (ev.target.tagName === 'BUTTON' && (ev.key === 'Enter' || ev.key === ' '));
  if (!$('reject').hidden) {
    const n = Number(ev.key);
    if (n >= 1 && n <= REASONS.length) {
      ev.preventDefault();
      closeReject(REASONS[n - 1]);
    }
    if (ev.key === 'Escape') closeReject(undefined);
    return;
  }
  if (ev.key === 'Escape' && !$('order').hidden) {
    $('order').hidden = true;
    select(selected, true);
    return;
  }
  if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const actions = {
    j: () => select(selected + 1, true),
    ArrowDown: () => select(selected + 1, true),
    k: () => select(selected - 1, true),
    ArrowUp: () => select(selected - 1, true),
    c: () => decide('confirm'),
    r: () => openReject(),
    w: () => openOrder(),
    Enter: () => showDetail(),
  };
  const act = actions[ev.key];
  if (act) {
    ev.preventDefault();
    Promise.resolve(act()).catch((err) => say(err.message));
  }
});

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void signIn($('key').value.trim());
});
$('oidc-button').addEventListener('click', () => {
  oidcLogin().catch((err) => {
    $('login-error').textContent = `${t('oidc_failed')}: ${err.message}`;
  });
});
$('logout').addEventListener('click', () => signOut());
$('filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  loadQueue().catch((err) => say(err.message));
});
$('order-form').addEventListener('submit', (ev) => createOrder(ev).catch((err) => say(err.message)));
$('tab-queue').addEventListener('click', () => showTab('queue'));
$('tab-orders').addEventListener('click', () => showTab('orders'));
$('lang').addEventListener('click', () => {
  lang = lang === 'da' ? 'en' : 'da';
  localStorage.setItem('greenops.lang', lang);
  translate();
  fillDamage();
  if (!$('app').hidden) renderQueue();
});
function fillDamage() {
  const current = $('f-damage').value;
  $('f-damage').replaceChildren(
    el('option', { value: '' }, t('all')),
    ...Object.keys(DAMAGE).map((d) => el('option', { value: d }, damageName(d))),
  );
  $('f-damage').value = current;
}
async function start() {
  translate();
  fillDamage();
  try {
    const res = await fetch('/api/v1/console/config');
    if (res.ok) oidc = (await res.json()).oidc ?? null;
  } catch {
    // No config: API keys only.
  }
  $('oidc-login').hidden = !oidc;
  let token;
  try {
    token = await oidcReturn();
  } catch (err) {
    $('login-error').textContent = `${t('oidc_failed')}: ${err.message}`;
    return;
  }
  if (token) await signIn(token, 'oidc');
  else if (key) await signIn(key);
}
void start();

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
    corr: 'Kun set på flere kørsler',
    corr_col: 'Flere kørsler',
    yes: 'ja',
    no: 'nej',
    shortcuts: 'Tastaturgenveje til/fra',
    keys_nav: 'Taster (når køen har fokus): j/k næste/forrige · Enter detaljer · Esc luk',
    keys_off: 'Tastaturgenveje er slået fra: brug knapperne og Tab.',
    queue_corr: 'Skader set på flere kørsler, efter prioritet',
    queue_all: 'Skader: først dem set på flere kørsler, derefter efter prioritet',
    empty_corr:
      'Ingen skader set på flere kørsler matcher filtrene (en skade tæller først, når mindst tre kørsler har set den). Fjern fluebenet ved »Kun set på flere kørsler« for at se alle.',
    empty: 'Ingen skader matcher filtrene.',
    read_only: 'Du kan se skaderne, men kun vejafdelingen og administratorer kan træffe beslutninger.',
    only_confirmed: 'Kun bekræftede skader kan få en arbejdsordre: bekræft den først (c).',
    bad_area:
      'Området skal være fire tal adskilt af komma: vest,syd,øst,nord (længde −180…180, bredde −90…90, vest < øst, syd < nord).',
    bad_age: 'Antal dage skal være et helt tal fra 1 til 3650.',
    err_400: 'Serveren afviste forespørgslen (ugyldigt input)',
    err_403: 'Du har ikke ret til denne handling',
    err_404: 'Findes ikke (længere)',
    err_409: 'Handlingen passer ikke til skadens status',
    err_412: 'Skaden er ændret af en anden imens: køen er genindlæst, prøv igen',
    err_5xx: 'Serverfejl, prøv igen senere',
    err_net: 'Ingen forbindelse til serveren',
    err_other: 'Forespørgslen mislykkedes',
    save: 'Gem',
    saved: 'gemt',
    close: 'Luk (Esc)',
    position: 'Position',
    on_osm: 'vis på OpenStreetMap',
    merged_into: 'lagt sammen med',
    merged_from: 'dublet lagt ind fra',
    src_road_class: 'vejklasse (standard)',
    src_counter: 'trafiktæller',
    osm: 'OpenStreetMap-bidragydere',
    frame_ref: 'billedreference',
    act_confirm: 'bekræftet',
    act_reject: 'afvist',
    act_repaired: 'repareret',
    act_close: 'lukket',
    act_reopen: 'genåbnet',
    act_merge: 'sammenlagt',
    act_merged_in: 'dublet lagt ind',
    act_work_order: 'arbejdsordre',
    act_severity: 'alvor ændret',
    audit: 'revision',
    no_history: 'Ingen beslutninger endnu.',
    apply: 'Filtrér',
    keys: 'Taster (når køen har fokus): j/k næste/forrige · c bekræft · r afvis (1–5 årsag) · w arbejdsordre · Enter detaljer · Esc luk',
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
    corr: 'Only seen on several drives',
    corr_col: 'Several drives',
    yes: 'yes',
    no: 'no',
    shortcuts: 'Keyboard shortcuts on/off',
    keys_nav: 'Keys (when the queue has focus): j/k next/previous · Enter details · Esc close',
    keys_off: 'Keyboard shortcuts are off: use the buttons and Tab.',
    queue_corr: 'Defects seen on several drives, by priority',
    queue_all: 'Defects: those seen on several drives first, then by priority',
    empty_corr:
      'No defect seen on several drives matches the filters (a defect counts once at least three drives have seen it). Untick “Only seen on several drives” to see all.',
    empty: 'No defect matches the filters.',
    read_only: 'You can view the defects, but only the road department and administrators can decide.',
    only_confirmed: 'Only confirmed defects can get a work order: confirm it first (c).',
    bad_area:
      'The area must be four numbers separated by commas: west,south,east,north (longitude −180…180, latitude −90…90, west < east, south < north).',
    bad_age: 'The number of days must be a whole number from 1 to 3650.',
    err_400: 'The server refused the request (invalid input)',
    err_403: 'You are not allowed to do this',
    err_404: 'Not found (any more)',
    err_409: 'This action does not fit the defect’s status',
    err_412: 'Someone else changed the defect meanwhile: the queue was reloaded, try again',
    err_5xx: 'Server error, try again later',
    err_net: 'No connection to the server',
    err_other: 'The request failed',
    save: 'Save',
    saved: 'saved',
    close: 'Close (Esc)',
    position: 'Position',
    on_osm: 'show on OpenStreetMap',
    merged_into: 'merged into',
    merged_from: 'duplicate merged in from',
    src_road_class: 'road class (default)',
    src_counter: 'traffic counter',
    osm: 'OpenStreetMap contributors',
    frame_ref: 'frame reference',
    act_confirm: 'confirmed',
    act_reject: 'rejected',
    act_repaired: 'repaired',
    act_close: 'closed',
    act_reopen: 'reopened',
    act_merge: 'merged',
    act_merged_in: 'duplicate merged in',
    act_work_order: 'work order',
    act_severity: 'severity changed',
    audit: 'audit',
    no_history: 'No decisions yet.',
    apply: 'Filter',
    keys: 'Keys (when the queue has focus): j/k next/previous · c confirm · r reject (1–5 reason) · w work order · Enter details · Esc close',
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
/** Who is logged in (GET /api/v1/whoami), kept to re-render "Logget ind som …" when the language changes. */
let me = null;
/** Only the road department and admins decide on defects (access/permissions.ts, ROAD_WRITERS); a viewer reads. */
const DECIDERS = ['platform-admin', 'tenant-admin', 'roads'];
const canDecide = () => Boolean(me?.roles?.some((r) => DECIDERS.includes(r)));
let shortcutsOn = localStorage.getItem('greenops.shortcuts') !== 'off';
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k] ?? k;
const damageName = (d) => (DAMAGE[d] ? DAMAGE[d][lang === 'da' ? 0 : 1] : d);
/** A number as the page's language writes it (decimal comma in Danish). */
const num = (x) => (typeof x === 'number' ? x.toLocaleString(lang === 'da' ? 'da-DK' : 'en-GB') : String(x));
/** Where a defect's ÅDT comes from: the nearest traffic counter, or the configured road class. */
const exposureSource = (source) =>
  source === 'road-class' ? t('src_road_class') : source.replace(/^counter:/, `${t('src_counter')} `);
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
  $('keys-help').textContent = shortcutsOn ? t(canDecide() ? 'keys' : 'keys_nav') : t('keys_off');
  $('queue-caption').textContent = t($('f-corr').checked ? 'queue_corr' : 'queue_all');
  if (me) $('who').textContent = t('who')(`${me.name ?? me.id} (${me.roles.join(', ')})`);
}

/** A failed request, in the page's language: what went wrong by HTTP status, then the server's own words. */
function failure(err) {
  const s = err?.status;
  const k =
    s === undefined
      ? err instanceof TypeError
        ? 'err_net'
        : undefined
      : s >= 500
        ? 'err_5xx'
        : [400, 403, 404, 409, 412].includes(s)
          ? `err_${s}`
          : 'err_other';
  if (!k) return err?.message ?? t('err_other');
  return s === undefined ? t(k) : `${t(k)} (HTTP ${s}${err.message ? `: ${err.message}` : ''})`;
}

/** Shows `text` in the live region right below the current row of the queue. */
function sayAtRow(text, kind = 'error') {
  placePanel();
  $('row-msg').textContent = text;
  $('row-msg').className = kind;
}

/** Every failed request ends here: a message next to the current row, never an unhandled rejection. */
function fail(err) {
  sayAtRow(failure(err));
  if (err?.status === 412) void loadQueue().catch(() => {});
}

/** Keeps the row panel (messages, reject reasons, work-order form) directly after the selected row. */
function placePanel() {
  const tbody = $('queue-table').querySelector('tbody');
  const rows = tbody.querySelectorAll('tr[data-id]');
  const after = rows[selected];
  const panel = $('row-panel');
  if (after) {
    if (after.nextElementSibling !== panel) after.after(panel);
  } else if (panel.parentElement !== tbody || tbody.lastElementChild !== panel) tbody.append(panel);
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
  if (!res.ok)
    throw Object.assign(new Error(body?.error?.message ?? res.statusText), { status: res.status, body });
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
    me = body;
    applyRole();
    translate();
    await loadQueue();
    $('queue-table').querySelector('tbody tr[data-id]')?.focus();
  } catch {
    me = null;
    key = '';
    sessionStorage.removeItem('greenops.key');
    $('login-error').textContent = t(kind === 'oidc' ? 'bad_token' : 'bad_key');
  }
}

/** Decision controls only for those who may decide: a viewer reads the queue, the map and the defect pages. */
function applyRole() {
  const decides = canDecide();
  document.body.dataset.canDecide = String(decides);
  if (!decides) {
    $('reject').hidden = true;
    $('order').hidden = true;
  }
  $('th-change').hidden = !decides;
}

function signOut(message = '') {
  me = null;
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
  $('queue-caption').textContent = t($('f-corr').checked ? 'queue_corr' : 'queue_all');
  $('empty').hidden = defects.length > 0;
  $('empty').textContent = defects.length > 0 ? '' : t($('f-corr').checked ? 'empty_corr' : 'empty');
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
        el('td', {}, d.corroborated ? `✓ ${t('yes')}` : t('no')),
        el('td', {}, fmt(d.lastSeen)),
      );
      row.addEventListener('click', () => select(i, true));
      return row;
    }),
    $('row-panel'),
  );
  placePanel();
  renderMap();
}

function select(i, focus) {
  if (defects.length === 0) return;
  const moved = selected !== Math.max(0, Math.min(defects.length - 1, i));
  selected = Math.max(0, Math.min(defects.length - 1, i));
  if (moved) {
    $('row-msg').textContent = '';
    $('reject').hidden = true;
    $('order').hidden = true;
  }
  const rows = $('queue-table').querySelectorAll('tbody tr[data-id]');
  rows.forEach((r, k) => {
    r.setAttribute('aria-selected', String(k === selected));
    r.tabIndex = k === selected ? 0 : -1;
  });
  placePanel();
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
  if (tileUrl && !tileUrl.startsWith('%')) {
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
  if (!canDecide()) {
    sayAtRow(t('read_only'), 'info');
    return;
  }
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
  if (!defects[selected]) return;
  if (!canDecide()) {
    sayAtRow(t('read_only'), 'info');
    return;
  }
  $('order').hidden = true;
  $('row-msg').textContent = '';
  $('reasons').replaceChildren(
    ...REASONS.map((r, i) => {
      // "1 Fejlregistrering": the digit is the key; no list numbering on top of it.
      const b = el('button', { type: 'button', 'data-reason': r }, `${i + 1} ${t(r)}`);
      b.addEventListener('click', () => closeReject(r));
      return el('li', {}, b);
    }),
  );
  placePanel();
  $('reject').hidden = false;
  $('reasons').querySelector('button').focus();
}

function closeReject(reason) {
  $('reject').hidden = true;
  if (reason) decide('reject', reason).catch(fail);
  else select(selected, true);
}

const fixed6 = (x) => Number(x).toFixed(6);

async function showDetail() {
  const d = defects[selected];
  if (!d) return;
  const { body } = await api(`/api/v1/road/defects/${d.id}`);
  $('detail').hidden = false;
  $('detail-h').textContent = `${damageName(body.damage)} – ${body.id}`;
  const [lat, lon] = [fixed6(body.lat), fixed6(body.lon)];
  const position = el('span', {}, `${lat}, ${lon} · `);
  position.append(
    el(
      'a',
      {
        href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=19/${lat}/${lon}`,
        rel: 'noreferrer',
      },
      t('on_osm'),
    ),
  );
  const facts = [
    [t('status'), t(`st_${body.status}`)],
    [t('position'), position],
    [t('severity'), body.severity],
    [t('priority'), body.priority],
    [t('corr_col'), body.corroborated ? t('yes') : t('no')],
    [t('conf'), num(body.confidence)],
    [t('aadt'), `${num(body.exposure.aadt)} (${exposureSource(body.exposure.source)})`],
    [t('first'), fmt(body.firstSeen)],
    [t('last'), fmt(body.lastSeen)],
    [t('missed'), body.missedPasses],
  ];
  $('detail-facts').replaceChildren(
    ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'object' ? v : String(v))]),
  );
  $('detail-sightings').replaceChildren(
    ...body.sightings.slice(0, 20).map((s) => {
      const li = el('li', {}, `${fmt(s.ts)} · ${s.camera} · ${s.confidence} · `);
      // A reference to an anonymised frame, never an inline image of people. A link when the API says where frames
      // are served (imageUrl, from GREENOPS_ROAD_FRAMES_URL) or the reference is an absolute http(s) URL; otherwise
      // a bare reference (a camera's file name) is shown as text rather than as a link that would 404.
      if (s.imageUrl) li.append(el('a', { href: s.imageUrl, rel: 'noreferrer' }, t('frame')));
      else if (s.imageRef && /^https?:\/\//.test(s.imageRef))
        li.append(el('a', { href: s.imageRef, rel: 'noreferrer' }, t('frame')));
      else if (s.imageRef) li.append(`${t('frame_ref')}: `, el('code', {}, s.imageRef));
      return li;
    }),
  );
  const st = (x) => (x ? t(`st_${x}`) : '');
  const act = (a) => {
    const k = `act_${a.replace(/-/g, '_')}`;
    return T[lang][k] ?? a;
  };
  // A status change only when there was one; a merge names the other defect.
  const change = (h) => (h.from && h.to && h.from !== h.to ? ` · ${st(h.from)} → ${st(h.to)}` : '');
  const other = (h) =>
    h.action === 'merge' && h.detail?.into
      ? ` · ${t('merged_into')} ${h.detail.into}`
      : h.action === 'merged-in' && h.detail?.from
        ? ` · ${t('merged_from')} ${h.detail.from}`
        : '';
  $('detail-history').replaceChildren(
    ...body.history.map((h) =>
      el(
        'li',
        {},
        `${fmt(h.at)} · ${act(h.action)}${change(h)}${other(h)} · ${h.by}${h.reason ? ` · ${t(h.reason)}` : ''}`,
      ),
    ),
    ...body.audit.map((a) =>
      el('li', { class: 'audit' }, `${fmt(a.at)} · ${t('audit')} ${a.action} · ${a.by}`),
    ),
  );
  if (body.history.length + body.audit.length === 0)
    $('detail-history').replaceChildren(el('li', {}, t('no_history')));
  $('detail-h').focus();
}

function closeDetail() {
  $('detail').hidden = true;
  select(selected, true);
}

function openOrder() {
  const d = defects[selected];
  if (!d) return;
  if (!canDecide()) {
    sayAtRow(t('read_only'), 'info');
    return;
  }
  // Work orders are for confirmed defects (the API refuses others with 409): say so at once.
  if (d.status !== 'confirmed') {
    sayAtRow(t('only_confirmed'), 'info');
    return;
  }
  $('reject').hidden = true;
  $('row-msg').textContent = '';
  placePanel();
  $('order').hidden = false;
  // A past due date is refused by the API: the picker starts at today in Denmark.
  $('o-due').min = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Copenhagen' }).format(new Date());
  $('o-assignee').focus();
}

async function createOrder(ev) {
  ev.preventDefault();
  const d = defects[selected];
  if (!d || !canDecide()) return;
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
  const decides = canDecide();
  $('orders-table')
    .querySelector('tbody')
    .replaceChildren(
      ...body.workOrders.map((o) => {
        const cells = [
          el('td', {}, o.id),
          el('td', {}, o.assignee),
          el('td', {}, o.dueDate ?? ''),
          el('td', {}, t(o.status)),
          el('td', {}, o.defectIds.join(', ')),
        ];
        if (decides) {
          // Choosing a status changes nothing until "Gem" (WCAG 3.2.2: no change of context on input).
          const sel = el(
            'select',
            { 'aria-label': `${t('change')} ${o.id}` },
            ...['open', 'in_progress', 'done', 'cancelled'].map((s) => {
              const opt = el('option', { value: s }, t(s));
              if (s === o.status) opt.selected = true;
              return opt;
            }),
          );
          const save = el('button', { type: 'button', 'aria-label': `${t('save')} ${o.id}` }, t('save'));
          const msg = el('span', { role: 'status', 'aria-live': 'polite', class: 'order-msg' });
          save.addEventListener('click', () => {
            api(`/api/v1/road/work-orders/${o.id}`, {
              method: 'PATCH',
              headers: { 'if-match': `"${o.version}"` },
              body: JSON.stringify({ status: sel.value }),
            })
              .then(async () => {
                say(`${o.id}: ${t(sel.value)} (${t('saved')})`);
                await loadOrders();
              })
              .catch((err) => {
                msg.textContent = failure(err);
              });
          });
          cells.push(el('td', {}, sel, save, msg));
        }
        return el('tr', {}, ...cells);
      }),
    );
}

function showTab(name) {
  for (const n of ['queue', 'orders']) {
    $(n).hidden = n !== name;
    $(`tab-${n}`).setAttribute('aria-selected', String(n === name));
  }
  if (name === 'orders') loadOrders().catch((err) => say(failure(err)));
}

/**
 * Single-key shortcuts act only where the reviewer is working: on a queue row, or with nothing focused (the body).
 * Never on a button, link, tab, input or select (WCAG 2.1 SC 2.1.4), and not at all when switched off.
 */
function inQueue(target) {
  if (target === document.body || target === document.documentElement) return true;
  return (
    target instanceof HTMLTableRowElement &&
    target.dataset.id !== undefined &&
    $('queue-table').contains(target)
  );
}

document.addEventListener('keydown', (ev) => {
  if ($('app').hidden || $('queue').hidden) return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  // The reject panel's digits act only while focus is in the panel (a component's own keys: allowed by 2.1.4).
  if (!$('reject').hidden && (inQueue(ev.target) || $('reject').contains(ev.target))) {
    const n = Number(ev.key);
    if (n >= 1 && n <= REASONS.length) {
      ev.preventDefault();
      closeReject(REASONS[n - 1]);
      return;
    }
    if (ev.key === 'Escape') {
      closeReject(undefined);
      return;
    }
  }
  if (ev.key === 'Escape') {
    if (!$('order').hidden) {
      $('order').hidden = true;
      select(selected, true);
    } else if (!$('detail').hidden) closeDetail();
    return;
  }
  if (!inQueue(ev.target)) return;
  // Arrows and Enter are not character keys: they work on a focused row even with shortcuts off.
  const actions = {
    ArrowDown: () => select(selected + 1, true),
    ArrowUp: () => select(selected - 1, true),
    Enter: () => showDetail(),
    ...(shortcutsOn
      ? {
          j: () => select(selected + 1, true),
          k: () => select(selected - 1, true),
          c: () => decide('confirm'),
          r: () => openReject(),
          w: () => openOrder(),
        }
      : {}),
  };
  const act = actions[ev.key];
  if (act) {
    ev.preventDefault();
    // A new action: the last one's message (say, an error) no longer applies.
    $('row-msg').textContent = '';
    Promise.resolve().then(act).catch(fail);
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

/** The area filter: four numbers west,south,east,north, or an error next to the field (never ignored). */
function areaOk() {
  const v = $('f-area').value.trim();
  let ok = true;
  if (v) {
    const n = v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
    const [w, so, e, no] = n;
    ok =
      n.length === 4 &&
      n.every(Number.isFinite) &&
      w >= -180 &&
      e <= 180 &&
      so >= -90 &&
      no <= 90 &&
      w < e &&
      so < no;
  }
  $('area-error').textContent = ok ? '' : t('bad_area');
  $('f-area').setAttribute('aria-invalid', String(!ok));
  return ok;
}
/** The age filter: a whole number of days 1–3650, or an error next to the field. */
function ageOk() {
  const v = $('f-age').value.trim();
  // A number input holds '' for text it cannot parse: badInput tells that apart from an empty field.
  const ok =
    v === '' ? !$('f-age').validity.badInput : /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 3650;
  $('age-error').textContent = ok ? '' : t('bad_age');
  $('f-age').setAttribute('aria-invalid', String(!ok));
  return ok;
}
$('filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const area = areaOk();
  const age = ageOk();
  if (!area || !age) {
    $(area ? 'f-age' : 'f-area').focus();
    return;
  }
  loadQueue().catch(fail);
});
$('order-form').addEventListener('submit', (ev) => createOrder(ev).catch(fail));
$('detail-close').addEventListener('click', () => closeDetail());
$('tab-queue').addEventListener('click', () => showTab('queue'));
$('tab-orders').addEventListener('click', () => showTab('orders'));
$('shortcuts').addEventListener('change', () => {
  shortcutsOn = $('shortcuts').checked;
  localStorage.setItem('greenops.shortcuts', shortcutsOn ? 'on' : 'off');
  translate();
});
$('lang').addEventListener('click', () => {
  lang = lang === 'da' ? 'en' : 'da';
  localStorage.setItem('greenops.lang', lang);
  // Messages said in the other language are cleared rather than left untranslated.
  say('');
  $('row-msg').textContent = '';
  translate();
  fillDamage();
  if (!$('app').hidden) {
    renderQueue();
    if (!$('orders').hidden) loadOrders().catch((err) => say(failure(err)));
  }
  if ($('area-error').textContent) areaOk();
  if ($('age-error').textContent) ageOk();
});
function fillDamage() {
  const current = $('f-damage').value;
  $('f-damage').replaceChildren(
    el('option', { value: '' }, t('all')),
    ...Object.keys(DAMAGE).map((d) => el('option', { value: d }, damageName(d))),
  );
  $('f-damage').value = current;
}
/** OpenStreetMap's tiles need its attribution on the map (tile usage policy). */
function isOsm(url) {
  try {
    return /(^|\.)openstreetmap\.(org|de|fr)$/.test(new URL(url.replace(/[{}]/g, '')).hostname);
  } catch {
    return false;
  }
}

async function start() {
  $('shortcuts').checked = shortcutsOn;
  $('attribution').hidden = !isOsm(document.body.dataset.tileUrl ?? '');
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
start().catch((err) => {
  $('login-error').textContent = failure(err);
});

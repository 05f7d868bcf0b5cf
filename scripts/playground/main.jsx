// coopgraph's GraphQL playground: GraphiQL with the explorer (point-and-click query
// builder), the docs explorer and history, all bundled by scripts/build-playground into
// internal/server/playground/dist so that the page needs nothing but its own server.
//
// index.html says where the API and the examples are, in <meta> tags, so that no inline
// script is needed (the page's Content-Security-Policy allows none).
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { parse } from 'graphql';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './playground.css';

function meta(name, fallback) {
  const el = document.querySelector(`meta[name="${name}"]`);
  return (el && el.getAttribute('content')) || fallback;
}

// Same origin only: the URLs are resolved against the page, never another host.
const endpoint = new URL(meta('coopgraph:endpoint', '/graphql'), location.href).toString();
const examplesURL = new URL(meta('coopgraph:examples', '/playground/examples.json'), location.href).toString();

const DEFAULT_QUERY = `# Welcome to coopgraph's GraphQL playground.
#
# Run a query with Ctrl-Enter or the ▶ button.
# The Explorer (left bar) builds queries by point
# and click; the Docs describe every type and field.
# An API key goes in the Headers tab below:
#   {"Authorization": "Bearer <your key>"}

{
  __typename
}
`;

// A plain fetch fetcher: POST JSON to the API with the headers of the headers editor.
// No subscriptions, no multipart: coopgraph serves neither.
async function fetcher(params, opts) {
  const res = await fetch(endpoint, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      Accept: 'application/graphql-response+json, application/json',
      'Content-Type': 'application/json',
      ...(opts && opts.headers),
    },
    body: JSON.stringify(params),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    // Not a GraphQL response (a proxy error page, a 401 in plain text, ...): show it.
    return { errors: [{ message: `HTTP ${res.status} ${res.statusText}: ${text.trim().slice(0, 2000)}` }] };
  }
}

// GraphiQL titles a tab with its operation's name, so an example with one anonymous
// operation gets a name made from the example's ("01-country-to-donors" becomes
// CountryToDonors), inserted without touching the rest of the text.
export function nameOperation(query, exampleName) {
  const name = String(exampleName || '')
    .replace(/^[^A-Za-z]+/, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  if (!name) return query;
  let doc;
  try {
    doc = parse(query);
  } catch {
    return query; // not valid GraphQL: leave it for the editor to point out
  }
  const ops = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
  if (ops.length !== 1 || ops[0].name || !ops[0].loc) return query;
  const at = ops[0].loc.start;
  if (query[at] === '{') return `${query.slice(0, at)}query ${name} ${query.slice(at)}`;
  const keyword = ops[0].operation; // query, mutation or subscription
  if (query.startsWith(keyword, at)) {
    const end = at + keyword.length;
    return `${query.slice(0, end)} ${name}${query.slice(end)}`;
  }
  return query;
}

// A tab for each example; the title goes in as a first comment line unless the query
// already starts with a comment.
export function tabsFromExamples(examples) {
  if (!Array.isArray(examples)) return [];
  const tabs = [];
  for (const ex of examples) {
    if (!ex || typeof ex.query !== 'string' || ex.query.trim() === '') continue;
    let query = nameOperation(ex.query, ex.name);
    if (ex.title && !query.trimStart().startsWith('#')) query = `# ${ex.title}\n${query}`;
    const tab = { query };
    if (typeof ex.variables === 'string' && ex.variables.trim() !== '') tab.variables = ex.variables;
    if (typeof ex.headers === 'string' && ex.headers.trim() !== '') tab.headers = ex.headers;
    tabs.push(tab);
  }
  return tabs;
}

async function loadExamples() {
  try {
    const res = await fetch(examplesURL, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return tabsFromExamples(await res.json());
  } catch (err) {
    console.warn(`coopgraph playground: no examples (${err}); opening an empty editor`);
    return [];
  }
}

// Made once: GraphiQL compares plugins by identity.
const plugins = [explorerPlugin({ showAttribution: false })];

function App({ tabs }) {
  return (
    <GraphiQL
      fetcher={fetcher}
      plugins={plugins}
      defaultQuery={tabs.length ? tabs[0].query : DEFAULT_QUERY}
      defaultTabs={tabs.length ? tabs : undefined}
      isHeadersEditorEnabled
      shouldPersistHeaders
      showPersistHeadersSettings
    >
      <GraphiQL.Logo>coopgraph</GraphiQL.Logo>
    </GraphiQL>
  );
}

loadExamples().then((tabs) => {
  const root = document.getElementById('graphiql');
  root.textContent = '';
  createRoot(root).render(<App tabs={tabs} />);
});

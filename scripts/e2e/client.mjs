// End-to-end test of coopgraph's API through a real GraphQL client: Apollo Client 3 with
// its normalised InMemoryCache, over HTTP with Node's own fetch. Run by scripts/e2e-client,
// which starts the server:
//
//   E2E_EDITOR_KEY=cgk_... node scripts/e2e/client.mjs http://127.0.0.1:PORT
//
// 1. Every ```graphql block of the README runs through Apollo and answers data without
//    errors (a block with a `# headers:` line gets the EDITOR key of E2E_EDITOR_KEY in place
//    of its placeholder; without E2E_EDITOR_KEY such blocks are skipped).
// 2. Normalised caching: the Flanders donor, read through two different paths, is ONE cache
//    entry `Donor:<id>` holding the fields of both queries, and readFragment finds it.
// 3. Errors arrive with their codes: BAD_USER_INPUT (field "first") for `first: 500`, and
//    UNAUTHENTICATED for a mutation without a key (HTTP 401 with a GraphQL body; the id is
//    well-formed, since a malformed one is refused as the argument is read).
// Ends with a summary and a "client: N passed, N failed" line; exit code 1 on any failure.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The Node-friendly entry point of Apollo Client 3: the core without React.
import { ApolloClient, ApolloError, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';

const base = process.argv[2];
if (!base) {
  console.error('usage: node client.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const endpoint = new URL('/graphql', base).href;
const editorKey = process.env.E2E_EDITOR_KEY || '';
const readmePath = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');
const t0 = Date.now();

// ---- a tiny check runner: each check runs on its own, a failure does not stop the rest ---
let passed = 0;
let failed = 0;
let skipped = 0;
async function check(name, fn) {
  const start = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`ok   - ${name} (${Date.now() - start} ms)${note ? `: ${note}` : ''}`);
  } catch (err) {
    failed++;
    console.log(`FAIL - ${name}: ${err && err.message ? err.message : err}`);
  }
}
function skip(name, why) {
  skipped++;
  console.log(`skip - ${name}: ${why}`);
}
function assert(cond, message) {
  if (!cond) throw new Error(typeof message === 'function' ? message() : message);
}
const short = (v, n = 200) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s && s.length > n ? `${s.slice(0, n)}…` : s;
};

// ---- the client ---------------------------------------------------------------------
// Every HTTP request goes through this fetch, so the test can count them.
let httpRequests = 0;
const countingFetch = (...args) => {
  httpRequests++;
  return globalThis.fetch(...args);
};

// A fresh client (and cache) for each part, so that one part cannot feed another's cache.
function newClient() {
  return new ApolloClient({
    link: new HttpLink({ uri: endpoint, fetch: countingFetch }),
    cache: new InMemoryCache(),
    // Errors reject the promise (the default, said here on purpose): the error checks rely on it.
    defaultOptions: { query: { errorPolicy: 'none' }, mutate: { errorPolicy: 'none' } },
  });
}

// Describes an Apollo error: its GraphQL errors, or its network error with status and body.
function describe(err) {
  if (!(err instanceof ApolloError)) return String(err && err.stack ? err.stack : err);
  if (err.graphQLErrors && err.graphQLErrors.length) return `graphQLErrors ${short(err.graphQLErrors, 400)}`;
  const ne = err.networkError;
  if (ne) return `networkError ${ne.statusCode ?? ''} ${ne.message} ${short(ne.result, 300) ?? ''}`;
  return err.message;
}

// ---- 1. the README's queries ---------------------------------------------------------
// The ```graphql blocks of the README, as the README test of the Go suite reads them.
function readmeBlocks() {
  const text = fs.readFileSync(readmePath, 'utf8');
  return [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
}

// The headers a block asks for (`# headers: {...}` in its leading comments), with the
// placeholder `<your EDITOR key...>` replaced by the key.
function blockHeaders(block) {
  for (const line of block.split('\n')) {
    if (!line.startsWith('#')) break;
    const m = line.match(/^#\s*headers:\s*(\{.*\})\s*$/);
    if (m) {
      const headers = JSON.parse(m[1]);
      for (const k of Object.keys(headers)) headers[k] = headers[k].replace(/<your EDITOR key[^>]*>/, editorKey);
      return headers;
    }
  }
  return null;
}

// A name for a block in the output: its title comment, or its first field.
function blockName(block, i) {
  const title = block.match(/^#\s*(?!headers:)(.+)$/m);
  const first = block.replace(/^#.*$/gm, '').replace(/\s+/g, ' ').trim();
  return `README block ${i + 1}: ${short(title ? title[1] : first, 70)}`;
}

const blocks = readmeBlocks();
await check('the README has ```graphql blocks', () => {
  assert(blocks.length >= 3, `${blocks.length} graphql blocks in ${readmePath}`);
  return `${blocks.length} blocks`;
});

{
  const client = newClient();
  for (const [i, block] of blocks.entries()) {
    const name = blockName(block, i);
    const doc = gql(block);
    const op = doc.definitions.find((d) => d.kind === 'OperationDefinition');
    const headers = blockHeaders(block);
    if (headers && !editorKey) {
      skip(name, 'needs an EDITOR key (E2E_EDITOR_KEY)');
      continue;
    }
    await check(name, async () => {
      const context = headers ? { headers } : undefined;
      let result;
      try {
        result =
          op.operation === 'mutation'
            ? await client.mutate({ mutation: doc, context })
            : await client.query({ query: doc, fetchPolicy: 'network-only', context });
      } catch (err) {
        throw new Error(describe(err));
      }
      assert(!result.errors || result.errors.length === 0, () => `errors: ${short(result.errors)}`);
      assert(result.data && Object.keys(result.data).length > 0, 'no data');
      for (const [field, value] of Object.entries(result.data)) {
        assert(value !== null && value !== undefined, `data.${field} is null`);
      }
      return `${op.operation} ${Object.keys(result.data).join(', ')}`;
    });
  }
}

// ---- 2. normalised caching -------------------------------------------------------------
{
  const client = newClient();
  const { cache } = client;
  const donorsQuery = gql`
    {
      donors(first: 5) {
        nodes {
          id
          name
        }
      }
    }
  `;
  const countryQuery = gql`
    {
      country(code: "MW") {
        projects {
          nodes {
            allocations {
              nodes {
                trustFund {
                  donor {
                    id
                    name
                    shortName
                  }
                }
              }
            }
          }
        }
      }
    }
  `;
  let flandersId = null;
  let beforeCacheOnly = 0;

  await check('cache: the same donor through two paths', async () => {
    const donors = await client.query({ query: donorsQuery, fetchPolicy: 'network-only' });
    const flanders = donors.data.donors.nodes.find((d) => d.name === 'Government of Flanders');
    assert(flanders, () => `no Government of Flanders among ${short(donors.data.donors.nodes)}`);
    flandersId = flanders.id;
    const country = await client.query({ query: countryQuery, fetchPolicy: 'network-only' });
    const seen = country.data.country.projects.nodes
      .flatMap((p) => p.allocations.nodes)
      .map((a) => a.trustFund.donor)
      .filter((d) => d.id === flandersId);
    assert(seen.length > 0, 'Malawi has no allocation from the Flanders donor');
    return `Donor ${flandersId} seen once in donors(), ${seen.length} times under Malawi`;
  });

  await check('cache: Flanders is ONE entry Donor:<id> with fields of both queries', () => {
    assert(flandersId, 'no donor id (the query above failed)');
    const store = cache.extract();
    const key = `Donor:${flandersId}`;
    const entry = store[key];
    assert(entry, () => `no ${key} in the cache; Donor keys: ${Object.keys(store).filter((k) => k.startsWith('Donor:'))}`);
    assert(entry.name === 'Government of Flanders', () => `${key}.name = ${short(entry.name)}`);
    assert(typeof entry.shortName === 'string' && entry.shortName.length > 0, () => `${key}.shortName = ${short(entry.shortName)}`);
    // Nowhere else in the cache may the donor be stored: every other place holds a reference.
    const copies = [];
    const walk = (value, where) => {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
      else if (value && typeof value === 'object') {
        if (value.name === 'Government of Flanders' && where !== key) copies.push(where);
        for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
      }
    };
    for (const [k, v] of Object.entries(store)) walk(v, k);
    assert(copies.length === 0, () => `the donor is also stored at ${copies.slice(0, 5).join(', ')}`);
    const refs = JSON.stringify(store).split(`{"__ref":"${key}"}`).length - 1;
    assert(refs >= 2, `only ${refs} reference(s) to ${key}`);
    const donorKeys = Object.keys(store).filter((k) => k.startsWith('Donor:'));
    return `${key} = {name: "${entry.name}", shortName: "${entry.shortName}"}, ${refs} references, ${donorKeys.length} Donor entries, ${Object.keys(store).length} entries in all`;
  });

  await check('cache: readFragment finds the donor by cache.identify', () => {
    assert(flandersId, 'no donor id (the query above failed)');
    const id = cache.identify({ __typename: 'Donor', id: flandersId });
    assert(id === `Donor:${flandersId}`, `cache.identify gave ${id}`);
    const donor = client.readFragment({
      id,
      fragment: gql`
        fragment F on Donor {
          name
          shortName
        }
      `,
    });
    assert(donor, `readFragment(${id}) returned ${donor}`);
    assert(donor.name === 'Government of Flanders' && donor.shortName, () => `readFragment gave ${short(donor)}`);
    return `${donor.name} (${donor.shortName})`;
  });

  await check('cache: both queries answer from the cache alone, without a request', async () => {
    beforeCacheOnly = httpRequests;
    for (const query of [donorsQuery, countryQuery]) {
      const r = await client.query({ query, fetchPolicy: 'cache-only' });
      assert(r.data && !r.partial, 'cache-only read is partial or empty');
    }
    assert(httpRequests === beforeCacheOnly, `${httpRequests - beforeCacheOnly} HTTP request(s) made`);
  });
}

// ---- 3. errors with their codes --------------------------------------------------------
{
  const client = newClient();

  await check('error: first: 500 is BAD_USER_INPUT on field "first"', async () => {
    let err;
    try {
      const r = await client.query({ query: gql('{ donors(first: 500) { nodes { id } } }'), fetchPolicy: 'network-only' });
      throw new Error(`no error; data ${short(r.data)}`);
    } catch (e) {
      err = e;
    }
    assert(err instanceof ApolloError, () => `not an ApolloError: ${describe(err)}`);
    const ge = err.graphQLErrors && err.graphQLErrors[0];
    assert(ge, () => `no graphQLErrors: ${describe(err)}`);
    assert(ge.extensions && ge.extensions.code === 'BAD_USER_INPUT', () => `extensions ${short(ge.extensions)}`);
    assert(ge.extensions.field === 'first', () => `extensions.field = ${short(ge.extensions.field)}`);
    return `"${ge.message}"`;
  });

  await check('error: a mutation without a key is UNAUTHENTICATED (HTTP 401)', async () => {
    let err;
    try {
      const r = await client.mutate({
        mutation: gql('mutation { deleteDonor(input: {id: "RG9ub3I6eA", expectedVersion: 1}) { deletedId } }'),
      });
      throw new Error(`no error; data ${short(r.data)}`);
    } catch (e) {
      err = e;
    }
    assert(err instanceof ApolloError, () => `not an ApolloError: ${describe(err)}`);
    // Apollo 3's HttpLink turns a non-2xx answer into a ServerError (networkError) that keeps
    // the parsed body in .result; a 2xx answer with errors would give graphQLErrors. Take the
    // code from wherever Apollo put it, and say where.
    const ne = err.networkError;
    const fromNetwork = ne && ne.result && ne.result.errors && ne.result.errors[0];
    const fromGraphQL = err.graphQLErrors && err.graphQLErrors[0];
    const first = fromNetwork || fromGraphQL;
    assert(first, () => `no GraphQL error in the ApolloError: ${describe(err)}`);
    assert(first.extensions && first.extensions.code === 'UNAUTHENTICATED', () => `extensions ${short(first.extensions)}`);
    if (ne) assert(ne.statusCode === 401, `networkError.statusCode = ${ne.statusCode}`);
    return fromNetwork
      ? `networkError.statusCode ${ne.statusCode}, networkError.result.errors[0].extensions.code UNAUTHENTICATED: "${first.message}"`
      : `graphQLErrors[0].extensions.code UNAUTHENTICATED: "${first.message}"`;
  });
}

// ---- summary ---------------------------------------------------------------------------
console.log(
  `client summary: ${failed ? 'FAIL' : 'PASS'}; ${blocks.length} README blocks, ${httpRequests} HTTP requests to ${endpoint}, ` +
    `${Date.now() - t0} ms`,
);
console.log(`client: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);

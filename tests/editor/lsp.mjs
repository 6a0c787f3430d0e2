#!/usr/bin/env node
// Drive the real yaml-language-server over LSP stdio and answer a batch of
// editor queries (completion / hover / diagnostics) for one YAML file.
//
// Usage:
//   node tests/editor/lsp.mjs <queries.json>
//   node tests/editor/lsp.mjs < queries.json
//
// Query JSON:
//   {
//     "schema": "/abs/path/schema.json",   // optional; omit to rely on a
//                                          // `# yaml-language-server: $schema=...` modeline
//     "fileMatch": ["doc.yaml"],           // optional; default: [basename of "file"]
//     "settings": {"hoverSchemaSource": false}, // optional; merged over the default `yaml` settings
//     "file": "/abs/path/doc.yaml",        // text is read from disk
//     "queries": [
//       {"kind": "completion", "line": 0, "character": 0},
//       {"kind": "hover", "line": 0, "character": 1},
//       {"kind": "diagnostics"}
//     ]
//   }
// Relative "schema"/"file" paths are resolved against the query file's folder
// (or the current directory when reading stdin).
//
// Output: one JSON object on stdout, {"results": [...]}, one entry per query.
// Exit 0 on success; 1 with a message on stderr on any error/timeout.
//
// Only dependency: yaml-language-server (installed by `npm ci --prefix tests/editor`).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_BIN = path.join(HERE, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');

const HARD_TIMEOUT_MS = Number(process.env.YAML_LSP_TIMEOUT_MS || 30000);
// Diagnostics are "settled" once no new publishDiagnostics arrived for this long.
const DIAG_QUIET_MS = Number(process.env.YAML_LSP_DIAG_QUIET_MS || 1500);
// Per-request timeout (a request that never answers fails the run).
const REQUEST_TIMEOUT_MS = 15000;

const DEBUG = !!process.env.YAML_LSP_DEBUG;
const T0 = Date.now();
function debug(...args) {
  if (DEBUG) process.stderr.write(`[lsp.mjs +${Date.now() - T0}ms] ${args.join(' ')}\n`);
}

let child = null;
let serverStderr = '';
let finished = false;

function fail(msg) {
  if (finished) return;
  finished = true;
  let text = `lsp.mjs: error: ${msg}\n`;
  const tail = serverStderr.trim();
  if (tail) text += `--- yaml-language-server stderr (tail) ---\n${tail.slice(-4000)}\n`;
  process.stderr.write(text);
  if (child && child.exitCode === null) {
    try { child.kill('SIGKILL'); } catch { /* ignore */ }
  }
  process.exitCode = 1;
  // Give stderr a moment to flush, then leave no matter what.
  setTimeout(() => process.exit(1), 50).unref();
}

const hardTimer = setTimeout(() => fail(`hard timeout after ${HARD_TIMEOUT_MS} ms`), HARD_TIMEOUT_MS);
hardTimer.unref();

// ---------------------------------------------------------------- input

function readInput() {
  const arg = process.argv[2];
  let raw;
  let baseDir;
  if (arg && arg !== '-') {
    raw = readFileSync(arg, 'utf8');
    baseDir = path.dirname(path.resolve(arg));
  } else {
    raw = readFileSync(0, 'utf8');
    baseDir = process.cwd();
  }
  const q = JSON.parse(raw);
  if (!q || typeof q !== 'object') throw new Error('query JSON must be an object');
  if (typeof q.file !== 'string') throw new Error('query JSON needs "file" (path of the YAML document)');
  if (!Array.isArray(q.queries)) throw new Error('query JSON needs "queries" (array)');
  const file = path.resolve(baseDir, q.file);
  const schema = q.schema ? path.resolve(baseDir, q.schema) : null;
  for (const [i, item] of q.queries.entries()) {
    if (!item || !['completion', 'hover', 'diagnostics'].includes(item.kind)) {
      throw new Error(`queries[${i}]: kind must be completion|hover|diagnostics`);
    }
    if (item.kind !== 'diagnostics' && (!Number.isInteger(item.line) || !Number.isInteger(item.character))) {
      throw new Error(`queries[${i}]: ${item.kind} needs integer "line" and "character" (0-based)`);
    }
  }
  let fileMatch = q.fileMatch ?? [path.basename(file)];
  if (!Array.isArray(fileMatch)) fileMatch = [fileMatch];
  if (q.settings != null && (typeof q.settings !== 'object' || Array.isArray(q.settings))) {
    throw new Error('"settings" must be an object (extra `yaml` settings)');
  }
  return { file, schema, fileMatch, settings: q.settings || {}, queries: q.queries };
}

// ---------------------------------------------------------------- JSON-RPC over stdio

class Rpc {
  constructor(proc) {
    this.proc = proc;
    this.buf = Buffer.alloc(0);
    this.nextId = 1;
    this.pending = new Map();
    this.onRequest = () => null;
    this.onNotification = () => {};
    proc.stdout.on('data', (chunk) => this.#feed(chunk));
  }

  #feed(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const headerEnd = this.buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buf.subarray(0, headerEnd).toString('ascii');
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m) {
        fail(`bad LSP header from server: ${JSON.stringify(header)}`);
        return;
      }
      const len = Number(m[1]);
      const start = headerEnd + 4;
      if (this.buf.length < start + len) return;
      const body = this.buf.subarray(start, start + len).toString('utf8');
      this.buf = this.buf.subarray(start + len);
      let msg;
      try {
        msg = JSON.parse(body);
      } catch (e) {
        fail(`unparsable LSP message from server: ${e.message}`);
        return;
      }
      this.#dispatch(msg);
    }
  }

  #dispatch(msg) {
    debug('<-', msg.method ?? `response #${msg.id}`, msg.method === 'textDocument/publishDiagnostics' ? `(${msg.params.diagnostics.length} diagnostics)` : '');
    if (msg.id !== undefined && msg.method === undefined) {
      // response to one of our requests
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`${p.method} failed: ${msg.error.code} ${msg.error.message}`));
      else p.resolve(msg.result);
    } else if (msg.id !== undefined) {
      // request from the server
      let result = null;
      try {
        result = this.onRequest(msg.method, msg.params);
      } catch (e) {
        this.#send({ jsonrpc: '2.0', id: msg.id, error: { code: -32603, message: String(e) } });
        return;
      }
      this.#send({ jsonrpc: '2.0', id: msg.id, result: result === undefined ? null : result });
    } else {
      this.onNotification(msg.method, msg.params);
    }
  }

  #send(obj) {
    debug('->', obj.method ?? `response #${obj.id}`);
    const body = Buffer.from(JSON.stringify(obj), 'utf8');
    if (!this.proc.stdin.writable) return;
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  request(method, params, timeoutMs = REQUEST_TIMEOUT_MS) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, method });
      this.#send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method, params) {
    this.#send({ jsonrpc: '2.0', method, params });
  }
}

// ---------------------------------------------------------------- result shaping

function markupToString(v) {
  if (v == null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(markupToString).filter((s) => s !== '').join('\n\n');
  if (typeof v === 'object' && 'value' in v) return String(v.value); // MarkupContent / MarkedString
  return String(v);
}

function shapeCompletion(res) {
  const list = Array.isArray(res) ? res : (res && res.items) || [];
  const items = list.map((it) => {
    const out = { label: it.label };
    if (it.detail != null && it.detail !== '') out.detail = it.detail;
    const doc = markupToString(it.documentation);
    if (doc !== '') out.documentation = doc;
    // What choosing the item writes (a snippet, with `${1:...}` placeholders).
    const insert = it.textEdit?.newText ?? it.insertText;
    if (insert != null && insert !== '') out.insertText = insert;
    return out;
  });
  items.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const labels = [...new Set(items.map((i) => i.label))];
  return { labels, items };
}

function shapeHover(res) {
  if (!res || res.contents == null) return { contents: null };
  const s = markupToString(res.contents);
  return { contents: s === '' ? null : s };
}

function shapeDiagnostics(diags) {
  return {
    diagnostics: (diags || []).map((d) => ({
      line: d.range.start.line,
      character: d.range.start.character,
      message: d.message,
      severity: d.severity ?? null,
    })),
  };
}

// ---------------------------------------------------------------- main

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const input = readInput();
  const text = readFileSync(input.file, 'utf8');
  const docUri = pathToFileURL(input.file).href;
  const rootUri = pathToFileURL(path.dirname(input.file)).href;

  const yamlSettings = {
    schemas: input.schema ? { [pathToFileURL(input.schema).href]: input.fileMatch } : {},
    validate: true,
    completion: true,
    hover: true,
    format: { enable: false },
    // No internet: never fetch the schemastore.org catalogue or the CRD catalogue.
    schemaStore: { enable: false, url: '' },
    kubernetesCRDStore: { enable: false },
    ...input.settings,
  };

  child = spawn(process.execPath, [SERVER_BIN, '--stdio'], {
    cwd: path.dirname(input.file),
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  child.stderr.on('data', (d) => {
    serverStderr += d.toString();
    if (serverStderr.length > 64000) serverStderr = serverStderr.slice(-32000);
  });
  child.stdin.on('error', () => { /* reported through exit handler */ });
  let shuttingDown = false;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      if (!shuttingDown) fail(`yaml-language-server exited unexpectedly (code ${code}, signal ${signal})`);
      resolve();
    });
  });
  child.on('error', (e) => fail(`cannot start yaml-language-server (${SERVER_BIN}): ${e.message}; did you run "npm ci --prefix tests/editor"?`));

  const rpc = new Rpc(child);

  // Server -> client requests.
  let configAnswered = 0;
  rpc.onRequest = (method, params) => {
    switch (method) {
      case 'workspace/configuration':
        return (params.items || []).map((item) => {
          const section = item.section || '';
          if (section === 'yaml') {
            configAnswered++;
            return yamlSettings;
          }
          if (section.startsWith('yaml.')) {
            let v = yamlSettings;
            for (const k of section.slice(5).split('.')) v = v == null ? undefined : v[k];
            return v ?? null;
          }
          return null; // http, [yaml], editor, ... : use server defaults
        });
      case 'client/registerCapability':
      case 'client/unregisterCapability':
      case 'window/workDoneProgress/create':
      case 'workspace/codeLens/refresh':
      case 'workspace/semanticTokens/refresh':
      case 'workspace/inlayHint/refresh':
      case 'workspace/diagnostic/refresh':
        return null;
      case 'window/showMessageRequest':
        return null;
      default:
        return null;
    }
  };

  // Server -> client notifications.
  let diagnostics = null;
  let lastDiagAt = 0;
  let diagCount = 0;
  rpc.onNotification = (method, params) => {
    if (method === 'textDocument/publishDiagnostics' && params && params.uri === docUri) {
      diagnostics = params.diagnostics;
      lastDiagAt = Date.now();
      diagCount++;
    }
  };

  const initResult = await rpc.request('initialize', {
    processId: process.pid,
    clientInfo: { name: 'yaml-lsp-test-harness' },
    locale: 'en',
    rootUri,
    rootPath: path.dirname(input.file),
    workspaceFolders: [{ uri: rootUri, name: path.basename(path.dirname(input.file)) }],
    capabilities: {
      workspace: {
        configuration: true,
        didChangeConfiguration: { dynamicRegistration: true },
        workspaceFolders: true,
      },
      textDocument: {
        synchronization: { dynamicRegistration: false, didSave: false },
        completion: {
          completionItem: {
            snippetSupport: true,
            documentationFormat: ['markdown', 'plaintext'],
          },
        },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        publishDiagnostics: { relatedInformation: false },
      },
    },
    initializationOptions: {},
  });
  if (!initResult || !initResult.capabilities) throw new Error('initialize returned no capabilities');

  rpc.notify('initialized', {});
  rpc.notify('workspace/didChangeConfiguration', { settings: { yaml: yamlSettings } });

  // Both "initialized" and didChangeConfiguration make the server pull the
  // "yaml" section; wait until it has pulled at least once so the document is
  // opened with the schema association (and schemaStore disabled) in place.
  const cfgDeadline = Date.now() + 5000;
  while (configAnswered < 1 && Date.now() < cfgDeadline) await sleep(10);
  if (configAnswered < 1) throw new Error('server never requested workspace/configuration');
  await sleep(50);

  rpc.notify('textDocument/didOpen', {
    textDocument: { uri: docUri, languageId: 'yaml', version: 1, text },
  });

  async function settledDiagnostics() {
    // Wait for at least one publish, then until DIAG_QUIET_MS pass with no new one.
    while (diagCount === 0) await sleep(20);
    while (Date.now() - lastDiagAt < DIAG_QUIET_MS) await sleep(Math.max(10, DIAG_QUIET_MS - (Date.now() - lastDiagAt)));
    return diagnostics;
  }

  const textDocument = { uri: docUri };
  const results = [];
  for (const q of input.queries) {
    if (q.kind === 'completion') {
      const res = await rpc.request('textDocument/completion', {
        textDocument,
        position: { line: q.line, character: q.character },
        context: { triggerKind: 1 },
      });
      results.push(shapeCompletion(res));
    } else if (q.kind === 'hover') {
      const res = await rpc.request('textDocument/hover', {
        textDocument,
        position: { line: q.line, character: q.character },
      });
      results.push(shapeHover(res));
    } else {
      results.push(shapeDiagnostics(await settledDiagnostics()));
    }
  }

  // Clean shutdown.
  shuttingDown = true;
  try {
    await rpc.request('shutdown', null, 5000);
    rpc.notify('exit', null);
  } catch {
    /* fall through to kill */
  }
  const killTimer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* ignore */ } }, 2000);
  await exited;
  clearTimeout(killTimer);

  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify({ results }) + '\n');
  clearTimeout(hardTimer);
  process.exitCode = 0;
}

main().catch((e) => fail(DEBUG && e && e.stack ? e.stack : (e && e.message) || String(e)));

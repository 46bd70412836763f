/**
 * A SCRIPTED OpenAI-compatible endpoint for the end-to-end test: not a model, a fixed answer
 * per route, so the review flow in VS Code is deterministic on any machine. It plays the same
 * part as tests/fixtures/openai_server.py does for the Python tests (node:http only).
 *
 *   GET  /v1/models             one model, "scripted-model"
 *   POST /v1/chat/completions   `chat` (an edit's reply), streamed as SSE or whole
 *   POST /v1/completions        `completion` (a completion's text), streamed as SSE or whole
 *
 * Every request body is kept in `requests`, so the test can say what tether sent; `answers`
 * can be changed between steps, and `answers.queue` (chat replies, first in first out) answers
 * the next chat requests before `answers.chat` does, for a flow of several different replies
 * (a repo run: the plan, then each step's edit). An answer may also be a function of the
 * request body that returns the text: a fixed rule applied to what tether sent (the next-edit
 * step rewrites the region the prompt holds).
 */

import { createServer } from 'node:http';

function chunks(text, size = 8) {
  const out = [];
  for (let i = 0; i < text.length; i += size) {
    out.push(text.slice(i, i + size));
  }
  return out;
}

function events(text, chat) {
  const base = { id: 'scripted', created: Math.floor(Date.now() / 1000), model: 'scripted-model' };
  if (chat) {
    return [
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] },
      ...chunks(text).map((piece) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })),
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ];
  }
  return [
    ...chunks(text).map((piece) => ({ ...base, object: 'text_completion', choices: [{ index: 0, text: piece, finish_reason: null }] })),
    { ...base, object: 'text_completion', choices: [{ index: 0, text: '', finish_reason: 'stop' }] },
  ];
}

function whole(text, chat) {
  const base = { id: 'scripted', created: Math.floor(Date.now() / 1000), model: 'scripted-model', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  return chat
    ? { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] }
    : { ...base, object: 'text_completion', choices: [{ index: 0, text, finish_reason: 'stop' }] };
}

/** Start on 127.0.0.1 and a free port; resolves to { baseUrl, requests, answers, close() }. */
export function startScriptedOpenAI({ chat, completion }) {
  const requests = [];
  const answers = { chat, completion, queue: [] };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (part) => { raw += part; });
    req.on('end', () => {
      const send = (status, data) => {
        const payload = JSON.stringify(data);
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
        res.end(payload);
      };
      if (req.method === 'GET' && req.url.replace(/\/$/, '').endsWith('/models')) {
        send(200, { object: 'list', data: [{ id: 'scripted-model', object: 'model', owned_by: 'tests' }] });
        return;
      }
      const isChat = req.url.endsWith('/chat/completions');
      if (req.method !== 'POST' || (!isChat && !req.url.endsWith('/completions'))) {
        send(404, { error: { message: `No route ${req.url}`, type: 'invalid_request_error', code: 404 } });
        return;
      }
      let body = null;
      try {
        body = JSON.parse(raw || 'null');
      } catch {
        body = raw;
      }
      requests.push({ path: req.url, body });
      const answer = isChat ? (answers.queue.length > 0 ? answers.queue.shift() : answers.chat) : answers.completion;
      const text = typeof answer === 'function' ? answer(body) : answer;
      if (!body?.stream) {
        send(200, whole(text, isChat));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'close' });
      for (const event of events(text, isChat)) {
        res.write(`data: ${JSON.stringify(event)}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        requests,
        answers,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

// Load test for gemmakit-serve (Node 18+, no packages): C concurrent streaming clients send R
// chat requests each over SSE. Every request has its own prompt and seed, and its expected reply
// is first taken from a run of the same requests one at a time. A concurrent reply is exact, or
// diverged (it follows its own reference, then parts from it: batches of 4 or more sequences run
// the GEMM kernels, whose float summation order differs from a lone step's, so a seeded draw can
// flip late in a reply), or cross-talked (it follows another request's reply better than its
// own, or not even its own first characters). Prints one JSON report; exits 1 on a failed or
// cross-talked request.
//
//   node load.mjs --url http://127.0.0.1:8080 --model NAME [--clients 32] [--requests 20]
//        [--max-tokens 16] [--key KEY] [--kill-pid PID --kill-after N] [--allow-failures]
//
// --kill-pid: SIGKILL that process once N requests completed (the scale-out test kills a replica
// behind the balancer); failures are then reported per replica (X-Gemmakit-Replica header).
const argv = process.argv.slice(2);
const args = {};
argv.forEach((a, i) => {
  if (a.startsWith('--')) args[a.slice(2)] = argv[i + 1] === undefined || argv[i + 1].startsWith('--') ? 'true' : argv[i + 1];
});
const url = args.url ?? 'http://127.0.0.1:8080';
const clients = Number(args.clients ?? 32);
const perClient = Number(args.requests ?? 20);
const maxTokens = Number(args['max-tokens'] ?? 16);
const killPid = args['kill-pid'] ? Number(args['kill-pid']) : 0;
const killAfter = Number(args['kill-after'] ?? 0);
const headers = { 'Content-Type': 'application/json' };
if (args.key) headers.Authorization = `Bearer ${args.key}`;

function body(i, stream) {
  return JSON.stringify({
    model: args.model, stream, stream_options: stream ? { include_usage: true } : undefined, max_tokens: maxTokens, temperature: 1.0, seed: 1000 + i,
    messages: [{ role: 'system', content: 'You are a load test.' }, { role: 'user', content: `Request number ${i}.` }],
  });
}

// One streamed request: its text, time to first content, the replica that answered.
async function streamOne(i) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: body(i, true) });
  const replica = res.headers.get('x-gemmakit-replica') ?? '';
  if (res.status !== 200) throw Object.assign(new Error(`HTTP ${res.status}: ${await res.text()}`), { replica });
  let text = '', ttft = null, buf = '', done = false, finish = null, usage = null;
  const decoder = new TextDecoder();
  try {
    for await (const part of res.body) {
      buf += decoder.decode(part, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 2);
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') { done = true; continue; }
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(`stream error: ${chunk.error.message}`);
        if (chunk.usage) usage = chunk.usage;
        const c = chunk.choices[0];
        if (!c) continue;
        if (c.delta?.content) {
          if (ttft === null) ttft = performance.now() - t0;
          text += c.delta.content;
        }
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
  } catch (e) {
    throw Object.assign(e, { replica });
  }
  if (!done || !finish) throw Object.assign(new Error('stream ended before [DONE]'), { replica });
  return { text, ttft: ttft ?? performance.now() - t0, replica, tokens: usage?.completion_tokens ?? 0 };
}

const total = clients * perClient;
const expected = [];
let referenceTokens = 0;
const tRef = performance.now();
for (let i = 0; i < total; ++i) {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: body(i, false) });
  if (res.status !== 200) { console.error(`reference ${i}: HTTP ${res.status} ${await res.text()}`); process.exit(1); }
  const reply = await res.json();
  expected.push(reply.choices[0].message.content);
  referenceTokens += reply.usage.completion_tokens;
}
const referenceSeconds = (performance.now() - tRef) / 1000;

const lcp = (a, b) => {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) ++k;
  return k;
};
function classify(i, text) {
  if (text === expected[i]) return 'exact';
  const own = lcp(text, expected[i]);
  if (own < Math.min(8, expected[i].length)) return 'cross_talked';
  return expected.some((e, j) => j !== i && lcp(text, e) > own) ? 'cross_talked' : 'diverged';
}

const servedBy = { before_kill: {}, after_kill: {} };
let completed = 0, diverged = 0, killedAt = null, tokens = 0;
const ttfts = [], failures = [], mismatches = [];
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, async (_, c) => {
  for (let r = 0; r < perClient; ++r) {
    const i = c * perClient + r;
    const started = performance.now();
    try {
      const out = await streamOne(i);
      ttfts.push(out.ttft);
      const when = killedAt !== null && started > killedAt ? 'after_kill' : 'before_kill';
      servedBy[when][out.replica] = (servedBy[when][out.replica] ?? 0) + 1;
      const kind = classify(i, out.text);
      if (kind === 'diverged') ++diverged;
      if (kind === 'cross_talked') mismatches.push({ i, got: out.text, expected: expected[i] });
      tokens += out.tokens;
    } catch (e) {
      failures.push({ i, replica: e.replica ?? '', message: String(e.message).slice(0, 200),
                      started_after_kill: killedAt !== null && started > killedAt });
    }
    if (++completed === killAfter && killPid) {
      killedAt = performance.now();
      process.kill(killPid, 'SIGKILL');
    }
  }
}));
const seconds = (performance.now() - t0) / 1000;
ttfts.sort((a, b) => a - b);
const pct = (p) => (ttfts.length ? ttfts[Math.min(ttfts.length - 1, Math.floor(p * ttfts.length))] : null);
const report = {
  clients, requests_per_client: perClient, total, seconds: Number(seconds.toFixed(2)),
  requests_per_second: Number((total / seconds).toFixed(1)),
  completion_tokens: tokens, completion_tokens_per_second: Number((tokens / seconds).toFixed(1)),
  one_at_a_time_tokens_per_second: Number((referenceTokens / referenceSeconds).toFixed(1)),
  ttft_ms_p50: pct(0.5)?.toFixed(1), ttft_ms_p99: pct(0.99)?.toFixed(1),
  failed: failures.length, cross_talked: mismatches.length, diverged_late: diverged,
  failed_after_kill: failures.filter((f) => f.started_after_kill).length,
  failed_replicas: [...new Set(failures.map((f) => f.replica))],
  ...(killPid ? { served_by_replica: servedBy } : {}),
  failures: failures.slice(0, 5), mismatches: mismatches.slice(0, 3),
};
console.log(JSON.stringify(report, null, 1));
const ok = mismatches.length === 0 && (args['allow-failures'] !== undefined || failures.length === 0);
process.exit(ok ? 0 : 1);

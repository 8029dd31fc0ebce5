// OpenAI's JavaScript client against gemmakit-serve: chat (plain and streamed), n, seeds,
// logprobs, completions, models, and the client's typed errors for bad requests.
//   node openai_client_test.mjs BASE_URL PATH_TO_OPENAI_INDEX_MJS
const [baseURL, openaiPath] = process.argv.slice(2);
const { default: OpenAI } = await import(openaiPath);
const client = new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 });
const model = 'gemma3-mini';
let failures = 0;
const check = (cond, what) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) ++failures;
};
const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }];

const models = await client.models.list();
check(models.data.length === 1 && models.data[0].id === model, 'models.list');

const reply = await client.chat.completions.create({ model, messages, max_tokens: 20, seed: 11 });
const text = reply.choices[0].message.content;
check(reply.object === 'chat.completion' && reply.choices[0].message.role === 'assistant' &&
      reply.usage.total_tokens === reply.usage.prompt_tokens + reply.usage.completion_tokens, 'chat.completions.create');

const stream = await client.chat.completions.create({ model, messages, max_tokens: 20, seed: 11, stream: true,
                                                      stream_options: { include_usage: true } });
let streamed = '', finish = null, usage = null;
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    streamed += c.delta.content ?? '';
    finish = c.finish_reason ?? finish;
  }
}
check(streamed === text, 'streamed chat equals the plain reply (same seed)');
check(finish === reply.choices[0].finish_reason && usage?.completion_tokens === reply.usage.completion_tokens,
      'stream: finish_reason and usage');

const two = await client.chat.completions.create({ model, messages, max_tokens: 12, seed: 11, n: 2 });
check(two.choices.length === 2 && two.choices.map((c) => c.index).join() === '0,1', 'n = 2');

const lp = await client.chat.completions.create({ model, messages, max_tokens: 6, logprobs: true, top_logprobs: 2 });
check(lp.choices[0].logprobs.content.length === lp.usage.completion_tokens &&
      lp.choices[0].logprobs.content.every((t) => t.top_logprobs.length === 2), 'logprobs');

const structured = await client.chat.completions.create({ model, messages, max_tokens: 300, seed: 3,
  response_format: { type: 'json_schema', json_schema: { name: 'colour', schema: { type: 'object', required: ['name'],
    properties: { name: { type: 'string', enum: ['red', 'green', 'blue'] } } } } } });
let parsed = null;
try { parsed = JSON.parse(structured.choices[0].message.content); } catch { /* checked below */ }
check(['red', 'green', 'blue'].includes(parsed?.name), `response_format json_schema: ${structured.choices[0].message.content}`);

const completion = await client.completions.create({ model, prompt: 'The sky is', max_tokens: 6, seed: 5 });
check(completion.object === 'text_completion' && typeof completion.choices[0].text === 'string', 'completions.create');

async function expectError(promise, Type, status, what) {
  try {
    await promise;
    check(false, `${what}: no error`);
  } catch (e) {
    check(e instanceof Type && e.status === status && typeof e.error?.message === 'string',
          `${what}: ${Type.name} ${status} (got ${e.constructor.name} ${e.status})`);
  }
}
await expectError(client.chat.completions.create({ model: 'no-such-model', messages }), OpenAI.NotFoundError, 404,
                  'unknown model');
await expectError(new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 }).chat.completions.create({ model, messages }),
                  OpenAI.AuthenticationError, 401, 'wrong key');
await expectError(client.chat.completions.create({ model, messages, temperature: 9 }), OpenAI.BadRequestError, 400,
                  'invalid temperature');
// A forced call to a function without parameters: the call grammar makes even a random model call it.
const called = await client.chat.completions.create({ model, messages, seed: 3, max_tokens: 64, tool_choice: 'required',
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] });
const calls = called.choices[0].message.tool_calls || [];
check(calls.length >= 1 && calls[0].function.name === 'f' && JSON.parse(calls[0].function.arguments) !== null &&
      called.choices[0].finish_reason === 'tool_calls', 'tools: a required call comes back as tool_calls');
const after = await client.chat.completions.create({ model, messages, max_tokens: 4 });
check(after.choices.length === 1, 'server healthy after the errors');
console.log(`${failures} failure(s)`);
process.exit(failures ? 1 : 0);

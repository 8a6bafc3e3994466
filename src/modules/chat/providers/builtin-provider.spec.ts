import { describe, expect, it } from '@jest/globals';
import type { ChatRequest, StreamChunk } from './chat-provider.js';
import { BuiltinProvider, builtinReply } from './builtin-provider.js';

const request = (model: string, message: string, welcome = 'Howdy from Acme!'): ChatRequest => ({
  model,
  message,
  welcome,
  history: [],
  temperature: 0.7,
  maxTokens: 512,
});

async function collect(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('the built-in models reproduce the seed demo exactly', () => {
  it.each([
    ['mock-1', 'Howdy from Acme!', 'hello world', "Howdy from Acme! [ACME MOCK] You said: 'hello world'. Here's it reversed: 'dlrow olleh'"],
    ['mock-2', 'Welcome from Globex.', 'hello world', 'Welcome from Globex. [GLOBEX MOCK] Echo: HELLO WORLD'],
    ['mock-3', 'Initech says hi.', 'hello world', "Initech says hi. [INITECH MOCK] Got it. 'hello world'. (pretend-smart summary)."],
  ] as const)('%s', (model, welcome, message, expected) => {
    expect(builtinReply(model, welcome, message)).toBe(expected);
  });

  it('trims the message first', () => {
    expect(builtinReply('mock-1', 'W', '  abc \n')).toBe("W [ACME MOCK] You said: 'abc'. Here's it reversed: 'cba'");
    expect(builtinReply('mock-2', 'W', '\tabc ')).toBe('W [GLOBEX MOCK] Echo: ABC');
    expect(builtinReply('mock-3', 'W', ' abc ')).toBe("W [INITECH MOCK] Got it. 'abc'. (pretend-smart summary).");
  });

  it('reverses by character, not by UTF-16 unit', () => {
    expect(builtinReply('mock-1', 'W', 'ab😀')).toBe("W [ACME MOCK] You said: 'ab😀'. Here's it reversed: '😀ba'");
  });
});

describe('BuiltinProvider', () => {
  const provider = new BuiltinProvider();

  it('completes with the reply and deterministic token estimates (about 4 characters a token)', async () => {
    const completion = await provider.complete(request('mock-2', 'hi', 'Hello'));

    expect(completion).toEqual({ text: 'Hello [GLOBEX MOCK] Echo: HI', usage: { promptTokens: 1, completionTokens: 7 } });
    expect(provider.mock).toBe(true);
  });

  it('streams deltas that join to exactly the completed reply, then one usage chunk', async () => {
    const req = request('mock-1', 'stream me please');
    const completion = await provider.complete(req);

    const chunks = await collect(provider.stream(req));

    const deltas = chunks.filter((c) => c.type === 'delta');
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((c) => c.text).join('')).toBe(completion.text);
    expect(chunks.at(-1)).toEqual({ type: 'usage', usage: completion.usage });
    expect(chunks.filter((c) => c.type === 'usage')).toHaveLength(1);
  });

  it('refuses a model it does not have', async () => {
    await expect(provider.complete(request('gpt-4o', 'hi'))).rejects.toMatchObject({ name: 'ProviderError', kind: 'protocol' });
  });
});

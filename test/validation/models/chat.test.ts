// Trained tokens (the contract's prefix method), template errors, BOS, special-token strings in
// content and text records, on conversations whose trained spans are written out by hand and
// counted with the reference.
import t from 'tap'
import type { Conversation, Turn } from '../../../src/validation/turns/turn.js'
import { fullReferenceTokenizer, referenceCount, referenceTokenizer, testModel } from './support.js'

// Loading the reference tokenizers takes seconds each on a busy machine.
t.setTimeout(600_000)

const turn = (role: Turn['role'], content: string, extra: Partial<Turn> = {}): Turn =>
  ({ role, content, tool_calls: null, reasoning: null, weight: 1, tool_call_id: null, ...extra })
const chat = (...turns: Turn[]): Conversation => ({ turns, tools: null, text: null })

t.test('llama-3.2: BOS once, each trained turn through <|eot_id|>, weight 0 left out', async t => {
  const model = await testModel('llama-3.2')
  const full = fullReferenceTokenizer('llama-3.2')
  const conversation = chat(turn('user', 'Hi'), turn('assistant', 'Hello!'), turn('user', 'Bye'), turn('assistant', 'Goodbye.'))
  const text = model.renderText(conversation, false)
  t.equal(text.split('<|begin_of_text|>').length, 2, 'the template writes BOS once')
  const counted = model.countConversation(conversation)
  t.equal(counted.tokens, await referenceCount(full, text))
  t.equal(counted.tokens, (await full.encode(text, null, { addSpecialTokens: true })).getLength() - 1, 'the tokenizer would add a second BOS: it is not added')
  const spans = [await referenceCount(full, 'Hello!<|eot_id|>'), await referenceCount(full, 'Goodbye.<|eot_id|>')]
  t.equal(counted.assistantTokens, spans[0] + spans[1])
  const firstUntrained = chat(turn('user', 'Hi'), turn('assistant', 'Hello!', { weight: 0 }), turn('user', 'Bye'), turn('assistant', 'Goodbye.'))
  t.same(model.countConversation(firstUntrained), { tokens: counted.tokens, assistantTokens: spans[1], templateError: null })
  const noneTrained = chat(turn('user', 'Hi'), turn('assistant', 'Hello!', { weight: 0 }))
  t.equal(model.countConversation(noneTrained).assistantTokens, 0)
})

t.test('llama-3.2: a tool call trains its JSON call; a template refusing parallel calls is a template_error', async t => {
  const model = await testModel('llama-3.2')
  const full = fullReferenceTokenizer('llama-3.2')
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
  const call = { id: 'c1', name: 'get_weather', arguments: '{"city": "Oslo"}' }
  const conversation: Conversation = {
    turns: [turn('user', 'Weather in Oslo?'), turn('assistant', '', { tool_calls: [call] }), turn('tool', '{"temp": -3}', { tool_call_id: 'c1' }), turn('assistant', 'It is -3 °C.')],
    tools,
    text: null
  }
  const counted = model.countConversation(conversation)
  // The template writes the arguments with tojson: the JSON text as a JSON string.
  const callSpan = '{"name": "get_weather", "parameters": "{\\"city\\": \\"Oslo\\"}"}<|eot_id|>'
  t.equal(counted.assistantTokens, await referenceCount(full, callSpan) + await referenceCount(full, 'It is -3 °C.<|eot_id|>'))
  t.equal(counted.tokens, await referenceCount(full, model.renderText(conversation, false)))
  const parallel: Conversation = { ...conversation, turns: [conversation.turns[0], turn('assistant', '', { tool_calls: [call, { ...call, id: 'c2' }] })] }
  t.same(model.countConversation(parallel), { tokens: 0, assistantTokens: 0, templateError: 'This model only supports single tool-calls at once!' })
})

t.test('qwen3: the template drops earlier reasoning; each turn trains what the full text holds for it', async t => {
  const model = await testModel('qwen3')
  const full = fullReferenceTokenizer('qwen3')
  const conversation = chat(
    turn('user', 'Is 91 prime?'), turn('assistant', 'No, 7 × 13.', { reasoning: 'Try 7.' }),
    turn('user', 'And 97?'), turn('assistant', 'Yes.', { reasoning: 'No divisor up to 9.' })
  )
  const text = model.renderText(conversation, false)
  t.notMatch(text, 'Try 7.', 'the first turn\'s reasoning is not in the text')
  t.match(text, '<think>\nNo divisor up to 9.\n</think>\n\nYes.<|im_end|>')
  const counted = model.countConversation(conversation)
  t.equal(counted.assistantTokens, await referenceCount(full, 'No, 7 × 13.<|im_end|>') + await referenceCount(full, '<think>\nNo divisor up to 9.\n</think>\n\nYes.<|im_end|>'))

  // A tool-calling turn with reasoning, then a user turn: the prefix of the answer shows that
  // reasoning, the full text does not. The answer still trains its own span of the full text.
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }]
  const rewritten: Conversation = {
    turns: [
      turn('user', 'Look it up.'), turn('assistant', '', { reasoning: 'I need the tool.', tool_calls: [{ id: 'a', name: 'lookup', arguments: '{"q": 1}' }] }),
      turn('tool', 'found', { tool_call_id: 'a' }), turn('assistant', 'It was found.'), turn('user', 'Thanks')
    ],
    tools,
    text: null
  }
  const fullText = model.renderText(rewritten, false)
  t.notOk(fullText.startsWith(model.renderText(rewritten, true, 3)), 'the prefix of the answer is not a prefix of the text')
  t.equal(model.countConversation(rewritten).assistantTokens,
    await referenceCount(full, '<tool_call>\n{"name": "lookup", "arguments": {"q": 1}}\n</tool_call><|im_end|>') + await referenceCount(full, 'It was found.<|im_end|>'))
})

t.test('gemma-3: the template\'s own error for turns that do not alternate', async t => {
  const model = await testModel('gemma-3')
  const middle = chat(turn('user', 'Hi'), turn('assistant', 'Hello'), turn('system', 'Be brief.'), turn('user', 'Bye'), turn('assistant', 'Bye'))
  t.same(model.countConversation(middle), { tokens: 0, assistantTokens: 0, templateError: 'Conversation roles must alternate user/assistant/user/assistant/...' })
  const full = fullReferenceTokenizer('gemma-3')
  const ok = chat(turn('system', 'Be brief.'), turn('user', 'Hi'), turn('assistant', 'Hello'))
  t.same(model.countConversation(ok), {
    tokens: await referenceCount(full, '<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n'),
    assistantTokens: await referenceCount(full, 'Hello<end_of_turn>'),
    templateError: null
  })
})

t.test('special-token strings in content count as text, the template\'s own as special tokens', async t => {
  for (const [id, special] of [['llama-3.2', '<|eot_id|>'], ['qwen3', '<|im_end|>'], ['gemma-3', '<end_of_turn>']] as const) {
    const model = await testModel(id)
    const plain = referenceTokenizer(id)
    const clean = model.countConversation(chat(turn('user', 'Say it'), turn('assistant', 'ab')))
    const marked = model.countConversation(chat(turn('user', 'Say it'), turn('assistant', `a${special}b`)))
    const extra = await referenceCount(plain, `a${special}b`) - await referenceCount(plain, 'ab')
    t.ok(extra > 1, `${id}: ${special} in content is several tokens of text`)
    t.same([marked.tokens - clean.tokens, marked.assistantTokens - clean.assistantTokens], [extra, extra], `${id}: only the content's tokens change`)
    t.ok(model.hasSpecialToken(`a${special}b`) && !model.hasSpecialToken('ab'))
  }
})

t.test('a text record counts its text alone, all of it trained', async t => {
  for (const id of ['llama-3.2', 'qwen3', 'gemma-3']) {
    const model = await testModel(id)
    const text = 'Continued pre-training: every token is trained.'
    const tokens = await referenceCount(referenceTokenizer(id), text)
    t.same(model.countConversation({ turns: [], tools: null, text }), { tokens, assistantTokens: tokens, templateError: null }, id)
  }
})

t.test('Llama 3.2 writes today\'s date: the count is the same on any day', async t => {
  const full = fullReferenceTokenizer('llama-3.2')
  const counts = new Set<number>()
  for (const month of ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']) {
    for (const day of ['01', '09', '10', '19', '28', '31']) {
      for (const year of ['2025', '2026', '2031', '2099']) counts.add(await referenceCount(full, `Today Date: ${day} ${month} ${year}\n\n`))
    }
  }
  t.same([...counts], [counts.values().next().value], 'one count for every date')
})

t.test('qwen3: a prefix the template refuses alone (no user turn before an assistant turn) is no template_error: the full text trains', async t => {
  const model = await testModel('qwen3')
  const full = fullReferenceTokenizer('qwen3')
  const conversation = chat(turn('assistant', 'Hello, how can I help?'), turn('user', 'Hi'), turn('assistant', 'Sure.'))
  t.throws(() => model.renderText(conversation, true, 0), 'the prefix of the first turn (no messages) raises')
  const text = model.renderText(conversation, false)
  t.match(text, '<|im_start|>assistant\nHello, how can I help?<|im_end|>')
  t.match(text, '<|im_start|>assistant\n<think>\n\n</think>\n\nSure.<|im_end|>')
  t.same(model.countConversation(conversation), {
    tokens: await referenceCount(full, text),
    assistantTokens: await referenceCount(full, 'Hello, how can I help?<|im_end|>') + await referenceCount(full, '<think>\n\n</think>\n\nSure.<|im_end|>'),
    templateError: null
  })
})

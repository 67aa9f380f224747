// The models' counts equal the reference, Hugging Face `tokenizers` with each model's own
// tokenizer.json: on 10,000 seeded random strings per model, on rendered conversations with tool
// calls (fixtures and random ones), and on the public corpus when CORPUS_DIR is set. One test file
// per model (equality-*.test.ts) keeps each within the runner's time limit.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import type { Tokenizer } from 'tokenizers'
import type { Conversation } from '../../../src/validation/turns/turn.js'
import { fullReferenceTokenizer, MODEL_IDS, random, randomConversation, randomText, referenceCount, referenceTokenizer, testModel } from './support.js'

type Model = Awaited<ReturnType<typeof testModel>>

const FIXTURES: Array<{ name: string, conversation: Conversation }> = JSON.parse(readFileSync(new URL('../../fixtures/models/conversations.json', import.meta.url), 'utf8'))

/**
 * The contract's counts computed with the reference alone: the rendered text tokenized whole
 * (its special tokens all come from the template: the conversation's content has none), and each
 * trained turn as tokens(text through its end-of-turn token) − tokens(prefix).
 */
async function referenceCounts (model: Model, full: Tokenizer, conversation: Conversation): Promise<{ tokens: number, assistantTokens: number }> {
  const text = model.renderText(conversation, false)
  const specials = model.manifest.spec.specialTokens
  const spans: Array<[number, number]> = []
  for (let i = 0; i < conversation.turns.length; i++) {
    const turn = conversation.turns[i]
    if (turn.role !== 'assistant' || turn.weight !== 1) continue
    const cut = turnStart(text, model.renderText(conversation, true, i), specials)
    // The end-of-turn token: the first special token after the prefix (the longest of those starting there).
    let start = text.length
    let end = text.length
    for (const special of specials) {
      const at = text.indexOf(special, cut)
      if (at !== -1 && (at < start || (at === start && at + special.length > end))) {
        start = at
        end = at + special.length
      }
    }
    spans.push([cut, end])
  }
  const counts = (await full.encodeBatch([text, ...spans.flatMap(([cut, end]) => [text.slice(0, end), text.slice(0, cut)])], { addSpecialTokens: false })).map(e => e.getLength())
  let assistantTokens = 0
  for (let k = 0; k < spans.length; k++) assistantTokens += counts[1 + 2 * k] - counts[2 + 2 * k]
  return { tokens: counts[0], assistantTokens }
}

/** Where turn i starts in the full text (chat.ts): after its prefix, or after as many special tokens as the prefix holds and the prefix's last text. */
function turnStart (text: string, prefix: string, specials: readonly string[]): number {
  if (text.startsWith(prefix)) return prefix.length
  const ends = (s: string) => {
    const found: number[] = []
    const pattern = new RegExp(specials.map(x => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).sort((a, b) => b.length - a.length).join('|'), 'g')
    for (const match of s.matchAll(pattern)) found.push(match.index + match[0].length)
    return found
  }
  const inPrefix = ends(prefix)
  const tail = inPrefix.length ? inPrefix[inPrefix.length - 1] : 0
  const at = inPrefix.length ? ends(text)[inPrefix.length - 1] : 0
  if (at === undefined || !text.startsWith(prefix.slice(tail), at)) throw new Error('the turn is not found in the text')
  return at + prefix.length - tail
}

/**
 * The tokens of a conversation whose content holds special-token strings, with the reference:
 * the template's special tokens are where a render of the conversation with those strings
 * blanked out (same length) has them; the text between counts as plain text.
 */
async function splitReferenceCount (model: Model, plain: Tokenizer, conversation: Conversation): Promise<number> {
  const specials = model.manifest.spec.specialTokens
  const pattern = new RegExp(specials.map(x => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).sort((a, b) => b.length - a.length).join('|'), 'g')
  const blank = (text: string) => text.replace(pattern, match => 'x'.repeat(match.length))
  const blanked: Conversation = { ...conversation, turns: conversation.turns.map(turn => ({
    ...turn,
    content: blank(turn.content),
    reasoning: turn.reasoning && blank(turn.reasoning),
    tool_calls: turn.tool_calls && turn.tool_calls.map(call => ({ ...call, name: blank(call.name), arguments: blank(call.arguments) }))
  })) }
  const text = model.renderText(conversation, false)
  const positions = Array.from(model.renderText(blanked, false).matchAll(pattern), match => [match.index, match.index + match[0].length])
  let count = 0
  let at = 0
  for (const [start, end] of positions) {
    count += await referenceCount(plain, text.slice(at, start)) + 1
    at = end
  }
  return count + await referenceCount(plain, text.slice(at))
}

const contentOf = (conversation: Conversation) => conversation.turns.flatMap(turn => [turn.content, turn.reasoning ?? '', ...(turn.tool_calls ?? []).flatMap(call => [call.name, call.arguments])])

export function equalityTests (id: string): void {
  // Tens of thousands of reference encodings: a minute or more on a busy 2-core machine.
  t.setTimeout(600_000)
  t.test(`${id}: 10,000 random strings count as the reference counts them`, async t => {
    const model = await testModel(id)
    const plain = referenceTokenizer(id)
    const next = random(7 + id.length)
    const texts = Array.from({ length: 10_000 }, () => randomText(next))
    const theirs = (await plain.encodeBatch(texts, { addSpecialTokens: false })).map(encoding => encoding.getLength())
    let same = 0
    texts.forEach((text, i) => {
      const ours = model.countText(text)
      if (ours === theirs[i]) same++
      else if (same + 5 > i) t.equal(ours, theirs[i], JSON.stringify(text))
    })
    t.equal(same, texts.length, 'every string')
  })

  t.test(`${id}: rendered conversations count as the reference counts them`, async t => {
    const model = await testModel(id)
    const full = fullReferenceTokenizer(id)
    const plain = referenceTokenizer(id)
    const next = random(31 + id.length)
    const conversations = [...FIXTURES.map(f => f.conversation), ...Array.from({ length: 200 }, (_, i) => randomConversation(next, id === 'gemma-3' && i % 4 !== 0))]
    let compared = 0
    let raised = 0
    let withSpecials = 0
    for (const [k, conversation] of conversations.entries()) {
      const ours = model.countConversation(conversation)
      if (conversation.text !== null) {
        const tokens = await referenceCount(plain, conversation.text)
        t.same(ours, { tokens, assistantTokens: tokens, templateError: null }, 'a text record: its text alone, all trained')
        continue
      }
      let rendered: string | null = null
      try {
        rendered = model.renderText(conversation, false)
      } catch (error) {
        t.equal(ours.templateError, (error as Error).message, `conversation ${k}: template_error is the template's message`)
        raised++
        continue
      }
      t.ok(rendered)
      if (contentOf(conversation).some(text => model.hasSpecialToken(text))) {
        const theirs = await splitReferenceCount(model, plain, conversation)
        t.equal(ours.tokens, theirs, `conversation ${k}, content holding special-token strings`)
        withSpecials++
        continue
      }
      let theirs
      try {
        theirs = await referenceCounts(model, full, conversation)
      } catch {
        // A prefix the template refuses (Qwen 3 with no user turn before an assistant turn): the
        // turn trains its span of the full text, which the template rendered (chat.ts, turnStarts).
        t.equal(ours.templateError, null, `conversation ${k}: a prefix the template refuses leaves the full text's count`)
        t.equal(ours.tokens, await referenceCount(full, rendered), `conversation ${k}: tokens of the full text`)
        raised++
        continue
      }
      t.same({ tokens: ours.tokens, assistantTokens: ours.assistantTokens, templateError: ours.templateError }, { ...theirs, templateError: null }, `conversation ${k}`)
      compared++
    }
    t.comment(`${compared} compared with the reference, ${raised} refused by the template, ${withSpecials} with special-token strings in content`)
    t.ok(compared > 100)
  })
}

export function corpusTests (): void {
  t.setTimeout(1_200_000)
  const CORPUS = process.env.CORPUS_DIR
  t.test('the public corpus counts as the reference counts it', { skip: CORPUS ? false : 'CORPUS_DIR is not set' }, async t => {
    if (!CORPUS || !existsSync(CORPUS)) throw new Error(`no corpus at ${CORPUS}`)
    const files = readdirSync(CORPUS).filter(file => /\.jsonl(\.gz)?$/.test(file))
    for (const id of MODEL_IDS) {
      const model = await testModel(id)
      const full = fullReferenceTokenizer(id)
      const plain = referenceTokenizer(id)
      for (const file of files) {
        const raw = readFileSync(join(CORPUS, file))
        let conversations = 0
        let mismatches = 0
        for (const line of (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n')) {
          if (!line.trim()) continue
          const record = JSON.parse(line)
          if (!Array.isArray(record.turns)) continue
          const conversation: Conversation = {
            turns: record.turns.map((turn: { role: string, content: string }) => ({ role: turn.role, content: turn.content, tool_calls: null, reasoning: null, weight: 1, tool_call_id: null })),
            tools: null,
            text: null
          }
          for (const text of contentOf(conversation)) if (model.countText(text) !== await referenceCount(plain, text)) mismatches++
          const ours = model.countConversation(conversation)
          if (ours.templateError === null && !contentOf(conversation).some(text => model.hasSpecialToken(text))) {
            const theirs = await referenceCounts(model, full, conversation)
            if (ours.tokens !== theirs.tokens || ours.assistantTokens !== theirs.assistantTokens) mismatches++
          }
          conversations++
        }
        t.equal(mismatches, 0, `${id} ${file}: ${conversations} conversations, their contents and rendered counts`)
      }
    }
  })
}

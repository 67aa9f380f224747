import { equalityTests } from './equality.js'

equalityTests('gemma-3')

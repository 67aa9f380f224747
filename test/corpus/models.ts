// Runs when CORPUS_DIR names the public corpus (../shared/corpus/public): read there, never copied.
import { corpusTests } from '../validation/models/equality.js'

corpusTests()

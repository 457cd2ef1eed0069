/**
 * What a decoder needs from a character language model. The LSTM (lstmModel.ts, the typed-array
 * inference engine), the n-gram (lm/ngram.ts) and the mixture that serves completions
 * (lm/mixture.ts) implement it, so they are decoded the same way.
 * States are immutable values: `advance` returns new states and never changes its inputs.
 */
export interface CharModel<S> {
  readonly vocabSize: number;
  /** The state before any character has been read. */
  initialState(): S;
  /** Reads one character id per state (a batch, e.g. the beams); returns the new states. */
  advance(states: S[], ids: number[]): S[];
  /** Natural-log probabilities of the next character, one Float32Array(vocabSize) per state. */
  logProbs(states: S[]): Float32Array[];
}

/**
 * A model with per-document memory (the mixture's document cache): told the text before the
 * cursor before each decode, and when a document closes.
 */
export interface DocumentAware<S> {
  observe(docKey: string, offset: number, prefix: string): void;
  forget(docKey: string): void;
  /** The state for reading from the middle of a document (default: initialState). */
  midState(): S;
}

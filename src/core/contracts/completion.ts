/**
 * What a completion is asked with and answers: the contract of the Completer (../complete/completer.ts),
 * carried as is by the worker's messages (src/protocol/worker.ts) and the extension's client.
 * Types only (no Node), so the webview's build can check the protocol that names them.
 */
import type { CompletionConfig } from './config';

export interface CompleteRequest {
  /** Identifies the document (its URI); states are cached per document. */
  docKey: string;
  /** Text before the cursor: at least `contextChars` characters when there are that many. */
  prefix: string;
  /** Offset of the cursor in the document; default prefix.length (the prefix starts the document). */
  offset?: number;
  /** The rest of the line after the cursor. */
  suffix?: string;
}

/** What the user's settings say about a request; minConfidence undefined: the model's calibrated threshold. */
export type CompletionSettings = Pick<CompletionConfig, 'maxChars' | 'minConfidence' | 'contextChars'> &
  Partial<Pick<CompletionConfig, 'length' | 'maxContinuationChars' | 'continuationMinConfidence'>>;

/** A request as the editor asks it: where, and with what settings (the worker's `complete` message). */
export type CompletionQuery = Required<CompleteRequest> & { settings: CompletionSettings };

/** Everything a completion is decided with (the settings resolved, and the beam width). */
export interface CompleteOptions extends Required<Omit<CompletionSettings, 'continuationMinConfidence'>> {
  beamWidth: number;
  /**
   * The threshold of the ghost past the token (on the probability that the whole ghost is right);
   * undefined: the model's calibrated one (no continuation when the model has none).
   */
  continuationMinConfidence?: number;
}

export interface CompleteResult {
  /** The rest of the token (empty = abstain). */
  completion: string;
  /** Probability of the completed token (0 when abstaining). */
  confidence: number;
  /** UTF-16 length of the part of the token already typed before the cursor. */
  typedLength: number;
  /** Why there is no completion, when there is none. */
  reason?: string;
  /** Characters read to build the state (0 when fully cached), and decoder steps. */
  charsRead: number;
  decodeSteps: number;
  cancelled?: boolean;
  /** The threshold the request was decided with (the model's calibrated one unless set). */
  threshold?: number;
  /** Other distinct tokens worth showing, best first (VS Code's next/previous suggestion). */
  alternatives?: { completion: string; confidence: number }[];
  /**
   * The ghost past the token (length 'line'): what follows `completion` (or the token already
   * typed, when `completion` is empty) up to a token boundary, on the same line; absent when none.
   */
  continuation?: string;
  /** The probability that `completion` + `continuation` is right, as calibrated. */
  continuationConfidence?: number;
}

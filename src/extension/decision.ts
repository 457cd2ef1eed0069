/**
 * The provider's last decision (what it showed, or why it showed nothing), for the status bar's
 * tooltip and "CharRNN: Explain last completion". Pure: no `vscode` import, unit-tested.
 */

export type DecisionCode =
  | 'shown'
  | 'shown-on-request'
  | 'no-model'
  | 'disabled'
  | 'snoozed'
  | 'language-off'
  | 'manual'
  | 'in-comment'
  | 'in-string'
  | 'line-too-long'
  | 'binary'
  | 'document-too-large'
  | 'no-token'
  | 'below-threshold'
  | 'model-abstained'
  | 'suggest-widget'
  | 'cancelled'
  | 'no-answer'
  | 'error';

export interface Candidate {
  completion: string;
  confidence: number;
}

export interface Decision {
  /** ms since the epoch. */
  at: number;
  code: DecisionCode;
  docKey: string;
  languageId: string;
  /** 0-based position of the cursor. */
  line: number;
  character: number;
  /** Text of the reason given by the model or the token rules, when there is one. */
  detail?: string;
  completion?: string;
  confidence?: number;
  /** The threshold decided with: completion.minConfidence, or the model's calibrated one. */
  threshold?: number;
  /** Round trip to the worker, ms. */
  ms?: number;
  /** Snooze end, for 'snoozed'. */
  until?: number;
  /** The best candidates with their probabilities, when known. */
  candidates?: Candidate[];
}

/**
 * A probability in percent: one decimal under 10%, none above, except that nothing under 1 reads
 * "100%" (0.996 is "99.6%", 0.9999 is ">99.9%").
 */
export function pct(p: number): string {
  const whole = (100 * p).toFixed(p < 0.1 ? 1 : 0);
  if (p >= 1 || whole !== '100') return `${whole}%`;
  const one = (100 * p).toFixed(1);
  return one === '100.0' ? '>99.9%' : `${one}%`;
}
const time = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** One sentence: what happened and why. */
export function reasonText(d: Decision): string {
  switch (d.code) {
    case 'shown':
      return `Showed "${d.completion}" with probability ${pct(d.confidence ?? 0)} (threshold ${pct(d.threshold ?? 0)}).`;
    case 'shown-on-request':
      return `Showed "${d.completion}" because it was asked for (Suggest completion, or Alt+] for the next one): probability ${pct(d.confidence ?? 0)}, under the threshold ${pct(d.threshold ?? 0)} that completions shown while typing need.`;
    case 'no-model':
      return 'No model yet: train one with "CharRNN: Train on workspace", or point charrnn.modelPath at a checkpoint.';
    case 'disabled':
      return 'Completions are off (charrnn.completion.enabled).';
    case 'snoozed':
      return `Completions are snoozed${d.until ? ` until ${time(d.until)}` : ''} ("CharRNN: Resume completions" ends it).`;
    case 'language-off':
      return `Completions are off for ${d.languageId} (charrnn.completion.disabledLanguages).`;
    case 'manual':
      return 'Manual mode: completions come only when asked with "CharRNN: Suggest completion" (charrnn.completion.trigger).';
    case 'in-comment':
      return 'The cursor is in a comment, and charrnn.completion.inComments is off.';
    case 'in-string':
      return 'The cursor is in a string, and charrnn.completion.inStrings is off.';
    case 'line-too-long':
      return 'The line is too long (minified or generated text).';
    case 'binary':
      return 'The line looks binary.';
    case 'document-too-large':
      return 'The document is too large.';
    case 'no-token':
      return `Nothing to complete here: ${d.detail ?? 'no token at the cursor'}.`;
    case 'below-threshold': {
      const best = d.candidates?.[0];
      return best
        ? `Below the threshold: the best candidate "${best.completion}" has probability ${pct(best.confidence)}, under the threshold ${pct(d.threshold ?? 0)} (the model's, calibrated for 90% precision, unless charrnn.completion.minConfidence sets one).`
        : `Below the threshold: no token reaches the threshold ${pct(d.threshold ?? 0)} (the model's, calibrated for 90% precision, unless charrnn.completion.minConfidence sets one).`;
    }
    case 'model-abstained':
      return `The model abstained: ${d.detail ?? 'no reason given'}.`;
    case 'suggest-widget':
      return `The suggest list is open with ${d.detail ? `"${d.detail}"` : 'another item'} selected, and while it is open Tab inserts the list's item, not the ghost text: "${d.completion ?? ''}" was not shown (it shows once the list closes or selects it).`;
    case 'cancelled':
      return 'Cancelled: the text or the cursor changed before the model answered.';
    case 'no-answer':
      return `The completion worker gave no answer (starting, loading the model, or timed out)${d.detail ? `: ${d.detail}` : ''}.`;
    case 'error':
      return `Error: ${d.detail ?? 'unknown'}.`;
  }
}

/** The explanation shown by "Explain last completion": the reason, then the candidates. */
export function explain(d: Decision | undefined): string {
  if (!d) return 'No completion was requested yet in this window.';
  const where = `line ${d.line + 1}, column ${d.character + 1} (${d.languageId}) at ${time(d.at)}`;
  const lines = [`${reasonText(d)} [${where}${d.ms !== undefined ? `, ${Math.round(d.ms)} ms` : ''}]`];
  const cands = d.candidates?.filter((c) => c.completion !== '') ?? [];
  if (cands.length) {
    lines.push(`Candidates: ${cands.map((c) => `"${c.completion}" ${pct(c.confidence)}`).join(', ')}.`);
  }
  return lines.join('\n');
}

/** Maps the worker's reason for an empty completion to a decision code. */
export function codeForModelReason(reason: string | undefined): DecisionCode {
  if (!reason) return 'model-abstained';
  if (/minimum confidence|threshold/i.test(reason)) return 'below-threshold';
  if (/^cancel|superseded/i.test(reason)) return 'cancelled';
  if (/^no model/i.test(reason)) return 'no-model';
  return 'model-abstained';
}

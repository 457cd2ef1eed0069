/**
 * The user's controls over completions: on/off, snooze for N minutes and resume, on/off for the
 * current language, suggest now (manual mode's command, with its own keybinding), and "Explain last
 * completion" (the last decision with its reason and the candidates with their probabilities).
 */
import * as vscode from 'vscode';
import { MAX_CACHE_CHARS } from '../core/lm/mixture';
import type { Snooze } from './snooze';
import type { CharRnnCompletionProvider } from './completionProvider';
import type { CompletionSource } from './completionProvider';
import { readCompletionConfig, updateWhereSet } from './settings';
import { explain, type Decision } from './decision';

export const SNOOZE_CHOICES_MIN = [5, 15, 30, 60] as const;

export interface ControlDeps {
  snooze: Snooze;
  provider: Pick<CharRnnCompletionProvider, 'lastDecision'>;
  client: CompletionSource;
  log: vscode.LogOutputChannel;
}

export function registerControlCommands(deps: ControlDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('charrnn.toggleCompletions', async () => {
      const enabled = !vscode.workspace.getConfiguration('charrnn').get<boolean>('completion.enabled', true);
      await updateWhereSet('completion.enabled', enabled);
      void vscode.window.setStatusBarMessage(`CharRNN completions ${enabled ? 'on' : 'off'}`, 2000);
    }),
    // Arguments (for keybindings and tests): a number of minutes, or { minutes }.
    vscode.commands.registerCommand('charrnn.snooze', async (arg?: number | { minutes?: number }) => {
      let minutes = typeof arg === 'number' ? arg : arg?.minutes;
      if (minutes === undefined) {
        const pick = await vscode.window.showQuickPick(
          SNOOZE_CHOICES_MIN.map((m) => ({ label: m < 60 ? `${m} minutes` : '1 hour', minutes: m })),
          { title: 'Snooze CharRNN completions for' },
        );
        minutes = pick?.minutes;
      }
      if (minutes === undefined || !Number.isFinite(minutes) || minutes <= 0) return false;
      deps.snooze.snooze(minutes);
      void vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
      void vscode.window.setStatusBarMessage(`CharRNN completions snoozed for ${formatMinutes(minutes)}`, 3000);
      return true;
    }),
    vscode.commands.registerCommand('charrnn.unsnooze', () => {
      deps.snooze.cancel();
      void vscode.window.setStatusBarMessage('CharRNN completions are back', 2000);
    }),
    vscode.commands.registerCommand('charrnn.toggleLanguage', async (languageId?: string) => {
      const lang = typeof languageId === 'string' ? languageId : vscode.window.activeTextEditor?.document.languageId;
      if (!lang) {
        void vscode.window.showInformationMessage('CharRNN: open a file to turn completions on or off for its language.');
        return undefined;
      }
      const current = readCompletionConfig().value.disabledLanguages;
      const off = current.includes(lang);
      await updateWhereSet('completion.disabledLanguages', off ? current.filter((l) => l !== lang) : [...current, lang]);
      void vscode.window.setStatusBarMessage(`CharRNN completions ${off ? 'on' : 'off'} for ${lang}`, 2500);
      return !off ? 'off' : 'on';
    }),
    vscode.commands.registerCommand('charrnn.suggest', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
    // { quiet: true } returns the text without a notification (tests).
    vscode.commands.registerCommand('charrnn.explain', async (arg?: { quiet?: boolean }) => {
      const d = await withCandidates(deps.provider.lastDecision, deps.client);
      const text = explain(d);
      deps.log.info(`explain: ${text.replace(/\n/g, ' ')}`);
      if (!arg?.quiet) {
        void vscode.window.showInformationMessage(`CharRNN: ${text.replace(/\n/g, ' ')}`, 'Show log').then((pick) => pick && deps.log.show());
      }
      return text;
    }),
  ];
}

function formatMinutes(m: number): string {
  if (m < 1) return `${Math.round(m * 60)} seconds`;
  return m === 60 ? '1 hour' : `${+m.toFixed(1)} minutes`;
}

/**
 * For an abstention where the model had candidates (below the threshold), asks again at the same
 * place with no threshold, so the explanation can name the best candidate and its probability.
 * The worker resumes from its cached state: cheap. Returns the decision unchanged otherwise.
 */
async function withCandidates(d: Decision | undefined, client: CompletionSource): Promise<Decision | undefined> {
  if (!d || d.code !== 'below-threshold' || d.candidates?.length) return d;
  const doc = vscode.workspace.textDocuments.find((x) => x.uri.toString() === d.docKey);
  if (!doc || d.line >= doc.lineCount) return d;
  const position = new vscode.Position(d.line, Math.min(d.character, doc.lineAt(d.line).text.length));
  const s = readCompletionConfig(doc).value;
  const offset = doc.offsetAt(position);
  // As the provider asks: the whole text before the cursor (the document cache reads it).
  const prefix = doc.getText(new vscode.Range(doc.positionAt(Math.max(0, offset - MAX_CACHE_CHARS)), position));
  const answer = await client.complete({
    docKey: d.docKey,
    offset,
    prefix,
    suffix: doc.lineAt(d.line).text.slice(position.character),
    settings: { maxChars: s.maxChars, minConfidence: 0, contextChars: s.contextChars },
  });
  if (!answer) return d;
  const best = answer.completion ? [{ completion: answer.completion, confidence: answer.confidence }] : [];
  const others = (answer.alternatives ?? []).filter((a) => a.completion !== answer.completion);
  return { ...d, candidates: [...best, ...others] };
}

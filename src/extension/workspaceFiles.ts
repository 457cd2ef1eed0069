/**
 * Which saved files count as the workspace's code (pure, unit-tested): the editor's own files
 * (.vscode/settings.json that the panel writes, launch.json, ...) and version control's are not
 * what the model learns, so saving them is not "a file the LSTM has not seen".
 */

/** Folders whose files are the tools', not the project's code. */
const TOOL_FOLDERS = new Set(['.vscode', '.git', '.hg', '.svn', '.idea', 'node_modules']);

/** `relativePath`: the file's path inside its workspace folder ('/' or '\\' separated). */
export function countsAsCode(relativePath: string): boolean {
  return !relativePath.split(/[\\/]/).some((segment) => TOOL_FOLDERS.has(segment));
}

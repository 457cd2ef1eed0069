/** The training panel's page (the webview's HTML), its view type and title. */

export const PANEL_VIEW_TYPE = 'charrnn.trainingPanel';
export const PANEL_TITLE = 'CharRNN Training';

/**
 * The panel's page: a strict Content-Security-Policy, one stylesheet from media/, one script
 * from dist/ with a nonce. The webview script builds the rest (no inline handlers, no remote
 * content). Styles of the web components and of the chart are constructed stylesheets.
 */
export function panelHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.styleUri}" nonce="${o.nonce}">
<title>${PANEL_TITLE}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading the training panel…</p></main>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}


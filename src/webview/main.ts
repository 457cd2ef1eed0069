// Webview script entry: filled in by the panel work.
export {};

// webpack's `{ test: /\.css$/, type: 'asset/source' }` rule gives a CSS file's text as a string.
declare module '*.css' {
  const css: string;
  export default css;
}

// Six bundles: the extension (runs in the extension host), the trainer child process, the
// completion worker thread, the CLI, the benchmark (all target node; the benchmark stays out of the
// .vsix), and the webview script (target web).
// `vscode` is provided by the host; `@tensorflow/tfjs-node` is an optional native module that is
// loaded at run time when present and never bundled. The wasm binaries of tfjs-backend-wasm are
// copied next to the bundles (dist/) and found there at run time (see src/core/lstm/engine/backend.ts).
'use strict';
const path = require('path');
const webpack = require('webpack');
const CopyPlugin = require('copy-webpack-plugin');

const nodeExternals = {
  vscode: 'commonjs vscode',
  '@tensorflow/tfjs-node': 'commonjs @tensorflow/tfjs-node',
};

/** @type {(env: unknown, argv: {mode?: string}) => import('webpack').Configuration[]} */
module.exports = (_env, argv) => {
  const mode = argv.mode === 'development' ? 'development' : 'production';
  const common = {
    mode,
    devtool: 'source-map',
    resolve: { extensions: ['.ts', '.js'] },
    output: {
      path: path.resolve(__dirname, 'dist'),
      filename: '[name].js',
      devtoolModuleFilenameTemplate: '../[resource-path]',
    },
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    stats: 'errors-warnings',
  };
  const tsRule = (configFile) => ({
    test: /\.ts$/,
    exclude: /node_modules/,
    use: [{ loader: 'ts-loader', options: { configFile, transpileOnly: false } }],
  });

  const node = {
    ...common,
    name: 'node',
    target: 'node20',
    entry: {
      extension: './src/extension/extension.ts',
      trainer: './src/trainer/main.ts',
      worker: './src/worker/main.ts',
      cli: './src/cli/main.ts',
      // The benchmark's own program; .vscodeignore keeps it out of the .vsix.
      bench: './bench/main.ts',
    },
    output: { ...common.output, libraryTarget: 'commonjs2' },
    externals: nodeExternals,
    node: { __dirname: false, __filename: false },
    module: { rules: [tsRule(path.resolve(__dirname, 'tsconfig.json'))] },
    plugins: [
      new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true, include: /^(cli|bench)\.js$/ }),
      new CopyPlugin({
        patterns: [
          { from: 'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm', to: '[name][ext]' },
          // The emscripten loader that the 2-thread shim (src/core/lstm/engine/wasmThreads.ts) hands to
          // the pthread workers; without it the engine runs on one thread.
          { from: 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js', to: '[name][ext]' },
        ],
      }),
    ],
    // tfjs-backend-wasm's emscripten loaders reference optional modules that do not exist in Node.
    ignoreWarnings: [/Critical dependency/, /Can't resolve '(perf_hooks|worker_threads|fs|path|crypto)'/],
  };

  const web = {
    ...common,
    name: 'webview',
    target: 'web',
    entry: { webview: './src/webview/main.ts' },
    module: {
      rules: [
        tsRule(path.resolve(__dirname, 'tsconfig.webview.json')),
        { test: /\.css$/, type: 'asset/source' },
      ],
    },
  };
  return [node, web];
};

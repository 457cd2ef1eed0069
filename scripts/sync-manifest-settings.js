#!/usr/bin/env node
// Writes package.json's contributes.configuration and
// capabilities.untrustedWorkspaces.restrictedConfigurations from the settings table
// (src/core/contracts/config.ts, compiled by `npm run compile-tests` to out/). test/unit/manifest.test.ts
// fails when they disagree; run `npm run compile-tests && node scripts/sync-manifest-settings.js`.
'use strict';
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const { SETTINGS, RESTRICTED_SETTINGS, settingScope } = require(path.join(REPO, 'out', 'src', 'core', 'contracts', 'config.js'));
const file = path.join(REPO, 'package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));

const properties = {};
for (const [key, spec] of Object.entries(SETTINGS)) {
  const p = { type: spec.type, default: spec.default, description: spec.description };
  if (spec.markdownDescription) p.markdownDescription = spec.markdownDescription;
  if (spec.minimum !== undefined) p.minimum = spec.minimum;
  if (spec.maximum !== undefined) p.maximum = spec.maximum;
  if (spec.enum) p.enum = [...spec.enum];
  if (spec.type === 'array') p.items = { type: 'string' };
  p.scope = settingScope(key);
  properties[`charrnn.${key}`] = p;
}
const conf = pkg.contributes.configuration;
const section = Array.isArray(conf) ? conf[0] : conf;
section.properties = properties;
pkg.capabilities.untrustedWorkspaces.restrictedConfigurations = RESTRICTED_SETTINGS.map((k) => `charrnn.${k}`);
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log(`package.json: ${Object.keys(properties).length} settings, ${RESTRICTED_SETTINGS.length} restricted`);

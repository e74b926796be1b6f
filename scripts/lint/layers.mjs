// ESLint rule "layers/imports": each folder of the product may import only what its layer allows
// (design.md, "Shape of the code"). The import is resolved against the importing file, so a
// relative path is judged by where it lands, not by how it is spelt. The table is in
// eslint.config.mjs; this file only applies it.
import { dirname, relative, resolve, sep } from 'node:path';

/** The layer (a folder of the repository) that a repository path belongs to, or undefined. */
function layerOf(layers, path) {
  const p = path.split(sep).join('/');
  let best;
  for (const name of Object.keys(layers)) {
    if ((p === name || p.startsWith(`${name}/`)) && (best === undefined || name.length > best.length)) best = name;
  }
  return best;
}

/** 'lit/decorators.js' → 'lit'; '@tensorflow/tfjs' → '@tensorflow/tfjs'; 'node:fs/promises' → 'node:fs'. */
function packageOf(spec) {
  if (spec.startsWith('node:')) return spec.split('/')[0];
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function matches(patterns, name) {
  return (patterns ?? []).some((p) => (p.endsWith('/*') ? name.startsWith(p.slice(0, -1)) : p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

export const layersPlugin = {
  rules: {
    imports: {
      meta: {
        type: 'problem',
        docs: { description: 'imports must respect the layer boundaries of the code base' },
        schema: [{ type: 'object', properties: { root: { type: 'string' }, layers: { type: 'object' } }, required: ['root', 'layers'], additionalProperties: false }],
        messages: {
          layer: '{{from}} must not import {{to}}{{why}}',
          package: '{{from}} must not import the package "{{pkg}}"{{why}}',
        },
      },
      create(context) {
        const { root, layers } = context.options[0];
        const file = relative(root, context.filename);
        const from = layerOf(layers, file);
        if (from === undefined) return {};
        const rule = layers[from];

        function check(node, spec, typeOnly) {
          if (typeof spec !== 'string') return;
          const why = rule.why ? ` (${rule.why})` : '';
          if (spec.startsWith('.')) {
            const target = relative(root, resolve(dirname(context.filename), spec));
            const to = layerOf(layers, target);
            if (to === undefined || to === from) return;
            const allowed = rule.mayImport?.includes(to) || (typeOnly && rule.mayImportTypes?.includes(to)) || (rule.mayImportValues?.[to] ?? []).some((m) => target.split(sep).join('/').replace(/\.js$/, '.ts') === m);
            if (!allowed) context.report({ node, messageId: 'layer', data: { from, to: typeOnly ? `types from ${to}` : to, why } });
            return;
          }
          const pkg = packageOf(spec);
          const denied = rule.packages ? !matches(rule.packages, pkg) : matches(rule.deniedPackages, pkg);
          if (denied && !(typeOnly && matches(rule.typePackages, pkg))) context.report({ node, messageId: 'package', data: { from, pkg, why } });
        }

        const isTypeOnly = (node) => node.importKind === 'type' || node.exportKind === 'type' || (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
        return {
          ImportDeclaration: (node) => check(node, node.source.value, isTypeOnly(node)),
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, isTypeOnly(node)),
          ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
          ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
          TSImportType: (node) => {
            const arg = node.argument?.literal ?? node.argument;
            if (arg?.type === 'Literal') check(node, arg.value, true);
          },
        };
      },
    },
  },
};

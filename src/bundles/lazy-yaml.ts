// The YAML parser for code that loads it only when needed (`await import('../bundles/lazy-yaml.js')`). Not
// `import('yaml')` itself: yaml is CommonJS for Node, and esbuild's code splitting gives a dynamic import of a
// CommonJS module only a default export, so its named functions would be undefined in the bundle.
export {parse, parseAllDocuments} from 'yaml'

